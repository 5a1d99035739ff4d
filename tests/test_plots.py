"""Tests for policy_windows.plots and plots_validation: every figure function on small
synthetic inputs (mock tables with the columns the summaries write), drawn at journal size.

Every figure must be at most 7 inches wide with no text below 7 pt, and keep all text on
the canvas; the specific tests check the marks that carry meaning (identification,
flagged what-if changes, no significance whiskers, unclipped densities, edges that avoid
boxes). No sampling, no files except the export test's temporary directory.
"""

from __future__ import annotations

import re
import textwrap
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import xarray as xr  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.legend import Legend  # noqa: E402
from matplotlib.patches import PathPatch  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from policy_windows import plots  # noqa: E402
from policy_windows.plots import validation as plots_validation  # noqa: E402
from policy_windows.constants import HIGHLIGHTED_FACTORS, PHASES, STREAMS  # noqa: E402
from policy_windows.plots import data as plots_data  # noqa: E402
from policy_windows.plots import effects, graph_layout, graphs  # noqa: E402
from policy_windows.summaries.scale import MAX_LISTED_MUNICIPALITIES  # noqa: E402
from policy_windows.plots.style import MAX_WIDTH_IN, MIN_FONT_PT  # noqa: E402
from policy_windows.qca.csqca import qca_tables  # noqa: E402

PLOTS_DIR = Path(plots.__file__).parent
MUNICIPALITIES = [1, 2, 3]
# Two factors per phase x stream; the first agenda/problem factor is a highlighted one.
FACTORS = [
    (f"{p[:3]}_{s}_{k}" if (p, s, k) != ("agenda", "problem", 0) else HIGHLIGHTED_FACTORS[0], p, s,
     "empirical" if k == 1 else "theory")
    for p in PHASES
    for s in STREAMS
    for k in range(2)
]
IDENTIFICATION = ["identified", "weakly identified", "not identified"]
RULEGRAPH = """Building DAG of jobs...
digraph snakemake_dag {
    graph[bgcolor=white, margin=0];
    node[shape=box, style=rounded, fontname=sans,                 fontsize=10, penwidth=2];
    edge[penwidth=2, color=grey];
	0[label = "all", color = "0.00 0.6 0.85", style="rounded"];
	1[label = "fit", color = "0.33 0.6 0.85", style="rounded"];
	2[label = "processed_data", color = "0.67 0.6 0.85", style="rounded"];
	3[label = "figure_coded_data", color = "0.1 0.6 0.85", style="rounded"];
	4[label = "figure_what_if", color = "0.2 0.6 0.85", style="rounded"];
	5[label = "summaries", color = "0.5 0.6 0.85", style="rounded"];
	1 -> 0
	2 -> 1
	2 -> 0
	2 -> 3
	1 -> 5
	5 -> 4
	2 -> 5
	3 -> 0
	4 -> 0
}
"""
# The shape of pm.model_to_graphviz(model).source (plates as clusters, PyMC's node styles).
MODEL_DOT = """digraph {
	subgraph "clustergroup (6)" {
		mu [label="mu
~
Normal" shape=ellipse]
		tau [label="tau
~
Halfnormal" shape=ellipse]
		label="group (6)" labeljust=r labelloc=b style=rounded
	}
	subgraph "clusterfactor (24)" {
		beta [label="beta
~
Deterministic" shape=box]
		label="factor (24)" labeljust=r labelloc=b style=rounded
	}
	x [label="x
~
Data" shape=box style="rounded, filled"]
	movement [label="movement
~
Bernoulli" shape=ellipse style=filled]
	mu -> beta
	tau -> beta
	beta -> movement
	x -> movement
}
"""


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# ---------------------------------------------------------------------------
# Mock inputs
# ---------------------------------------------------------------------------


def _summary(prefix: str, mean: float, sd: float = 0.5) -> dict:
    return {
        f"{prefix}mean": mean,
        f"{prefix}sd": sd,
        f"{prefix}eti89_lb": mean - 1.6 * sd,
        f"{prefix}eti89_ub": mean + 1.6 * sd,
        f"{prefix}eti95_lb": mean - 2.0 * sd,
        f"{prefix}eti95_ub": mean + 2.0 * sd,
    }


@pytest.fixture(scope="module")
def factors() -> pd.DataFrame:
    """Factor metadata as data/processed/factors.csv has it."""
    return pd.DataFrame(
        [{"factor": f, "order": i, "phase": p, "stream": s, "origin": o,
          "name_en": f"Factor {i} name, congruence with values",
          "name_nl": f"factor {i}"} for i, (f, p, s, o) in enumerate(FACTORS)]
    )


@pytest.fixture(scope="module")
def model_table() -> pd.DataFrame:
    return make_model_table(MUNICIPALITIES)


