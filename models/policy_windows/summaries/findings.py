"""The README's "What it finds" section, written from one run's tables by :func:`findings_markdown`: pure
(DataFrames in, Markdown out; table keys in :data:`SOURCES`); every number comes from a table, each bullet cites
its tables, and every factor named comes with its identification."""

import re
from collections.abc import Mapping
from functools import partial

import numpy as np
import pandas as pd

from policy_windows.inference.comparison import LOMO, SIVULA_CLOSE
from policy_windows.constants import PHASES
from policy_windows.summaries.counterfactuals import what_if_by_factor
from policy_windows.summaries.evidence import DECISIVE, readable
from policy_windows.summaries.scale import lists_municipalities

# Thresholds: an |elpd difference| below ELPD_TRUST cannot be trusted (Sivula et al. 2022); a Spearman correlation
# with the default fit of at least RANK_STABLE keeps an ordering; the factor order is prior-driven if power-scaling
# the tau prior flags beta - mu for more than PRIOR_DRIVEN_SHARE of the factors.
ELPD_TRUST, RANK_STABLE, PRIOR_DRIVEN_SHARE = SIVULA_CLOSE, 0.9, 0.5
#: The main model, the models it is compared with by name, and the model without factors.
MAIN, VERSUS, BASELINE = "full", ("sum_score", "reported_indicator", "intercept_only"), "intercept_only"
#: Weak-identification reasons as :mod:`policy_windows.summaries.identification` words them (regex -> meaning).
WEAK_REASONS = {
    "is seen only in municipality": "a level seen in one municipality only",
    "its codes (?:equal|mirror) those of": "codes equal to (or mirroring) another factor's but in one municipality",
    "becomes collinear with": "collinear with the rest of its stream without one municipality",
}
KINDS = {"prior_scale": "halved or doubled prior scales", "prior_family": "the unscaled prior family",
         "coding": "the reported-indicator coding"}
TARGETS = {"factor coefficient": "β", "factor minus stream mean": "β − μ", "window probability": "window probabilities"}
CHECKS = {"windows": "open windows", "all_or_nothing": "phases in which all three streams move or none does",
          "necessity_violations": "windows without an agenda window"}
SCORES = {"brier_score": "in-sample", "brier_score_loo": "by PSIS-LOO", "brier_score_per_draw": "per draw"}
TESTS = {"p_chisq_holm": "χ² test", "p_ks_holm": "KS test", "p_elements_holm": "per-element test"}
CALLS = {"sign_call": "sign call", "evidence": "evidence label"}
NECESSITY = r"the model does not encode necessity: [^;.]*"
#: Above scale.MAX_LISTED_MUNICIPALITIES municipalities the what-if bullet names this many factors instead.
WHAT_IF_FACTORS = 6
SOURCES = {"model_table": "data/processed/model_table.csv", "factors": "data/processed/factors.csv"} | {
    k: f"results/tables/{k}.csv" for k in ("factor_effects", "window_probability", "what_if", "highlighted_factors",
    "conclusion_sensitivity", "rank_agreement", "model_comparison", "generative_checks", "prior_sensitivity",
    "sbc_uniformity")} | {"sbc_ranks": "results/sbc/ranks.csv", "diagnostics": "results/tables/diagnostics_*.csv"}


def _f(x: float, digits: int = 2, sign: bool = False) -> str:
    """Fixed digits, a true minus sign, and no sign on a value that rounds to zero."""
    text = f"{x:{'+' if sign else ''}.{digits}f}"
    return (text.lstrip("+-") if float(text) == 0 else text).replace("-", "−")


# One-line text helpers: signed pp and differences, ranges, "k of the n", capitals, factor names.
_pp, _signed = partial(_f, digits=1, sign=True), partial(_f, digits=2, sign=True)
def _span(lo, hi, fmt=_f) -> str: return fmt(lo) if fmt(lo) == fmt(hi) else f"{fmt(lo)} to {fmt(hi)}"
def _beside(values, threshold: float):
    """The formatter for ``values`` compared with ``threshold``: two digits, or three when a value
    below the threshold would print as the threshold itself (0.897 must not read "0.90")."""
    near = any(v < threshold and _f(v) == _f(threshold) for v in values)
    return partial(_f, digits=3) if near else _f
