"""Tests for policy_windows.plots: every figure function on small synthetic inputs, the dot
parser and the layered layout. Fast: no sampling, no files."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import xarray as xr  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from policy_windows import plots  # noqa: E402
from policy_windows.constants import HIGHLIGHTED_FACTORS, PHASES, STREAMS  # noqa: E402
from policy_windows.plots import files  # noqa: E402
from policy_windows.plots.layered import assign_layers, layered_layout, parse_dot  # noqa: E402

MUNICIPALITIES = [1, 2, 3]
# Two factors per phase x stream; the first agenda/problem factor is a highlighted one.
FACTORS = [
    (f"{p[:3]}_{s}_{k}" if (p, s, k) != ("agenda", "problem", 0) else HIGHLIGHTED_FACTORS[0], p, s,
     "empirical" if k == 1 else "theory")
    for p in PHASES
    for s in STREAMS
    for k in range(2)
]
RULEGRAPH = """Building DAG of jobs...
digraph snakemake_dag {
    graph[bgcolor=white, margin=0];
    node[shape=box, style=rounded, fontname=sans,                 fontsize=10, penwidth=2];
    edge[penwidth=2, color=grey];
	0[label = "all", color = "0.00 0.6 0.85", style="rounded"];
	1[label = "fit", color = "0.33 0.6 0.85", style="rounded"];
	2[label = "processed_data", color = "0.67 0.6 0.85", style="rounded"];
	1 -> 0
	2 -> 1
	2 -> 0
}
"""


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


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
def model_table() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    movement = {(m, p, s): int(rng.integers(0, 2)) for m in MUNICIPALITIES for p in PHASES for s in STREAMS}
    movement[(1, "agenda", "problem")] = movement[(1, "agenda", "policy")] = movement[(1, "agenda", "politics")] = 1
    rows = []
    for m in MUNICIPALITIES:
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
def effects() -> pd.DataFrame:
    rows = []
    for i, (factor, phase, stream, origin) in enumerate(FACTORS):
        row = {"factor": factor, "phase": phase, "stream": stream, "origin": origin,
               "highlighted": factor in HIGHLIGHTED_FACTORS, "n_present": 1, "n_not_reported": 1, "n_lacking": 1,
               "p_beta_positive": 0.5 + 0.04 * i}
        row.update(_summary("beta_", 0.1 * i))
        row.update(_summary("ame_pp_plus_vs_minus_", 2.0 * i, 5.0))
        row.update(_summary("ame_pp_plus_vs_zero_", 1.0 * i, 3.0))
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


def _tree(groups: dict[str, dict[str, np.ndarray]]) -> xr.DataTree:
    dims = {
        "stream_movement": ("chain", "draw", "municipality", "phase", "stream"),
        "window_probability": ("chain", "draw", "municipality", "phase"),
        "movement": ("chain", "draw", "municipality", "phase", "stream"),
        "kappa": ("chain", "draw", "stream"),
    }
    coords = {"municipality": [str(m) for m in MUNICIPALITIES], "phase": list(PHASES), "stream": list(STREAMS)}
    datasets = {}
    for group, variables in groups.items():
        data_vars = {}
        for name, values in variables.items():
            d = dims[name] if values.ndim == len(dims[name]) else dims[name][2:]
            data_vars[name] = (d, values)
        datasets[group] = xr.Dataset(data_vars, coords={k: v for k, v in coords.items()})
    return xr.DataTree.from_dict(datasets)


@pytest.fixture(scope="module")
def trees() -> tuple[xr.DataTree, xr.DataTree]:
    rng = np.random.default_rng(2)
    shape = (2, 50, len(MUNICIPALITIES), len(PHASES), len(STREAMS))
    theta = rng.uniform(size=shape)
    observed = rng.integers(0, 2, size=shape[2:])
    prior = _tree({
        "prior": {"stream_movement": theta, "window_probability": theta.prod(axis=-1)},
        "prior_predictive": {"movement": (rng.uniform(size=shape) < theta).astype(int)},
        "observed_data": {"movement": observed},
    })
    posterior = _tree({
        "posterior": {"kappa": rng.normal(size=(2, 50, len(STREAMS)))},
        "posterior_predictive": {"movement": (rng.uniform(size=shape) < 0.5).astype(int)},
        "observed_data": {"movement": observed},
    })
    return prior, posterior


def _is_labelled(ax) -> bool:
    return bool(ax.get_xlabel() or ax.get_ylabel() or ax.get_title())


def _check(fig, n_axes: int) -> list:
    assert isinstance(fig, Figure)
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert len(axes) == n_axes
    return axes


def test_coded_data(model_table):
    axes = _check(plots.coded_data(model_table, {"agenda_problem_1": "A readable name"}), 4)
    heat = axes[0]
    assert "Municipality" in heat.get_ylabel()
    assert len(heat.get_xticklabels()) == len(FACTORS) // 2
    assert any(label.get_text().startswith("★") for label in heat.get_xticklabels())


def test_factor_effects_forest(effects):
    axes = _check(plots.factor_effects_forest(effects), 2)
    assert all(ax.get_xlabel() and ax.get_title() for ax in axes)
    labels = [t.get_text() for t in axes[0].get_yticklabels()]
    assert len(labels) == len(FACTORS) + len(PHASES) * len(STREAMS)  # factors + group headers


def test_window_probability(window_table):
    axes = _check(plots.window_probability(window_table), len(PHASES))
    assert all(ax.get_xlabel() and ax.get_title() for ax in axes)
    assert axes[0].get_ylabel()


def test_phase_coupling(window_table):
    kappa = np.random.default_rng(3).normal(size=(200, len(STREAMS)))
    axes = _check(plots.phase_coupling(window_table, kappa), 2)
    assert all(ax.get_xlabel() and ax.get_ylabel() for ax in axes)


def test_predictive_checks(trees, window_table):
    prior, posterior = trees
    axes = _check(plots.predictive_checks(prior, posterior, window_table), 6)
    assert all(_is_labelled(ax) for ax in axes)


def test_pava_calibration_is_monotone():
    rng = np.random.default_rng(4)
    p = rng.uniform(size=40)
    reps = (rng.uniform(size=(100, 40)) < p).astype(int)
    cal = plots.pava_calibration(reps, (rng.uniform(size=40) < p).astype(int))
    assert np.all(np.diff(cal["cep"]) >= -1e-12)
    assert np.all(np.diff(cal["predicted"]) >= 0)
    assert ((cal["lower"] <= cal["upper"] + 1e-12)).all()


def test_model_comparison():
    rows = []
    for method, n in (("psis_loo", 48), ("lomo_exact", 8)):
        for rank, variant in enumerate(["full", "no_coupling", "theory_only"]):
            rows.append({"method": method, "rank": rank, "variant": variant, "elpd": -14.0 - rank, "se": 1.2,
                         "elpd_diff": float(rank), "dse": 0.5 * rank, "p_eff": 4.0 if n == 48 else np.nan,
                         "pareto_k_max": 0.8 if n == 48 else np.nan, "n_pareto_k_gt_0_7": int(n == 48),
                         "n_points": n})
    axes = _check(plots.model_comparison(pd.DataFrame(rows)), 2)
    assert all(ax.get_xlabel() and ax.get_title() for ax in axes)


def test_what_if():
    rows = []
    for m in MUNICIPALITIES:
        for k, (factor, phase, stream, _) in enumerate(FACTORS[:6]):
            row = {"municipality": m, "phase": phase, "stream": stream, "factor": factor, "current_code": -1 + k % 2,
                   "window_probability_now": 0.2, "window_probability_if_present": 0.3, "rank": k + 1}
            row.update(_summary("gain_pp_", 10.0 - k, 2.0))
            rows.append(row)
    fig = plots.what_if(pd.DataFrame(rows), top_n=3)
    axes = _check(fig, len(MUNICIPALITIES))
    assert all(ax.get_title() for ax in axes)
    assert all(len(ax.get_yticklabels()) == 3 for ax in axes)
    assert any(ax.get_xlabel() for ax in axes)


def test_qca_tables_and_figure(model_table, effects):
    tables = files.qca_tables(model_table)
    assert set(tables) == {"truth_tables", "solutions", "necessity"}
    assert set(tables["truth_tables"]["phase"]) <= set(PHASES)
    assert tables["truth_tables"].groupby("phase")["n"].sum().eq(len(MUNICIPALITIES)).all()
    solutions = pd.DataFrame([
        {"phase": "agenda", "solution_type": "parsimonious", "solution_id": 1, "solution": FACTORS[0][0],
         "term": FACTORS[0][0], "raw_coverage": 1.0, "unique_coverage": 1.0, "consistency": 1.0,
         "solution_consistency": 1.0, "solution_coverage": 1.0, "cases_covered": "1"},
        {"phase": "institutionalisation", "solution_type": "conservative", "solution_id": 1,
         "solution": f"{FACTORS[6][0]}*~{FACTORS[7][0]}", "term": f"{FACTORS[6][0]}*~{FACTORS[7][0]}",
         "raw_coverage": 0.5, "unique_coverage": 0.5, "consistency": 1.0, "solution_consistency": 1.0,
         "solution_coverage": 0.5, "cases_covered": "1"},
    ])
    axes = _check(plots.qca_vs_bayes(solutions, effects), 3 * len(PHASES))
    assert all(ax.get_xlabel() and (ax.get_title() or ax.get_title(loc="left")) for ax in axes)
    assert len(axes[3].get_yticklabels()) == 2 + 2  # two factors + consistency and coverage rows


def test_parse_dot_three_nodes():
    graph = parse_dot(RULEGRAPH)
    assert graph.nodes == {"0": "all", "1": "fit", "2": "processed_data"}
    assert graph.edges == [("1", "0"), ("2", "1"), ("2", "0")]
    assert graph.attributes["1"]["color"] == "0.33 0.6 0.85"


@pytest.mark.parametrize("orientation", ["TB", "LR"])
def test_layered_layout_child_after_parent(orientation):
    graph = parse_dot(RULEGRAPH)
    pos = layered_layout(list(graph.nodes), graph.edges, orientation=orientation)
    for parent, child in graph.edges:
        if orientation == "TB":
            assert pos[child][1] < pos[parent][1]  # below
        else:
            assert pos[child][0] > pos[parent][0]  # to the right
    assert assign_layers(list(graph.nodes), graph.edges) == {"2": 0, "1": 1, "0": 2}


def test_layered_layout_rejects_cycles():
    with pytest.raises(ValueError, match="cycle"):
        layered_layout(["a", "b"], [("a", "b"), ("b", "a")])


def test_workflow_dag():
    axes = _check(plots.workflow_dag(RULEGRAPH), 1)
    texts = {t.get_text() for t in axes[0].texts}
    assert {"all", "fit", "processed_data"} <= texts
    assert fig_title(axes[0].figure)


def test_model_graph(model_table):
    from policy_windows.design import model_data_from_table
    from policy_windows.model import build_model

    model = build_model(model_data_from_table(model_table))
    labels, edges, kinds = plots.model_graph_spec(model)
    assert ("beta", "stream_movement") in edges and ("stream_movement", "window_probability") in edges
    assert kinds["movement"] == "Observed Random Variable"
    axes = _check(plots.model_graph(model), 1)
    assert any(t.get_text().startswith("kappa ~ Normal") for t in axes[0].texts)
    assert fig_title(axes[0].figure)


def fig_title(fig) -> str:
    return fig._suptitle.get_text() if fig._suptitle is not None else ""