def make_model_table(municipalities) -> pd.DataFrame:
    """data/processed/model_table.csv of random codes and movement; municipality 1 has an agenda window."""
    rng = np.random.default_rng(1)
    movement = {(m, p, s): int(rng.integers(0, 2)) for m in municipalities for p in PHASES for s in STREAMS}
    movement[(1, "agenda", "problem")] = movement[(1, "agenda", "policy")] = movement[(1, "agenda", "politics")] = 1
    rows = []
    for m in municipalities:
        window = {p: int(all(movement[(m, p, s)] for s in STREAMS)) for p in PHASES}
        for factor, phase, stream, origin in FACTORS:
            rows.append(
                {
                    "municipality": m,
                    "phase": phase,
                    "stream": stream,
                    "factor": factor,
                    "origin": origin,
                    "code": int(rng.integers(-1, 2)),
                    "movement": movement[(m, phase, stream)],
                    "window": window[phase],
                    "agenda_window": window["agenda"],
                }
            )
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def effects_table() -> pd.DataFrame:
    """factor_effects.csv with the identification and stream-contrast columns."""
    rows = []
    for i, (factor, phase, stream, origin) in enumerate(FACTORS):
        level = IDENTIFICATION[i % 3]
        row = {"factor": factor, "phase": phase, "stream": stream, "origin": origin,
               "highlighted": factor in HIGHLIGHTED_FACTORS, "n_present": 1, "n_not_reported": 1, "n_lacking": 1,
               "p_beta_positive": 0.5 + 0.04 * i, "identification": level,
               "evidence": {"identified": "factor-specific", "weakly identified": "stream-level only",
                            "not identified": "not identified"}[level],
               "p_beta_above_mu": 0.3 + 0.02 * i}
        row.update(_summary("beta_", 0.1 * i))
        row.update({k: v for k, v in _summary("beta_minus_mu_", 0.05 * i - 0.3).items() if "eti89" not in k})
        row.update(_summary("ame_pp_plus_vs_minus_", 2.0 * i, 5.0))
        if level == "not identified":  # the summaries report no contrast for these
            row.update({k: np.nan for k in _summary("ame_pp_plus_vs_minus_", 0.0)})
        rows.append(row)
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def window_table() -> pd.DataFrame:
    rows = []
    for m in MUNICIPALITIES:
        for p, phase in enumerate(PHASES):
            row = {"municipality": m, "phase": phase, "observed_window": int(m == 1 or (m == 2 and p == 0))}
            row.update(_summary("window_probability_", 0.2 + 0.2 * m, 0.1))
            for s, stream in enumerate(STREAMS):
                row[f"movement_{stream}"] = (m + s) % 2
                row[f"ppp_observed_{stream}"] = 0.3 + 0.1 * s
            rows.append(row)
    return pd.DataFrame(rows)


def random_window_table(municipalities, seed: int = 5) -> pd.DataFrame:
    """window_probability.csv with random probabilities in (0, 1), for many municipalities."""
    rng = np.random.default_rng(seed)
    rows = []
    for m in municipalities:
        for phase in PHASES:
            mean = float(rng.beta(1, 3))
            row = {"municipality": m, "phase": phase, "observed_window": int(rng.uniform() < mean)}
            row.update({k: float(np.clip(v, 0, 1)) for k, v in _summary("window_probability_", mean, 0.08).items()})
            for stream in STREAMS:
                row[f"movement_{stream}"] = int(rng.integers(0, 2))
                row[f"ppp_observed_{stream}"] = float(rng.uniform())
            rows.append(row)
    return pd.DataFrame(rows)


# As counterfactuals.what_if writes it: reasons joined by "; ", each "reason: explanation".
FLAG = ("factor not identified by the data: the gain restates its stream's pooled mean and the prior; "
        "+1 was never observed for this factor: the gain extrapolates the linear coding")


def what_if_table(municipalities) -> pd.DataFrame:
    """what_if.csv: per municipality six candidate changes; the best by gain (k = 0) is
    flagged, so the best *unflagged* change is k = 1."""
    rows = []
    for m in municipalities:
        for k, (factor, phase, stream, _) in enumerate(FACTORS[:6] + FACTORS[6:8]):
            flagged = k == 0
            row = {"municipality": m, "phase": phase, "stream": stream, "factor": factor, "current_code": -1 + k % 2,
                   "identification": "not identified" if flagged else "identified", "unseen_level": flagged,
                   "flag": FLAG if flagged else "",
                   "window_probability_now": 0.2, "window_probability_if_present": 0.3, "rank": k + 1}
            row.update(_summary("gain_pp_", 12.0 - k + 0.01 * (m % 50), 2.0))
            knock = _summary("knock_on_institutionalisation_pp_", 3.0 - 0.1 * k, 1.0)
            row.update({key: (value if phase == "agenda" else np.nan) for key, value in knock.items()
                        if key.endswith(("mean", "eti89_lb", "eti89_ub"))})
            rows.append(row)
    table = pd.DataFrame(rows)
    table.loc[table["flag"] == "", "flag"] = np.nan  # as read back from CSV
    return table


def _tree(groups: dict[str, dict[str, np.ndarray]], municipalities=MUNICIPALITIES) -> xr.DataTree:
    dims = {
        "stream_movement": ("chain", "draw", "municipality", "phase", "stream"),
        "window_probability": ("chain", "draw", "municipality", "phase"),
        "movement": ("chain", "draw", "municipality", "phase", "stream"),
        "kappa": ("chain", "draw", "stream"),
        "alpha": ("chain", "draw", "phase", "stream"),
        "mu": ("chain", "draw", "group"),
        "tau": ("chain", "draw", "group"),
        "sigma_u": ("chain", "draw"),
    }
    coords = {"municipality": [str(m) for m in municipalities], "phase": list(PHASES), "stream": list(STREAMS),
              "group": [f"{p}/{s}" for p in PHASES for s in STREAMS], "chain": [0, 1], "draw": list(range(100))}
    datasets = {}
    for group, variables in groups.items():
        data_vars = {}
        for name, values in variables.items():
            d = dims[name] if values.ndim == len(dims[name]) else dims[name][2:]
            data_vars[name] = (d, values)
        used = {d for v in data_vars.values() for d in v[0]}
        datasets[group] = xr.Dataset(data_vars, coords={k: v for k, v in coords.items() if k in used})
    return xr.DataTree.from_dict(datasets)


@pytest.fixture(scope="module")
def trees() -> tuple[xr.DataTree, xr.DataTree]:
    return make_trees(MUNICIPALITIES)


