from pathlib import Path

from snakemake.utils import validate

validate(config, "../schemas/config.schema.yaml")

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
PRIOR_SCALES = list(config["sensitivity"]["prior_scales"])
SUMMARY_TABLES = [
    "results/tables/factor_effects.csv",
    "results/tables/window_probability.csv",
    "results/tables/what_if.csv",
    "results/tables/highlighted_factors.csv",
]


def scaled_priors(scale):
    """The configured priors with every scale multiplied (location parameters unchanged)."""
    factor = config["sensitivity"]["prior_scales"][scale]
    return {
        name: value * factor if name.endswith("_sd") else value
        for name, value in config["priors"].items()
    }


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
            "results/tables/prior_scale_sensitivity.csv",
            "results/provenance.json",
            "results/notebook.html",
            "results/model_card.html",
        ]
        + QCA_TABLES
        + FIGURES
    )


# Helpers of rules/validation_studies.smk (SBC and RECOVERY are its config sections).
def sbc_simulations(wildcards):
    """Simulation indices of job {sim}: a chunk of sims_per_job consecutive simulations."""
    first = int(wildcards.sim) * SBC["sims_per_job"]
    return list(range(first, min(first + SBC["sims_per_job"], SBC["n_simulations"])))


def recovery_mem_mb(wildcards):
    return (
        RECOVERY["mem_mb_base"] + RECOVERY["mem_mb_per_1000"] * int(wildcards.M) // 1000
    )


def recovery_runtime(wildcards):
    return (
        RECOVERY["runtime_base"]
        + RECOVERY["runtime_per_1000"] * int(wildcards.M) // 1000
    )