def _of(k: int, n: int) -> str: return f"none of the {n}" if k == 0 else f"all {n}" if k == n > 1 else f"{k} of the {n}"
def _cap(text: str) -> str: return re.sub(r"^([*_`]*)(.)", lambda m: m[1] + m[2].upper(), text)
def _italic(names: Mapping[str, str], factor: str) -> str: return f"*{readable(factor, names)}*"


def _join(items) -> str:
    items = list(items)
    return f"{', '.join(items[:-1])} and {items[-1]}" if len(items) > 1 else "".join(items) or "none"


def _bullet(title: str, keys: tuple[str, ...], sentences, sub=()) -> str:
    """'- **title** (`source`, ...): sentences', then one indented bullet per item of ``sub``."""
    head = f"- **{title}**" + (" (" + ", ".join(f"`{SOURCES[k]}`" for k in keys) + ")" if keys else "")
    text = " ".join(s for s in sentences if s)
    return f"{head}:{' ' * bool(text)}{text}" + "".join(f"\n  - {line}" for line in sub)


def separation(model_table: pd.DataFrame) -> dict[int, tuple[int, int]]:
    """Per sign of a municipality x phase x stream cell's code sum (+1, 0, -1): (cells, cells that moved)."""
    cells = model_table.groupby(["municipality", "phase", "stream"]).agg(total=("code", "sum"), moved=("movement", "max"))
    side = np.sign(cells["total"])
    return {s: (int((side == s).sum()), int(cells.loc[side == s, "moved"].sum())) for s in (1, 0, -1)}


def _flags(ps: pd.DataFrame, prior: str, kind: str) -> tuple[int, int, str]:
    """Power-scaling ``prior`` alone: targets of ``kind`` flagged, targets, and the diagnoses with their counts."""
    rows = ps.loc[(ps["prior"] == prior) & (ps["target_kind"] == kind), "diagnosis"]
    flagged = rows[rows != "no issue"].str.removeprefix("potential ").value_counts()
    return int(flagged.sum()), len(rows), ", ".join(f"{k} {d}" for d, k in flagged.items()) or "none"


def _data(t, name, facts) -> str:
    """The data and what they identify (two bullets)."""
    table, fx = t["model_table"], t["factor_effects"]
    (n_pos, up_pos), (n_zero, up_zero), (n_neg, up_neg) = (separation(table)[s] for s in (1, 0, -1))
    n, none = fx["identification"].value_counts(), fx[fx["identification"] == "not identified"]
    weak = fx.loc[fx["identification"] == "weakly identified", "identification_note"].astype(str)
    facts["none"], reasons = none, {label: int(weak.str.contains(rx).sum()) for rx, label in WEAK_REASONS.items()}
    data = _bullet("The data", ("model_table",), [
        f"{table['municipality'].nunique()} municipalities, {table.groupby(['municipality', 'phase', 'stream']).ngroups}"
        f" stream observations, {len(t['factors'])} coded factors. Movement by the sign of a phase × stream cell's "
        f"summed codes: of the {n_pos} cells above zero, {up_pos} moved; of the {n_neg} below zero, {n_neg - up_neg} "
        f"did not; of the {n_zero} at zero, {up_zero} moved and {n_zero - up_zero} did not.",
        "Codes and movement were read from the same passages of the thesis, so the data largely encode \"net coded "
        "helpfulness goes with movement\"."])
    return data + "\n" + _bullet("Identification", ("factor_effects",), [
        f"Of the {len(fx)} factors: {n.get('identified', 0)} identified, {len(weak)} weakly identified, {len(none)} "
        "not identified.",
        *(f"{_cap(name(r.factor))} is not identified: {r.identification_note}." for r in none.itertuples()),
        len(weak) and "A weakly identified factor's separate effect rests on one or a few municipalities. Reasons: "
        + "; ".join(f"{label} ({k})" for label, k in reasons.items() if k) + "; a factor can have more than one."])