def make_trees(municipalities) -> tuple[xr.DataTree, xr.DataTree]:
    """A prior predictive tree and a posterior tree with the groups the figures read."""
    rng = np.random.default_rng(2)
    shape = (2, 100, len(municipalities), len(PHASES), len(STREAMS))
    theta = rng.uniform(size=shape)
    observed = rng.integers(0, 2, size=shape[2:])
    prior = _tree({
        "prior": {"stream_movement": theta, "window_probability": theta.prod(axis=-1)},
        "prior_predictive": {"movement": (rng.uniform(size=shape) < theta).astype(int)},
        "observed_data": {"movement": observed},
    }, municipalities)
    posterior = {
        "alpha": rng.normal(size=(2, 100, 2, 3)),
        "mu": rng.normal(size=(2, 100, 6)),
        "tau": np.abs(rng.normal(size=(2, 100, 6))),
        "sigma_u": np.abs(rng.normal(size=(2, 100))),
        "kappa": rng.normal(size=(2, 100, 3)),
    }
    log_prior = {name: -0.5 * values**2 for name, values in posterior.items()}
    posterior_tree = _tree({
        "posterior": posterior,
        "log_prior": log_prior,
        "log_likelihood": {"movement": rng.normal(-0.7, 0.1, size=shape)},
        "posterior_predictive": {"movement": (rng.uniform(size=shape) < 0.5).astype(int)},
        "observed_data": {"movement": observed},
    }, municipalities)
    return prior, posterior_tree


def comparison_tables(n_municipalities: int = 8) -> tuple[pd.DataFrame, pd.DataFrame]:
    models = ["full", "theory_only", "no_coupling", "sum_score", "intercept_only", "reported_indicator"]
    rng = np.random.default_rng(3)
    pointwise = pd.DataFrame(
        [{"method": "lomo_exact", "variant": v, "municipality": m, "elpd": -1.8 - 0.1 * k + rng.normal(0, 0.3)}
         for k, v in enumerate(models) for m in range(1, n_municipalities + 1)]
    )
    rows = []
    for method, n in (("psis_loo", 6 * n_municipalities), ("lomo_exact", n_municipalities)):
        for rank, variant in enumerate(models):
            loo = method == "psis_loo"
            rows.append({"method": method, "rank": rank, "variant": variant, "elpd": -14.0 - rank, "se": 1.2,
                         "elpd_diff": float(rank), "dse": 0.5 * rank, "p_eff": 4.0 if loo else np.nan,
                         "pareto_k_max": 0.8 if loo else np.nan, "n_pareto_k_gt_0_7": int(loo),
                         "n_points": n, "note": ""})
    return pd.DataFrame(rows), pointwise


def generative_table() -> pd.DataFrame:
    rows = []
    for check, observed in (("windows", 4.0), ("all_or_nothing", 6.0), ("necessity_violations", 0.0)):
        for phase in PHASES:
            rows.append({"check": check, "phase": phase, "observed": observed, "replicated_mean": 3.0,
                         "replicated_eti89_lb": 1.0, "replicated_eti89_ub": 5.0,
                         "p_value": 0.03 if observed == 6.0 else 0.6,
                         "verdict": "misfit: the model generates fewer ..." if observed == 6.0 else "consistent: ..."})
    rows.append({"check": "brier_score", "phase": "all", "observed": 0.18, "replicated_mean": 0.2,
                 "replicated_eti89_lb": 0.15, "replicated_eti89_ub": 0.25, "p_value": 0.4, "verdict": "consistent"})
    return pd.DataFrame(rows)


def qca_solutions() -> pd.DataFrame:
    return pd.DataFrame([
        {"phase": "agenda", "solution_type": "parsimonious", "solution_id": 1, "solution": FACTORS[0][0],
         "term": FACTORS[0][0], "raw_coverage": 1.0, "unique_coverage": 1.0, "consistency": 1.0,
         "solution_consistency": 1.0, "solution_coverage": 1.0, "cases_covered": "1"},
        {"phase": "institutionalisation", "solution_type": "conservative", "solution_id": 1,
         "solution": f"{FACTORS[6][0]}*~{FACTORS[7][0]}", "term": f"{FACTORS[6][0]}*~{FACTORS[7][0]}",
         "raw_coverage": 0.5, "unique_coverage": 0.5, "consistency": 1.0, "solution_consistency": 1.0,
         "solution_coverage": 0.5, "cases_covered": "1"},
    ])


def many_qca_solutions() -> pd.DataFrame:
    """qca_solutions.csv as hundreds of cases make it: the first 20 of millions of equally
    minimal parsimonious solutions of 12 terms each, and one conservative solution of 17 terms."""
    rng = np.random.default_rng(6)
    rows = []
    for phase in PHASES:
        names = [f for f, p, _, _ in FACTORS if p == phase]
        for kind, n_ids, n_terms, total in (("parsimonious", 20, 12, 12_026_880), ("conservative", 1, 17, 1)):
            for sid in range(1, n_ids + 1):
                for _ in range(n_terms):
                    chosen = rng.choice(names, size=4, replace=False)
                    term = "*".join(("~" if rng.uniform() < 0.5 else "") + f for f in chosen)
                    rows.append({"phase": phase, "solution_type": kind, "solution_id": sid, "solution": "…",
                                 "term": term, "raw_coverage": float(rng.uniform(0.02, 0.1)), "unique_coverage": 0.02,
                                 "consistency": 1.0, "solution_consistency": 1.0, "solution_coverage": 1.0,
                                 "cases_covered": "1", "n_solutions": total})
    return pd.DataFrame(rows)


def sbc_tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(4)
    families = {"alpha": 6, "mu": 6, "beta": 12, "kappa": 3, "sigma_u": 1}
    ranks = pd.DataFrame([{"sim": s, "family": f, "parameter": f"{f}[{e}]", "rank": 0, "n_draws": 100,
                           "fractional_rank": rng.uniform()} for f, n in families.items() for e in range(n)
                          for s in range(40)])
    uniformity = pd.DataFrame([{"family": f, "p_chisq_holm": 0.5, "p_elements_holm": 0.4} for f in families])
    return ranks, uniformity


