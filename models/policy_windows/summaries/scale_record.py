"""What the scale studies say, in sentences built from their records (issue 12).

The records are ``results/benchmarks/benchmarks.csv`` (``benchmarks/run_benchmarks.py
--scale --national``) and ``results/scale/`` (``snakemake recovery sbc_scale``). The README's
"At national scale" block and the benchmark summary's floors are written from them by
:func:`scale_markdown` and :func:`scale_floors`, so no number there is typed by hand
(``scripts/update_readme.py`` copies the block; ``tests/test_scale.py`` checks it).
"""

from __future__ import annotations

import pandas as pd

FLOOR_ESS_PER_S_355 = 170.0
FLOOR_ESS_PER_S_3550 = 3.0
FLOOR_MAX_RHAT = 1.01
FLOOR_GRADIENT_RATIO = 1.3
FLOOR_GROWTH = 10.0
FLOOR_PEAK_MB = 4096.0
FLOOR_NATIONAL_S = 1800.0


def _verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def _scale_rows(benchmarks: pd.DataFrame, m: int, form: str, path: str = "kernel") -> pd.DataFrame:
    rows = benchmarks[(benchmarks["measure"] == "whole_process_fit") & (benchmarks["M"] == m) & (benchmarks["path"] == path)]
    if path == "kernel":
        rows = rows[rows["form"] == form]
    return rows


def _main_row(benchmarks: pd.DataFrame, m: int, form: str = "chosen", path: str = "kernel"):
    """The run on the benchmark's own data set: the first one recorded (runs on other seeds,
    i.e. other simulated data sets, come after it)."""
    rows = _scale_rows(benchmarks, m, form, path)
    return None if rows.empty else rows.iloc[0]


def _national_run(benchmarks: pd.DataFrame):
    """(the whole-pipeline run at 355 municipalities, whether every gate passed), or None."""
    national = benchmarks[benchmarks["measure"] == "national_pipeline"]
    if national.empty:
        return None
    row = national.iloc[0]
    return row, bool(row["passed"]) if "passed" in national and pd.notna(row["passed"]) else True


def scale_floors(benchmarks: pd.DataFrame) -> list[str]:
    """Issue 12's floors for the chosen form, each with its measured value and verdict."""
    out = []
    small, large = _main_row(benchmarks, 355), _main_row(benchmarks, 3550)
    if small is not None:
        out.append(
            f"- M = 355: min bulk ESS/s {small.ess_per_s:.1f} (floor >= {FLOOR_ESS_PER_S_355:.0f}): "
            f"{_verdict(small.ess_per_s >= FLOOR_ESS_PER_S_355)}; divergences {small.divergences:.0f} (floor 0): "
            f"{_verdict(small.divergences == 0)}; max R-hat {small.max_rhat:.3f} (floor <= {FLOOR_MAX_RHAT}): "
            f"{_verdict(small.max_rhat <= FLOOR_MAX_RHAT)}"
        )
        ratio = small.us_per_gradient_isolated / small.us_per_gradient_reference
        in_sampler = small.us_per_gradient_in_sampler / small.us_per_gradient_isolated
        out.append(
            f"- gradient: {small.us_per_gradient_isolated:.0f} us vs hand-written reference "
            f"{small.us_per_gradient_reference:.0f} us (ratio {ratio:.2f}, floor <= {FLOOR_GRADIENT_RATIO}): "
            f"{_verdict(ratio <= FLOOR_GRADIENT_RATIO)}; in the sampler {small.us_per_gradient_in_sampler:.0f} us "
            f"per gradient per core, {in_sampler:.2f}x isolated (floor: does not double): {_verdict(in_sampler < 2)}"
        )
        seeds = _scale_rows(benchmarks, 355, "chosen")
        if len(seeds) > 1:
            out.append(
                f"- chosen form at M = 355 over {len(seeds)} simulated data sets: ESS/s "
                f"{seeds['ess_per_s'].min():.0f} to {seeds['ess_per_s'].max():.0f}, "
                f"{seeds['divergences'].sum():.0f} divergences in all, max R-hat {seeds['max_rhat'].max():.3f}"
            )
    if large is not None:
        out.append(
            f"- M = 3,550: divergences {large.divergences:.0f} (floor 0): {_verdict(large.divergences == 0)}; "
            f"max R-hat {large.max_rhat:.3f} (floor <= {FLOOR_MAX_RHAT}): {_verdict(large.max_rhat <= FLOOR_MAX_RHAT)}; "
            f"ESS/s {large.ess_per_s:.2f} (floor >= {FLOOR_ESS_PER_S_3550:.0f}): "
            f"{_verdict(large.ess_per_s >= FLOOR_ESS_PER_S_3550)}; peak RSS {large.peak_rss_mb:.0f} MB "
            f"(floor <= {FLOOR_PEAK_MB:,.0f}): {_verdict(large.peak_rss_mb <= FLOOR_PEAK_MB)}"
        )
    if small is not None and large is not None:
        growth = (large.sampling_s / large.min_ess_bulk) / (small.sampling_s / small.min_ess_bulk)
        out.append(
            f"- cost per effective draw grows {growth:.1f}x from 355 to 3,550 (floor <= {FLOOR_GROWTH:.0f}x, "
            f"linear): {_verdict(growth <= FLOOR_GROWTH)}"
        )
    if (national := _national_run(benchmarks)) is not None:
        row, passed = national
        out.append(
            f"- `snakemake --cores 4` on a simulated valid 355-municipality data/raw: {row.wall_s / 60:.1f} min, "
            f"{'every gate passing' if passed else 'FAILED'} (floor < {FLOOR_NATIONAL_S / 60:.0f} min, all gates): "
            f"{_verdict(row.wall_s < FLOOR_NATIONAL_S and passed)}"
        )
    return out


