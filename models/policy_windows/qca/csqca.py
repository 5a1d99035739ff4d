"""Crisp-set Qualitative Comparative Analysis (csQCA) for the eight municipalities.

Length: one algorithm in one file (calibration, truth tables, Quine-McCluskey minimisation,
all tied minimal parsimonious solutions, consistency, coverage, necessity, and the tables the
workflow writes); splitting it would scatter helpers that only make sense together.

Why a module of our own: the QCA here is a robustness check next to the Bayesian model,
on 8 cases and up to 12 conditions per phase. We need every minimal solution (model
ambiguity is the rule with so few cases), case ids that survive into the output, and
code small enough to verify by hand. The functions are pure: tables in, tables out.

Conventions
-----------
* A condition is present (crisp membership 1) only when its factor code is +1
  (``crisp_membership``); codes 0 and -1 both mean absent.
* Truth-table rows with ``outcome_code == 1`` are the positive configurations; every
  other *observed* row is a negative configuration (a contradictory row below the
  inclusion cut therefore counts as negative). Unobserved configurations are the
  logical remainders.
* Conservative (complex) solution: Quine-McCluskey on the positive rows only, no
  remainders. Parsimonious solution: every remainder is a don't-care. Its prime
  implicants are found without listing the 2^k remainders: a cube is admissible iff it
  contains no negative row, so the primes through a positive row ``p`` are the minimal
  hitting sets of the sets of positions in which ``p`` differs from each negative row
  (Berge's algorithm over bit masks). ``tests/test_qca.py`` checks this against
  explicit Quine-McCluskey with all remainders listed.
* Cover selection is exact: all covers with the minimal number of prime implicants are
  returned as alternative solutions (no dominance pruning, no tie-break on literal
  count), ordered by total number of literals. With hundreds of cases, primes that cover
  the same rows multiply into millions of equally minimal alternatives: at most
  ``MAX_SOLUTIONS`` are listed (those with the fewest literals) and ``n_solutions`` in the
  solutions table says how many there are. When even the covers are too many to search
  exhaustively (dozens of positive configurations), the fewest terms come from an integer
  program (``scipy.optimize.milp``), the first covers of that size found are listed, and
  ``n_solutions`` is left empty: minimal solutions, but not all, and not counted.
* Fit measures use the standard crisp-set definitions (Ragin 2008): consistency of
  sufficiency |X∩Y|/|X|, coverage |X∩Y|/|Y|, unique coverage of a term = share of Y
  covered by that term and by no other term of the solution; necessity consistency
  |X∩Y|/|Y| and coverage |X∩Y|/|X|. An empty denominator gives NaN, not 0.

pyqca 0.2.0 (evaluated, not used at runtime)
---------------------------------------------
``pyqca`` (import name ``qca``, self-described "experimental / under active
development") offers ``qca.CSQCA(data, outcome, conditions).fit(consistency_cutoff,
minimizer=...)``; ``result.minimization.complex_solution`` / ``.parsimonious_solution``
hold lists of ``qca.Implicant`` (``.label(condition_names)`` gives ``"A * B"``).
Findings on the hand-computed cases in ``tests/test_qca.py``:

* It agrees with us on the textbook case: conservative ``A*B + ~A*C``, parsimonious
  ``A*B + C``, and on the contradictory-row case at both inclusion cuts. On about 300
  random data sets with 2-8 conditions its (single) solution was always one of ours,
  and its Quine-McCluskey primes equal ours on 382 random functions with remainders.
* It returns only one solution: for the cyclic case (minterms 0, 1, 2, 5, 6, 7 of
  three conditions) it reports ``~A*~B + B*~C + A*C`` and silently drops the equally
  minimal ``~A*~C + ~B*C + A*B``.
* Its default ``minimizer="standard"`` (and ``"qmc"``) takes essential primes and then
  covers greedily, which is not minimal: for minterms 0, 2, 3, 4, 5, 7, 13, 15 of four
  conditions (the "greedy trap" test) it returns the 4 terms ``~A*~B*~D + ~A*~C*~D +
  ~A*~B*C + B*D``, one of them redundant, instead of the 3-term minimum; this happened
  for about 2-4 % of random 4-5-condition functions. ``"exact_set_cover"`` is minimal
  but again returns a single cover (ties broken by complexity and candidate order).
* It enumerates the full 2^k logical space and merges remainders pairwise in pure
  Python: with 8 cases ``fit`` took about 4.5 s at k = 8 and about 10 minutes at
  k = 10 (shared machine), so k = 12 is impractical (ours: well under a second).
* ``fit`` resets the data index, so case ids are lost unless passed as a column
  (``case_id=``); the default inclusion cut is 0.75, not 1; an all-positive table
  gives the label ``(tautology)`` (ours: ``1``); zero denominators give 0.0, not NaN.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
import heapq
from itertools import product

import numpy as np
import pandas as pd

from policy_windows.constants import PHASES, STREAMS

SOLUTION_TYPES: tuple[str, ...] = ("conservative", "parsimonious")
SOLUTION_COLUMNS: tuple[str, ...] = (
    "solution_type",
    "solution_id",
    "solution",
    "term",
    "raw_coverage",
    "unique_coverage",
    "consistency",
    "solution_consistency",
    "solution_coverage",
    "cases_covered",
    "n_solutions",
)
_TRUTH_TABLE_EXTRA: tuple[str, ...] = (
    "n",
    "cases",
    "consistency",
    "outcome_code",
    "contradictory",
)
#: Alternative solutions listed per solution type at most (``n_solutions`` says how many exist).
MAX_SOLUTIONS = 20
# Up to this many alternatives are all listed and sorted before the first MAX_SOLUTIONS are
# kept; beyond it only the MAX_SOLUTIONS with the fewest literals are built.
_ENUMERATION_LIMIT = 20_000
# Nodes of the exact search over covers before it gives up counting (a few seconds); then the
# fewest terms come from an integer program and only the first solutions are listed, uncounted.
_SEARCH_NODES = 100_000
_CASE_SEP = ","
_TOL = 1e-12

Cube = tuple[int, int]  # (care mask, value bits); bit i belongs to conditions[i]


@dataclass(frozen=True)
class Implicant:
    """A conjunction of crisp literals; the tuple form keeps it hashable and ordered."""

    literals: tuple[tuple[str, int], ...]

    def __post_init__(self) -> None:
        names = [name for name, _ in self.literals]
        if len(set(names)) != len(names):
            raise ValueError(f"Implicant repeats a condition: {names}")
        if any(value not in (0, 1) for _, value in self.literals):
            raise ValueError(f"Implicant values must be 0 or 1: {self.literals}")

    @classmethod
    def from_mapping(
        cls, mapping: Mapping[str, int], order: Sequence[str] | None = None
    ) -> Implicant:
        """Build from ``{condition: 0/1}``; ``order`` fixes the printed literal order."""
        names = list(order) if order is not None else list(mapping)
        extra = set(mapping) - set(names)
        if extra:
            raise ValueError(f"Conditions missing from order: {sorted(extra)}")
        return cls(tuple((name, int(mapping[name])) for name in names if name in mapping))

    @property
    def mapping(self) -> dict[str, int]:
        """Condition → required membership (1 present, 0 absent)."""
        return dict(self.literals)

    @property
    def n_literals(self) -> int:
        """Number of literals, the usual complexity measure."""
        return len(self.literals)

    def membership(self, data: pd.DataFrame) -> pd.Series:
        """Crisp membership of each case in the conjunction (empty term = everyone)."""
        cols = [name for name, _ in self.literals]
        values = _binary_matrix(data, cols)
        required = np.array([value for _, value in self.literals], dtype=np.int8)
        inside = (values == required).all(axis=1)
        return pd.Series(inside, index=data.index, name=str(self))

    def __str__(self) -> str:
        if not self.literals:
            return "1"  # the tautology: no condition is needed
        return "*".join(name if value else f"~{name}" for name, value in self.literals)


def solution_string(solution: Sequence[Implicant]) -> str:
    """Boolean formula of a solution: terms joined by `` + ``; "0" if it has no term."""
    return " + ".join(str(term) for term in solution) if solution else "0"


# ---------------------------------------------------------------------------
# Data preparation
# ---------------------------------------------------------------------------


def crisp_membership(codes: pd.DataFrame) -> pd.DataFrame:
    """Map factor codes to crisp sets: only +1 counts as present, so 0 and -1 are out."""
    numeric = codes.apply(pd.to_numeric, errors="raise")
    if numeric.isna().any().any():
        raise ValueError("Factor codes contain missing values; code them before QCA.")
    bad = ~numeric.isin([-1, 0, 1])
    if bad.any().any():
        raise ValueError("Factor codes must be -1, 0 or +1.")
    return (numeric == 1).astype(np.int64)


def drop_constant_conditions(data: pd.DataFrame, conditions: Iterable[str]) -> list[str]:
    """Keep conditions that vary across cases; a constant adds no contrast to compare."""
    conditions = list(conditions)
    missing = [c for c in conditions if c not in data.columns]
    if missing:
        raise KeyError(f"Conditions not in data: {missing}")
    return [c for c in conditions if data[c].nunique(dropna=True) > 1]


def _binary_matrix(data: pd.DataFrame, columns: Sequence[str]) -> np.ndarray:
    """0/1 matrix of ``columns``; loud failure on codes that were never made crisp."""
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise KeyError(f"Columns not in data: {missing}")
    if not columns:
        return np.zeros((len(data), 0), dtype=np.int8)
    block = data[list(columns)]
    if block.isna().any().any() or not block.isin([0, 1]).all().all():
        raise ValueError(
            f"Columns {list(columns)} must hold crisp memberships 0/1 "
            "(use crisp_membership on factor codes first)."
        )
    return block.to_numpy(dtype=np.int8)


def _encode(values: np.ndarray) -> np.ndarray:
    """Configuration codes: bit i is the membership in the i-th condition."""
    weights = np.left_shift(1, np.arange(values.shape[1], dtype=np.int64))
    return values.astype(np.int64) @ weights


def _check_conditions(conditions: Sequence[str], outcome: str | None = None) -> None:
    if len(set(conditions)) != len(conditions):
        raise ValueError(f"Duplicate conditions: {list(conditions)}")
    clash = set(conditions) & set(_TRUTH_TABLE_EXTRA)
    if clash:
        raise ValueError(f"Condition names clash with truth-table columns: {sorted(clash)}")
    if outcome is not None and outcome in conditions:
        raise ValueError(f"The outcome {outcome!r} cannot also be a condition.")


# ---------------------------------------------------------------------------
# Truth table
# ---------------------------------------------------------------------------


def truth_table(
    data: pd.DataFrame, conditions: list[str], outcome: str, incl_cut: float = 1.0
) -> pd.DataFrame:
    """Observed configurations with their cases and outcome consistency.

    ``outcome_code`` is 1 when consistency reaches ``incl_cut`` and 0 otherwise, so a
    contradictory row (0 < consistency < 1, flagged in ``contradictory``) is positive
    only under a lenient cut. Rows are sorted positive first, then by consistency and n.
    """
    conditions = list(conditions)
    _check_conditions(conditions, outcome)
    if not 0.0 < incl_cut <= 1.0:
        raise ValueError(f"incl_cut must be in (0, 1], got {incl_cut}")
    if data.index.has_duplicates:
        raise ValueError("Case ids (the index) must be unique.")
    values = _binary_matrix(data, conditions)
    y = _binary_matrix(data, [outcome])[:, 0]
    codes = _encode(values)
    case_ids = data.index.astype(str).to_numpy()

    rows = []
    for code in dict.fromkeys(codes.tolist()):
        members = codes == code
        consistency = float(y[members].mean())
        row = {c: int((code >> i) & 1) for i, c in enumerate(conditions)}
        row.update(
            n=int(members.sum()),
            cases=_CASE_SEP.join(case_ids[members]),
            consistency=consistency,
            outcome_code=int(consistency >= incl_cut - _TOL),
            contradictory=bool(0.0 < consistency < 1.0),
        )
        rows.append(row)
    table = pd.DataFrame(rows, columns=[*conditions, *_TRUTH_TABLE_EXTRA])
    table = table.astype({c: np.int64 for c in [*conditions, "n", "outcome_code"]})
    table = table.astype({"consistency": float, "contradictory": bool})
    order = ["outcome_code", "consistency", "n", *conditions]
    ascending = [False, False, False, *([False] * len(conditions))]
    return table.sort_values(order, ascending=ascending, kind="stable").reset_index(drop=True)


# ---------------------------------------------------------------------------
# Boolean minimisation
# ---------------------------------------------------------------------------


def _bits(mask: int) -> list[int]:
    """Single-bit masks set in ``mask``."""
    out = []
    while mask:
        low = mask & -mask
        out.append(low)
        mask ^= low
    return out


def _covers(cube: Cube, minterm: int) -> bool:
    care, value = cube
    return (minterm & care) == value


def _quine_mccluskey(
    minterms: Iterable[int], n_bits: int, dont_cares: Iterable[int] = ()
) -> set[Cube]:
    """Prime implicants by Quine-McCluskey; only primes covering a minterm are kept."""
    on = set(minterms)
    full = (1 << n_bits) - 1
    current: set[Cube] = {(full, m) for m in on | set(dont_cares)}
    primes: set[Cube] = set()
    while current:
        merged: set[Cube] = set()
        nxt: set[Cube] = set()
        for care, value in current:
            for bit in _bits(care & ~value):  # pair each cube with its partner having bit=1
                partner = (care, value | bit)
                if partner in current:
                    nxt.add((care & ~bit, value))
                    merged.update({(care, value), partner})
        primes |= current - merged
        current = nxt
    return {cube for cube in primes if any(_covers(cube, m) for m in on)}


def _minimal_masks(masks: Iterable[int]) -> list[int]:
    """Drop every mask that is a superset of another one."""
    kept: list[int] = []
    for mask in sorted(set(masks), key=lambda m: (m.bit_count(), m)):
        if not any(mask & other == other for other in kept):
            kept.append(mask)
    return kept


def _minimal_hitting_sets(sets: Sequence[int]) -> list[int]:
    """Minimal transversals (Berge): each result meets every set, none can shrink."""
    transversals = [0]
    for edge in sets:
        if edge == 0:
            return []
        hit = [t for t in transversals if t & edge]
        extended = [t | bit for t in transversals if not t & edge for bit in _bits(edge)]
        transversals = _minimal_masks(hit + extended)
    return transversals


def _parsimonious_primes(positives: Sequence[int], negatives: Sequence[int]) -> set[Cube]:
    """Primes with all remainders as don't-cares, without listing the remainders.

    A cube fixing positions S at the values of positive row p contains no negative row
    iff S meets every difference set p XOR n, so the primes through p are the minimal
    hitting sets of those difference sets.
    """
    primes: set[Cube] = set()
    for p in positives:
        for care in _minimal_hitting_sets([p ^ n for n in negatives]):
            primes.add((care, p & care))
    return primes


def _minimal_covers(
    primes: Iterable[Cube], positives: Sequence[int], max_solutions: int | None = None
) -> tuple[list[list[Cube]], int | None]:
    """All covers of the positive rows with the fewest primes (exact, by deepening search),
    and how many there are; above ``max_solutions`` only that many, fewest literals first.

    Primes with identical coverage are interchangeable, so the search runs over distinct
    coverage masks and the mask covers are expanded back into prime combinations. The search
    deepens from a lower bound (rows no two of which one mask covers), branches on the row with
    the fewest masks left, and bans in each branch the masks its earlier siblings tried, so it
    reaches every cover once and stays fast with hundreds of cases.
    """
    positives = list(positives)
    if not positives:
        return [], 0
    groups: dict[int, list[Cube]] = {}
    for cube in sorted(primes):
        mask = sum(1 << j for j, m in enumerate(positives) if _covers(cube, m))
        if mask:
            groups.setdefault(mask, []).append(cube)
    full = (1 << len(positives)) - 1
    union = 0
    for mask in groups:
        union |= mask
    if union != full:
        raise ValueError("Prime implicants do not cover all positive rows.")
    masks = sorted(groups, key=lambda m: (-m.bit_count(), m))
    rows = range(len(positives))
    covering = {j: [mask for mask in masks if mask >> j & 1] for j in rows}

    def lower_bound(uncovered: int, allowed) -> int | None:
        """Rows no two of which one allowed mask covers each need a mask of their own; None
        when some uncovered row has no allowed mask left."""
        bound, rest = 0, uncovered
        while rest:
            j = (rest & -rest).bit_length() - 1
            reach = 0
            for mask in covering[j]:
                if allowed(mask):
                    reach |= mask
            if not reach:
                return None
            bound += 1
            rest &= ~reach
        return bound

    nodes = [0]

    def search(covered: int, chosen: tuple[int, ...], banned: frozenset[int], limit: int,
               found: set[frozenset[int]], stop: int | None = None) -> None:
        nodes[0] += 1
        if nodes[0] > _SEARCH_NODES or (stop is not None and len(found) >= stop):
            raise _SearchStopped
        if covered == full:
            found.add(frozenset(chosen))
            return
        uncovered = full & ~covered
        bound = lower_bound(uncovered, lambda mask: mask not in banned)
        if bound is None or len(chosen) + bound > limit:
            return
        # Branch on the uncovered row with the fewest allowed masks; a sibling branch bans the
        # masks tried before it, so every cover is reached once.
        row = min((j for j in rows if uncovered >> j & 1),
                  key=lambda j: sum(1 for mask in covering[j] if mask not in banned))
        tried = set(banned)
        for mask in covering[row]:
            if mask in tried:
                continue
            search(covered | mask, (*chosen, mask), frozenset(tried), limit, found, stop)
            tried.add(mask)

    found: set[frozenset[int]] = set()
    counted = True
    try:
        start = lower_bound(full, lambda mask: True) or 1
        for limit in range(start, len(positives) + 1):
            search(0, (), frozenset(), limit, found)
            if found:
                break
    except _SearchStopped:
        # Too many cases for the exact count: the fewest masks from an integer program, then
        # as many covers of that size as the search reaches, without counting them all.
        counted, nodes[0] = False, 0
        cover = _minimum_cover(masks, full)
        found = set()
        try:
            search(0, (), frozenset(), len(cover), found, stop=max_solutions)
        except _SearchStopped:
            pass
        found = found or {frozenset(cover)}
    choices = [[groups[mask] for mask in sorted(cover)] for cover in sorted(found, key=sorted)]
    total = sum(int(np.prod([len(group) for group in cover])) for cover in choices)
    if max_solutions is None or total <= max(max_solutions, _ENUMERATION_LIMIT):
        return [list(combo) for cover in choices for combo in product(*cover)], total if counted else None
    return _fewest_literals(choices, max_solutions), total if counted else None


class _SearchStopped(Exception):
    """The exact search over covers ran out of its node budget (or found enough covers)."""


def _minimum_cover(masks: Sequence[int], full: int) -> list[int]:
    """One cover of the rows in ``full`` by the fewest ``masks``: set cover as an integer program
    (``scipy.optimize.milp``, exact), for when the exhaustive search is too large."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    rows = [j for j in range(full.bit_length()) if full >> j & 1]
    covers = np.array([[mask >> j & 1 for mask in masks] for j in rows], dtype=float)
    result = milp(np.ones(len(masks)), constraints=LinearConstraint(covers, lb=1.0), integrality=np.ones(len(masks)),
                  bounds=Bounds(0, 1))
    if not result.success:
        raise ValueError(f"no cover of the positive rows found: {result.message}")
    return [mask for mask, z in zip(masks, result.x) if z > 0.5]


