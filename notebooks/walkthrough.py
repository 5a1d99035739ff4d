# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Policy windows for a municipal approach to human trafficking: a walkthrough
#
# This notebook walks a reviewer through the results of the Snakemake workflow. It **reads
# the workflow's outputs only** (tables in `results/tables/`, figures in `results/figures/`
# and the processed data in `data/processed/`); it fits nothing. It is executed by the rule
# `notebook` (`workflow/scripts/render_notebook.py`) from the repository root, and every
# path below is relative to that root.
#
# **The question.** A Dutch master thesis (Utrecht, 2020) applied Kingdon's multiple-streams
# model to eight anonymised municipalities. For each of two phases, *agenda-setting* and
# *institutionalisation*, it coded whether the problem, policy and politics streams moved,
# and 24 factors that might move them (−1 lacking, 0 not reported, +1 present). A phase's
# policy window opens when all three streams move. The Bayesian model asks which factors
# go together with moving streams, and how likely a window was in each municipality.
#
# **The honest headline.** Eight municipalities are very few. Each factor effect rests on a
# handful of contrasts, and most of what the model says about a single factor comes from
# the priors and from partial pooling with the other factors of the same phase and stream.
# Read every interval below as "what these eight coded cases are compatible with", never as
# an estimate for Dutch municipalities in general.

# %% [markdown]
# The helper code of this page (imports, the factor names, showing a figure) is in
# a cell the rendered page leaves out, the first code cell of `notebooks/walkthrough.py`, and a
# cell that only shows a figure shows it without its one line of code. Every code cell shown
# below computes only from the workflow's tables.

# %% tags=["remove_cell"]
from pathlib import Path

import pandas as pd
from IPython.display import HTML, Markdown, display

from policy_windows.constants import HIGHLIGHTED_FACTORS, PHASES, STREAMS
from policy_windows.derived import describe_effect

TABLES = Path("results/tables")
FIGURES = Path("results/figures")
# Figures are linked, not embedded: this page is written to results/notebook.html, so
# "figures/<name>.png" is results/figures/<name>.png. The Snakemake report keeps each figure
# once, as its own entry with its caption; inside the report this page cannot load the link
# and shows only the note that says where the figure is.
FIGURE_LINK = "figures/{name}.png"
pd.set_option("display.max_columns", 40)
pd.set_option("display.width", 160)
# three significant digits (0.0228, 0.86, 12.3), whole numbers from 100 on; no scientific notation
pd.set_option("display.float_format", lambda v: f"{v:,.0f}" if abs(v) >= 100 else f"{v:.3g}")
FACTOR_NAMES = pd.read_csv("data/processed/factors.csv").set_index("factor")["name_en"].to_dict()