def sampling_profile(benchmarks: pd.DataFrame, cores: int = 2) -> list[str]:
    """Where the chosen form's sampling time goes at each M, and what the ESS floor would need:
    sampling seconds = gradient evaluations x microseconds per gradient in the sampler / cores,
    and ESS/s = effective draws per gradient x cores / seconds per gradient."""
    out = []
    for m, floor in ((355, FLOOR_ESS_PER_S_355), (3550, FLOOR_ESS_PER_S_3550)):
        row = _main_row(benchmarks, m)
        if row is None or pd.isna(row.get("gradient_evaluations")):
            continue
        per_gradient = row.us_per_gradient_in_sampler * 1e-6
        needed = floor * per_gradient / cores
        out.append(
            f"- M = {m:,}: {row.gradient_evaluations:,.0f} gradient evaluations (tuning included; "
            f"{row.leapfrog_per_draw:.0f} leapfrog steps per draw) x {row.us_per_gradient_in_sampler:.0f} us / "
            f"{cores} cores = {row.gradient_evaluations * per_gradient / cores:.1f} s of sampling; min bulk ESS "
            f"{row.min_ess_bulk:.0f} ({row.slowest}), i.e. {row.effective_draws_per_gradient:.4f} effective draws "
            f"per gradient. {floor:g} ESS/s at this gradient cost needs {needed:.4f} "
            f"({needed / row.effective_draws_per_gradient:.1f}x today's), or at today's geometry a gradient of "
            f"{row.effective_draws_per_gradient * cores / floor * 1e6:.0f} us."
        )
    return out


def _fit_phrase(row) -> str:
    plural = "" if row.divergences == 1 else "s"
    return (
        f"{row.ess_per_s:.1f} effective draws per second ({row.divergences:.0f} divergence{plural}, "
        f"max R-hat {row.max_rhat:.3f})"
    )


def _sbc_phrase(form: str, table: pd.DataFrame) -> str:
    failing = table[~table["uniform"].astype(bool)]
    n_sims = int(table["n_simulations"].max())
    if failing.empty:
        return f"{form}: all {len(table)} parameter families uniform ({n_sims} simulations)"
    worst = [
        f"{r.family} (Holm p: chi-square {r.p_chisq_holm:.2g}, KS {r.p_ks_holm:.2g}, elements {r.p_elements_holm:.2g})"
        for r in failing.itertuples()
    ]
    return f"{form}: NOT uniform: {'; '.join(worst)} ({n_sims} simulations)"