def _fewest_literals(choices: list[list[list[Cube]]], n: int) -> list[list[Cube]]:
    """The ``n`` prime combinations with the fewest literals in total, over every mask cover
    (one list of interchangeable primes per mask), without listing the others: a best-first
    walk over each cover's index tuples (each tuple reached once: only positions from the last
    one advanced on may advance)."""
    ranked = [[sorted(group, key=lambda cube: (cube[0].bit_count(), cube)) for group in cover] for cover in choices]

    def literals(c: int, index: tuple[int, ...]) -> int:
        return sum(ranked[c][i][k][0].bit_count() for i, k in enumerate(index))

    heap = [(literals(c, (0,) * len(cover)), c, (0,) * len(cover)) for c, cover in enumerate(ranked)]
    heapq.heapify(heap)
    out: list[list[Cube]] = []
    while heap and len(out) < n:
        _, c, index = heapq.heappop(heap)
        out.append([ranked[c][i][k] for i, k in enumerate(index)])
        last = max((i for i, k in enumerate(index) if k), default=0)
        for i in range(last, len(index)):
            if index[i] + 1 < len(ranked[c][i]):
                step = index[:i] + (index[i] + 1,) + index[i + 1:]
                heapq.heappush(heap, (literals(c, step), c, step))
    return out


