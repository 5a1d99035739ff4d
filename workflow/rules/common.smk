import os
from pathlib import Path

from snakemake.utils import validate


validate(config, "../schemas/config.schema.yaml")

# Rule scripts import the analysis package from models/; exporting the path here makes
# that work with or without `pip install -e .` (conda users: add
# --conda-not-block-search-path-envvars so Snakemake keeps it).
MODELS_DIR = str(Path(workflow.basedir).parent / "models")
os.environ["PYTHONPATH"] = os.pathsep.join(
    p for p in (MODELS_DIR, os.environ.get("PYTHONPATH")) if p
)

RAW_FILES = [
    "municipalities.csv",
    "codebook.csv",
    "factor_codes.csv",
    "stream_movement.csv",
    "policy_windows.csv",
]
VARIANTS = list(config["variants"])
RAW_DIR = Path(config["data"]["raw_dir"])
PROCESSED_DIR = Path(config["data"]["processed_dir"])
MODEL_TABLE = str(PROCESSED_DIR / "model_table.csv")
SUMMARY_TABLES = [
    "results/tables/factor_effects.csv",
    "results/tables/window_probability.csv",
    "results/tables/what_if.csv",
    "results/tables/highlighted_factors.csv",
]


def raw_files():
    return [str(RAW_DIR / name) for name in RAW_FILES]


def final_outputs():
    """Everything `snakemake --cores N` builds by default."""
    return (
        [MODEL_TABLE, str(PROCESSED_DIR / "stream_table.csv")]
        + expand("results/fits/{variant}.nc", variant=VARIANTS)
        + expand("results/tables/diagnostics_{variant}.csv", variant=VARIANTS)
        + SUMMARY_TABLES
        + [
            "results/tables/prior_predictive.csv",
            "results/tables/model_comparison.csv",
            "results/tables/prior_sensitivity.csv",
            "results/provenance.json",
            "results/notebook.html",
            "results/model_card.html",
        ]
        + QCA_TABLES
        + FIGURES
    )
