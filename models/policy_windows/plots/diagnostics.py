"""ArviZ 1.x (arviz_plots) diagnostics of the main fit: rank plots and power-scaling sensitivity.

Both draw the headline parameters (``HEADLINE``): the stream baselines alpha, the
stream-level factor means mu and spreads tau, the municipality spread sigma_u and the
phase coupling kappa, one panel per element, at most 7 inches wide.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xarray as xr
from arviz_base.labels import MapLabeller
from arviz_plots import PlotCollection, plot_psense_dist, plot_rank
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from policy_windows.constants import PHASES, STREAMS
from policy_windows.plots.style import OKABE_ITO, styled

HEADLINE = ("alpha", "mu", "tau", "sigma_u", "kappa")
# Greek display names. They also keep "alpha" out of the posterior handed to arviz's
# power-scaling, which stacks its resampled posteriors along a dimension called "alpha".
SYMBOLS = {"alpha": "α", "mu": "μ", "tau": "τ", "sigma_u": "σ_u", "kappa": "κ"}
PHASE_SHORT = {"agenda": "A", "institutionalisation": "I"}
CHAIN_COLOURS = [OKABE_ITO["blue"], OKABE_ITO["orange"], OKABE_ITO["green"], OKABE_ITO["vermillion"],
                 OKABE_ITO["purple"], OKABE_ITO["sky"], OKABE_ITO["black"], OKABE_ITO["grey"]]
SCALE_COLOURS = [OKABE_ITO["blue"], "#000000", OKABE_ITO["vermillion"]]


class _OneLineLabeller(MapLabeller):
    """MapLabeller whose panel titles fit on one line: ``τ A · problem``."""

    def make_label_vert(self, var_name, sel, isel):
        return self.make_label_flat(var_name, sel, isel)

    def sel_to_str(self, sel, isel):
        return " · ".join(
            self.dim_coord_to_str(dim, sel[dim], isel[dim]) for dim in sel
        )

    def dim_coord_to_str(self, dim, coord_val, coord_idx):
        return str(self.coord_map.get(dim, {}).get(coord_val, coord_val))

    def make_label_flat(self, var_name, sel, isel):
        coords = self.sel_to_str(sel, isel)
        name = self.var_name_to_str(var_name)
        return f"{name}  {coords}" if coords else name


def short_labeller() -> MapLabeller:
    """Panel titles like ``τ  A · problem`` (A = agenda-setting, I = institutionalisation)."""
    groups = {f"{p}/{s}": f"{PHASE_SHORT[p]} · {s}" for p in PHASES for s in STREAMS}
    phases = {p: PHASE_SHORT[p] for p in PHASES}
    return _OneLineLabeller(coord_map={"phase": phases, "group": groups})


def headline_tree(fit: xr.DataTree, variables: Sequence[str] = HEADLINE, groups=("posterior",)) -> xr.DataTree:
    """The ``variables`` of ``fit`` under their Greek names, in the listed groups (the
    log-density groups are renamed where they hold the same variables)."""
    out = {}
    for group in groups:
        ds = fit[group].to_dataset()
        if group == "posterior":
            ds = ds[[v for v in variables if v in ds.data_vars]]
        out[group] = ds.rename({v: SYMBOLS.get(v, v) for v in ds.data_vars if v in SYMBOLS})
    return xr.DataTree.from_dict(out)


def _figure(pc) -> Figure:
    fig = pc.viz["figure"]
    return fig.item() if hasattr(fig, "item") else fig


def _panel_rows(tree: xr.DataTree, columns: int) -> int:
    post = tree["posterior"].to_dataset()
    n_panels = sum(int(np.prod([post.sizes[d] for d in da.dims if d not in ("chain", "draw")]))
                   for da in post.data_vars.values())
    return int(np.ceil(n_panels / columns))


@styled
def convergence_ranks(fit: xr.DataTree, variables: Sequence[str] = HEADLINE, columns: int = 4) -> Figure:
    """Rank plots (``arviz_plots.plot_rank``): per parameter element, each chain's fractional
    rank ECDF minus the uniform one, with the p-value of the multi-chain uniformity test
    (Säilynoja et al.); black dots mark the ranks that contribute most to a rejection.
    Chains that target the same posterior stay flat around zero."""
    tree = headline_tree(fit, variables)
    rows = _panel_rows(tree, columns)
    n_chains = tree["posterior"].sizes["chain"]
    pc = plot_rank(
        tree,
        backend="matplotlib",
        labeller=short_labeller(),
        col_wrap=columns,
        color=CHAIN_COLOURS[:n_chains],
        figure_kwargs={"figsize": (7.0, 1.05 * rows + 0.9), "layout": "constrained", "sharex": True},
        visuals={"title": {"size": 7.5}, "xlabel": False, "ecdf_lines": {"width": 0.8}},
    )
    fig = _figure(pc)
    for ax in fig.axes:
        ax.tick_params(labelsize=7.5)
        for text in ax.texts:  # arviz's "p=0.65(α=0.01)": the multi-chain uniformity test
            if text.get_text().startswith("p="):
                p_value = text.get_text()[2:].split("(")[0]
                text.set_text(f"p = {p_value}")
                text.set_fontsize(7)

    handles = [Line2D([], [], color=CHAIN_COLOURS[c], lw=1.0, label=f"chain {c + 1}") for c in range(n_chains)]
    handles.append(Line2D([], [], color="black", marker="o", ls="", ms=3, label="rank driving a rejection"))
    fig.legend(handles=handles, loc="outside lower center", ncol=n_chains + 1, frameon=False,
               title="x: fractional rank of a draw among all chains; lines near 0: the chains agree; "
                     "p: multi-chain uniformity test")
    fig.suptitle("Rank plots of the headline parameters (main fit): ECDF difference per chain",
                 fontweight="bold")
    return fig


@styled
def prior_sensitivity(
    fit: xr.DataTree, variables: Sequence[str] = HEADLINE, alphas: tuple[float, float] = (0.8, 1.25),
    columns: int = 4,
) -> Figure:
    """Power-scaling prior sensitivity (``arviz_plots.plot_psense_dist``; Kallioinen et al.
    2024): per parameter element the posterior density with the prior raised to the power
    alpha = 0.8 (weakened), 1 (as fitted) and 1.25 (strengthened), by Pareto-smoothed
    importance weights, with the mean and 89% interval of each below. Needs the fit's
    ``log_prior`` and ``log_likelihood`` groups."""
    tree = headline_tree(fit, variables, groups=("posterior", "log_prior", "log_likelihood"))
    rows = _panel_rows(tree, columns)
    layout = (
        tree["posterior"].to_dataset().isel(chain=0, draw=0, drop=True)
        .expand_dims(alpha=[alphas[0], 1.0, alphas[1]])
    )
    pc = PlotCollection.wrap(
        layout,
        cols=["__variable__", *[d for d in layout.dims if d != "alpha"]],
        col_wrap=columns,
        backend="matplotlib",
        aes={"color": ["alpha"], "y": ["alpha"]},
        color=SCALE_COLOURS,
        y=[-0.05, -0.2, -0.35],
        figure_kwargs={"figsize": (7.0, 1.05 * rows + 1.0), "layout": "constrained", "sharex": False,
                       "sharey": False},
    )
    pc = plot_psense_dist(
        tree,
        coords={"component_group": "prior"},
        alphas=alphas,
        plot_collection=pc,
        labeller=short_labeller(),
        visuals={"title": {"size": 7.5}, "dist": {"width": 0.9},
                 "credible_interval": {"width": 0.9}, "point_estimate": {"size": 9}},
        ci_prob=0.89,
    )
    fig = _figure(pc)
    # arviz adds its own legend at the right ("legend": False is passed on to plot_dist,
    # which rejects it); replace it by one below the panels.
    for legend in list(fig.legends):
        legend.remove()
    for ax in fig.axes:
        ax.tick_params(labelsize=7.5)
    handles = [
        Line2D([], [], color=colour, lw=1.2, marker="o", ms=3,
               label=f"prior^{a:g}" + (" (as fitted)" if a == 1.0 else (" weakened" if a < 1 else " strengthened")))
        for colour, a in zip(SCALE_COLOURS, (alphas[0], 1.0, alphas[1]))
    ]
    fig.legend(handles=handles, loc="outside lower center", ncol=3, frameon=False,
               title="posterior with the prior power-scaled (dot and bar: mean and 89% interval)")
    fig.suptitle("Prior sensitivity of the headline parameters (main fit, power-scaling)", fontweight="bold")
    return fig