def recovery_tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(5)
    rows = []
    for m in (8, 100, 355, 3550):  # no fit at 3,550 passes the gates: the figure marks it, draws none
        truth = rng.normal(size=24)
        mean = truth + rng.normal(0, 0.3, 24)
        rows.append(pd.DataFrame({"M": m, "replicate": np.repeat([0, 1], 12), "passes_gates": m < 3550, "truth": truth,
                                  "mean": mean, "lower90": mean - 0.5, "upper90": mean + 0.5}))
    table = pd.DataFrame({"M": [8, 100, 355, 3550], "n_replicates": [2, 2, 2, 0], "mean_width90": [1.8, 0.9, 0.6, np.nan],
                          "max_width90": [2.4, 1.2, 0.8, np.nan], "M_needed_halfwidth": 120.0, "curve_log_c": np.log(2.0),
                          "curve_slope": -0.5, "target_halfwidth": 0.5, "coverage50": [0.5, 0.45, 0.5, np.nan],
                          "coverage90": [0.9, 0.88, 0.92, np.nan]})
    return pd.concat(rows, ignore_index=True), table


# ---------------------------------------------------------------------------
# Every figure: journal width, legible type, nothing off the canvas
# ---------------------------------------------------------------------------


FIGURES = {
    "coded_data": lambda f: plots.coded_data(f["model_table"], f["factors"]),
    "factor_effects_forest": lambda f: plots.factor_effects_forest(f["effects_table"], f["factors"]),
    "window_probability": lambda f: plots.window_probability(f["window_table"]),
    "phase_coupling": lambda f: plots.phase_coupling(f["window_table"], f["trees"][1]),
    "what_if": lambda f: plots.what_if(what_if_table(MUNICIPALITIES), f["factors"]),
    "what_if_many_municipalities": lambda f: plots.what_if(what_if_table(range(1, 356)), f["factors"]),
    "predictive_checks": lambda f: plots.predictive_checks(f["trees"][0], f["trees"][1], f["window_table"]),
    "generative_checks": lambda f: plots.generative_checks(generative_table()),
    "convergence_ranks": lambda f: plots.convergence_ranks(f["trees"][1]),
    "prior_sensitivity": lambda f: plots.prior_sensitivity(f["trees"][1]),
    "model_comparison": lambda f: plots.model_comparison(*comparison_tables()),
    "qca_vs_bayes": lambda f: plots.qca_vs_bayes(qca_solutions(), f["effects_table"], f["factors"]),
    "model_graph": lambda f: plots.model_graph(MODEL_DOT),
    "workflow_dag": lambda f: plots.workflow_dag(RULEGRAPH, groups={"figure_coded_data": "figure_*",
                                                                     "figure_what_if": "figure_*"}),
    "sbc_ecdf": lambda f: plots_validation.sbc_ecdf_figure(*sbc_tables(), seed=1),
    "recovery": lambda f: plots_validation.recovery_figure(*recovery_tables()),
}


@pytest.fixture(scope="module")
def inputs(model_table, factors, effects_table, window_table, trees) -> dict:
    return {"model_table": model_table, "factors": factors, "effects_table": effects_table,
            "window_table": window_table, "trees": trees}


def visible_texts(fig: Figure) -> list[Text]:
    """The texts that are drawn: visible, non-empty, on a visible axes, and for tick labels
    only those of ticks inside the axis limits (matplotlib keeps the others, undrawn)."""
    fig.draw_without_rendering()
    undrawn = set()
    for ax in fig.axes:
        for axis, limits in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
            low, high = min(limits), max(limits)
            span = high - low
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                if not low - 1e-9 * span <= tick.get_loc() <= high + 1e-9 * span:
                    undrawn |= {id(tick.label1), id(tick.label2)}
    return [t for t in fig.findobj(Text)
            if t.get_visible() and t.get_text().strip() and id(t) not in undrawn
            and (t.axes is None or t.axes.get_visible())]


@pytest.mark.parametrize("name", list(FIGURES))
def test_figure_fits_the_page(name, inputs):
    """≤ 7 in wide, every text ≥ 7 pt, no text outside the canvas, at most a page tall."""
    fig = FIGURES[name](inputs)
    assert isinstance(fig, Figure)
    width, height = fig.get_size_inches()
    assert width <= MAX_WIDTH_IN + 1e-9, f"{name}: {width:.2f} in wide"
    assert height <= 9.5, f"{name}: {height:.2f} in tall"
    texts = visible_texts(fig)
    assert texts, name
    small = sorted({(round(t.get_fontsize(), 2), t.get_text()[:30]) for t in texts if t.get_fontsize() < MIN_FONT_PT})
    assert not small, f"{name}: text below {MIN_FONT_PT} pt: {small[:5]}"
    renderer = fig.canvas.get_renderer()
    canvas = fig.bbox
    outside = [(t.get_text()[:30], [round(v) for v in t.get_window_extent(renderer).extents])
               for t in texts if not _inside(t.get_window_extent(renderer), canvas)]
    assert not outside, f"{name}: text off the canvas: {outside[:5]}"
    assert fig._suptitle is not None and fig._suptitle.get_text(), f"{name}: no title"


def _inside(box, canvas, tolerance: float = 2.0) -> bool:
    return (box.x0 >= canvas.x0 - tolerance and box.x1 <= canvas.x1 + tolerance
            and box.y0 >= canvas.y0 - tolerance and box.y1 <= canvas.y1 + tolerance)


