"""A small dot parser and a layered (Sugiyama-style) graph layout drawn with matplotlib.

Shared by the model graph and the workflow DAG so that neither needs graphviz: nodes sit
at their topological depth (longest path from a source), the order within a layer is
improved by barycentre sweeps to reduce crossings, and edges are arrows between boxes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

_NODE_RE = re.compile(r"^\s*(?P<id>[\w.]+)\s*\[(?P<attrs>.*)\]\s*;?\s*$")
_EDGE_RE = re.compile(r"^\s*(?P<src>[\w.]+)\s*->\s*(?P<dst>[\w.]+)\s*(?:\[.*\])?\s*;?\s*$")
_ATTR_RE = re.compile(r'(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\]\s]+))')
_KEYWORDS = {"graph", "node", "edge"}


@dataclass(frozen=True)
class DotGraph:
    """Nodes (id -> label), their attributes and directed edges (source, target)."""

    nodes: dict[str, str]
    edges: list[tuple[str, str]]
    attributes: dict[str, dict[str, str]] = field(default_factory=dict)


def parse_dot(text: str) -> DotGraph:
    """Parse the dot text ``snakemake --rulegraph`` prints (one statement per line).

    Only node statements ``id[label = "...", ...]`` and edges ``a -> b`` are read; graph,
    node and edge defaults are ignored. Nodes without a label use their id; nodes that
    only appear in edges are added with their id as label. Lines before ``digraph`` (e.g.
    log messages) are skipped.
    """
    nodes: dict[str, str] = {}
    attributes: dict[str, dict[str, str]] = {}
    edges: list[tuple[str, str]] = []
    started = "digraph" not in text
    for line in text.splitlines():
        if not started:
            started = line.lstrip().startswith("digraph")
            continue
        edge = _EDGE_RE.match(line)
        if edge:
            edges.append((edge["src"], edge["dst"]))
            continue
        node = _NODE_RE.match(line)
        if node and node["id"] not in _KEYWORDS:
            attrs = {k: (quoted if quoted is not None and quoted != "" else bare or "") for k, quoted, bare in _ATTR_RE.findall(node["attrs"])}
            attributes[node["id"]] = attrs
            nodes[node["id"]] = attrs.get("label", node["id"])
    for src, dst in edges:
        nodes.setdefault(src, src)
        nodes.setdefault(dst, dst)
    return DotGraph(nodes=nodes, edges=edges, attributes=attributes)


def topological_depth(nodes: Sequence[str], edges: Iterable[tuple[str, str]]) -> dict[str, int]:
    """Longest-path depth of every node (sources at 0); raises on a cycle."""
    nodes = list(dict.fromkeys(nodes))
    parents: dict[str, list[str]] = {n: [] for n in nodes}
    children: dict[str, list[str]] = {n: [] for n in nodes}
    for src, dst in edges:
        for n in (src, dst):
            if n not in parents:
                nodes.append(n)
                parents[n], children[n] = [], []
        parents[dst].append(src)
        children[src].append(dst)
    indegree = {n: len(set(parents[n])) for n in nodes}
    ready = [n for n in nodes if indegree[n] == 0]
    depth = {n: 0 for n in ready}
    seen = 0
    while ready:
        n = ready.pop(0)
        seen += 1
        for child in dict.fromkeys(children[n]):
            depth[child] = max(depth.get(child, 0), depth[n] + 1)
            indegree[child] -= 1
            if indegree[child] == 0:
                ready.append(child)
    if seen != len(nodes):
        raise ValueError("graph has a cycle; a layered layout needs a DAG")
    return depth


def assign_layers(
    nodes: Sequence[str], edges: Iterable[tuple[str, str]], pull_sources: bool = True
) -> dict[str, int]:
    """Layer of every node: its longest-path depth, except that a source (no parents) is
    moved down to just above its nearest child, which keeps its edges short."""
    edges = list(edges)
    depth = topological_depth(nodes, edges)
    if pull_sources:
        children: dict[str, list[str]] = {}
        has_parent = {dst for _, dst in edges}
        for src, dst in edges:
            children.setdefault(src, []).append(dst)
        for n in depth:
            if n not in has_parent and n in children:
                depth[n] = min(depth[c] for c in children[n]) - 1
    return depth


def layered_layout(
    nodes: Sequence[str],
    edges: Sequence[tuple[str, str]],
    orientation: str = "TB",
    sweeps: int = 12,
    layer_gap: float = 1.0,
    node_gap: float = 1.0,
) -> dict[str, tuple[float, float]]:
    """Position each node at its topological depth; children come after their parents.

    ``orientation="TB"``: depth runs downwards (child has a smaller y than its parent);
    ``"LR"``: depth runs to the right (child has a larger x). Within a layer nodes are
    centred and ordered by alternating barycentre sweeps over parents and children.
    """
    if orientation not in ("TB", "LR"):
        raise ValueError(f"orientation must be 'TB' or 'LR', got {orientation!r}")
    depth = assign_layers(nodes, edges)
    order = list(depth)
    n_layers = max(depth.values(), default=-1) + 1
    layers: list[list[str]] = [[n for n in order if depth[n] == d] for d in range(n_layers)]
    parents: dict[str, list[str]] = {n: [] for n in order}
    children: dict[str, list[str]] = {n: [] for n in order}
    for src, dst in edges:
        parents[dst].append(src)
        children[src].append(dst)

    def position(layer: list[str]) -> dict[str, float]:
        return {n: i - (len(layer) - 1) / 2 for i, n in enumerate(layer)}

    pos: dict[str, float] = {}
    for layer in layers:
        pos.update(position(layer))
    for sweep in range(sweeps):
        down = sweep % 2 == 0
        sequence = range(1, n_layers) if down else range(n_layers - 2, -1, -1)
        for d in sequence:
            neighbours = parents if down else children
            layer = layers[d]
            key = {}
            for i, n in enumerate(layer):
                linked = [pos[m] for m in neighbours[n]]
                key[n] = (float(np.mean(linked)) if linked else pos[n], i)
            layers[d] = sorted(layer, key=key.__getitem__)
            pos.update(position(layers[d]))

    coords: dict[str, tuple[float, float]] = {}
    for d, layer in enumerate(layers):
        for n in layer:
            if orientation == "TB":
                coords[n] = (pos[n] * node_gap, -d * layer_gap)
            else:
                coords[n] = (d * layer_gap, -pos[n] * node_gap)
    return coords


def _text_sizes(labels: Mapping[str, str], fontsize: float) -> dict[str, tuple[float, float]]:
    """Rendered (width, height) of every label in inches, measured with a throwaway figure."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    probe = Figure()
    renderer = FigureCanvasAgg(probe).get_renderer()
    sizes = {}
    for node, label in labels.items():
        text = probe.text(0, 0, label, fontsize=fontsize, ha="center", va="center", multialignment="center")
        box = text.get_window_extent(renderer)
        sizes[node] = (box.width / probe.dpi, box.height / probe.dpi)
        text.remove()
    return sizes