def _cube_to_implicant(cube: Cube, conditions: Sequence[str]) -> Implicant:
    care, value = cube
    return Implicant(
        tuple((c, int((value >> i) & 1)) for i, c in enumerate(conditions) if (care >> i) & 1)
    )


def _term_key(term: Implicant, conditions: Sequence[str]) -> tuple[int, ...]:
    """Order terms by condition order: present before negated before absent."""
    mapping = term.mapping
    return tuple(0 if mapping.get(c) == 1 else 1 if mapping.get(c) == 0 else 2 for c in conditions)


def minimise(
    truth_table: pd.DataFrame, conditions: list[str], include_remainders: bool,
    max_solutions: int | None = MAX_SOLUTIONS,
) -> list[list[Implicant]]:
    """All minimal solutions for the positive rows of a truth table (at most ``max_solutions``;
    :func:`minimise_counted` also says how many there are): the first in the order below.

    Returns a list of alternative solutions (each a list of ``Implicant`` terms, i.e. a
    disjunction); empty if no row is positive. ``include_remainders=False`` gives the
    conservative solution (only observed positive rows are minimised),
    ``True`` the parsimonious one (unobserved configurations are don't-cares).
    """
    return minimise_counted(truth_table, conditions, include_remainders, max_solutions)[0]