def test_tick_labels_keep_their_size_outside_the_style(inputs):
    """Ticks are created at draw time; a figure saved outside the style keeps 7.5 pt ticks."""
    fig = plots.window_probability(inputs["window_table"])
    fig.canvas.draw()  # outside the styled context
    sizes = {t.get_fontsize() for ax in fig.axes for t in ax.get_xticklabels() + ax.get_yticklabels()}
    assert sizes and min(sizes) >= MIN_FONT_PT and max(sizes) < 10


# ---------------------------------------------------------------------------
# What each figure must show
# ---------------------------------------------------------------------------


def _artists(fig, prefix: str) -> list:
    return [a for ax in fig.axes for a in ax.get_children() if (a.get_gid() or "").startswith(prefix)]


def test_coded_data_labels(inputs):
    fig = plots.coded_data(inputs["model_table"], inputs["factors"])
    heat = fig.axes[0]
    labels = [t.get_text() for t in heat.get_yticklabels()]
    n_factors = len(FACTORS) // 2
    assert len(labels) == n_factors + len(STREAMS) + 1  # factors, then movement rows and the window
    assert labels[0].startswith("★") and "Factor 0 name" in labels[0]
    assert [t.get_text() for t in heat.get_xticklabels()] == ["G1", "G2", "G3"]


def test_forest_marks_identification_and_contrast(inputs):
    table = inputs["effects_table"]
    fig = plots.factor_effects_forest(table, inputs["factors"])
    ax_beta, ax_diff, ax_ame = fig.axes[:3]
    assert "β − μ" in ax_diff.get_title()
    for _, row in table.iterrows():
        markers = [a for a in _artists(fig, f"factor:{row['factor']}:") if a.get_marker() not in (None, "None", "")]
        assert len(markers) == 2 + int(np.isfinite(row["ame_pp_plus_vs_minus_mean"]))  # β, β−μ, AME
        faces = {matplotlib.colors.to_hex(m.get_markerfacecolor()) for m in markers}
        if row["identification"] == "identified":
            assert "#ffffff" not in faces
        else:
            assert faces == {"#ffffff"}  # open markers
        if row["identification"] == "not identified":
            assert {matplotlib.colors.to_hex(m.get_color()) for m in markers} == {"#9a9a9a"}
    labels = {t.get_text() for t in fig.legends[0].get_texts()}
    assert any(text.startswith("not identified") for text in labels)
    assert any(text.startswith("weakly identified") for text in labels)
    greyed = [t for t in ax_beta.get_yticklabels() if t.get_fontstyle() == "italic"]
    assert len(greyed) == (table["identification"] == "not identified").sum()
    assert any(t.get_text() == "not reported" for t in ax_ame.texts)


def test_forest_rejects_unknown_identification(inputs):
    table = inputs["effects_table"].assign(identification="maybe")
    with pytest.raises(ValueError, match="identification 'maybe'"):
        plots.factor_effects_forest(table)


def test_best_changes_skip_flagged():
    best = effects.best_changes(what_if_table([1, 2]))
    clean = best[best["kind"] == "best unflagged"]
    flagged = best[best["kind"] == "larger but flagged"]
    assert list(clean["factor"]) == [FACTORS[1][0]] * 2  # k = 1: the best unflagged change
    assert list(flagged["factor"]) == [FACTORS[0][0]] * 2  # k = 0 is larger but flagged


def test_what_if_draws_flagged_changes_differently(inputs):
    fig = plots.what_if(what_if_table(MUNICIPALITIES), inputs["factors"])
    unflagged = [a for a in _artists(fig, "what_if:unflagged") if a.get_marker() == "o"]
    flagged = [a for a in _artists(fig, "what_if:flagged") if a.get_marker() == "o"]
    assert len(unflagged) == len(flagged) == len(MUNICIPALITIES)
    assert all(matplotlib.colors.to_hex(a.get_markerfacecolor()) == "#ffffff" for a in flagged)
    assert all(matplotlib.colors.to_hex(a.get_markerfacecolor()) != "#ffffff" for a in unflagged)
    dashed = [a for a in _artists(fig, "what_if:flagged") if a.get_marker() in (None, "None", "")]
    assert dashed and all(a.get_linestyle() != "-" for a in dashed)
    assert _artists(fig, "what_if:knock_on")  # agenda changes show their knock-on gain
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels and all(label.startswith("G") for label in labels)
    note = " ".join(t.get_text() for ax in fig.axes for t in ax.texts).replace("\n", " ")
    assert "factor not identified by the data (3)" in note and "+1 was never observed for this factor (3)" in note


def test_what_if_many_municipalities_is_read_per_factor(inputs):
    table = what_if_table(range(1, 301))
    fig = plots.what_if(table, inputs["factors"])
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert not any(label.startswith("G") for label in labels)  # no municipality is named
    names = dict(zip(inputs["factors"]["factor"], inputs["factors"]["name_en"]))
    assert {textwrap.shorten(names[f], 36, placeholder="…") for f in table["factor"]} <= set(labels)  # a row each
    assert "300 municipalities" in fig._suptitle.get_text()
    assert fig.get_size_inches()[1] <= 9.5
    # every municipality has one best unflagged change: the "best change" bars add up to 300
    assert sum(p.get_width() for p in _artists(fig, "what_if_factor:n_best")) == 300
    # the flagged factor is drawn open and grey, the others in their phase's colour
    flagged = [a for a in _artists(fig, "what_if_factor:flagged:") if a.get_marker() == "o"]
    assert len(flagged) == 1 and matplotlib.colors.to_hex(flagged[0].get_markerfacecolor()) == "#ffffff"
    credible = [p.get_width() for p in _artists(fig, "what_if_factor:credible")]
    assert sorted(credible) == sorted(effects.what_if_by_factor(table)["n_credible_gain"])


