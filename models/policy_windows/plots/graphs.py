"""The PyMC model graph and the Snakemake rule graph, laid out by Graphviz ``dot``.

Both functions take dot text (``pm.model_to_graphviz(model).source`` and the output of
``snakemake --rulegraph``), restyle it for print (8 pt DejaVu Sans, thin lines) and return a
matplotlib Figure drawn from Graphviz's own layout (``graph_layout``): Graphviz routes the
edges around the nodes, so no edge runs behind a box.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from policy_windows.plots.graph_layout import draw_layout, layout, read_structure
from policy_windows.plots.style import FONT_FAMILY, OKABE_ITO, styled

GRAPH_FONT_PT = 8.0


def _quote(text: str) -> str:
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def wrap_name(name: str, width: int = 14) -> str:
    """Break a snake_case name after underscores into lines of at most ``width`` characters
    (a single longer part stays whole): ``prior_scale_sensitivity`` -> ``prior_scale_\\nsensitivity``."""
    parts = re.split(r"(?<=_)", str(name))
    lines, current = [], ""
    for part in parts:
        if current and len(current) + len(part) > width:
            lines.append(current)
            current = part
        else:
            current += part
    lines.append(current)
    return "\n".join(lines)


@styled
def model_graph(dot_source: str, title: str | None = None) -> Figure:
    """The model as PyMC draws it (``pm.model_to_graphviz``: plates for each set of
    dimensions, ellipses for random variables, boxes for deterministics, rounded grey
    boxes for data, the grey ellipse for the likelihood), laid out left to right."""
    laid_out = layout(
        dot_source,
        graph={"rankdir": "LR", "fontname": FONT_FAMILY, "fontsize": 7.5, "nodesep": 0.12, "ranksep": 0.3,
               "pad": 0.02, "penwidth": 0.7},
        node={"fontname": FONT_FAMILY, "fontsize": GRAPH_FONT_PT, "margin": "0.08,0.03", "height": 0.3,
              "penwidth": 0.8},
        edge={"arrowsize": 0.55, "penwidth": 0.7, "color": "#444444"},
    )
    handles = [
        Line2D([], [], marker="o", ls="", ms=9, mfc="white", mec="black", mew=0.8, label="parameter (prior)"),
        Line2D([], [], marker="s", ls="", ms=8, mfc="white", mec="black", mew=0.8, label="deterministic"),
        Patch(facecolor="lightgray", edgecolor="black", lw=0.8, label="data"),
        Line2D([], [], marker="o", ls="", ms=9, mfc="lightgray", mec="black", mew=0.8,
               label="observed outcome (likelihood)"),
        Patch(facecolor="none", edgecolor="black", lw=0.8, label="plate: dimensions (length)"),
    ]
    return draw_layout(
        laid_out,
        title=title or "Model graph: arrows point from a variable to those computed from it",
        legend_handles=handles,
        legend_columns=3,
    )


def collapse_groups(
    nodes: Mapping[str, str], edges: list[tuple[str, str]], groups: Mapping[str, str]
) -> tuple[dict[str, str], list[tuple[str, str]], dict[str, int]]:
    """Merge the nodes whose label is a key of ``groups`` into one node per group label.

    ``nodes``: node id -> label. Returns the new nodes (id -> label), the deduplicated edges
    without self-loops, and how many rules each group node stands for.
    """
    new_id = {}
    sizes: dict[str, int] = {}
    labels: dict[str, str] = {}
    for node, label in nodes.items():
        group = groups.get(label)
        if group is None:
            new_id[node] = node
            labels[node] = label
        else:
            gid = f"group:{group}"
            new_id[node] = gid
            labels[gid] = group
            sizes[gid] = sizes.get(gid, 0) + 1
    merged = []
    for tail, head in edges:
        edge = (new_id[tail], new_id[head])
        if edge[0] != edge[1] and edge not in merged:
            merged.append(edge)
    return labels, merged, sizes


@styled
def workflow_dag(
    dot_text: str,
    target: str = "all",
    groups: Mapping[str, str] | None = None,
    title: str | None = None,
) -> Figure:
    """The rule graph printed by ``snakemake --rulegraph``, left to right.

    The ``target`` rule (``all``) is left out; the rules whose output it requests are drawn
    with an orange frame instead. ``groups`` maps rule names to a group label: rules of one
    group (e.g. the one-rule-per-figure family) are drawn as one node "label (n rules)".
    """
    structure = read_structure(dot_text)
    labels = {node: attrs.get("label", node) for node, attrs in structure.nodes.items()}
    if not labels:
        raise ValueError("the rule graph contains no rules")
    target_ids = {node for node, label in labels.items() if label == target}
    final = {tail for tail, head in structure.edges if head in target_ids}
    kept = {node: label for node, label in labels.items() if node not in target_ids}
    edges = [(t, h) for t, h in structure.edges if t in kept and h in kept]
    nodes, edges, sizes = collapse_groups(kept, edges, groups or {})
    final_ids = {node if (groups or {}).get(labels[node]) is None else f"group:{groups[labels[node]]}"
                 for node in final}

    lines = ["digraph rules {"]
    for node, label in nodes.items():
        text = wrap_name(label)
        if node in sizes:
            text = f"{label}\n({sizes[node]} rules)"
        final_rule = node in final_ids
        frame = OKABE_ITO["orange"] if final_rule else OKABE_ITO["blue"]
        fill = "#FFF3D6" if final_rule else "#EAF2FA"
        lines.append(
            f"  {_quote(node)} [label={_quote(text)}, color={_quote(frame)}, fillcolor={_quote(fill)},"
            f" penwidth={1.4 if final_rule else 0.8}]"
        )
    lines += [f"  {_quote(t)} -> {_quote(h)}" for t, h in edges]
    lines.append("}")
    laid_out = layout(
        "\n".join(lines),
        graph={"rankdir": "LR", "nodesep": 0.06, "ranksep": 0.25, "pad": 0.02, "fontname": FONT_FAMILY},
        node={"shape": "box", "style": "rounded,filled", "fontname": FONT_FAMILY, "fontsize": GRAPH_FONT_PT,
              "margin": "0.06,0.02", "height": 0.25, "width": 0.3},
        edge={"arrowsize": 0.5, "penwidth": 0.7, "color": "#555555"},
    )
    handles = [
        Patch(facecolor="#EAF2FA", edgecolor=OKABE_ITO["blue"], lw=0.8, label="rule"),
        Patch(facecolor="#FFF3D6", edgecolor=OKABE_ITO["orange"], lw=1.4,
              label=f"rule with a final output (requested by `{target}`)"),
        Line2D([], [], color="#555555", lw=0.8, label="output used by the next rule"),
    ]
    return draw_layout(
        laid_out,
        title=title
        or f"Workflow rule graph: {len(labels) - len(target_ids)} rules, from the data (left) to the report",
        legend_handles=handles,
        legend_columns=2,
    )