def _box_style(shape: str, height: float) -> str:
    """Box outline with no padding (the box size already includes it), sizes in inches."""
    if shape == "pill":
        return f"round,pad=0,rounding_size={height / 2:.3f}"
    if shape == "round":
        return f"round,pad=0,rounding_size={min(0.1, height / 3):.3f}"
    if shape == "round4":
        return f"round4,pad=0,rounding_size={min(0.12, height / 3):.3f}"
    if shape in ("square", "sawtooth"):
        return f"{shape},pad=0"
    raise ValueError(f"unknown node shape {shape!r}")


def draw_layered_graph(
    labels: Mapping[str, str],
    edges: Sequence[tuple[str, str]],
    *,
    orientation: str = "LR",
    node_styles: Mapping[str, Mapping] | None = None,
    edge_styles: Mapping[tuple[str, str], Mapping] | None = None,
    fontsize: float = 9.0,
    title: str | None = None,
    legend_handles: Sequence | None = None,
    legend_title: str | None = None,
):
    """Draw ``labels`` (node -> text) as boxes in a layered layout; return the Figure.

    Axes coordinates are in inches and every box is sized from its measured label, so
    boxes never overlap and long graphs just get a bigger figure. Boxes are explicit
    patches, so arrows are clipped to them exactly at any output resolution.
    ``node_styles[node]`` may set ``shape`` (pill, round, round4, square, sawtooth),
    ``facecolor``, ``edgecolor``, ``linewidth`` and the text's ``color``/``fontweight``.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    nodes = list(labels)
    sizes = _text_sizes(labels, fontsize)
    pad_x, pad_y = 0.14, 0.09
    widths = {n: sizes[n][0] + 2 * pad_x for n in nodes}
    heights = {n: sizes[n][1] + 2 * pad_y for n in nodes}
    depth = assign_layers(nodes, edges)
    if orientation == "LR":
        layer_gap = max(widths.values(), default=1.0) + 0.6
        node_gap = max(heights.values(), default=0.5) + 0.3
    else:
        layer_gap = max(heights.values(), default=0.5) + 0.7
        node_gap = max(widths.values(), default=1.0) + 0.25
    coords = layered_layout(nodes, edges, orientation=orientation, layer_gap=layer_gap, node_gap=node_gap)

    xs = np.array([c[0] for c in coords.values()])
    ys = np.array([c[1] for c in coords.values()])
    margin_x = max(widths.values(), default=1.0) / 2 + 0.3
    margin_y = max(heights.values(), default=0.5) / 2 + 0.3
    span_x = xs.max() - xs.min() + 2 * margin_x
    span_y = ys.max() - ys.min() + 2 * margin_y
    extra_top = 0.5 if title else 0.0
    extra_bottom = 0.7 if legend_handles else 0.0
    fig = plt.figure(figsize=(max(span_x, 4.0), span_y + extra_top + extra_bottom))
    fig_w, fig_h = fig.get_size_inches()
    ax = fig.add_axes((0, extra_bottom / fig_h, 1, span_y / fig_h))
    cx = (xs.max() + xs.min()) / 2
    ax.set_xlim(cx - fig_w / 2, cx + fig_w / 2)
    ax.set_ylim(ys.min() - margin_y, ys.max() + margin_y)
    ax.axis("off")

    boxes = {}
    for n in nodes:
        style = {"shape": "round", "facecolor": "white", "edgecolor": "#333333", "linewidth": 1.2}
        style.update((node_styles or {}).get(n, {}))
        text_kw = {k: style.pop(k) for k in ("color", "fontweight", "fontstyle") if k in style}
        x, y = coords[n]
        w, h = widths[n], heights[n]
        box = FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle=_box_style(style.pop("shape"), h), zorder=3,
                             **style)
        ax.add_patch(box)
        boxes[n] = box
        ax.text(x, y, labels[n], ha="center", va="center", multialignment="center", fontsize=fontsize, zorder=4,
                **text_kw)
    for src, dst in edges:
        span = abs(depth[dst] - depth[src])
        style = {
            "arrowstyle": "-|>",
            "color": "#555555",
            "lw": 1.0,
            "mutation_scale": 11,
            "shrinkA": 1,
            "shrinkB": 1,
            "connectionstyle": "arc3,rad=0.0" if span <= 1 else "arc3,rad=-0.12",
        }
        style.update((edge_styles or {}).get((src, dst), {}))
        ax.add_patch(FancyArrowPatch(coords[src], coords[dst], patchA=boxes[src], patchB=boxes[dst], zorder=2,
                                     **style))
    if title:
        fig.suptitle(title, y=1 - 0.15 / fig.get_size_inches()[1], va="top", fontweight="bold")
    if legend_handles:
        fig.legend(
            handles=list(legend_handles),
            loc="lower center",
            ncol=min(len(legend_handles), 4),
            frameon=False,
            title=legend_title,
            bbox_to_anchor=(0.5, 0.0),
        )
    return fig
