"""File-level entry points for the rule scripts and the notebook: paths in, Figure or tables out.

Each ``*_figure`` function takes the rule's named inputs as keyword arguments (so a
script is ``fig = files.coded_data_figure(**snakemake.input)``), reads them and calls the
pure plotting function. Keeping the reading here means no two scripts repeat it.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from .. import io
from ..constants import PHASES
from ..qca import SOLUTION_COLUMNS, crisp_membership, drop_constant_conditions, qca_phase
from . import checks, compare, data, effects, graphs, qca_bayes, windows

QCA_OUTCOME = "window"


def read_factor_labels(codebook: str | Path | None) -> dict[str, str]:
    """Factor id -> English name from ``data/raw/codebook.csv`` (empty without a codebook)."""
    if codebook is None:
        return {}
    table = pd.read_csv(codebook)
    return dict(zip(table["factor"], table["name_en"]))


# ---------------------------------------------------------------------------
# QCA tables
# ---------------------------------------------------------------------------


def qca_case_table(table: pd.DataFrame, phase: str) -> tuple[pd.DataFrame, list[str]]:
    """Crisp memberships (cases = municipalities) of one phase's factors plus the outcome
    ``window``, and the conditions that vary across cases."""
    part = table[table["phase"] == phase]
    factors = data.factor_order(part)["factor"].tolist()
    codes = part.pivot(index="municipality", columns="factor", values="code")[factors]
    crisp = crisp_membership(codes)
    outcome = part.drop_duplicates("municipality").set_index("municipality")["window"]
    crisp[QCA_OUTCOME] = outcome.reindex(crisp.index).astype(np.int64)
    return crisp, drop_constant_conditions(crisp, factors)


def qca_tables(table: pd.DataFrame, incl_cut: float = 1.0) -> dict[str, pd.DataFrame]:
    """Truth tables, solutions and necessity of both phases, each with a ``phase`` column.

    Truth tables hold one column per condition of either phase (empty where the condition
    belongs to the other phase or was dropped as constant).
    """
    truth, solutions, necessity = [], [], []
    all_conditions: list[str] = []
    for phase in PHASES:
        crisp, conditions = qca_case_table(table, phase)
        result = qca_phase(crisp, conditions, QCA_OUTCOME, incl_cut=incl_cut)
        all_conditions += conditions
        truth.append(result["truth_table"].assign(phase=phase, row=lambda d: np.arange(1, len(d) + 1)))
        solutions.append(result["solutions"].assign(phase=phase))
        necessity.append(result["necessity"].assign(phase=phase))
    truth_table = pd.concat(truth, ignore_index=True)
    truth_table[all_conditions] = truth_table[all_conditions].astype("Int64")
    extra = ["n", "cases", "consistency", "outcome_code", "contradictory"]
    truth_table = truth_table[["phase", "row", *all_conditions, *extra]]
    solution_table = pd.concat(solutions, ignore_index=True)[["phase", *SOLUTION_COLUMNS]]
    necessity_table = pd.concat(necessity, ignore_index=True)
    necessity_table = necessity_table[["phase", *[c for c in necessity_table.columns if c != "phase"]]]
    return {"truth_tables": truth_table, "solutions": solution_table, "necessity": necessity_table}


# ---------------------------------------------------------------------------
# Figures from files
# ---------------------------------------------------------------------------


def coded_data_figure(model_table, codebook=None):
    return data.coded_data(pd.read_csv(model_table), read_factor_labels(codebook))


def factor_effects_figure(factor_effects, codebook=None):
    return effects.factor_effects_forest(pd.read_csv(factor_effects), read_factor_labels(codebook))


def window_probability_figure(window_probability):
    return windows.window_probability(pd.read_csv(window_probability))


def phase_coupling_figure(window_probability, fit):
    return windows.phase_coupling(pd.read_csv(window_probability), windows.kappa_draws(io.load_fit(fit)))


def predictive_checks_figure(prior, fit, window_probability):
    return checks.predictive_checks(io.load_fit(prior), io.load_fit(fit), pd.read_csv(window_probability))


def model_comparison_figure(model_comparison):
    return compare.model_comparison(pd.read_csv(model_comparison))


def what_if_figure(what_if, codebook=None, top_n: int = 5):
    return effects.what_if(pd.read_csv(what_if), top_n=top_n, factor_labels=read_factor_labels(codebook))


def qca_vs_bayes_figure(qca_solutions, factor_effects, codebook=None):
    return qca_bayes.qca_vs_bayes(pd.read_csv(qca_solutions), pd.read_csv(factor_effects),
                                  read_factor_labels(codebook))


def model_graph_figure(model_table, variant: str = "full", variant_cfg: Mapping | None = None,
                       priors_cfg: Mapping | None = None):
    """Model graph of a variant built exactly as the fits build it (same config)."""
    from ..model import Priors, Variant, build_model

    design = io.read_model_data(model_table)
    model = build_model(design, Variant.from_config(variant, dict(variant_cfg or {})),
                        Priors.from_config(dict(priors_cfg or {})))
    return graphs.model_graph(model, title=f"Model graph of the '{variant}' variant: arrows point from a variable "
                                    "to the variables computed from it")


def rulegraph_text(target: str = "all", cwd: str | Path | None = None, extra_args=()) -> str:
    """Run ``snakemake --rulegraph --nolock --quiet <target>`` with this interpreter and
    return its dot text (``cwd``: the workflow's working directory)."""
    command = [sys.executable, "-m", "snakemake", "--rulegraph", "--nolock", "--quiet", *extra_args, target]
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        # --quiet also hides the error message; ask again without it to report the cause.
        verbose = [c for c in command if c != "--quiet"]
        again = subprocess.run(verbose, cwd=cwd, capture_output=True, text=True, check=False)
        raise RuntimeError(
            f"{' '.join(command)} failed ({result.returncode}):\n{again.stderr.strip() or result.stderr}"
        )
    return result.stdout


def workflow_dag_figure(dot_text: str):
    return graphs.workflow_dag(dot_text)