def scale_markdown(recovery: pd.DataFrame, sbc: dict[str, pd.DataFrame], benchmarks: pd.DataFrame) -> str:
    """The README's "At national scale" bullets from the scale records.

    ``recovery``: results/scale/recovery.csv (one row per M); ``sbc``: form -> SBC uniformity
    table at the scale design; ``benchmarks``: results/benchmarks/benchmarks.csv.
    """
    lines = []
    if (national := _national_run(benchmarks)) is not None:
        row, passed = national
        lines.append(
            f"* **Running it.** `snakemake --cores 4` on a simulated, valid 355-municipality `data/raw` "
            f"({int(row.jobs)} jobs) took {row.wall_s / 60:.1f} minutes on 2 cores with the shipped settings, "
            + ("every gate passing." if passed else "and FAILED a gate (results/benchmarks/national_failure.log).")
            + " With more than 20 municipalities cross-validation refits 10 folds per model instead of one refit "
            "per municipality, and SBC in the default build runs on a seeded sample of 100 municipalities; "
            "the report says so."
        )
    small = _main_row(benchmarks, 355)
    if small is not None:
        others = {
            "the non-centred form shipped before": _main_row(benchmarks, 355, "non-centred"),
            "log-scale form with centred codes": _main_row(benchmarks, 355, "codes-only"),
            "PyMC's model through nutpie": _main_row(benchmarks, 355, path="nutpie-pymc"),
            "PyMC's NUTS": _main_row(benchmarks, 355, path="pymc-nuts"),
        }
        compared = "; ".join(f"{name} {_fit_phrase(r)}" for name, r in others.items() if r is not None)
        seeds = _scale_rows(benchmarks, 355, "chosen")
        spread = (
            f" Over {len(seeds)} simulated data sets the chosen form gave {seeds['ess_per_s'].min():.0f} to "
            f"{seeds['ess_per_s'].max():.0f} effective draws per second."
            if len(seeds) > 1 else ""
        )
        lines.append(
            "* **Sampling.** The sampler moves each intercept at the average code and the seven scales as "
            "signed values (`tau = |t|`, `sigma_u = |s|`: a change of variables, not of model; "
            "docs/model_card.md). At M = 355 it gave "
            f"{_fit_phrase(small)} with {small.leapfrog_per_draw:.0f} leapfrog steps per draw; in the same run "
            f"{compared}.{spread}"
        )
    large = _main_row(benchmarks, 3550)
    if large is not None:
        shipped = _main_row(benchmarks, 3550, "non-centred")
        at_large = recovery[recovery["M"] == 3550]
        verdict = ""
        if len(at_large) and not at_large["n_replicates"].iloc[0]:
            verdict = (
                f" None of the {int(at_large['n_excluded_fits'].iloc[0])} recovery fits at this size passed the gates "
                "with the shipped settings: treat fits of thousands of municipalities with this model as unconverged."
            )
        lines.append(
            f"* **Thousands of municipalities.** At M = 3,550 the chosen form gave {_fit_phrase(large)}, "
            f"{large.sampling_s / 60:.1f} minutes of sampling, peak memory {large.peak_rss_mb / 1024:.1f} GB"
            + (f"; the shipped form {_fit_phrase(shipped)}." if shipped is not None else ".") + verdict
        )
    if sbc:
        n_mun = ", ".join(_sbc_phrase(form, table) for form, table in sbc.items())
        lines.append(f"* **Calibration at M = 100** (SBC, `snakemake sbc_scale`): {n_mun}.")
    if len(recovery):
        rec = recovery.sort_values("M")
        coverage = ", ".join(f"{r.coverage90:.0%} (M = {r.M:,})" for r in rec.itertuples() if r.n_replicates)
        none = [f"{r.M:,}" for r in rec.itertuples() if not r.n_replicates]
        coverage += f"; at M = {', '.join(none)} no fit passed the gates, so there is nothing to report" if none else ""
        excluded = ", ".join(
            f"{r.n_excluded_fits} of {r.n_replicates + r.n_excluded_fits} at M = {r.M:,}"
            for r in rec.itertuples() if r.n_excluded_fits
        )
        first = rec.iloc[0]
        lines.append(
            f"* **How many municipalities to learn an effect.** Parameter recovery ({first.n_replicates + first.n_excluded_fits} "
            "replicates per M; coverage and widths only from fits that pass every gate"
            + (f"; excluded for failing a gate: {excluded}" if excluded else "; none failed")
            + f"): 90% intervals cover the true factor effect in {coverage}. Their width falls as "
            f"M^{first.curve_slope:.2f} (standard error {first.curve_slope_se:.2f}; {first.curve}, "
            f"fitted to M = {' and '.join(str(first.extrapolated_from_M).split(','))}), so a 90% interval of ±{first.target_halfwidth:g} on the logit "
            f"scale needs about **{first.M_needed_halfwidth:,.0f} coded municipalities** for the average factor and "
            f"about **{first.M_needed_halfwidth_worst:,.0f}** for the least informed one. With "
            f"{first.M:,} municipalities the average half-width is {first.mean_halfwidth90:.2f}."
        )
    floors = scale_floors(benchmarks)
    missed = []
    for line in floors:
        clauses = line.removeprefix("- ").split("; ")
        label = clauses[0].split(": ")[0] + ": " if clauses[0].startswith("M = ") else ""
        missed += [(c if c.startswith(label) else label + c) for c in clauses if c.endswith("NOT met")]
    lines.append(
        "* **Floors of issue 12** (results/benchmarks/summary.md): "
        + ("all met." if not missed else "not met: " + "; ".join(missed) + ".")
    )
    return "\n".join(lines) + "\n"