def minimise_counted(
    truth_table: pd.DataFrame, conditions: list[str], include_remainders: bool,
    max_solutions: int | None = MAX_SOLUTIONS,
) -> tuple[list[list[Implicant]], int | None]:
    """:func:`minimise` and the number of equally minimal solutions (None when there were too
    many covers to count: then the listed solutions are minimal, but not all). With many cases, primes
    that cover the same rows multiply into more alternatives than anyone can read (10^8 with
    355 simulated municipalities); above ``max_solutions`` (None: no limit) only the first
    ``max_solutions`` are returned (above ``_ENUMERATION_LIMIT`` alternatives: those with the
    fewest literals, without building the others), in the same order."""
    conditions = list(conditions)
    _check_conditions(conditions)
    values = _binary_matrix(truth_table, conditions)
    codes = _encode(values)
    if len(set(codes.tolist())) != len(codes):
        raise ValueError("Truth table has duplicate configurations.")
    outcome_code = truth_table["outcome_code"].to_numpy()
    if not np.isin(outcome_code, [0, 1]).all():
        raise ValueError("outcome_code must be 0 or 1.")
    positives = sorted(codes[outcome_code == 1].tolist())
    negatives = sorted(codes[outcome_code == 0].tolist())
    if not positives:
        return [], 0
    if include_remainders:
        primes = _parsimonious_primes(positives, negatives)
    else:
        primes = _quine_mccluskey(positives, len(conditions))
    covers, total = _minimal_covers(primes, positives, max_solutions)
    solutions = []
    for cover in covers:
        terms = [_cube_to_implicant(cube, conditions) for cube in cover]
        solutions.append(sorted(terms, key=lambda t: _term_key(t, conditions)))
    solutions = sorted(
        solutions,
        key=lambda s: (sum(t.n_literals for t in s), [_term_key(t, conditions) for t in s]),
    )
    return solutions[:max_solutions], total