def _streams(t, name, facts) -> str:
    fx = t["factor_effects"]
    p_mu = fx.groupby(["phase", "stream"], sort=False)["p_mu_positive"].first()
    seen = facts["seen"] = fx[fx["identification"] != "not identified"]
    specific, up, above = seen[seen["evidence"] == "factor-specific"], int((p_mu >= DECISIVE).sum()), seen["p_beta_above_mu"]
    single = "no factor" if specific.empty else _join(
        f"{name(r.factor)} ({r.identification}, P(β > μ) = {_f(r.p_beta_above_mu)})" for r in specific.itertuples())
    return _bullet("Stream level, not factor level", ("factor_effects",), [
        f"P(μ > 0), the probability that a stream's factors on average go with movement, is "
        f"{_span(p_mu.min(), p_mu.max(), _beside(p_mu, DECISIVE))} over the {len(p_mu)} streams.",
        f"{int((seen['p_beta_positive'] >= DECISIVE).sum())} of the {len(seen)} identified or weakly identified factors "
        f"reach P(β > 0) ≥ {_f(DECISIVE)}; {_of(len(specific), len(seen))} have factor-specific evidence (P(β > μ) "
        f"≥ {_f(DECISIVE)} or ≤ {_f(1 - DECISIVE)}); P(β > μ) lies between {_f(above.min())} and {_f(above.max())}.",
        f"In plain words: the coded factors of {'each stream' if up == len(p_mu) else f'{up} of the {len(p_mu)} streams'}"
        f" together go with movement; these data single out {single} from its stream."])


def _survival(row: Mapping, calls: pd.DataFrame, column: str) -> str:
    """Which kinds of alternative fit the call in ``column`` survives, and what it becomes in the others."""
    verdict = {kind: row.get(f"{column}_survives_{kind}", pd.NA) for kind in KINDS}
    mine = calls[(calls["factor"] == row["factor"]) & ~calls[f"{column}_as_default"]]
    became = {k: "; ".join(f"{r.fit}: {getattr(r, column)}" for r in mine[mine["kind"] == k].itertuples()) for k in KINDS}
    held = [KINDS[k] for k, ok in verdict.items() if pd.notna(ok) and ok]
    lost = [KINDS[k] + (f" ({became[k]})" if became[k] else "") for k, ok in verdict.items() if pd.notna(ok) and not ok]
    return f"the {CALLS[column]} survives {_join(held)}" + (f" but changes under {_join(lost)}" if lost else "")


