"""One script for every figure rule (rules/figures.smk): read the rule's inputs, call the
figure's pure plotting function in policy_windows.plots, write the PNG and the PDF.

``snakemake.params.figure`` names the figure and selects its reader in ``FIGURES``;
``snakemake.params.options`` are keyword arguments of the plotting function. All file
reading for the figures happens here, in one place per kind of input.
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402

from policy_windows import io, plots  # noqa: E402
from policy_windows.plots.validation import recovery_figure, sbc_ecdf_figure  # noqa: E402


def read_factors(path) -> pd.DataFrame:
    """Factor metadata (``data/processed/factors.csv``: factor, phase, stream, name_en,
    name_nl, origin, order) for readable names and the display order."""
    return pd.read_csv(path)


def lomo_pointwise(paths) -> pd.DataFrame:
    """Per-municipality elpd of every model from the exact LOMO refits (results/lomo/*.csv,
    column ``model``), named as in model_comparison.csv (``variant``)."""
    frames = [pd.read_csv(path).rename(columns={"model": "variant"}, errors="raise") for path in paths]
    return pd.concat(frames, ignore_index=True).assign(method="lomo_exact")[
        ["method", "variant", "municipality", "elpd"]
    ]


def model_graph_source(model_table) -> str:
    """dot text of the full PyMC model as PyMC draws it (plates, node kinds)."""
    import pymc as pm

    from policy_windows.model.reference import build_model

    return pm.model_to_graphviz(build_model(io.read_model_data(model_table))).source


FIGURES = {
    "coded_data": lambda i, o: plots.coded_data(pd.read_csv(i.model_table), read_factors(i.factors), **o),
    "factor_effects_forest": lambda i, o: plots.factor_effects_forest(
        pd.read_csv(i.factor_effects), read_factors(i.factors), **o
    ),
    "window_probability": lambda i, o: plots.window_probability(pd.read_csv(i.window_probability), **o),
    "phase_coupling": lambda i, o: plots.phase_coupling(
        pd.read_csv(i.window_probability), io.load_fit(i.fit), **o
    ),
    "what_if": lambda i, o: plots.what_if(pd.read_csv(i.what_if), read_factors(i.factors), **o),
    "predictive_checks": lambda i, o: plots.predictive_checks(
        io.load_fit(i.prior), io.load_fit(i.fit), pd.read_csv(i.window_probability), **o
    ),
    "generative_checks": lambda i, o: plots.generative_checks(pd.read_csv(i.generative_checks), **o),
    "convergence_ranks": lambda i, o: plots.convergence_ranks(io.load_fit(i.fit), **o),
    "prior_sensitivity": lambda i, o: plots.prior_sensitivity(io.load_fit(i.fit), **o),
    "model_comparison": lambda i, o: plots.model_comparison(
        pd.read_csv(i.model_comparison), lomo_pointwise(i.lomo), **o
    ),
    "qca_vs_bayes": lambda i, o: plots.qca_vs_bayes(
        pd.read_csv(i.qca_solutions), pd.read_csv(i.factor_effects), read_factors(i.factors), **o
    ),
    "model_graph": lambda i, o: plots.model_graph(model_graph_source(i.model_table), **o),
    "workflow_dag": lambda i, o: plots.workflow_dag(Path(i.rulegraph).read_text(), **o),
    "sbc_ecdf": lambda i, o: sbc_ecdf_figure(pd.read_csv(i.ranks), pd.read_csv(i.uniformity), **o),
    "recovery": lambda i, o: recovery_figure(
        pd.concat([pd.read_csv(path) for path in i.fits], ignore_index=True), pd.read_csv(i.table), **o
    ),
}


def main(smk) -> None:
    log = io.log_to(smk.log[0])
    name = smk.params.figure
    if name not in FIGURES:
        raise KeyError(f"no reader for figure {name!r} in workflow/scripts/figure.py; known: {sorted(FIGURES)}")
    fig = FIGURES[name](smk.input, dict(smk.params.options))
    width, height = fig.get_size_inches()
    log.info("%s: %.2f x %.2f in", name, width, height)
    plots.save_figure(fig, smk.output.png, smk.output.pdf)


main(snakemake)  # noqa: F821