@pytest.mark.parametrize("n_municipalities", [MAX_LISTED_MUNICIPALITIES, MAX_LISTED_MUNICIPALITIES + 1])
def test_what_if_switches_view_at_the_one_threshold(n_municipalities, inputs):
    fig = plots.what_if(what_if_table(range(1, n_municipalities + 1)), inputs["factors"])
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    per_municipality = n_municipalities <= MAX_LISTED_MUNICIPALITIES
    assert all(label.startswith("G") for label in labels) == per_municipality
    assert len(labels) == (n_municipalities if per_municipality else len(set(what_if_table([1])["factor"])) + 2)
    assert fig.get_size_inches()[1] <= 9.5


# ---------------------------------------------------------------------------
# National scale: hundreds of municipalities
# ---------------------------------------------------------------------------

NATIONAL = list(range(1, 356))


@pytest.fixture(scope="module")
def national(factors, effects_table) -> dict:
    return {"model_table": make_model_table(NATIONAL), "window_table": random_window_table(NATIONAL),
            "trees": make_trees(NATIONAL), "factors": factors, "effects_table": effects_table}


# Every figure that shows municipalities or whose size grows with them.
NATIONAL_FIGURES = {
    "coded_data": lambda f: plots.coded_data(f["model_table"], f["factors"]),
    "window_probability": lambda f: plots.window_probability(f["window_table"]),
    "phase_coupling": lambda f: plots.phase_coupling(f["window_table"], f["trees"][1]),
    "what_if": lambda f: plots.what_if(what_if_table(NATIONAL), f["factors"]),
    "predictive_checks": lambda f: plots.predictive_checks(f["trees"][0], f["trees"][1], f["window_table"]),
    "model_comparison": lambda f: plots.model_comparison(*comparison_tables(len(NATIONAL))),
    "qca_vs_bayes": lambda f: plots.qca_vs_bayes(many_qca_solutions(), f["effects_table"], f["factors"]),
}


def labelled_ticks(fig: Figure) -> int:
    """The largest number of labelled ticks drawn on one axis."""
    fig.draw_without_rendering()
    most = 0
    for ax in fig.axes:
        for axis, limits in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
            low, high = min(limits), max(limits)
            shown = [t for t in axis.get_major_ticks() if low <= t.get_loc() <= high and t.label1.get_visible()
                     and t.label1.get_text().strip()]
            most = max(most, len(shown))
    return most


@pytest.mark.parametrize("name", list(NATIONAL_FIGURES))
def test_figure_at_national_scale_is_readable_and_fast(name, national, tmp_path):
    """With 355 municipalities: the page checks of every figure, no axis with a label per
    municipality, written as PNG and PDF within seconds and at a size a report can hold."""
    start = time.perf_counter()
    fig = NATIONAL_FIGURES[name](national)
    width, height = fig.get_size_inches()
    assert width <= MAX_WIDTH_IN + 1e-9 and height <= 9.5, f"{name}: {width:.2f} x {height:.2f} in"
    texts = visible_texts(fig)
    small = [t.get_text()[:30] for t in texts if t.get_fontsize() < MIN_FONT_PT]
    assert not small, f"{name}: text below {MIN_FONT_PT} pt: {small[:5]}"
    renderer = fig.canvas.get_renderer()
    outside = [t.get_text()[:30] for t in texts if not _inside(t.get_window_extent(renderer), fig.bbox)]
    assert not outside, f"{name}: text off the canvas: {outside[:5]}"
    assert labelled_ticks(fig) <= 40, f"{name}: an axis has {labelled_ticks(fig)} labelled ticks"
    plots.save_figure(fig, tmp_path / f"{name}.png", tmp_path / f"{name}.pdf")
    assert time.perf_counter() - start < 20, f"{name}: {time.perf_counter() - start:.1f} s"
    for suffix in ("png", "pdf"):
        assert (tmp_path / f"{name}.{suffix}").stat().st_size < 2_000_000, f"{name}.{suffix} is too large"


def overlapping_ticks(fig: Figure) -> list[tuple[str, str]]:
    """Pairs of neighbouring drawn tick labels on one axis whose boxes overlap."""
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    pairs = []
    for ax in fig.axes:
        for axis, limits in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
            low, high = min(limits), max(limits)
            labels = [t.label1 for t in axis.get_major_ticks()
                      if low <= t.get_loc() <= high and t.label1.get_visible() and t.label1.get_text().strip()]
            boxes = sorted(((label.get_window_extent(renderer), label.get_text()) for label in labels),
                           key=lambda b: (b[0].x0, b[0].y0))
            for (a, text_a), (b, text_b) in zip(boxes, boxes[1:]):
                if a.overlaps(b) and min(a.x1, b.x1) - max(a.x0, b.x0) > 0.5 and min(a.y1, b.y1) - max(a.y0, b.y0) > 0.5:
                    pairs.append((text_a, text_b))
    return pairs


@pytest.mark.parametrize("name", list(NATIONAL_FIGURES))
def test_figure_at_the_threshold_still_names_every_municipality_legibly(name, factors, effects_table):
    """At scale.MAX_LISTED_MUNICIPALITIES municipalities, the most a per-municipality view shows:
    it fits the page and no two tick labels overlap."""
    listed = list(range(1, MAX_LISTED_MUNICIPALITIES + 1))
    inputs = {"model_table": make_model_table(listed), "window_table": random_window_table(listed),
              "trees": make_trees(listed), "factors": factors, "effects_table": effects_table}
    figures = dict(NATIONAL_FIGURES, what_if=lambda f: plots.what_if(what_if_table(listed), f["factors"]),
                   model_comparison=lambda f: plots.model_comparison(*comparison_tables(len(listed))))
    fig = figures[name](inputs)
    width, height = fig.get_size_inches()
    assert width <= MAX_WIDTH_IN + 1e-9 and height <= 9.5, f"{name}: {width:.2f} x {height:.2f} in"
    assert not overlapping_ticks(fig), f"{name}: {overlapping_ticks(fig)[:3]}"