def _highlighted(t, name, facts) -> str:
    hl, notes = t["highlighted_factors"], t["factor_effects"].set_index("factor")["ame_note"]
    calls = t["conclusion_sensitivity"].astype({"sign_call_as_default": bool, "evidence_as_default": bool})
    lines = []
    for r in hl.to_dict("records"):
        ident, (head, _, rest) = r["identification"], str(r["identification_note"]).partition(": ")
        why = {"weakly identified": f": {head} ({rest.split('; ')[0]}{', among other reasons' * ('; ' in rest)})",
               "not identified": f" ({r['identification_note']})"}.get(ident, "")
        line = f"{_cap(name(r['factor']))} ({r['phase']} {r['stream']} stream), {ident}{why}."
        if ident == "not identified":
            lines.append(line + f" Its P(β > 0) = {_f(r['p_beta_positive'])} restates the prior: no sign is called.")
            continue
        effect = (f"Window effect of the observed contrast {str(r['ame_contrast_observed']).replace('-', '−')}: "
                  f"{_pp(r['ame_pp_observed_mean'])} pp on the {r['phase']} window (95% interval "
                  f"{_span(r['ame_pp_observed_eti95_lb'], r['ame_pp_observed_eti95_ub'], _pp)})."
                  if pd.notna(r.get("ame_pp_observed_mean")) else f"No window effect: {notes.get(r['factor'])}.")
        lines.append(f"{line} P(β > 0) = {_f(r['p_beta_positive'])} ({r['sign_call']}); P(β > μ) = "
                     f"{_f(r['p_beta_above_mu'])}, β − μ {_signed(r['beta_minus_mu_mean'])} (95% interval "
                     f"{_span(r['beta_minus_mu_eti95_lb'], r['beta_minus_mu_eti95_ub'], _signed)}): {r['evidence']}. "
                     f"{effect} {_cap(_survival(r, calls, 'sign_call'))}; {_survival(r, calls, 'evidence')}.")
    k, zero = int((hl["evidence"] == "factor-specific").sum()), hl["ame_pp_observed_eti95_lb"].le(0)
    facts.update(hl_weak=int((hl["identification"] != "identified").sum()),
                 hl_zero=int((zero & hl["ame_pp_observed_eti95_ub"].ge(0)).sum()))
    return _bullet("The three factors the thesis calls decisive", ("highlighted_factors", "conclusion_sensitivity"), [
        f"{_cap(_of(k, len(hl)))} {'is' if k == 1 else 'are'} singled out from {'its' if k == 1 else 'their'} "
        f"stream by these data (P(β > μ) {_span(hl['p_beta_above_mu'].min(), hl['p_beta_above_mu'].max())})."], lines)


def _windows(t, name, facts) -> str:
    """Window probabilities, then the generative checks and calibration (two bullets)."""
    wp, parts, apart = t["window_probability"], [], True
    for phase in PHASES:
        rows = wp[wp["phase"] == phase]
        yes, no = (rows.loc[rows["observed_window"] == v, "window_probability_mean"] for v in (1, 0))
        which = (", ".join(map(str, rows.loc[rows["observed_window"] == 1, "municipality"]))
                 if lists_municipalities(len(rows)) else f"{len(yes):,} municipalities")
        parts.append(f"{phase}: {_span(yes.min(), yes.max())} with an observed window ({which}), "
                     f"{_span(no.min(), no.max())} for the other {len(no):,}")
        apart &= bool(yes.empty or no.empty or yes.min() > no.max())
    w = wp.loc[(wp["window_probability_eti95_ub"] - wp["window_probability_eti95_lb"]).idxmax()]
    windows = _bullet("Windows", ("window_probability",), [
        f"The model {'reproduces' if apart else 'does not fully reproduce'} the thesis's windows: "
        f"in each phase {'every' if apart else 'not every'} municipality with an observed window has a higher "
        f"posterior mean window probability than every one without. Posterior means, {'; '.join(parts)}.",
        f"The widest 95% interval, municipality {w['municipality']}'s {w['phase']} window, runs from "
        f"{_span(w['window_probability_eti95_lb'], w['window_probability_eti95_ub'])}."])
    gc = t["generative_checks"].assign(word=lambda d: d["verdict"].astype(str).str.split(":").str[0])
    lines = [f"{_cap(CHECKS[r.check])} ({r.phase}): observed {r.observed:g}, replicated mean {r.replicated_mean:.2f} "
             f"(89% interval {r.replicated_eti89_lb:g} to {r.replicated_eti89_ub:g}), {r.word}"
             + "".join(f" ({m})" for m in re.findall(NECESSITY, r.verdict)) + "." for r in gc.itertuples() if r.check in CHECKS]
    score = {r.check: r for r in gc.itertuples() if r.check in SCORES}
    pattern = [score[c].word if c in score else "" for c in SCORES]
    lines.append("Calibration of the stream probabilities: " + "; ".join(
        f"{r.word} {SCORES[c]} (Brier score {r.observed:.3f}, replicated {r.replicated_mean:.3f})" for c, r in score.items())
        + (". The observed movement is more predictable than the averaged predictions say, yet single posterior draws "
           "are sharp enough: averaging over the uncertain effect sizes pulls the predictions towards 0.5"
           if pattern == ["underconfident", "underconfident", "calibrated"] else "") + ".")
    return windows + "\n" + _bullet("Generative checks and calibration", ("generative_checks",), [], lines)