# ---------------------------------------------------------------------------
# Fit measures
# ---------------------------------------------------------------------------


def _ratio(numerator: float, denominator: float) -> float:
    return float(numerator) / float(denominator) if denominator else float("nan")


def _term_members(term: Implicant, values: np.ndarray, column: Mapping[str, int]) -> np.ndarray:
    """Boolean membership of each case in ``term`` from a prepared 0/1 matrix."""
    inside = np.ones(values.shape[0], dtype=bool)
    for name, value in term.literals:
        inside &= values[:, column[name]] == value
    return inside


def _fit(
    solution: Sequence[Implicant],
    values: np.ndarray,
    column: Mapping[str, int],
    y: np.ndarray,
    case_ids: np.ndarray,
) -> dict:
    """Fit measures on prepared arrays, so many alternative solutions stay cheap."""
    members = [_term_members(term, values, column) for term in solution]
    none = np.zeros(len(y), dtype=bool)
    in_solution = np.any(members, axis=0) if members else none
    n_y = int(y.sum())
    rows = []
    for j, (term, x) in enumerate(zip(solution, members, strict=True)):
        others = [m for i, m in enumerate(members) if i != j]
        in_others = np.any(others, axis=0) if others else none
        rows.append(
            {
                "term": str(term),
                "raw_coverage": _ratio((x & y).sum(), n_y),
                "unique_coverage": _ratio((x & y & ~in_others).sum(), n_y),
                "consistency": _ratio((x & y).sum(), x.sum()),
                "cases_covered": _CASE_SEP.join(case_ids[x]),
            }
        )
    terms = pd.DataFrame(
        rows, columns=["term", "raw_coverage", "unique_coverage", "consistency", "cases_covered"]
    )
    return {
        "solution": solution_string(solution),
        "consistency": _ratio((in_solution & y).sum(), in_solution.sum()),
        "coverage": _ratio((in_solution & y).sum(), n_y),
        "cases_covered": case_ids[in_solution].tolist(),
        "terms": terms,
    }


