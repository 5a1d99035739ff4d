"""What the coded data can identify, factor by factor, before any posterior is looked at.

The question is linear-algebraic: the model's linear predictor for the 6 x M stream
observations is ``eta = Z theta`` with columns for the six block baselines ``alpha[p,s]``,
the 24 factor codes (each in its own phase x stream block), the municipality propensities
``u[m]`` and the coupling ``kappa[s] * agenda_window[m]`` in the institutionalisation
blocks. A factor's coefficient is identified by the likelihood only if its column of ``Z``
is not a linear combination of the other columns; otherwise the data inform only a
combination of coefficients and the split between them comes from the prior.

The rule (:func:`factor_identification`):

* **not identified** -- the factor's column is linearly dependent on the others on the
  full data. The usual case is a factor with one level only: coded +1 (or -1) everywhere
  its coefficient is confounded with the block baseline alpha; coded 0 everywhere it never
  enters the likelihood. The same holds when its codes are an exact linear combination of
  other factors of its block (e.g. identical to another factor): then only their joint
  effect is identified.
* **weakly identified** -- identified on all municipalities, but dropping a single
  municipality would make it not identified: a level seen in one municipality only, codes
  that differ from another factor's in one municipality only, or a block with as many
  coefficients as municipalities. Its separate effect then rests on that one case.
* **identified** -- it stays separable without any single municipality.

Identification says nothing about *how much* the data say (with binary outcomes and
near-separation the information can be small even when identified); the posterior
contrasts in :mod:`policy_windows.summaries.evidence` say that.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import numpy as np
import pandas as pd

from policy_windows.constants import CODES, PHASES, STREAMS
from policy_windows.data.design import ModelData
from policy_windows.summaries.evidence import readable

LEVEL_NAMES: dict[int, str] = {-1: "lacking (-1)", 0: "not reported (0)", 1: "present (+1)"}
LEVEL_LABELS: dict[int, str] = {-1: "-1", 0: "0", 1: "+1"}
_TOL = 1e-9
#: A municipality's rows carry a direction of the centred design alone when its leverage is this close to 1.
_LEVERAGE_TOL = 1e-8


def _theta_design(data: ModelData, coupling: bool, reported: bool) -> tuple[np.ndarray, list[str]]:
    """The design's columns other than the propensities, per municipality and phase x stream
    cell: an array (municipality, cell, column) with a readable label per column. Columns: 6
    baselines, factors, couplings and, for the reported-indicator coding, one "reported"
    column |x| per factor."""
    n_groups = len(PHASES) * len(STREAMS)
    n_mun = data.x.shape[0]
    labels = [f"the {g.replace('/', ' ')} baseline" for g in data.coords["group"]] + list(data.factors)
    blocks = [np.broadcast_to(np.eye(n_groups), (n_mun, n_groups, n_groups))]
    in_group = np.asarray(data.factor_group)[None, :] == np.arange(n_groups)[:, None]  # (cell, factor)
    blocks.append(in_group[None, :, :] * data.x[:, None, :])
    if coupling:
        labels += [f"the coupling to the agenda window ({s})" for s in STREAMS]
        cells = np.arange(n_groups)[:, None] == len(STREAMS) + np.arange(len(STREAMS))[None, :]  # (cell, stream)
        blocks.append(cells[None, :, :] * np.asarray(data.agenda_window, dtype=float)[:, None, None])
    if reported:
        labels += [f"whether {f} was reported at all" for f in data.factors]
        blocks.append(in_group[None, :, :] * np.abs(data.x)[:, None, :])
    return np.concatenate(blocks, axis=2).astype(float), labels


class _NullSpace:
    """The dependence among the design's columns, on all municipalities and without any one.

    The joint design ``Z`` of the linear predictor (one row per stream observation) has the
    columns of :func:`_theta_design` and, with propensities, one column per municipality. A
    vector (theta, u) is in the null space of ``Z`` iff theta is in the null space of the
    design with each municipality's rows centred (its propensity absorbs their mean) and
    u[m] = -(mean of municipality m's rows of ``Z_theta``) theta. So the null space comes from
    a design with about 30 columns instead of 30 + M. Dropping a municipality removes only its
    rows (and its propensity): a direction of the centred design becomes null exactly when
    that municipality's rows carry all of it (leverage 1), which one SVD shows for every
    municipality at once. Cost: linear in M (it was a null space of a 6M x (33 + M) matrix per
    municipality).

    :meth:`projection` is the block of the orthogonal projection onto the null space of the
    full ``Z`` that belongs to the non-propensity columns: entry (j, j) > 0 iff column j is not
    identified, and (j, k) != 0 names the columns it is confounded with (basis-independent).
    """

    def __init__(self, z: np.ndarray, municipality_effect: bool):
        n_mun, self.n_rows, n_cols = z.shape
        self.means = z.mean(axis=1) if municipality_effect else np.zeros((n_mun, n_cols))
        centred = (z - self.means[:, None, :]).reshape(-1, n_cols)
        # every right singular vector (more columns than rows with few municipalities), the
        # left ones only for the rank (their number grows with M)
        u, s, vt = np.linalg.svd(centred, full_matrices=False)
        if centred.shape[0] < n_cols:
            vt = np.linalg.svd(centred, full_matrices=True)[2]
        # the rank tolerance scipy.linalg.null_space would use on the full Z
        size = max(centred.shape[0], n_cols + (n_mun if municipality_effect else 0))
        rank = int((s > size * np.finfo(float).eps * (s[0] if s.size else 0.0)).sum())
        self.u, self.s, self.v = u[:, :rank], s[:rank], vt[:rank].T
        self.basis = vt[rank:].T  # orthonormal basis of the centred design's null space

    def _projection(self, basis: np.ndarray, means: np.ndarray) -> np.ndarray:
        if basis.size == 0:
            return np.zeros((basis.shape[0], basis.shape[0]))
        shift = means @ basis  # -u of each null vector
        gram = np.eye(basis.shape[1]) + shift.T @ shift
        return basis @ np.linalg.solve(gram, basis.T)

    def projection(self) -> np.ndarray:
        """On all municipalities."""
        return self._projection(self.basis, self.means)

    def fragile(self) -> np.ndarray:
        """Municipalities whose removal adds a direction to the null space."""
        rows = self.u.reshape(-1, self.n_rows, self.u.shape[1])
        leverage = np.linalg.eigvalsh(rows @ rows.transpose(0, 2, 1))  # per municipality, per own row
        return np.flatnonzero((leverage > 1 - _LEVERAGE_TOL).any(axis=1))

    def projection_without(self, m: int) -> np.ndarray:
        """Without municipality ``m`` (its rows and its propensity column)."""
        rows = self.u[m * self.n_rows:(m + 1) * self.n_rows]
        residual, directions = np.linalg.eigh(np.eye(rows.shape[1]) - rows.T @ rows)
        new = self.v @ (directions[:, residual < _LEVERAGE_TOL] / self.s[:, None])
        basis = np.linalg.qr(np.hstack([self.basis, new]))[0] if new.size else self.basis
        return self._projection(basis, np.delete(self.means, m, axis=0))


def _partners(projection: np.ndarray, column: int, labels: list[str]) -> list[str]:
    others = np.flatnonzero(np.abs(projection[column]) > _TOL)
    return [labels[j] for j in others if j != column]


def _factor_partners(partners: list[str], data: ModelData) -> list[str]:
    return [p for p in partners if p in data.factors]


def _named(partners: list[str], data: ModelData, f: int) -> list[str]:
    """Partners worth naming: factors, the coupling and reported-at-all terms of factor
    ``f``'s own block. Baselines and propensities are always mutually confounded (a common
    shift), and other blocks enter only through the propensities, so naming them adds nothing."""
    group = data.factor_group[f]
    block = [g for g in data.factors if data.factor_group[data.factors.index(g)] == group]
    own = set(block) | {f"whether {g} was reported at all" for g in block}
    if data.factor_phase[f] == 1:
        own.add(f"the coupling to the agenda window ({STREAMS[data.factor_stream[f]]})")
    return [p for p in partners if p in own and p != data.factors[f]]


def _fragility(data: ModelData, f: int, m: int, partners: list[str]) -> tuple[str, str]:
    """Why dropping municipality ``m`` would leave factor ``f`` unidentified, as (kind, detail)."""
    keep = np.arange(data.n_municipalities) != m
    codes = data.x[keep, f]
    if np.unique(codes).size == 1:
        return "level", LEVEL_LABELS[int(data.x[m, f])]
    for other in _factor_partners(partners, data):
        g = data.factors.index(other)
        if np.array_equal(codes, data.x[keep, g]):
            return "equal", other
        if np.array_equal(codes, -data.x[keep, g]):
            return "mirror", other
    return "block", "; ".join(_named(partners, data, f))


def _weak_note(data: ModelData, reasons: dict[int, tuple[str, str]], n_coefficients: int, names) -> str:
    """One sentence naming, for every municipality the factor rests on, why."""
    parts, block = [], {}
    for m, (kind, detail) in reasons.items():
        where = f"municipality {data.municipalities[m]}"
        if kind == "level":
            parts.append(f"level {detail} is seen only in {where}")
        elif kind == "equal":
            parts.append(f"its codes equal those of {names(detail)} except in {where}")
        elif kind == "mirror":
            parts.append(f"its codes mirror those of {names(detail)} except in {where}")
        else:
            block.setdefault(detail, []).append(data.municipalities[m])
    for detail, where in block.items():
        with_whom = ", ".join(names(d) for d in detail.split("; ") if d) or "its stream's baseline"
        without = f"municipality {where[0]}" if len(where) == 1 else f"any one of municipalities {', '.join(where)}"
        parts.append(f"without {without} it becomes collinear with {with_whom}")
    lead = "one municipality" if len(reasons) == 1 else f"each of {len(reasons)} municipalities"
    size = (
        f" (its stream has {n_coefficients} coefficients, baseline and coupling included, for "
        f"{data.n_municipalities} municipalities)" if block else ""
    )
    return f"its separate effect rests on {lead}: " + "; ".join(parts) + size


def level_support(data: ModelData) -> pd.DataFrame:
    """Counts of each code per factor, the levels observed and those never observed."""
    rows = []
    for f, factor in enumerate(data.factors):
        codes = data.x[:, f].astype(int)
        seen = [c for c in CODES if (codes == c).any()]
        rows.append(
            {
                "factor": factor,
                "n_lacking": int((codes == -1).sum()),
                "n_not_reported": int((codes == 0).sum()),
                "n_present": int((codes == 1).sum()),
                "levels_observed": ",".join(LEVEL_LABELS[c] for c in seen),
                "unseen_levels": ",".join(LEVEL_LABELS[c] for c in CODES if c not in seen),
                "constant": len(seen) == 1,
            }
        )
    return pd.DataFrame(rows)


def factor_identification(
    data: ModelData,
    *,
    coupling: bool = True,
    municipality_effect: bool = True,
    reported_indicator: bool = False,
    names: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Per factor: level support and the verdict ``identification`` with a plain ``identification_note``.

    The defaults describe the full model (propensities and coupling present, linear coding);
    ``reported_indicator`` adds the per-factor "reported at all" term of that coding, under
    which a factor seen at only two levels, one of them 0, has its beta confounded with that
    term. See the module docstring for the rule. ``names`` (factor id -> readable name) is
    used in the notes. Extra columns: ``confounded_with`` (what its column depends on, on
    the full data) and ``fragile_without`` (municipalities whose removal would leave it
    unidentified).
    """
    support = level_support(data)
    label = (lambda f: readable(f, names)) if names else (lambda f: f)
    n_mun = data.n_municipalities
    constant = support["constant"].to_numpy()
    # A constant factor is absorbed by its block baseline (or absent); zeroing its column keeps
    # it from appearing as a partner in the dependence of the factors that do vary.
    varying = replace(data, x=np.where(constant[None, :], 0.0, data.x))
    everyone = np.arange(n_mun)
    z, labels = _theta_design(varying, coupling, reported_indicator)
    space = _NullSpace(z, municipality_effect)
    full = space.projection()
    # Only a municipality whose removal adds a null direction can make a factor fragile.
    dropped = {int(m): space.projection_without(int(m)) for m in space.fragile()}
    offset = len(PHASES) * len(STREAMS)

    verdicts, notes, confounded, fragile = [], [], [], []
    for f in range(len(data.factors)):
        col = offset + f
        block = f"{PHASES[data.factor_phase[f]]} {STREAMS[data.factor_stream[f]]}"
        partners = _named(_partners(full, col, labels), data, f)
        # Dropping a municipality only adds null directions: an unidentified column stays so.
        weak = list(everyone) if full[col, col] > _TOL else [m for m in dropped if dropped[m][col, col] > _TOL]
        confounded.append(",".join(partners))
        fragile.append("" if constant[f] else ",".join(data.municipalities[m] for m in weak))
        if constant[f]:
            level = int(data.x[0, f])
            verdicts.append("not identified")
            consequence = (
                "it never enters the likelihood: its posterior is its prior around the stream's pooled mean"
                if level == 0 else f"its coefficient is confounded with the baseline of the {block} stream"
            )
            notes.append(f"coded {LEVEL_NAMES[level]} in all {n_mun} municipalities, so {consequence}")
            continue
        if full[col, col] > _TOL:
            verdicts.append("not identified")
            notes.append(
                f"its codes are an exact linear combination of {', '.join(map(label, partners)) or 'other columns'} "
                f"(with the {block} baseline) across the {n_mun} municipalities, so only their joint effect "
                "is identified"
            )
        elif weak:
            verdicts.append("weakly identified")
            in_block = int(((data.factor_group == data.factor_group[f]) & ~constant).sum())
            n_coefficients = 1 + in_block * (2 if reported_indicator else 1) + int(coupling and data.factor_phase[f])
            reasons = {m: _fragility(varying, f, m, _partners(dropped[m], col, labels)) for m in weak}
            notes.append(_weak_note(data, reasons, n_coefficients, label))
        else:
            verdicts.append("identified")
            once = [(c, np.flatnonzero(data.x[:, f] == c)) for c in CODES]
            notes.append(
                "it stays separable from the other coefficients without any single municipality"
                + "".join(f"; level {LEVEL_LABELS[c]} is seen only in municipality {data.municipalities[m[0]]}"
                          for c, m in once if m.size == 1)
            )
        if support.loc[f, "unseen_levels"]:
            notes[-1] += f"; level {support.loc[f, 'unseen_levels']} never observed"
    support["identification"] = verdicts
    support["identification_note"] = notes
    support["confounded_with"] = confounded
    support["fragile_without"] = fragile
    return support