def _exact_scheme(lomo: pd.DataFrame) -> str:
    """How the exact cross-validation rows were made, as the sentence names it (the reason too, unless LOMO)."""
    (scheme, reason), = set(zip(lomo["scheme"], lomo["scheme_reason"]))
    return f"exact {scheme}" if scheme == LOMO else f"exact {scheme} cross-validation over municipalities ({reason})"


def _comparison(t, name, facts) -> str:
    mc = t["model_comparison"]
    lomo, loo = mc[mc["method"] != "psis_loo"].set_index("variant"), mc[mc["method"] == "psis_loo"].set_index("variant")
    best, gaps = lomo["elpd"].idxmax(), lomo.loc[MAIN, "elpd"] - lomo["elpd"].drop(MAIN)
    facts.update(close=gaps[gaps.abs() < ELPD_TRUST], others=len(gaps))
    same = list(lomo.sort_values("rank").index) == list(loo.sort_values("rank").index)
    return _bullet("Model comparison", ("model_comparison",), [
        f"By {_exact_scheme(lomo)} the best model is `{best}` (elpd {_f(lomo.loc[best, 'elpd'], 1)}, SE "
        f"{_f(lomo.loc[best, 'se'], 1)})" + (f"; `{MAIN}` is {_f(-gaps.get(best, 0.0), 1)} behind it." if best != MAIN else "."),
        f"elpd of `{MAIN}` minus " + _join(f"`{v}` {_f(gaps[v], 1, True)}" for v in VERSUS if v in gaps) + ".",
        "sum_score" in gaps and f"The {_f(gaps['sum_score'], 1, True)} over `sum_score` (one slope per stream on the sum "
        "of its codes) is what factor-specific information adds.",
        ("PSIS-LOO gives the same order" if same else f"PSIS-LOO orders them differently (best: `{loo['elpd'].idxmax()}`)")
        + f" (largest Pareto k {_f(loo['pareto_k_max'].max())}, {int(loo['n_pareto_k_gt_0_7'].sum())} above 0.7).",
        f"Differences below {ELPD_TRUST:g} elpd with {int(lomo['n_points'].iloc[0])} units cannot be trusted (Sivula "
        f"et al. 2022); {_of(len(facts['close']), len(gaps))} other models are that close to `{MAIN}`.",
        BASELINE in gaps and f"The large gap to `{BASELINE}` ({_f(gaps[BASELINE], 1, True)}) reflects the circular "
        "coding as much as any effect."])


def _sensitivity(t, name, facts) -> str:
    ps, ra = t["prior_sensitivity"], t["rank_agreement"]
    scaled = [f"the {symbol} prior flags " + _join(f"{k} of {n} {short} ({how})" for kind, short in TARGETS.items()
                                                   for k, n, how in [_flags(ps, prior, kind)])
              for prior, symbol in (("mu", "μ"), ("tau", "τ"))]
    (k_mu, n_mu, how_mu), (k_within, n_within, _), (k_pi, n_pi, _) = (_flags(ps, "mu", "factor coefficient"), _flags(
        ps, "tau", "factor minus stream mean"), _flags(ps, "mu", "window probability"))
    worst, windows = ra.loc[ra["spearman_beta_mean"].idxmin()], ra["spearman_window_probability_mean"].min()
    driven = k_within > PRIOR_DRIVEN_SHARE * n_within or worst["spearman_beta_mean"] < RANK_STABLE
    facts["mu_beta"] = f"{k_mu} of {n_mu}"
    return _bullet("Prior sensitivity", ("prior_sensitivity", "rank_agreement"), [
        f"Power-scaling one prior at a time, {'; '.join(scaled)}.",
        "conflict" in how_mu and "With the near-separation above, prior-data conflict "
        "on μ means the data fix the sign of a stream's effect and the prior its size.",
        "Spearman correlation with the default fit, β means / window-probability means: " + "; ".join(
            f"`{r.alternative}` {_f(r.spearman_beta_mean)} / {_f(r.spearman_window_probability_mean)}"
            for r in ra.itertuples()) + ".",
        f"The ranking of window probabilities is {'robust' if windows >= RANK_STABLE else 'not robust'} (lowest "
        f"Spearman {_f(windows)}), though the μ prior flags {k_pi} of {n_pi} of their levels.",
        "The ordering of factors " + (
            f"is prior-driven: under `{worst['alternative']}` the β ranking correlates {_f(worst['spearman_beta_mean'])}"
            f" with the default, and scaling the τ prior flags β − μ, a factor's place within its stream, for "
            f"{k_within} of {n_within} factors." if driven else "is not prior-driven.")])