def _prepare(
    data: pd.DataFrame, conditions: Sequence[str], outcome: str
) -> tuple[np.ndarray, dict[str, int], np.ndarray, np.ndarray]:
    conditions = list(dict.fromkeys(conditions))
    values = _binary_matrix(data, conditions)
    y = _binary_matrix(data, [outcome])[:, 0].astype(bool)
    column = {c: i for i, c in enumerate(conditions)}
    return values, column, y, data.index.astype(str).to_numpy()


def solution_fit(data: pd.DataFrame, solution: Sequence[Implicant], outcome: str) -> dict:
    """Consistency and coverage of a solution and of each of its terms (crisp sets).

    Returns ``solution`` (formula), ``consistency``, ``coverage``, ``cases_covered``
    (case ids in the solution set) and ``terms``, a DataFrame with ``term,
    raw_coverage, unique_coverage, consistency, cases_covered`` (cases in the term).
    """
    used = [name for term in solution for name, _ in term.literals]
    return _fit(solution, *_prepare(data, used, outcome))


def necessity(data: pd.DataFrame, conditions: list[str], outcome: str) -> pd.DataFrame:
    """Necessity of each single condition and its negation: is X a superset of Y?"""
    conditions = list(conditions)
    _check_conditions(conditions, outcome)
    values = _binary_matrix(data, conditions).astype(bool)
    y = _binary_matrix(data, [outcome])[:, 0].astype(bool)
    rows = []
    for i, c in enumerate(conditions):
        for negated in (False, True):
            x = ~values[:, i] if negated else values[:, i]
            rows.append(
                {
                    "literal": f"~{c}" if negated else c,
                    "condition": c,
                    "negated": negated,
                    "consistency": _ratio((x & y).sum(), y.sum()),
                    "coverage": _ratio((x & y).sum(), x.sum()),
                }
            )
    return pd.DataFrame(
        rows, columns=["literal", "condition", "negated", "consistency", "coverage"]
    )


