"""Graph drawings laid out by Graphviz ``dot`` and drawn with matplotlib.

Graphviz lays the graph out (ranks, crossing reduction, edge splines routed around the
nodes) and returns every shape as xdot drawing operations (``dot -Tjson``); this module
replays those operations on a matplotlib Figure at 1 graph point = 1 typographic point, so
the fonts Graphviz measured are the fonts printed and a graph drawn at ``fontsize=8`` is
8 pt on the page. It needs Graphviz's ``dot`` program on the PATH (Debian/Ubuntu package
``graphviz``, installed by ``scripts/setup.sh``); without it :func:`layout` raises
:class:`GraphvizNotFound` naming the program and the install command.
"""

from __future__ import annotations

import json
import shutil
import textwrap
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.patches import Ellipse, PathPatch, Polygon
from matplotlib.path import Path

from policy_windows.plots.style import FONT_FAMILY, MAX_WIDTH_IN, MIN_FONT_PT

INSTALL_HINT = (
    "install Graphviz: `apt-get install graphviz` on Debian/Ubuntu (scripts/setup.sh does this), "
    "`brew install graphviz` on macOS or `conda install -c conda-forge graphviz`"
)
POINTS_PER_INCH = 72.0


class GraphvizNotFound(RuntimeError):
    """Graphviz's ``dot`` program is not installed or not on the PATH."""


def dot_program() -> str:
    """Path of Graphviz's ``dot`` program, or :class:`GraphvizNotFound` with the install command."""
    found = shutil.which("dot")
    if found is None:
        raise GraphvizNotFound(
            "Graphviz's `dot` program was not found on the PATH; the model graph and the workflow "
            f"rule graph are laid out by it. To fix: {INSTALL_HINT}."
        )
    return found


