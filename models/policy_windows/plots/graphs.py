"""The PyMC model graph and the Snakemake rule graph, drawn without graphviz."""

from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from .layered import draw_layered_graph, parse_dot
from .style import OKABE_ITO, styled

_NODE_KINDS = {
    # kind: (box style, legend label)
    "Free Random Variable": (
        {"shape": "pill", "facecolor": "#DCEBF7", "edgecolor": OKABE_ITO["blue"]},
        "parameter (random variable)",
    ),
    "Deterministic": (
        {"shape": "square", "facecolor": "white", "edgecolor": "#333333"},
        "deterministic quantity",
    ),
    "Data": (
        {"shape": "square", "facecolor": "#EDEDED", "edgecolor": "#555555", "linestyle": "--"},
        "data container",
    ),
    "Observed Random Variable": (
        {"shape": "pill", "facecolor": "#BDBDBD", "edgecolor": "#000000"},
        "observed outcome (likelihood)",
    ),
    "Potential": (
        {"shape": "sawtooth", "facecolor": "white", "edgecolor": OKABE_ITO["vermillion"]},
        "potential",
    ),
}


def model_graph_spec(model) -> tuple[dict[str, str], list[tuple[str, str]], dict[str, str]]:
    """Labels, parent -> child edges and node kinds of a PyMC model.

    Uses ``pymc.model_graph.ModelGraph.make_compute_graph`` (variable -> set of parents)
    and ``ModelGraph.nodes`` for the node types; labels show the distribution and dims.
    As in ``pm.model_to_graphviz`` an observed variable points to its data container.
    """
    from pymc.model_graph import ModelGraph

    graph = ModelGraph(model)
    parents = graph.make_compute_graph()
    kinds = {info.var.name: info.node_type.value for info in graph.nodes()}
    dims = model.named_vars_to_dims
    labels: dict[str, str] = {}
    for name in parents:
        var = model[name]
        kind = kinds.get(name, "Deterministic")
        if kind in ("Free Random Variable", "Observed Random Variable"):
            op = var.owner.op
            dist = getattr(op, "_print_name", (type(op).__name__,))[0]
            head = f"{name} ~ {dist}"
        elif kind == "Data":
            head = f"{name} (data)"
        else:
            head = f"{name} = f(·)"
        shape = " × ".join(dims.get(name) or ()) or "scalar"
        labels[name] = f"{head}\n[{shape}]"
    edges = [(parent, child) for child, ps in parents.items() for parent in sorted(ps)]
    return labels, edges, kinds


@styled
def model_graph(model, title: str | None = None) -> Figure:
    """Layered drawing of a PyMC model: parameters, deterministics, data and likelihood."""
    labels, edges, kinds = model_graph_spec(model)
    styles = {n: dict(_NODE_KINDS.get(kinds.get(n, "Deterministic"), _NODE_KINDS["Deterministic"])[0]) for n in labels}
    used = [k for k in _NODE_KINDS if k in set(kinds.values())]
    handles = [
        Patch(
            facecolor=_NODE_KINDS[k][0]["facecolor"],
            edgecolor=_NODE_KINDS[k][0]["edgecolor"],
            linestyle=_NODE_KINDS[k][0].get("linestyle", "-"),
            label=_NODE_KINDS[k][1],
        )
        for k in used
    ]
    return draw_layered_graph(
        labels,
        edges,
        orientation="LR",
        node_styles=styles,
        fontsize=9,
        title=title or "Model graph: each variable points to the variables computed from it",
        legend_handles=handles,
    )


@styled
def workflow_dag(dot_text: str, title: str | None = None) -> Figure:
    """Layered drawing of the text printed by ``snakemake --rulegraph`` (rules as boxes)."""
    graph = parse_dot(dot_text)
    if not graph.nodes:
        raise ValueError("the rule graph text contains no nodes")
    sinks = {n for n in graph.nodes if not any(src == n for src, _ in graph.edges)}
    styles = {
        n: {
            "shape": "round",
            "facecolor": "#FFF3D6" if n in sinks else "#EAF2FA",
            "edgecolor": OKABE_ITO["orange"] if n in sinks else OKABE_ITO["blue"],
        }
        for n in graph.nodes
    }
    # Edges into the target rule (usually `all`) are drawn faintly: they say "is a final
    # output", and drawn like the others they would hide the data flow between rules.
    faint = {"color": "#C8C8C8", "lw": 0.7}
    edge_styles = {(src, dst): faint for src, dst in graph.edges if dst in sinks}
    handles = [
        Patch(facecolor="#EAF2FA", edgecolor=OKABE_ITO["blue"], label="rule"),
        Patch(facecolor="#FFF3D6", edgecolor=OKABE_ITO["orange"], label="target rule (nothing depends on it)"),
        Line2D([], [], color="#C8C8C8", lw=1.0, label="output requested by the target"),
        Line2D([], [], color="#555555", lw=1.0, label="output used by another rule"),
    ]
    return draw_layered_graph(
        graph.nodes,
        graph.edges,
        orientation="LR",
        node_styles=styles,
        edge_styles=edge_styles,
        fontsize=10,
        title=title or f"Workflow rule graph: {len(graph.nodes)} rules, arrows point from producer to consumer",
        legend_handles=handles,
    )