# ---------------------------------------------------------------------------
# One phase, ready for CSV
# ---------------------------------------------------------------------------


def _solutions_table(
    data: pd.DataFrame, models: Mapping[str, list[list[Implicant]]], outcome: str,
    totals: Mapping[str, int] | None = None,
) -> pd.DataFrame:
    terms = [t for sols in models.values() for sol in sols for t in sol]
    used = [name for term in terms for name, _ in term.literals]
    arrays = _prepare(data, used, outcome)
    rows = []
    for solution_type, solutions in models.items():
        for solution_id, solution in enumerate(solutions, start=1):
            fit = _fit(solution, *arrays)
            for term in fit["terms"].to_dict("records"):
                rows.append(
                    {
                        "solution_type": solution_type,
                        "solution_id": solution_id,
                        "solution": fit["solution"],
                        **term,
                        "solution_consistency": fit["consistency"],
                        "solution_coverage": fit["coverage"],
                        "n_solutions": (totals or {}).get(solution_type, len(solutions)),
                    }
                )
    return pd.DataFrame(rows, columns=list(SOLUTION_COLUMNS))


def qca_phase(
    data: pd.DataFrame,
    conditions: list[str] | None,
    outcome: str,
    incl_cut: float = 1.0,
) -> dict:
    """Truth table, conservative and parsimonious solutions, necessity for one phase.

    ``data`` holds crisp memberships (cases in the index). With ``conditions=None`` all
    non-outcome columns that vary across cases are used. Returns ``conditions`` (used),
    ``truth_table``, ``solutions`` (one row per term, columns ``SOLUTION_COLUMNS``; at most
    ``MAX_SOLUTIONS`` alternatives per type, ``n_solutions`` says how many exist),
    ``necessity`` and ``models`` (``{solution_type: [[Implicant, ...], ...]}``).
    A solution type without any positive row contributes no rows to ``solutions``.
    """
    if conditions is None:
        conditions = drop_constant_conditions(data, [c for c in data.columns if c != outcome])
    conditions = list(conditions)
    table = truth_table(data, conditions, outcome, incl_cut=incl_cut)
    counted = {
        solution_type: minimise_counted(table, conditions, include_remainders=remainders)
        for solution_type, remainders in zip(SOLUTION_TYPES, (False, True), strict=True)
    }
    models = {solution_type: solutions for solution_type, (solutions, _) in counted.items()}
    totals = {solution_type: total for solution_type, (_, total) in counted.items()}
    return {
        "conditions": conditions,
        "truth_table": table,
        "solutions": _solutions_table(data, models, outcome, totals),
        "necessity": necessity(data, conditions, outcome),
        "models": models,
    }