def _what_if(t, name, facts) -> str:
    wi = t["what_if"]
    flagged, unseen = wi["flag"].fillna("").astype(str) != "", wi["unseen_level"].astype(bool)
    blind = wi["identification"] == "not identified"
    best = wi[~flagged].sort_values("gain_pp_mean", ascending=False, kind="stable").groupby("municipality").head(1)
    knock = wi.loc[wi["phase"] == PHASES[0], "knock_on_institutionalisation_pp_mean"].dropna()
    n_m = wi["municipality"].nunique()
    head = [
        f"{len(wi):,} single changes of a factor to present (+1). {int(flagged.sum()):,} are flagged: "
        f"{int(unseen.sum()):,} set a level never observed for that factor, {int(blind.sum()):,} concern a factor the "
        f"data do not identify ({int((unseen & blind).sum()):,} both).",
        len(knock) and f"The knock-on effect of agenda changes on the institutionalisation window is "
        f"{_span(knock.min(), knock.max(), _pp)} pp (posterior means).",
    ]
    if lists_municipalities(n_m):
        return _bullet("What-if", ("what_if",), [*head,
            "These are model-based counterfactuals, not predictions. The best unflagged change per municipality, as "
            "gain in that phase's window probability:"],
            [f"municipality {r.municipality}: {name(r.factor)} ({r.phase}; {r.identification}) {_pp(r.gain_pp_mean)} "
             f"pp (89% interval {_span(r.gain_pp_eti89_lb, r.gain_pp_eti89_ub, _pp)})"
             for r in best.sort_values("municipality").itertuples()])
    # Too many municipalities to list: the factors that are most often the best unflagged change.
    per = what_if_by_factor(wi)
    top = per[per["n_best"] > 0].sort_values("n_best", ascending=False, kind="stable").head(WHAT_IF_FACTORS)
    return _bullet("What-if", ("what_if",), [*head,
        f"These are model-based counterfactuals, not predictions. Over {n_m:,} municipalities, the factors that are most "
        "often the best unflagged change (`results/tables/what_if_by_factor.csv`), with the posterior mean gain in "
        "that phase's window probability over the municipalities where they could change:"],
        [f"{_cap(name(r.factor))} ({r.phase}; {r.identification}): the best change in {r.n_best:,} municipalities; a "
         f"credible gain (89% interval above zero) in {r.n_credible_gain:,} of the {r.n_municipalities:,} where it could "
         f"change; median gain {_pp(r.mean_gain_pp_median)} pp (90% of municipalities "
         f"{_span(r.mean_gain_pp_q05, r.mean_gain_pp_q95, _pp)})" for r in top.itertuples()])