def layout(
    source: str,
    graph: Mapping[str, object] | None = None,
    node: Mapping[str, object] | None = None,
    edge: Mapping[str, object] | None = None,
) -> dict:
    """Lay out dot ``source`` with ``dot -Tjson`` and return the parsed JSON.

    ``graph``, ``node`` and ``edge`` are default attributes passed on the command line
    (``-G``, ``-N``, ``-E``); attributes set in the source take precedence.
    """
    command = [dot_program(), "-Tjson"]
    for flag, attrs in (("-G", graph), ("-N", node), ("-E", edge)):
        command += [f"{flag}{key}={value}" for key, value in (attrs or {}).items()]
    result = subprocess.run(command, input=source, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise ValueError(f"Graphviz `dot` could not lay out the graph: {result.stderr.strip()}")
    return json.loads(result.stdout)


@dataclass(frozen=True)
class GraphStructure:
    """Nodes (name -> attributes, including ``label``) and directed edges (tail, head)."""

    nodes: dict[str, dict[str, str]]
    edges: list[tuple[str, str]]


def read_structure(source: str) -> GraphStructure:
    """Nodes with their attributes and the edges of a dot graph, as Graphviz parses it.

    Text before the ``digraph`` keyword (e.g. a log line printed before
    ``snakemake --rulegraph`` output) is ignored.
    """
    start = source.find("digraph")
    if start < 0:
        raise ValueError("no `digraph` in the graph text")
    parsed = layout(source[start:])
    objects = parsed.get("objects", [])
    by_gvid = {obj["_gvid"]: obj for obj in objects}
    nodes = {
        obj["name"]: {k: v for k, v in obj.items() if isinstance(v, str)}
        for obj in objects
        if not _is_subgraph(obj)
    }
    edges = [(by_gvid[e["tail"]]["name"], by_gvid[e["head"]]["name"]) for e in parsed.get("edges", [])]
    return GraphStructure(nodes=nodes, edges=edges)


def _is_subgraph(obj: Mapping) -> bool:
    """Clusters and subgraphs carry a bounding box or member lists; nodes do not."""
    return "bb" in obj or "nodes" in obj or "edges" in obj or "subgraphs" in obj


def _colour(value: str):
    value = str(value).strip()
    if value.startswith("#") and len(value) in (7, 9):
        return to_rgba(value)
    try:
        return to_rgba(value.replace("grey", "gray"))
    except ValueError:
        return to_rgba("black")


def _bezier_path(points: Sequence[Sequence[float]], closed: bool) -> Path:
    vertices = [tuple(points[0])]
    codes = [Path.MOVETO]
    for i in range(1, len(points) - 2, 3):
        vertices += [tuple(points[i]), tuple(points[i + 1]), tuple(points[i + 2])]
        codes += [Path.CURVE4] * 3
    if closed:
        vertices.append(vertices[0])
        codes.append(Path.CLOSEPOLY)
    return Path(vertices, codes)


@dataclass
class _Pen:
    colour: tuple = (0.0, 0.0, 0.0, 1.0)
    fill: tuple = (0.0, 0.0, 0.0, 1.0)
    width: float = 1.0
    dash: str = "-"
    font: str = FONT_FAMILY
    size: float = 14.0
    bold: bool = False
    italic: bool = False


def _draw_ops(ax, ops: Sequence[Mapping], zorder: float, scale: float, gid: str | None = None) -> None:
    """Replay xdot drawing operations (graph points) on ``ax`` (data units = graph points)."""
    pen = _Pen()
    for op in ops or ():
        kind = op["op"]
        if kind == "c":
            pen.colour = _colour(op["color"])
        elif kind == "C":
            pen.fill = _colour(op["color"])
        elif kind == "S":
            style = op["style"]
            if style.startswith("setlinewidth"):
                pen.width = float(style[style.index("(") + 1 : style.index(")")])
            elif style in ("dashed", "dotted"):
                pen.dash = "--" if style == "dashed" else ":"
            elif style == "solid":
                pen.dash = "-"
            elif style == "bold":
                pen.width = 2.0
        elif kind == "F":
            pen.size = float(op["size"])
            pen.font = op["face"]
        elif kind == "t":
            flags = int(op.get("fontchar", 0))
            pen.bold, pen.italic = bool(flags & 1), bool(flags & 2)
        elif kind in ("E", "e"):
            (x, y), (w, h) = op["rect"][:2], op["rect"][2:]
            ax.add_patch(
                Ellipse((x, y), 2 * w, 2 * h, facecolor=pen.fill if kind == "E" else "none", edgecolor=pen.colour,
                        lw=pen.width * scale, ls=pen.dash, zorder=zorder, gid=gid)
            )
        elif kind in ("P", "p"):
            ax.add_patch(
                Polygon(op["points"], closed=True, facecolor=pen.fill if kind == "P" else "none",
                        edgecolor=pen.colour, lw=pen.width * scale, ls=pen.dash, zorder=zorder, joinstyle="miter",
                        gid=gid)
            )
        elif kind == "L":
            pts = np.asarray(op["points"], dtype=float)
            ax.plot(pts[:, 0], pts[:, 1], color=pen.colour, lw=pen.width * scale, ls=pen.dash, zorder=zorder,
                    gid=gid)
        elif kind in ("B", "b"):  # B: filled, b: open (as E/e and P/p)
            ax.add_patch(
                PathPatch(_bezier_path(op["points"], closed=kind == "B"),
                          facecolor=pen.fill if kind == "B" else "none", edgecolor=pen.colour,
                          lw=pen.width * scale, ls=pen.dash, zorder=zorder, capstyle="butt", gid=gid)
            )
        elif kind == "T":
            x, y = op["pt"]
            align = {"l": "left", "c": "center", "r": "right"}[op.get("align", "c")]
            ax.text(x, y, op["text"], ha=align, va="baseline", fontsize=pen.size * scale, family=FONT_FAMILY,
                    color=pen.colour, fontweight="bold" if pen.bold else "normal",
                    fontstyle="italic" if pen.italic else "normal", zorder=zorder + 0.5, gid=gid)


def draw_layout(
    laid_out: dict,
    title: str | None = None,
    legend_handles: Sequence | None = None,
    legend_columns: int = 2,
    max_width: float = MAX_WIDTH_IN,
    note: str | None = None,
) -> Figure:
    """A matplotlib Figure of a ``dot -Tjson`` layout at its natural size (1 graph point =
    1 pt), shrunk to ``max_width`` inches if wider; title above, legend and note below."""
    x0, y0, x1, y1 = (float(v) for v in laid_out["bb"].split(","))
    width_in = (x1 - x0) / POINTS_PER_INCH
    scale = min(1.0, max_width / width_in) if width_in > 0 else 1.0
    graph_w, graph_h = width_in * scale, (y1 - y0) / POINTS_PER_INCH * scale
    top = 0.45 if title else 0.1
    n_legend_rows = int(np.ceil(len(legend_handles) / legend_columns)) if legend_handles else 0
    bottom = 0.1 + (0.2 * n_legend_rows + 0.1 if legend_handles else 0.0) + (0.3 if note else 0.0)
    # Full text width: the title and the legend below need it even when the graph is small.
    fig = plt.figure(figsize=(max_width, graph_h + top + bottom))
    fig_h = fig.get_figheight()
    ax = fig.add_axes((0.5 - graph_w / 2 / fig.get_figwidth(), bottom / fig_h, graph_w / fig.get_figwidth(),
                       graph_h / fig_h))
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_axis_off()
    objects = laid_out.get("objects", [])
    clusters = [o for o in objects if _is_subgraph(o)]
    nodes = [o for o in objects if not _is_subgraph(o)]
    for obj in clusters:
        _draw_ops(ax, obj.get("_draw_"), 0.5, scale, gid=f"cluster:{obj['name']}")
        _draw_ops(ax, obj.get("_ldraw_"), 0.6, scale, gid=f"cluster:{obj['name']}")
    by_gvid = {o["_gvid"]: o for o in objects}
    for e in laid_out.get("edges", []):
        gid = f"edge:{by_gvid[e['tail']]['name']}->{by_gvid[e['head']]['name']}"
        for key in ("_draw_", "_hdraw_", "_tdraw_", "_ldraw_"):
            _draw_ops(ax, e.get(key), 1.0, scale, gid=gid)
    for obj in nodes:
        _draw_ops(ax, obj.get("_draw_"), 2.0, scale, gid=f"node:{obj['name']}")
        _draw_ops(ax, obj.get("_ldraw_"), 2.5, scale, gid=f"node:{obj['name']}")
    if title:
        fig.suptitle(textwrap.fill(title, 95), fontweight="bold", y=1 - 0.08 / fig_h, va="top")
    if legend_handles:
        fig.legend(handles=list(legend_handles), loc="lower center", ncol=legend_columns, frameon=False,
                   bbox_to_anchor=(0.5, (0.3 if note else 0.0) / fig_h + 0.02 / fig_h))
    if note:
        fig.text(0.5, 0.06 / fig_h, note, ha="center", va="bottom", color="#333333")
    fig.graph_scale = scale  # read by tests: fonts are the graph's point sizes times this
    if scale < 1.0:
        smallest = min(
            (t.get_fontsize() for t in ax.texts), default=MIN_FONT_PT
        )
        if smallest < MIN_FONT_PT - 1e-9:
            raise ValueError(
                f"the graph is {width_in:.1f} in wide at its font size; shrunk to {max_width} in its "
                f"smallest text would be {smallest:.1f} pt (< {MIN_FONT_PT} pt): lay it out more compactly"
            )
    return fig