def pick(table: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The listed columns the table has, in that order (tables gain and lose columns over time)."""
    return table[[column for column in columns if column in table.columns]]


def named(table: pd.DataFrame) -> pd.DataFrame:
    """The table with factor names in place of factor ids (the ids are in the CSV files)."""
    return table.assign(factor=table["factor"].map(lambda f: FACTOR_NAMES.get(f, f))) if "factor" in table else table


def named_terms(expression: str) -> str:
    """A QCA expression with factor names: "a*~b + c" becomes "A · not B + C"."""
    def literal(token: str) -> str:
        factor = token.strip().lstrip("~")
        return ("not " if token.strip().startswith("~") else "") + FACTOR_NAMES.get(factor, factor)

    return " + ".join(" · ".join(map(literal, term.split("*"))) for term in str(expression).split("+"))


def show_figure(name: str, title: str, width: int = 1000) -> None:
    """Show a figure the workflow made (read from results/figures/, never re-plotted)."""
    path = FIGURES / f"{name}.png"
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing; the notebook rule lists every figure as input")
    link = FIGURE_LINK.format(name=name)
    display(HTML(
        f'<figure class="pw-figure" style="margin:1em 0">'
        f'<img src="{link}" alt="" style="max-width:100%;height:auto" width="{width}">'
        f'<figcaption style="border-left:3px solid #0f766e;padding:.2em .7em;background:#f8fafc">'
        f"<strong>Figure: {title}</strong> (<code>{path}</code>). In the Snakemake report it is the entry "
        f"<code>{path.name}</code>, full size with its caption; opened from <code>results/</code>, this page "
        f"shows it above.</figcaption></figure>"
    ))


def say(text: str) -> None:
    display(Markdown(text))


# %% [markdown]
# ## 1. The coded data
#
# `data/processed/model_table.csv` has one row per municipality and factor, with the code,
# the movement of the factor's stream and the phase's window. The figure shows the same
# table as a picture (the thesis's Bijlage 8 and 9).

# %%
model_table = pd.read_csv("data/processed/model_table.csv")
n_municipalities = model_table["municipality"].nunique()
n_factors = model_table["factor"].nunique()
codes = (
    model_table.groupby(["phase", "code"])
    .size()
    .unstack("code", fill_value=0)
    .rename(columns={-1: "lacking (−1)", 0: "not reported (0)", 1: "present (+1)"})
    .reindex(list(PHASES))
)
windows = (
    model_table.drop_duplicates(["municipality", "phase"]).groupby("phase")["window"].agg(["sum", "size"]).reindex(list(PHASES))
)
display(codes)
say(
    f"{n_municipalities} municipalities × {n_factors} factors = {len(model_table)} codes. "
    + "; ".join(f"{phase}: {int(r['sum'])} of {int(r['size'])} municipalities with an open window" for phase, r in windows.iterrows())
    + f". {int((model_table['code'] == 0).mean() * 100)}% of the codes are 'not reported', which the model treats as "
    "a neutral value between lacking and present."
)

# %% tags=["remove_input"]
show_figure("coded_data", "the coded data of every municipality", width=1100)

# %% [markdown]
# ## 2. The model
#
# For municipality *m*, phase *p* and stream *s* the model says
# `movement ~ Bernoulli(θ)`, with `logit θ = α[p,s] + Σ β[f]·x[m,f] + u[m] + κ[s]·agenda_window[m]`
# (the κ term only in institutionalisation) and the window probability `π = θ_problem · θ_policy · θ_politics`.
# The factor coefficients β are partially pooled within each phase × stream group, so one
# factor with an extreme pattern in eight cases cannot run off to infinity. The model card
# (`docs/model_card.md`) gives the priors and their justification. The graph below is drawn
# from the PyMC model itself.

# %% tags=["remove_input"]
show_figure("model_graph", "the structure of the model")

# %% [markdown]
# ## 3. Did the sampler converge?
#
# Every variant was fitted with NUTS (nutpie), and the rule `fit` refuses to write a fit
# that breaks the convergence gates in `config/config.yaml` (R-hat, bulk and tail ESS,
# divergences). The tables `results/tables/diagnostics_<variant>.csv` therefore exist only
# for fits that passed; here is their worst case per variant.

# %%
diagnostics = {
    path.stem.removeprefix("diagnostics_"): pd.read_csv(path) for path in sorted(TABLES.glob("diagnostics_*.csv"))
}
convergence = pd.DataFrame(
    {
        variant: {
            "parameters": len(t),
            "max R-hat": t["r_hat"].max(),
            "min bulk ESS": t["ess_bulk"].min(),
            "min tail ESS": t["ess_tail"].min(),
            "all pass": bool(t["passes"].all()),
        }
        for variant, t in diagnostics.items()
    }
).T
display(convergence)

# %% [markdown]
# ## 4. Predictive checks
#
# Before trusting effects we check what the priors imply (top row: prior predictive θ and π)
# and whether the fitted model reproduces the data (bottom row: PAV-adjusted calibration;
# right: posterior predictive probability of every observed movement). With 48 binary
# observations these checks catch gross misfit only.

# %% tags=["remove_input"]
show_figure("predictive_checks", "prior and posterior predictive checks", width=1100)

# %%
window_table = pd.read_csv(TABLES / "window_probability.csv")
ppp = window_table.melt(
    id_vars=["municipality", "phase"],
    value_vars=[f"ppp_observed_{s}" for s in STREAMS],
    var_name="stream",
    value_name="ppp",
)
ppp["stream"] = ppp["stream"].str.removeprefix("ppp_observed_")
surprising = ppp[ppp["ppp"] < 0.2].sort_values("ppp")
say(
    f"{len(surprising)} of {len(ppp)} observed stream movements have a posterior predictive probability below 0.2"
    + (" (listed below): the model would rarely reproduce them." if len(surprising) else ".")
)
if len(surprising):
    display(surprising)

# %% [markdown]
# ## 5. Which factors go together with moving streams?
#
# `results/tables/factor_effects.csv` gives, per factor, the coefficient β (logit scale),
# P(β > 0), and the average marginal effect (AME): the change in the phase's window
# probability, in percentage points, if the factor went from lacking to present in every
# municipality. The columns `n_present`, `n_not_reported` and `n_lacking` show how many of
# the eight cases carry each code — often only two or three cases separate a factor's levels.

# %%
effects = pd.read_csv(TABLES / "factor_effects.csv")
columns = [
    "factor", "phase", "stream", "origin", "n_present", "n_not_reported", "n_lacking",
    "beta_mean", "beta_eti89_lb", "beta_eti89_ub", "p_beta_positive",
    "ame_pp_plus_vs_minus_mean", "ame_pp_plus_vs_minus_eti89_lb", "ame_pp_plus_vs_minus_eti89_ub",
]
display(named(pick(effects, columns)).sort_values(["phase", "stream", "p_beta_positive"], ascending=[True, True, False]))

# %% tags=["remove_input"]
show_figure("factor_effects_forest", "factor effects")

# %% [markdown]
# The thesis singles out three factors as new and decisive. The sentences below are
# generated from their own numbers (`policy_windows.derived.describe_effect`).

# %%
highlighted = effects.set_index("factor").loc[list(HIGHLIGHTED_FACTORS)].reset_index()
say("\n".join(f"* {describe_effect(row, n_municipalities, names=FACTOR_NAMES)}" for _, row in highlighted.iterrows()))
clear = effects[(effects["p_beta_positive"] >= 0.95) | (effects["p_beta_positive"] <= 0.05)]
say(
    f"Of {len(effects)} factors, {len(clear)} have P(β > 0) at or beyond 0.95 (or 0.05). "
    "Even for these, the 95% interval of the AME is wide: the direction may be supported, "
    "the size is not pinned down."
)

# %% [markdown]
# ## 6. How likely was a window in each municipality?

# %%
display(
    pick(window_table, ["municipality", "phase", "observed_window", "window_probability_mean",
                        "window_probability_eti89_lb", "window_probability_eti89_ub"])
)
show_figure("window_probability", "window probability per municipality")

# %% [markdown]
# Institutionalisation builds on the agenda phase: the coupling κ shifts each
# institutionalisation stream after an agenda window. The left panel plots both window
# probabilities per municipality; the right panel shows κ per stream.

# %% tags=["remove_input"]
show_figure("phase_coupling", "coupling of the two phases")

# %% [markdown]
# ## 7. What if one factor changed?
#
# `results/tables/what_if.csv` sets one factor at a time to present (+1) in one
# municipality and reports the gain in that phase's window probability. These are
# counterfactuals *within the model* — they assume factors act independently on the logit
# scale — not causal estimates.

# %%
what_if = pd.read_csv(TABLES / "what_if.csv")
display(
    named(pick(what_if[what_if["rank"] <= 3],
               ["municipality", "rank", "phase", "stream", "factor", "current_code",
                "window_probability_now", "gain_pp_mean", "gain_pp_eti89_lb", "gain_pp_eti89_ub"]))
)
show_figure("what_if", "what-if gains", width=1100)

# %% [markdown]
# ## 8. Which parts of the model do the data support?
#
# Four variants of the same code are compared: `full`, `theory_only` (drops the factors
# the thesis added), `no_coupling` (κ = 0) and `no_municipality` (no municipality effect u).
# PSIS-LOO leaves out one stream observation at a time; exact leave-one-municipality-out
# (LOMO) refits without each municipality, which is the question a new municipality asks.

# %%
comparison = pd.read_csv(TABLES / "model_comparison.csv")
display(comparison)
show_figure("model_comparison", "model comparison")

# %%
for method, part in comparison.groupby("method", sort=False):
    best = part.sort_values("rank").iloc[0]
    rest = part[part["rank"] > 0]
    close = rest[rest["elpd_diff"] <= 2 * rest["dse"]]
    say(
        f"**{method}**: best variant `{best['variant']}`; "
        f"{len(close)} of {len(rest)} other variants are within two standard errors of it "
        f"({', '.join(f'`{v}`' for v in close['variant']) or 'none'}). "
        + (f"{int(part['n_pareto_k_gt_0_7'].sum())} Pareto k̂ values exceed 0.7, so PSIS-LOO is unreliable for "
           "those observations and the exact LOMO is the better guide." if part["n_pareto_k_gt_0_7"].sum() else "")
    )

# %% [markdown]
# ## 9. How much do the priors matter?
#
# Power-scaling sensitivity (`results/tables/prior_sensitivity.csv`) perturbs the prior and
# the likelihood and measures how much each parameter's posterior moves. With eight cases
# we expect prior sensitivity: that is the point of stating the priors openly.

# %%
sensitivity = pd.read_csv(TABLES / "prior_sensitivity.csv")
if "diagnosis" in sensitivity.columns:
    display(sensitivity["diagnosis"].fillna("-").value_counts().rename("parameters").to_frame())
display(sensitivity)

# %% [markdown]
# ## 10. A second opinion: crisp-set QCA
#
# Qualitative Comparative Analysis treats each municipality as a configuration of present
# (+1) or absent (0 or −1) factors and looks for combinations that are sufficient for an
# open window. It is the method closest to the thesis's own reasoning, so it is a useful
# cross-check — but with eight cases and about ten varying conditions per phase almost every
# municipality is a configuration of its own, and many different formulas fit perfectly.

# %%
truth = pd.read_csv(TABLES / "qca_truth_tables.csv")
solutions = pd.read_csv(TABLES / "qca_solutions.csv")
necessity = pd.read_csv(TABLES / "qca_necessity.csv")
for phase in PHASES:
    part = truth[truth["phase"] == phase].dropna(axis="columns", how="all")
    sols = solutions[solutions["phase"] == phase]
    counts = sols.groupby("solution_type")["solution_id"].nunique().to_dict()
    say(
        f"**{phase}**: {len(part)} observed configurations for {int(part['n'].sum())} cases; "
        + ", ".join(f"{n} {kind} solution(s)" for kind, n in counts.items())
        + "."
    )
    display(part.rename(columns=FACTOR_NAMES))
display(
    pick(solutions, ["phase", "solution_type", "solution_id", "term", "consistency", "raw_coverage", "cases_covered"])
    .assign(term=solutions["term"].map(named_terms))
)
display(necessity[necessity["consistency"] >= 0.9].assign(literal=lambda t: t["literal"].map(named_terms)))

# %% tags=["remove_input"]
show_figure("qca_vs_bayes", "QCA solutions next to the Bayesian effects", width=1100)

# %% [markdown]
# ## 11. What eight cases can and cannot tell
#
# * **Can:** describe the coded cases consistently; show which factors line up with moving
#   streams *in these cases*; show that some conclusions (a sign, a rough size) survive
#   partial pooling, and show where the model and QCA agree.
# * **Cannot:** estimate how strongly a factor raises the chance of a window in Dutch
#   municipalities in general; separate factors that always occur together in these eight
#   cases; rule out that the coding itself (one researcher, interview data) drives a result.
# * Every number here inherits the thesis's coding. The raw files in `data/raw/` carry the
#   evidence for each code, so a reviewer can change a code and rerun the workflow.
#
# The workflow that produced all of this:

# %% tags=["remove_input"]
show_figure("workflow_dag", "the workflow's rules", width=1100)
