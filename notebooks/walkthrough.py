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
# **How to read it.** The fixed paragraphs (like this one) explain methods only. Every
# sentence about a factor, a municipality or a model variant is printed by code from this
# run's tables, with the numbers it rests on, and says whether the data identify the factor.
# If a table changes, the sentences change with it.

# %% [markdown]
# The helper code of this page (imports, the factor names, formatting, showing a figure) is
# in a cell the rendered page leaves out, the first code cell of `notebooks/walkthrough.py`,
# and a cell that only shows a figure shows it without its one line of code. Every code cell
# shown below computes only from the workflow's tables.

# %% tags=["remove_cell"]
import html
import re
from pathlib import Path

import pandas as pd
from IPython.display import HTML, Markdown, display

from policy_windows.inference.comparison import SIVULA_CLOSE
from policy_windows.constants import HIGHLIGHTED_FACTORS, PHASES, STREAMS
from policy_windows.summaries.counterfactuals import what_if_by_factor
from policy_windows.summaries.evidence import DECISIVE, EVIDENCE_LABELS, readable
from policy_windows.summaries.scale import MAX_LISTED_MUNICIPALITIES, lists_municipalities

TABLES = Path("results/tables")
FIGURES = Path("results/figures")
# Figures are linked, not embedded: this page is written to results/notebook.html, so
# "figures/<name>.png" is results/figures/<name>.png. The Snakemake report keeps each figure
# once, as its own entry with its caption; inside the report this page cannot load the link
# and shows only the note that says where the figure is.
FIGURE_LINK = "figures/{name}.png"
pd.set_option("display.max_columns", 40)
pd.set_option("display.width", 160)
pd.set_option("display.max_colwidth", None)
# three significant digits (0.0228, 0.86, 12.3), whole numbers from 100 on; no scientific notation
pd.set_option("display.float_format", lambda v: f"{v:,.0f}" if abs(v) >= 100 else f"{v:.3g}")
FACTOR_NAMES = pd.read_csv("data/processed/factors.csv").set_index("factor")["name_en"].to_dict()