def _inference(t, name, facts) -> str:
    # Parameters a model switches off (constant draws, e.g. theory_only's empirical betas) have no R-hat.
    diag = t["diagnostics"][t["diagnostics"]["r_hat"].notna()]
    sbc, fits = t["sbc_uniformity"], t["sbc_ranks"].groupby("sim").first()
    low = sbc.melt(id_vars="family", value_vars=list(sbc.filter(like="_holm"))).sort_values("value").iloc[0]
    bad, ok = list(sbc.loc[~sbc["uniform"].astype(bool), "family"]), fits["passes_gates"].astype(bool)
    convergence = _bullet("Convergence", ("diagnostics",), [
        f"All {diag['model'].nunique()} fits passed the gates (a fit writes this table only if every gate, divergences "
        "included, passed). Per fit:"],
        [f"`{m}`: max R-hat {d['r_hat'].max():.3f}, min bulk ESS {d['ess_bulk'].min():,.0f}, min tail ESS "
         f"{d['ess_tail'].min():,.0f}" for m, d in diag.groupby("model", sort=False)])
    return convergence + "\n" + _bullet("Simulation-based calibration", ("sbc_ranks", "sbc_uniformity"), [
        f"{len(fits)} data sets simulated from the prior, each refitted.",
        (f"All {len(sbc)} parameter families are uniform" if not bad else f"Not uniform: {', '.join(bad)}")
        + f" after Holm correction (smallest adjusted p {_f(low['value'])}: {low['family']}, {TESTS[low['variable']]}).",
        f"{int(ok.sum())} of {len(fits)} SBC fits ({ok.mean():.1%}) pass the convergence gates; their largest R-hat is "
        f"{fits['max_rhat'].max():.3f}; {int(fits['divergences'].sum()) or 'no'} divergent transitions."])


NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
                "twelve")


def _cases(n: int) -> str:
    """A count of cases in words up to twelve ("eight"), in digits beyond ("355", "3,550")."""
    return NUMBER_WORDS[n] if n < len(NUMBER_WORDS) else f"{n:,}"


def _cannot_tell(t, name, facts) -> str:
    seen, hl, close, none = facts["seen"], t["highlighted_factors"], facts["close"], facts["none"]
    k = int((seen["evidence"] == "factor-specific").sum())
    return _bullet(f"What {_cases(t['model_table']['municipality'].nunique())} cases cannot tell", (), [], [
        f"Which factor within a stream matters: {_of(k, len(seen))} factors the data identify (even weakly) "
        f"{'is' if k == 1 else 'are'} singled out (largest P(β > μ) {_f(seen['p_beta_above_mu'].max())}).",
        f"Whether the thesis's three factors are decisive: {_of(facts['hl_weak'], len(hl))} are weakly or not "
        f"identified, and {_of(facts['hl_zero'], len(hl))} window-effect 95% intervals include zero.",
        f"How large the effects are: power-scaling the μ prior alone flags {facts['mu_beta']} β.",
        "Whether the factors, the coupling or the municipality propensity improve prediction: "
        f"{_of(len(close), facts['others'])} other models are within {ELPD_TRUST:g} elpd of `{MAIN}` "
        f"({_join(f'`{v}`' for v in close.index)}).",
        *([f"The effect of {_join(name(f) for f in none['factor'])}: not identified."] if len(none) else []),
        "Whether any association is causal or a product of the coding: codes and movement come from the same "
        "passages, and the what-if gains are the model's counterfactuals."])


SECTIONS = (_data, _streams, _highlighted, _windows, _comparison, _sensitivity, _what_if, _inference, _cannot_tell)
HEADER = ("<!-- Written by rule findings (policy_windows.summaries.findings) from this run's tables; do not edit by hand: "
          "rebuild, then run scripts/update_readme.py. -->")


def findings_markdown(tables: Mapping[str, pd.DataFrame]) -> str:
    """The "What it finds" section as Markdown bullets (table keys: :data:`SOURCES`), ending in a newline."""
    name, facts = partial(_italic, dict(zip(tables["factors"]["factor"], tables["factors"]["name_en"]))), {}
    return "\n".join([HEADER, "", *(section(tables, name, facts) for section in SECTIONS)]) + "\n"