def test_coded_data_at_scale_sorts_by_window_and_names_no_municipality(national):
    table = national["model_table"]
    fig = plots.coded_data(table, national["factors"])
    heat = fig.axes[0]
    assert not [t for t in heat.get_xticklabels() if t.get_text()]
    order = plots_data.phase_order(table, "agenda")
    windows = table.drop_duplicates("municipality").set_index("municipality").loc[order, "window"]
    assert windows.is_monotonic_decreasing  # open windows first
    assert f"{len(NATIONAL)} municipalities" in fig._suptitle.get_text()


def test_model_comparison_has_no_se_whiskers_and_stops_near_zero():
    table, pointwise = comparison_tables()
    fig = plots.model_comparison(table, pointwise)
    panels = [ax for ax in fig.axes if ax.get_xlabel()]
    assert len(panels) == 2
    for ax in panels:
        assert not any(type(c).__name__ == "ErrorbarContainer" for c in ax.containers)
        assert not ax.collections or all(c.get_gid().startswith("pointwise") for c in ax.collections)
    lomo = panels[0]
    assert "leave-one-municipality-out" in lomo.get_title()
    dots = [c for c in lomo.collections if c.get_gid().startswith("pointwise:lomo_exact")]
    assert len(dots) == pointwise["variant"].nunique()
    largest = max(float(np.max(c.get_offsets()[:, 0])) for c in dots)
    assert lomo.get_xlim()[1] <= max(largest, 0.0) + 0.1 * np.ptp(lomo.get_xlim())
    psis = panels[1]
    assert psis.get_xlim()[1] <= 0.1 * np.ptp(psis.get_xlim())  # no axis running past zero
    labels = [t.get_text() for t in panels[0].get_yticklabels()]
    assert "sum score (baseline)" in labels and "full" in labels
    assert any("Sivula" in t.get_text() for ax in fig.axes for t in ax.texts)


def test_phase_coupling_separates_phases_and_shows_whole_densities(inputs):
    fig = plots.phase_coupling(inputs["window_table"], inputs["trees"][1])
    ax, ax_k = fig.axes[:2]
    ys = [float(line.get_ydata()[0]) for line in ax.get_lines() if line.get_marker() in ("o", "s")]
    assert len(ys) == len(set(ys)) == 2 * len(MUNICIPALITIES)  # one row per municipality and phase
    densities = [line for line in ax_k.get_lines() if len(line.get_xdata()) > 100]
    assert len(densities) == len(STREAMS)
    for line in densities:
        y = np.asarray(line.get_ydata())
        assert y[0] < 0.02 * y.max() and y[-1] < 0.02 * y.max()  # falls to ~0 at both ends
        assert ax_k.get_ylim()[1] >= y.max()  # not cut at the top
        x = np.asarray(line.get_xdata())
        assert ax_k.get_xlim()[0] <= x[0] + 1e-9 and ax_k.get_xlim()[1] >= x[-1] - 1e-9


def test_predictive_checks_legends_do_not_cover_panels(inputs):
    prior, posterior = inputs["trees"]
    fig = plots.predictive_checks(prior, posterior, inputs["window_table"])
    renderer = fig.canvas.get_renderer()
    fig.draw(renderer)
    legends = [a for a in fig.findobj(Legend)]
    assert legends
    panels = [ax for ax in fig.axes if ax.get_xlabel()]
    assert len(panels) == 5
    for legend in legends:
        box = legend.get_window_extent(renderer)
        for ax in panels:
            assert not box.overlaps(ax.get_window_extent(renderer)), legend.get_texts()[0].get_text()


def test_generative_checks_mark_values_outside_the_interval():
    table = generative_table()
    fig = plots.generative_checks(table)
    outside = _artists(fig, "observed:outside")
    expected = (table["observed"] < table["replicated_eti89_lb"]) | (table["observed"] > table["replicated_eti89_ub"])
    assert len(outside) == int(expected.sum()) == 4  # all-or-nothing (6 > 5), necessity (0 < 1)
    assert len(_artists(fig, "observed:inside")) == len(table) - 4
    texts = {t.get_text() for ax in fig.axes for t in ax.texts}
    assert "misfit" in texts and "consistent" in texts  # the verdict's first word only


def test_pava_calibration_is_monotone():
    rng = np.random.default_rng(4)
    p = rng.uniform(size=40)
    reps = (rng.uniform(size=(100, 40)) < p).astype(int)
    cal = plots.pava_calibration(reps, (rng.uniform(size=40) < p).astype(int))
    assert np.all(np.diff(cal["cep"]) >= -1e-12)
    assert np.all(np.diff(cal["predicted"]) >= 0)
    assert ((cal["lower"] <= cal["upper"] + 1e-12)).all()


def test_arviz_figures_panel_per_element(inputs):
    fit = inputs["trees"][1]
    n_elements = 6 + 6 + 6 + 1 + 3
    ranks = plots.convergence_ranks(fit)
    titles = [ax.get_title() for ax in ranks.axes if ax.get_title()]
    assert len(titles) == n_elements and "σ_u" in titles and "α  A · problem" in titles
    psense = plots.prior_sensitivity(fit)
    assert len([ax for ax in psense.axes if ax.get_title()]) == n_elements
    assert "prior^0.8 weakened" in {t.get_text() for t in psense.legends[0].get_texts()}


def test_qca_tables_and_figure(model_table, effects_table, factors):
    tables = qca_tables(model_table)
    assert set(tables) == {"truth_tables", "solutions", "necessity"}
    assert set(tables["truth_tables"]["phase"]) <= set(PHASES)
    assert tables["truth_tables"].groupby("phase")["n"].sum().eq(len(MUNICIPALITIES)).all()
    fig = plots.qca_vs_bayes(qca_solutions(), effects_table, factors)
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert len(axes) == 3 * len(PHASES)
    matrix = axes[3]
    assert len(matrix.get_yticklabels()) == 2 + 2  # two factors + consistency and coverage rows