# ---------------------------------------------------------------------------
# Tables of the workflow (rule ``qca``): both phases of the model table
# ---------------------------------------------------------------------------

QCA_OUTCOME = "window"


def qca_case_table(table: pd.DataFrame, phase: str) -> tuple[pd.DataFrame, list[str]]:
    """Crisp memberships (cases = municipalities) of one phase's factors plus the outcome
    ``window``, and the conditions that vary across cases.

    ``table`` is ``data/processed/model_table.csv``; factors keep the table's order within
    each stream, streams in ``STREAMS`` order.
    """
    part = table[table["phase"] == phase]
    first = part.drop_duplicates("factor")[["factor", "stream"]].reset_index(drop=True)
    first["_order"] = np.arange(len(first))
    first["_s"] = first["stream"].map(STREAMS.index)
    factors = first.sort_values(["_s", "_order"])["factor"].tolist()
    codes = part.pivot(index="municipality", columns="factor", values="code")[factors]
    crisp = crisp_membership(codes)
    outcome = part.drop_duplicates("municipality").set_index("municipality")["window"]
    crisp[QCA_OUTCOME] = outcome.reindex(crisp.index).astype(np.int64)
    return crisp, drop_constant_conditions(crisp, factors)


def qca_tables(table: pd.DataFrame, incl_cut: float = 1.0) -> dict[str, pd.DataFrame]:
    """Truth tables, solutions and necessity of both phases, each with a ``phase`` column.

    Truth tables hold one column per condition of either phase (empty where the condition
    belongs to the other phase or was dropped as constant).
    """
    truth, solutions, necessity_tables = [], [], []
    all_conditions: list[str] = []
    for phase in PHASES:
        crisp, conditions = qca_case_table(table, phase)
        result = qca_phase(crisp, conditions, QCA_OUTCOME, incl_cut=incl_cut)
        all_conditions += conditions
        truth.append(result["truth_table"].assign(phase=phase, row=lambda d: np.arange(1, len(d) + 1)))
        solutions.append(result["solutions"].assign(phase=phase))
        necessity_tables.append(result["necessity"].assign(phase=phase))
    truth_table = pd.concat(truth, ignore_index=True)
    truth_table[all_conditions] = truth_table[all_conditions].astype("Int64")
    extra = ["n", "cases", "consistency", "outcome_code", "contradictory"]
    truth_table = truth_table[["phase", "row", *all_conditions, *extra]]
    solution_table = pd.concat(solutions, ignore_index=True)[["phase", *SOLUTION_COLUMNS]]
    necessity_table = pd.concat(necessity_tables, ignore_index=True)
    necessity_table = necessity_table[["phase", *[c for c in necessity_table.columns if c != "phase"]]]
    return {"truth_tables": truth_table, "solutions": solution_table, "necessity": necessity_table}