def pick(table: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The listed columns the table has, in that order (tables gain and lose columns over time)."""
    return table[[column for column in columns if column in table.columns]]


def named(table: pd.DataFrame) -> pd.DataFrame:
    """The table with factor names in place of factor ids (the ids are in the CSV files)."""
    return table.assign(factor=table["factor"].map(lambda f: FACTOR_NAMES.get(f, f))) if "factor" in table else table


def name(factor: str) -> str:
    """A factor's name in running text ("insight into nature and scale")."""
    return readable(factor, FACTOR_NAMES)


def named_terms(expression: str) -> str:
    """A QCA expression with factor names: "a*~b + c" becomes "A · not B + C"."""
    def literal(token: str) -> str:
        factor = token.strip().lstrip("~")
        return ("not " if token.strip().startswith("~") else "") + FACTOR_NAMES.get(factor, factor)

    return " + ".join(" · ".join(map(literal, term.split("*"))) for term in str(expression).split("+"))


def listing(items) -> str:
    """"a", "a and b", "a, b and c"; "none" for no items."""
    items = [str(i) for i in items]
    if not items:
        return "none"
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def which(municipalities, total: int) -> str:
    """"municipalities 2, 6 and 8" while every municipality can be named; "49 of the 355
    municipalities" beyond MAX_LISTED_MUNICIPALITIES (the tables name them)."""
    municipalities = list(municipalities)
    if lists_municipalities(total):
        return f"municipalities {listing(municipalities)}"
    return f"{len(municipalities):,} of the {total:,} municipalities"


def signed(value: float, digits: int = 1) -> str:
    """+1.5, -0.3, 0.0 (never "-0.0" or "+0")."""
    text = f"{value:+.{digits}f}"
    return text[1:] if float(text) == 0 else text


def interval(lo: float, hi: float, digits: int = 1) -> str:
    return f"{signed(lo, digits)} to {signed(hi, digits)}"


def ci(row, prefix: str, digits: int) -> str:
    """ "+0.07 (-0.69 to +1.02)": mean and 95% interval of the columns <prefix>mean/eti95_lb/eti95_ub."""
    mean = row[f"{prefix}mean"]
    if pd.isna(mean):
        return "–"
    return f"{signed(mean, digits)} ({interval(row[f'{prefix}eti95_lb'], row[f'{prefix}eti95_ub'], digits)})"


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


def folded(summary: str, items: list[str]) -> None:
    """A bulleted list the reader opens on demand (long generated sentences)."""
    body = "".join(f"<li>{html.escape(item)}</li>" for item in items)
    display(HTML(f"<details><summary>{html.escape(summary)}</summary><ul>{body}</ul></details>"))


# %% [markdown]
# ## 1. The question and the data
#
# A Dutch master thesis (Utrecht, 2020) applied Kingdon's multiple-streams model to eight
# anonymised municipalities. For each of two phases, *agenda-setting* and
# *institutionalisation*, it described whether the problem, policy and politics streams
# moved, and which factors helped or hindered them; we coded each factor −1 (lacking), 0 (not
# reported) or +1 (present). A phase's policy window opens when all three streams move. The
# thesis singles out three factors as new and decisive. The question here is narrower than
# the thesis's: **what can these coded cases support about each factor, and what can they
# not?**

# %%
model_table = pd.read_csv("data/processed/model_table.csv")
stream_table = pd.read_csv("data/processed/stream_table.csv")
n_municipalities = model_table["municipality"].nunique()
n_factors = model_table["factor"].nunique()
n_observations = len(stream_table)
codes = (
    model_table.groupby(["phase", "code"])
    .size()
    .unstack("code", fill_value=0)
    .rename(columns={-1: "lacking (−1)", 0: "not reported (0)", 1: "present (+1)"})
    .reindex(list(PHASES))
)
display(codes)
open_windows = {
    phase: sorted(part.loc[part["window"] == 1, "municipality"].unique())
    for phase, part in stream_table.groupby("phase")
}
say(
    f"{n_municipalities} municipalities × {n_factors} factors = {len(model_table)} codes, and "
    f"{n_observations} binary stream observations ({n_municipalities} municipalities × {len(PHASES)} phases × {len(STREAMS)} streams) "
    f"to learn {n_factors} factor effects from. "
    + "; ".join(f"{phase}: open window in {which(open_windows[phase], n_municipalities)}" for phase in PHASES)
    + f". {(model_table['code'] == 0).mean():.0%} of the codes are 'not reported', which the model places halfway "
    "between lacking and present."
)

# %% tags=["remove_input"]
show_figure("coded_data", "the coded data of every municipality", width=1100)

# %% [markdown]
# **Factors and movement come from the same text.** The thesis describes a stream as moving
# largely *by* listing what helped it, and our codes for the factors and for the movement cite
# the same passages (the `evidence` columns in `data/raw/`). The next cell measures how much
# of the movement the net code of a stream (number of present minus number of lacking factors)
# already restates, before any model is fitted.

# %%
net = stream_table["n_present"] - stream_table["n_lacking"]
moved = stream_table["movement"] == 1
separated = [
    f"{phase} {stream}"
    for (phase, stream), part in stream_table.assign(net=net).groupby(["phase", "stream"], sort=False)
    if part["movement"].nunique() == 2 and part.loc[part["movement"] == 1, "net"].min() > part.loc[part["movement"] == 0, "net"].max()
]
n_separated, n_cells = len(separated), stream_table.groupby(["phase", "stream"]).ngroups
say(
    f"Of the {int((net > 0).sum())} stream observations with more present than lacking factors, "
    f"{int((moved & (net > 0)).sum())} moved; of the {int((net < 0).sum())} with more lacking than present, "
    f"{int((moved & (net < 0)).sum())} moved; of the {int((net == 0).sum())} balanced ones, {int((moved & (net == 0)).sum())} moved. "
    f"In {n_separated} of {n_cells} phase × stream cells a threshold on the net code separates the municipalities "
    "whose stream moved from those whose stream did not without a single error. "
    "Any model with the factors in it will therefore 'predict' movement well; that is the coding speaking, "
    "not evidence that the factors cause movement."
)

# %% [markdown]
# **The model.** For municipality *m*, phase *p* and stream *s*,
# `movement ~ Bernoulli(θ)` with `logit θ = α[p,s] + Σ β[f]·x[m,f] + u[m] + κ[s]·agenda_window[m]`
# (κ only in institutionalisation) and window probability `π = θ_problem · θ_policy · θ_politics`.
# The coefficients β are partially pooled within each phase × stream: `β[f] = μ[g] + τ[g]·z[f]`.
# μ[g] is what a stream's coded factors share; β[f] − μ[g] is what the data say about a factor
# *beyond* its stream. The model card (`docs/model_card.md`) gives priors and justification.

# %% tags=["remove_input"]
show_figure("model_graph", "the structure of the model")

# %% [markdown]
# ## 2. Which factors can the coded cases identify?
#
# A factor is **not identified** if its code never varies (its coefficient is then confounded
# with its stream's baseline, or never enters the likelihood at all): whatever the model
# reports for it is the prior and the stream's pooled mean. It is **weakly identified** if its
# separate effect rests on one or a few municipalities: without any one of them its codes
# equal another factor's, a level disappears, or its stream has as many coefficients as
# municipalities. Otherwise it is **identified** (separable from every other coefficient
# without any single municipality), which says nothing yet about how precisely.

# %%
effects = pd.read_csv(TABLES / "factor_effects.csv")
display(
    named(pick(effects, ["factor", "phase", "stream", "n_lacking", "n_not_reported", "n_present",
                         "identification", "identification_note"]))
)
by_identification = effects.groupby("identification", sort=False)["factor"].apply(list).to_dict()
say(
    f"Of {len(effects)} factors, "
    + ", ".join(f"**{len(by_identification.get(level, []))} {level}**"
                for level in ("identified", "weakly identified", "not identified"))
    + "."
)
say("\n".join(
    f"* **{FACTOR_NAMES[row.factor]}** is not identified: {row.identification_note}."
    for row in effects[effects["identification"] == "not identified"].itertuples()
))
twins = effects["identification_note"].str.extract(r"its codes equal those of (.+?) except in municipality (\d+)")
twin_rows = effects.assign(twin=twins[0], where=twins[1]).dropna(subset=["twin"])
# each pair once: "a ~ b", not also "b ~ a"
twin_rows = twin_rows[~twin_rows.apply(lambda r: frozenset((name(r["factor"]), r["twin"])), axis=1).duplicated()]
one_case = effects[effects["identification_note"].str.startswith("its separate effect rests on one municipality", na=False)]
say(
    f"{len(one_case)} weakly identified factors rest on a single municipality ({listing(name(f) for f in one_case['factor'])}). "
    f"{len(twin_rows)} pairs of factors have identical codes except in one municipality, "
    "so the data cannot tell the two apart anywhere else: "
    + listing(f"{name(r.factor)} ~ {r.twin} (differ only in municipality {r.where})" for r in twin_rows.itertuples())
    + "."
)
unseen = effects[effects["unseen_levels"].notna() & (effects["identification"] != "not identified")]
say(
    f"{len(unseen)} identified or weakly identified factors never show one of the three levels "
    f"({listing(f'{name(r.factor)}: {r.unseen_levels} never coded' for r in unseen.itertuples())}); "
    "for them the table reports only the contrast between levels that were observed."
)

# %% [markdown]
# ## 3. What the model says: stream level versus factor level
#
# Because the net code of a stream nearly separates movement (section 1), the model learns
# each stream's shared slope μ much better than any factor's departure from it. P(β > 0) then
# mostly restates P(μ > 0). What the data say about a factor **itself** is β − μ: only if
# P(β > μ) is decisive (at or beyond the threshold below, or its mirror) do the cases single
# a factor out from its stream ("factor-specific"); otherwise the evidence is "stream-level
# only". The average marginal effect (AME) is the change in the phase's window probability,
# in percentage points, for the contrast between the highest and lowest *observed* level.

# %%
streams = (
    effects.groupby(["phase", "stream"], sort=False)
    .agg(factors=("factor", "size"), mu_mean=("mu_mean", "first"), p_mu_positive=("p_mu_positive", "first"))
    .join(pd.crosstab([effects["phase"], effects["stream"]], effects["evidence"]).reindex(columns=list(EVIDENCE_LABELS), fill_value=0))
)
display(streams)
decisive_streams = streams[streams["p_mu_positive"] >= DECISIVE]
say(
    f"Decisive means a posterior probability at or above {DECISIVE:g} (`policy_windows.summaries.evidence.DECISIVE`). "
    f"**Stream level:** in {len(decisive_streams)} of {len(streams)} streams the coded factors together go with movement "
    f"(P(μ > 0) from {streams['p_mu_positive'].min():.2f} to {streams['p_mu_positive'].max():.2f}: "
    + listing(f"{p} {s} {v:.2f}" for (p, s), v in streams["p_mu_positive"].items())
    + ")."
)
evidence_counts = effects["evidence"].value_counts().reindex(list(EVIDENCE_LABELS), fill_value=0)
closest = effects[effects["evidence"] != "not identified"].sort_values("p_beta_above_mu", ascending=False).iloc[0]
positive = effects[effects["sign_call"] == "positive"]
say(
    f"**Factor level:** {evidence_counts['factor-specific']} of {len(effects)} factors are factor-specific, "
    f"{evidence_counts['stream-level only']} stream-level only and {evidence_counts['not identified']} not identified. "
    f"The factor closest to being singled out is {name(closest['factor'])} (P(β > μ) = {closest['p_beta_above_mu']:.2f}, "
    f"β − μ {closest['beta_minus_mu_mean']:+.2f}, 95% interval "
    f"{interval(closest['beta_minus_mu_eti95_lb'], closest['beta_minus_mu_eti95_ub'], 2)}). "
    f"{len(positive)} factors have P(β > 0) ≥ {DECISIVE:g}"
    + (f", {int((positive['evidence'] == 'stream-level only').sum())} of them stream-level only: for those the probability "
       "mostly restates their stream's P(μ > 0)." if len(positive) else ".")
)
clear_ame = effects[(effects["ame_pp_observed_eti95_lb"] > 0) | (effects["ame_pp_observed_eti95_ub"] < 0)]
say(
    f"The 95% interval of the AME excludes zero for {len(clear_ame)} of {effects['ame_pp_observed_mean'].notna().sum()} "
    "factors with a reported contrast"
    + (": " + listing(
        f"{name(r.factor)} ({r.ame_contrast_observed}: {r.ame_pp_observed_mean:+.1f} pp on the {r.phase} window, "
        f"95% interval {interval(r.ame_pp_observed_eti95_lb, r.ame_pp_observed_eti95_ub)}; {r.evidence}, {r.identification})"
        for r in clear_ame.itertuples()) if len(clear_ame) else "")
    + "."
)

# %%
factor_view = pd.DataFrame({
    "factor": effects["factor"].map(FACTOR_NAMES),
    "phase": effects["phase"],
    "stream": effects["stream"],
    "identification": effects["identification"],
    "P(β>0)": effects["p_beta_positive"],
    "P(μ>0)": effects["p_mu_positive"],
    "P(β>μ)": effects["p_beta_above_mu"],
    "β−μ (95%)": effects.apply(ci, axis=1, prefix="beta_minus_mu_", digits=2),
    "contrast": effects["ame_contrast_observed"].fillna("–"),
    "AME pp (95%)": effects.apply(ci, axis=1, prefix="ame_pp_observed_", digits=1),
    "call": effects["call"],
})
display(factor_view)
folded(
    f"The statement the workflow generated for each of the {len(effects)} factors (column `statement`)",
    [f"{FACTOR_NAMES[r.factor]} ({r.phase} {r.stream}): {r.statement}" for r in effects.itertuples()],
)

# %% tags=["remove_input"]
show_figure("factor_effects_forest", "factor effects")

# %% [markdown]
# ## 4. The three factors the thesis singles out
#
# For each of them: the call on the default fit, the call on every refit with other priors or
# another coding (`results/tables/highlighted_factors.csv`, `conclusion_sensitivity.csv`), and
# whether the sign call and the evidence label survive a change of prior scale (halved and
# doubled), of prior family (unscaled) and of coding ("not reported" as its own level).

# %%
highlighted = pd.read_csv(TABLES / "highlighted_factors.csv")
calls = pd.read_csv(TABLES / "conclusion_sensitivity.csv")
default_fit = calls.loc[calls["kind"] == "default", "fit"].iloc[0]
alternatives = calls.loc[calls["kind"] != "default", ["fit", "kind"]].drop_duplicates()
call_view = named(highlighted[["factor", "identification", "call"]]).rename(columns={"call": f"call ({default_fit})"})
for fit in alternatives["fit"]:
    call_view[f"call ({fit})"] = highlighted[f"call_{fit}"]
survival = [c for c in highlighted.columns if "_survives_" in c]
checks = sorted({c.split("_survives_")[1] for c in survival}, key=[c.split("_survives_")[1] for c in survival].index)


def survives(row, check: str) -> str:
    sign, evidence = row[f"sign_call_survives_{check}"], row[f"evidence_survives_{check}"]
    return {(True, True): "sign and evidence", (True, False): "sign only",
            (False, True): "evidence only", (False, False): "neither"}[(bool(sign), bool(evidence))]


display(call_view)
display(named(highlighted[["factor"]]).assign(
    **{f"survives a change of {check.replace('_', ' ')}": highlighted.apply(survives, axis=1, check=check) for check in checks}
))
say("\n".join(
    f"* **{FACTOR_NAMES[r.factor]}.** {r.statement}\n\n  *Does the call survive?* {r.robustness}"
    for r in highlighted.itertuples()
))
all_survive = highlighted[highlighted[survival].all(axis=1)]
singled_out = highlighted[highlighted["evidence"] == "factor-specific"]
say(
    f"{len(all_survive)} of {len(highlighted)} highlighted factors keep both their sign call and their evidence label "
    "under every alternative"
    + (f" ({listing(name(f) for f in all_survive['factor'])}); " if len(all_survive) else "; ")
    + f"{len(singled_out)} of {len(highlighted)} are singled out from their stream"
    + (f" ({listing(name(f) for f in singled_out['factor'])})." if len(singled_out) else
       ". That a factor is decisive, as the thesis says, is therefore not something these coded cases can confirm for "
       "any of them: each sits in a stream whose coded factors together go with movement, and no more.")
)

# %% [markdown]
# ## 5. Windows per municipality, and does the model reproduce them?
#
# The window probability π is the product of the three stream probabilities. The generative
# checks (`results/tables/generative_checks.csv`) replay the model in phase order, one replicated
# data set per posterior draw, and compare window-level statistics and calibration scores of
# the observed data with their replicates.

# %%
window_table = pd.read_csv(TABLES / "window_probability.csv")
# Every municipality's row up to MAX_LISTED_MUNICIPALITIES; beyond, the spread over municipalities
# by phase and observed window (window_probability.csv has every row).
by_window = window_table.groupby(["phase", "observed_window"], sort=False)["window_probability_mean"]
if lists_municipalities(n_municipalities):
    display(
        window_table.assign(
            cell=lambda t: t.apply(
                lambda r: f"{r['window_probability_mean']:.2f} ({r['window_probability_eti95_lb']:.2f}–"
                f"{r['window_probability_eti95_ub']:.2f})" + (" · window observed" if r["observed_window"] else ""),
                axis=1,
            )
        )
        .pivot(index="municipality", columns="phase", values="cell")
        .reindex(columns=list(PHASES))
        .rename_axis(columns="window probability, mean (95% interval)")
    )
else:
    display(
        by_window.describe(percentiles=[0.05, 0.5, 0.95])[["count", "5%", "50%", "95%"]]
        .rename(columns={"count": "municipalities"})
        .rename_axis(["phase", "window observed"])
    )
lines = []
for phase, part in window_table.groupby("phase", sort=False):
    seen, unseen_w = part[part["observed_window"] == 1], part[part["observed_window"] == 0]
    wide = part.assign(width=part["window_probability_eti95_ub"] - part["window_probability_eti95_lb"]).sort_values("width").iloc[-1]
    lines.append(
        f"* **{phase}**: mean window probability {seen['window_probability_mean'].min():.2f}–"
        f"{seen['window_probability_mean'].max():.2f} where a window was observed "
        f"({which(seen['municipality'], n_municipalities)}) and {unseen_w['window_probability_mean'].min():.2f}–"
        f"{unseen_w['window_probability_mean'].max():.2f} where none was; the widest 95% interval is municipality "
        f"{wide['municipality']}'s, {wide['window_probability_eti95_lb']:.2f} to {wide['window_probability_eti95_ub']:.2f}."
    )
ppp = window_table.melt(id_vars=["municipality", "phase"], value_vars=[f"ppp_observed_{s}" for s in STREAMS],
                        var_name="stream", value_name="ppp")
lowest = ppp.sort_values("ppp").iloc[0]
lines.append(
    f"* The least expected of the {len(ppp)} observed stream movements has posterior predictive probability "
    f"{lowest['ppp']:.2f} (municipality {lowest['municipality']}, {lowest['phase']}, "
    f"{lowest['stream'].removeprefix('ppp_observed_')} stream)."
)
say("\n".join(lines))

# %% tags=["remove_input"]
show_figure("window_probability", "window probability per municipality")

# %% tags=["remove_input"]
show_figure("phase_coupling", "coupling of the two phases")

# %%
generative = pd.read_csv(TABLES / "generative_checks.csv")
generative["result"] = generative["verdict"].str.split(":").str[0]
display(pick(generative, ["check", "phase", "observed", "replicated_mean", "replicated_eti89_lb",
                          "replicated_eti89_ub", "p_value", "result"]))
consistent = generative[generative["result"] == "consistent"]
say(
    f"{len(consistent)} of {len(generative)} checks are consistent with the data "
    f"({listing(f'{r.check} ({r.phase}, p = {r.p_value:.2f})' for r in consistent.itertuples())}). The others:\n\n"
    + "\n".join(f"* **{r.check}** ({r.phase}): {r.verdict}" for r in generative[generative["result"] != "consistent"].itertuples())
)
under = generative[generative["result"] == "underconfident"]
per_draw = generative[generative["check"] == "brier_score_per_draw"]
if len(under):
    say(
        f"**The model is underconfident**: {len(under)} of {len(generative)} checks ({listing(under['check'])}) find the observed "
        "movement more predictable than the model's own predictive probabilities"
        + (", out of sample (PSIS-LOO) as well as in-sample." if under["check"].str.contains("loo").any() else " (in-sample only).")
        + (" Single posterior draws are calibrated (brier_score_per_draw), so it is the averaging over uncertain effect sizes "
           "that pulls the predictions towards 0.5." if (per_draw["result"] == "calibrated").any() else "")
        + " Meanwhile the coding makes the observed movement nearly a function of the codes (section 1). The intervals "
        "on this page are, if anything, too wide for these cases, which is no licence to read them more narrowly "
        "for other municipalities."
    )

# %% tags=["remove_input"]
show_figure("generative_checks", "generative posterior predictive checks", width=1100)

# %% tags=["remove_input"]
show_figure("predictive_checks", "prior and posterior predictive checks", width=1100)

# %% [markdown]
# ## 6. What if one factor changed?
#
# `results/tables/what_if.csv` sets one factor at a time to present (+1) in one municipality
# and reports the gain in that phase's window probability; an agenda change also has a
# knock-on effect on the institutionalisation window through the coupling κ. These are
# counterfactuals *within the model*, which assumes the coded factors are the only systematic
# differences; a handful of cases coded from one text cannot verify that. A change is **flagged**
# when its factor is not identified or when +1 was never observed for it (the gain then
# extrapolates the linear coding). Only unflagged changes are listed as the model's
# suggestion; flagged ones are named as such below.

# %%
what_if = pd.read_csv(TABLES / "what_if.csv")
flagged = what_if["flag"].fillna("").str.len() > 0
if lists_municipalities(n_municipalities):
    best = what_if[~flagged].sort_values("gain_pp_mean", ascending=False).groupby("municipality", sort=True).head(1)
    lines = []
    for r in best.sort_values("municipality").itertuples():
        bigger = what_if[flagged & (what_if["municipality"] == r.municipality) & (what_if["gain_pp_mean"] > r.gain_pp_mean)]
        knock = r.knock_on_institutionalisation_pp_mean
        lines.append(
            f"* **Municipality {r.municipality}** (now {r.window_probability_now:.2f} on the {r.phase} window): "
            f"{name(r.factor)} from {signed(r.current_code, 0)} to +1, {signed(r.gain_pp_mean)} pp "
            f"(89% interval {interval(r.gain_pp_eti89_lb, r.gain_pp_eti89_ub)}"
            + ("" if r.gain_pp_eti89_lb > 0 else ", which includes zero")
            + f"; {r.identification})"
            + (f", knock-on on the institutionalisation window {signed(knock)} pp" if pd.notna(knock) else "")
            + "."
            + (f" Larger but flagged, so not suggested: {listing(f'{name(b.factor)} ({b.gain_pp_mean:+.1f} pp)' for b in bigger.itertuples())}."
               if len(bigger) else "")
        )
    say("\n".join(lines))
else:
    # Too many municipalities for one line each: the factors, read over the municipalities
    # (what_if_by_factor.csv; what_if.csv keeps every municipality's changes).
    by_factor = what_if_by_factor(what_if)
    display(named(pick(by_factor, ["factor", "phase", "identification", "flagged", "n_municipalities",
                                   "n_credible_gain", "n_best", "mean_gain_pp_q05", "mean_gain_pp_median",
                                   "mean_gain_pp_q95"])).set_index("factor"))
    often = by_factor[by_factor["n_best"] > 0].sort_values("n_best", ascending=False).head(5)
    say(
        f"With {n_municipalities:,} municipalities (more than {MAX_LISTED_MUNICIPALITIES}, so none is listed one by "
        "one here) the table reads each factor over the municipalities where it could change. The factors most often "
        "the best unflagged change: "
        + listing(f"{name(r.factor)} ({r.n_best:,} municipalities; credible gain in {r.n_credible_gain:,} of "
                  f"{r.n_municipalities:,}; median gain {signed(r.mean_gain_pp_median)} pp)" for r in often.itertuples())
        + ". Each municipality's changes are in `results/tables/what_if.csv`."
    )
flag_reasons = what_if[flagged].groupby("flag")["factor"].apply(lambda f: sorted(set(f)))
say(
    f"{int(flagged.sum())} of {len(what_if)} changes are flagged and never suggested: "
    + "; ".join(f"{listing(name(f) for f in factors)} ({reason})" for reason, factors in flag_reasons.items())
    + ". Weakly identified factors are not flagged, but their gains rest on the municipalities named in section 2."
)
if lists_municipalities(n_municipalities):
    top = what_if[~flagged & (what_if["rank"] <= 2)]
    display(pd.DataFrame({
        "municipality": top["municipality"],
        "rank": top["rank"],
        "factor": top["factor"].map(FACTOR_NAMES),
        "phase": top["phase"],
        "now": top["current_code"].map(lambda c: signed(c, 0)),
        "identification": top["identification"],
        "gain pp (89%)": top.apply(lambda r: f"{signed(r['gain_pp_mean'])} ({interval(r['gain_pp_eti89_lb'], r['gain_pp_eti89_ub'])})", axis=1),
        "knock-on pp": top["knock_on_institutionalisation_pp_mean"].map(lambda v: "–" if pd.isna(v) else signed(v)),
    }).set_index(["municipality", "rank"]))

# %% tags=["remove_input"]
show_figure("what_if", "what-if gains", width=1100)

# %% [markdown]
# ## 7. Model comparison with baselines
#
# Each variant is a configuration of the same model: `full`; `theory_only` (without the
# factors the thesis added); `no_coupling` (κ = 0); `no_municipality` (no propensity u);
# `reported_indicator` ("not reported" gets its own position instead of halfway); and two
# baselines, `sum_score` (one slope per stream on the sum of its codes, no factor-specific
# effects) and `intercept_only` (no factors at all). PSIS-LOO leaves out one stream
# observation at a time; exact leave-one-municipality-out (LOMO) refits without each
# municipality, the question a new municipality asks (with more municipalities than
# `cross_validation.max_lomo_municipalities`, grouped K-fold refits without a fold of
# municipalities at a time; the column `scheme` says which). Following Sivula et al. (2022), an
# elpd difference below the threshold printed below is too close for its standard error to be
# trusted, and the exact scheme has only as many units as municipalities.

# %%
comparison = pd.read_csv(TABLES / "model_comparison.csv")
display(pick(comparison, ["method", "scheme", "rank", "variant", "elpd", "se", "elpd_diff", "dse", "pareto_k_max",
                          "n_pareto_k_gt_0_7", "n_points", "note"]))
lines = []
for method, part in comparison.groupby("method", sort=False):
    elpd = part.set_index("variant")["elpd"]
    best_variant = part.sort_values("rank").iloc[0]["variant"]
    close = part[(part["rank"] > 0) & (part["elpd_diff"].abs() < SIVULA_CLOSE)]["variant"]
    far = part[(part["rank"] > 0) & (part["elpd_diff"].abs() >= SIVULA_CLOSE)]
    line = (
        f"* **{method}** ({int(part['n_points'].iloc[0])} units): best `{best_variant}`; within {SIVULA_CLOSE:g} elpd of it, "
        f"so not distinguishable: {listing(f'`{v}`' for v in close)}. "
        + (f"Clearly worse: {listing(f'`{r.variant}` ({-r.elpd_diff:+.1f})' for r in far.itertuples())}. " if len(far) else "")
    )
    if {"full", "sum_score"} <= set(elpd.index):
        line += f"`full` minus `sum_score`: {elpd['full'] - elpd['sum_score']:+.1f}. "
    if {"full", "intercept_only"} <= set(elpd.index):
        line += f"`full` minus `intercept_only`: {elpd['full'] - elpd['intercept_only']:+.1f}. "
    if part["n_pareto_k_gt_0_7"].sum():
        high_k = part[part["n_pareto_k_gt_0_7"] > 0]
        line += (
            f"{int(high_k['n_pareto_k_gt_0_7'].sum())} observations with Pareto k̂ above 0.7 "
            f"({listing(f'`{r.variant}` {r.pareto_k_max:.2f}' for r in high_k.itertuples())}): "
            "those variants' PSIS-LOO values are unreliable and the exact refits are the better guide."
        )
    lines.append(line)
say("\n".join(lines))
beyond = comparison[(comparison["rank"] > 0) & (comparison["elpd_diff"].abs() >= SIVULA_CLOSE)]
say(
    f"Read together: variants within {SIVULA_CLOSE:g} elpd of the best cannot be told apart by prediction from these "
    f"cases. Beyond that: {listing(sorted(set(f'`{v}`' for v in beyond['variant'])))}. "
    + ("Because factors and movement were coded from the same passages "
       f"(the net code separates movement in {n_separated} of {n_cells} streams, section 1), the gap to `intercept_only` "
       "largely measures the coding's circularity, not predictive value of the factors for a municipality coded "
       "independently." if "intercept_only" in set(beyond["variant"]) else "")
)

# %% tags=["remove_input"]
show_figure("model_comparison", "model comparison")

# %% [markdown]
# ## 8. Sensitivity: priors, prior family and coding
#
# **Power-scaling** (`results/tables/prior_sensitivity.csv`) raises and lowers one top-level
# prior at a time (α, μ, τ, σ_u, κ), and separately the likelihood, and measures how far each
# reported quantity moves. "Prior-data conflict" on μ is what separation looks like: the
# likelihood keeps rising as a stream's slope grows, so the data fix the sign of μ and the
# prior's tail fixes its size. "Strong prior / weak likelihood" means the data say little.

# %%
sensitivity = pd.read_csv(TABLES / "prior_sensitivity.csv")
sensitivity["flagged"] = sensitivity["diagnosis"].fillna("no issue") != "no issue"
flag_counts = sensitivity.groupby(["prior", "target_kind"], sort=False)["flagged"].agg(["sum", "size"])
display(
    flag_counts.apply(lambda r: f"{int(r['sum'])} of {int(r['size'])}", axis=1).unstack("target_kind")
    .rename_axis(columns="flagged targets per kind")
)
lines = []
for prior, part in sensitivity[sensitivity["flagged"]].groupby("prior", sort=False):
    lines.append(
        f"* **{prior}**: {len(part)} of {int((sensitivity['prior'] == prior).sum())} targets flagged ("
        + ", ".join(f"{n} {diagnosis}" for diagnosis, n in part["diagnosis"].value_counts().items())
        + ")."
    )
say("\n".join(lines))
tau_diff = sensitivity[(sensitivity["prior"] == "tau") & (sensitivity["target_kind"] == "factor minus stream mean")]
say(
    f"What the data say about a factor beyond its stream (β − μ) moves with the prior on τ for "
    f"{int(tau_diff['flagged'].sum())} of {len(tau_diff)} factors, "
    f"{int((tau_diff['diagnosis'] == 'potential strong prior / weak likelihood').sum())} of them with a weak likelihood: "
    "the factor-level differences of section 3 depend on that prior as much as on the cases."
)

# %% tags=["remove_input"]
show_figure("prior_sensitivity", "power-scaling prior sensitivity", width=1100)

# %% [markdown]
# **Refits.** Every factor call was recomputed on fits with halved and doubled prior scales,
# with unscaled priors (the other prior family) and with the reported-indicator coding. A
# call that changes under one of them is a conclusion the priors or the coding made, not the
# cases.

# %%
rank_agreement = pd.read_csv(TABLES / "rank_agreement.csv").set_index("alternative")
refits = (
    calls[calls["fit"] != default_fit]
    .groupby(["fit", "kind"], sort=False)
    .agg(factors=("factor", "size"), sign_as_default=("sign_call_as_default", "sum"),
         evidence_as_default=("evidence_as_default", "sum"), call_as_default=("call_as_default", "sum"),
         not_identified=("identification", lambda v: int((v == "not identified").sum())))
    .reset_index()
    .join(rank_agreement[[c for c in rank_agreement.columns if c.startswith("spearman")]], on="fit")
)
display(refits.set_index("fit").rename(columns=lambda c: c.replace("_", " ").replace("spearman", "Spearman")))
stable = calls[(calls["fit"] == default_fit) & calls["call_stable_all_fits"]]
widest = calls[calls["fit"] == default_fit].sort_values("p_beta_positive_range").iloc[-1]
say(
    "\n".join(
        f"* `{r.fit}` ({r.kind.replace('_', ' ')}): {int(r.call_as_default)} of {int(r.factors)} calls unchanged "
        f"(sign {int(r.sign_as_default)}, evidence label {int(r.evidence_as_default)}); {int(r.not_identified)} factors not identified"
        + (f"; factors ranked by mean β agree with the default at Spearman {r.spearman_beta_mean:.2f}"
           if "spearman_beta_mean" in refits and pd.notna(r.spearman_beta_mean) else "")
        + "."
        for r in refits.itertuples()
    )
)
say(
    f"{len(stable)} of {n_factors} factors keep the same call on every fit: "
    + listing(f"{name(r.factor)} ({r.call})" for r in stable.itertuples())
    + f". P(β > 0) moves by up to {widest['p_beta_positive_range']:.2f} across fits ({name(widest['factor'])})."
)
n_not_identified_default = int(((calls["fit"] == default_fit) & (calls["identification"] == "not identified")).sum())
unidentified_refits = refits[refits["not_identified"] > n_not_identified_default]
if len(unidentified_refits):
    say(
        " ".join(
            f"Under `{r.fit}` {int(r.not_identified)} of {int(r.factors)} factors are not identified (against "
            f"{n_not_identified_default} by default), so there a changed call mostly means that this coding cannot "
            "inform the factor at all, not that its direction reverses."
            for r in unidentified_refits.itertuples()
        )
    )

# %% [markdown]
# ## 9. Calibration checks: is the computation right?
#
# **Simulation-based calibration (SBC)** simulates data sets from the prior at the real design,
# refits each, and checks that the rank of every true parameter among its posterior draws is
# uniform (Holm-corrected over the elements of each family). It tests the implementation and
# the sampler on data like these, not whether the model is right for the thesis.

# %%
sbc = pd.read_csv(TABLES / "sbc_uniformity.csv")
display(pick(sbc, ["family", "n_elements", "n_simulations", "p_chisq_holm", "p_ks_holm", "p_elements_holm",
                   "worst_element", "uniform"]))
holm = sbc[["p_chisq_holm", "p_ks_holm", "p_elements_holm"]].min(axis=1)
worst = sbc.loc[holm.idxmin()]
say(
    f"{int(sbc['uniform'].sum())} of {len(sbc)} parameter families pass the uniformity test over "
    f"{int(sbc['n_simulations'].max())} simulations; the smallest Holm-corrected p-value is {holm.min():.2g} "
    f"({worst['family']}, worst element {worst['worst_element']})."
)

# %% tags=["remove_input"]
show_figure("sbc_ecdf", "simulation-based calibration (rank ECDF differences)", width=1100)

# %% [markdown]
# **Convergence.** The rule `fit` refuses to write a fit that breaks the gates in
# `config/config.yaml` (R-hat, bulk and tail ESS, divergences), so a
# `results/tables/diagnostics_<variant>.csv` exists only for fits that passed. Parameters a
# variant switches off are constant, have no R-hat, and are counted separately.

# %%
diagnostics = {
    path.stem.removeprefix("diagnostics_"): pd.read_csv(path) for path in sorted(TABLES.glob("diagnostics_*.csv"))
}
convergence = pd.DataFrame(
    {
        variant: {
            "parameters": len(t),
            "constant (no R-hat)": int(t["r_hat"].isna().sum()),
            "max R-hat": f"{t['r_hat'].max():.4f}",  # four decimals: the gate is 1.01
            "min bulk ESS": t["ess_bulk"].min(),
            "min tail ESS": t["ess_tail"].min(),
            "sampled ones pass": bool(t.loc[t["r_hat"].notna(), "passes"].all()),
        }
        for variant, t in diagnostics.items()
    }
).T
display(convergence)

# %% tags=["remove_input"]
show_figure("convergence_ranks", "rank plots of the main fit", width=1100)

# %% [markdown]
# ## 10. Cross-check: crisp-set QCA
#
# Qualitative Comparative Analysis treats each municipality as a configuration of present
# (+1) or absent (0 or −1) factors and looks for combinations sufficient for an open window.
# It is closest to the thesis's own reasoning; with as many conditions as cases, almost every
# municipality is a configuration of its own and several formulas can fit perfectly.

# %%
truth = pd.read_csv(TABLES / "qca_truth_tables.csv")
solutions = pd.read_csv(TABLES / "qca_solutions.csv")
necessity = pd.read_csv(TABLES / "qca_necessity.csv")
evidence_of = effects.set_index("factor")["evidence"]
lines = []
for phase in PHASES:
    part = truth[truth["phase"] == phase].dropna(axis="columns", how="all")
    conditions = [c for c in part.columns if c in FACTOR_NAMES]
    pars = solutions[(solutions["phase"] == phase) & (solutions["solution_type"] == "parsimonious")]
    n_pars = pars["n_solutions"].iloc[0] if "n_solutions" in pars and len(pars) else pars["solution_id"].nunique()
    if not lists_municipalities(n_municipalities):  # with many cases: the first solution only
        pars = pars[pars["solution_id"] == pars["solution_id"].min()]
    in_solutions = sorted({t.strip().lstrip("~") for term in pars["term"] for t in str(term).split("*")})
    lines.append(
        f"* **{phase}**: {len(part):,} observed configurations of {len(conditions)} conditions for {int(part['n'].sum()):,} cases; "
        + (f"{int(n_pars):,} parsimonious solution(s)" if pd.notna(n_pars) else "too many parsimonious solutions to count")
        + f" (lowest consistency "
        f"{pars['consistency'].min():.2f})"
        + (": " if lists_municipalities(n_municipalities) else f"; the first of them has {len(pars)} terms: ")
        + f"{listing(named_terms(t) for t in pars['term'])}. "
        f"The factors in them are, for the Bayesian model: "
        + listing(f"{name(f)} ({evidence_of.get(f, '?')})" for f in in_solutions)
        + "."
    )
say("\n".join(lines))
# With many cases the alternatives run into the millions and a term covers long lists of cases:
# the first solution of each type, without the case lists (qca_solutions.csv has them).
shown_solutions = solutions if lists_municipalities(n_municipalities) else solutions[solutions["solution_id"] == 1]
display(
    pick(shown_solutions, ["phase", "solution_type", "solution_id", "term", "consistency", "raw_coverage"]
         + (["cases_covered"] if lists_municipalities(n_municipalities) else []))
    .assign(term=shown_solutions["term"].map(named_terms))
)
necessary = necessity[necessity["consistency"] >= DECISIVE]
display(pick(necessary.assign(literal=necessary["literal"].map(named_terms)), ["phase", "literal", "consistency", "coverage"]))
n_parsimonious = solutions[solutions["solution_type"] == "parsimonious"].groupby("phase")[
    "n_solutions" if "n_solutions" in solutions else "solution_id"].agg("first" if "n_solutions" in solutions else "nunique")
say(
    f"{len(necessary)} conditions have necessity consistency ≥ {DECISIVE:g} for their phase's window (table above). "
    + listing(f"{phase}: {int(n):,} equally minimal parsimonious solution(s)" if pd.notna(n)
              else f"{phase}: too many equally minimal parsimonious solutions to count" for phase, n in n_parsimonious.items())
    + ". Where several formulas fit equally well, the cases do not choose between the factors in them, which is "
    "the QCA form of what section 3 finds for the Bayesian model."
)

# %% tags=["remove_input"]
show_figure("qca_vs_bayes", "QCA solutions next to the Bayesian effects", width=1100)

# %% [markdown]
# ## 11. What these cases cannot tell
#
# Each point below is computed from the tables above.

# %%
not_identified = effects[effects["identification"] == "not identified"]
weak = effects[effects["identification"] == "weakly identified"]
comparisons_close = comparison[(comparison["rank"] > 0) & (comparison["elpd_diff"].abs() < SIVULA_CLOSE)]
singled = effects[effects["evidence"] == "factor-specific"]
say("\n".join([
    f"* **{len(not_identified)} of {len(effects)} factors cannot be learned at all**: "
    f"{listing(name(f) for f in not_identified['factor'])} never vary, so anything reported for them is prior and "
    f"stream mean. {len(weak)} more are only weakly identified: their separate effect rests on one or a few municipalities "
    "or on a stream with as many coefficients as municipalities (section 2).",
    f"* **{len(singled)} of {len(effects)} factors are singled out from their stream** (factor-specific"
    + (f": {listing(name(f) for f in singled['factor'])}" if len(singled) else "")
    + f"), {evidence_counts['stream-level only']} are stream-level only: the data say that a stream's coded factors "
    "together go with its movement, not which of them matters (sections 3 and 4).",
    f"* **The association is partly circular.** Factors and movement were coded from the same passages; the net code "
    f"already separates movement in {n_separated} of {n_cells} streams, and this is most of the gap between "
    "`intercept_only` and the factor models in section 7.",
    (f"* **The model is underconfident** ({listing(under['check'])}; section 5): its intervals are wider than these "
     "cases need, which says the model is cautious, not that the cases are informative." if len(under) else
     "* No calibration check finds the model underconfident (section 5)."),
    f"* **{len(comparisons_close)} of {int((comparison['rank'] > 0).sum())} model comparisons are too close to call**: "
    f"they differ from the best variant by less than {SIVULA_CLOSE:g} elpd, where the standard error cannot be trusted "
    "with so few units (section 7).",
    f"* **{len(stable)} of {n_factors} factor calls are the same on every refit** with other priors or coding, and what "
    f"the data say about a factor beyond its stream moves with the prior on τ for {int(tau_diff['flagged'].sum())} of "
    f"{len(tau_diff)} factors (section 8).",
    "* **No causal claim and no generalisation.** What-if gains are counterfactuals inside the model; the cases are "
    "municipalities of 50,000+ inhabitants recruited partly by self-selection, coded by one coder from one thesis. "
    "A reviewer who codes a factor differently can change `data/raw/factor_codes.csv` and rerun the workflow.",
]))

# %% [markdown]
# The workflow that produced all of this:

# %% tags=["remove_input"]
show_figure("workflow_dag", "the workflow's rules", width=1100)