# ---------------------------------------------------------------------------
# Graphs laid out by Graphviz
# ---------------------------------------------------------------------------


def test_read_structure_of_a_rulegraph():
    structure = graph_layout.read_structure(RULEGRAPH)
    labels = {node: attrs["label"] for node, attrs in structure.nodes.items()}
    assert labels["1"] == "fit" and labels["2"] == "processed_data"
    assert ("2", "1") in structure.edges and ("1", "0") in structure.edges


def test_collapse_groups_merges_nodes_and_edges():
    nodes = {"a": "fit", "b": "figure_x", "c": "figure_y", "d": "notebook"}
    edges = [("a", "b"), ("a", "c"), ("b", "d"), ("c", "d")]
    labels, merged, sizes = graphs.collapse_groups(nodes, edges, {"figure_x": "figure_*", "figure_y": "figure_*"})
    assert labels == {"a": "fit", "group:figure_*": "figure_*", "d": "notebook"}
    assert merged == [("a", "group:figure_*"), ("group:figure_*", "d")]
    assert sizes == {"group:figure_*": 2}


def test_workflow_dag_edges_avoid_boxes():
    fig = plots.workflow_dag(RULEGRAPH, groups={"figure_coded_data": "figure_*", "figure_what_if": "figure_*"})
    ax = fig.axes[0]
    texts = {t.get_text() for t in ax.texts}
    assert {"fit", "summaries", "figure_*", "(2 rules)"} <= texts
    assert "all" not in texts  # the target is drawn as orange frames, not as a node
    boxes = {}
    for patch in ax.patches:
        gid = patch.get_gid() or ""
        if gid.startswith("node:"):
            boxes[gid[5:]] = patch.get_path().transformed(patch.get_patch_transform()).get_extents()
    edges = [p for p in ax.patches if (p.get_gid() or "").startswith("edge:") and isinstance(p, PathPatch)
             and p.get_facecolor()[3] == 0]
    assert edges
    for edge in edges:
        tail, head = edge.get_gid()[5:].split("->")
        points = edge.get_path().interpolated(50).vertices
        for node, box in boxes.items():
            if node in (tail, head):
                continue
            inner = box.padded(-1.0)
            assert not inner.contains_points(points).any() if hasattr(inner, "contains_points") else not any(
                inner.contains(x, y) for x, y in points), f"edge {tail}->{head} crosses {node}"


def test_model_graph_from_pymc_dot():
    fig = plots.model_graph(MODEL_DOT)
    ax = fig.axes[0]
    texts = [t.get_text() for t in ax.texts]
    assert "Bernoulli" in texts and "group (6)" in texts and "factor (24)" in texts
    assert {p.get_gid() for p in ax.patches} >= {"cluster:clustergroup (6)", "node:movement"}


def test_model_graph_of_the_pymc_model(model_table):
    """The figure script's path: PyMC's own dot text of the reference model."""
    import pymc as pm

    from policy_windows.data.design import model_data_from_table
    from policy_windows.model.reference import build_model

    source = pm.model_to_graphviz(build_model(model_data_from_table(model_table))).source
    fig = plots.model_graph(source)
    assert fig.get_size_inches()[0] <= MAX_WIDTH_IN
    texts = {t.get_text() for t in fig.axes[0].texts}
    assert {"kappa", "window_probability", "Bernoulli"} <= texts


def test_missing_dot_names_the_program_and_the_install(monkeypatch):
    monkeypatch.setattr(graph_layout.shutil, "which", lambda name: None)
    with pytest.raises(graph_layout.GraphvizNotFound, match=r"`dot`.*apt-get install graphviz"):
        plots.workflow_dag(RULEGRAPH)


def test_too_wide_graph_is_refused_rather_than_shrunk_below_7pt():
    chain = "digraph { rankdir=LR; " + " -> ".join(f"rule_with_a_long_name_{i}" for i in range(12)) + " }"
    laid_out = graph_layout.layout(chain, node={"fontsize": 8, "shape": "box"})
    with pytest.raises(ValueError, match="lay it out more compactly"):
        graph_layout.draw_layout(laid_out)


# ---------------------------------------------------------------------------
# Export and purity
# ---------------------------------------------------------------------------


def test_save_figure_writes_png_and_reproducible_pdf(tmp_path, inputs):
    for run in (1, 2):
        fig = plots.window_probability(inputs["window_table"])
        plots.save_figure(fig, tmp_path / f"w{run}.png", tmp_path / f"w{run}.pdf")
    pdf = (tmp_path / "w1.pdf").read_bytes()
    assert pdf == (tmp_path / "w2.pdf").read_bytes()
    width = float(re.search(rb"/MediaBox \[ 0 0 ([\d.]+) ", pdf).group(1))
    assert width <= 72 * MAX_WIDTH_IN
    assert b"/FontFile2" in pdf  # TrueType fonts embedded: text stays text
    assert (tmp_path / "w1.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match="unknown figure format"):
        plots.save_figure(plots.window_probability(inputs["window_table"]), tmp_path / "w.jpg")


def test_plotting_code_reads_no_files_and_picks_no_backend():
    sources = list(PLOTS_DIR.glob("*.py"))
    forbidden = re.compile(r"matplotlib\.use\(|read_csv|read_text|\bopen\(|load_fit|from_netcdf|"
                           r"-m snakemake|[\"']snakemake[\"'],|sample_posterior|build_model\(|import pymc")
    offenders = {path.name: forbidden.findall(path.read_text()) for path in sources}
    assert not {name: found for name, found in offenders.items() if found}
