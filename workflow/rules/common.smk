import ast
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
RAW_DIR = Path(config["data"]["raw_dir"])
PROCESSED_DIR = Path(config["data"]["processed_dir"])
MODELS = list(config["models"])
MAIN = config["main_model"]
COMPARISON = config["comparison"]
ALTERNATIVES = config["sensitivity"]["alternatives"]
SBC = config["sbc"]
RECOVERY = config["recovery"]
SBC_JOBS = list(range(-(-SBC["n_simulations"] // SBC["sims_per_job"])))
# SBC at scale: the default SBC's settings on a synthetic design, one study per form.
SBC_SCALE = {
    **{k: v for k, v in SBC.items() if k != "scale"},
    "design": "synthetic",
    "n_municipalities": SBC["scale"]["n_municipalities"],
    "n_simulations": SBC["scale"]["n_simulations"],
}
SBC_SCALE_JOBS = list(range(-(-SBC_SCALE["n_simulations"] // SBC["sims_per_job"])))


def _check_model_names():
    """Every model named in main_model, comparison and sensitivity must be configured."""
    named = {
        "main_model": [MAIN],
        "comparison": COMPARISON,
        "sensitivity.alternatives": ALTERNATIVES,
    }
    for key, names in named.items():
        unknown = [name for name in names if name not in config["models"]]
        if unknown:
            raise ValueError(
                f"config/config.yaml: {key} names {unknown}, which are not under `models` "
                f"(configured: {MODELS}); add them to `models` or remove them from `{key}`"
            )


_check_model_names()

CROSS_VALIDATION = config["cross_validation"]
if CROSS_VALIDATION["k_folds"] > CROSS_VALIDATION["max_lomo_municipalities"]:
    raise ValueError(
        "config/config.yaml: cross_validation.k_folds "
        f"({CROSS_VALIDATION['k_folds']}) exceeds max_lomo_municipalities "
        f"({CROSS_VALIDATION['max_lomo_municipalities']}); grouped K-fold applies only above "
        "that many municipalities and needs at least one municipality per fold"
    )


def raw_files():
    return [str(RAW_DIR / name) for name in RAW_FILES]


def model_settings(wildcards):
    """The configuration of model {model} as the fit and LOMO scripts read it."""
    return config["models"][wildcards.model]


def sbc_simulations(settings):
    """Simulation indices of job {chunk}: a chunk of sims_per_job consecutive simulations."""

    def indices(wildcards):
        first = int(wildcards.chunk) * settings["sims_per_job"]
        return list(
            range(
                first, min(first + settings["sims_per_job"], settings["n_simulations"])
            )
        )

    return indices


def recovery_mem_mb(wildcards):
    return (
        RECOVERY["mem_mb_base"] + RECOVERY["mem_mb_per_1000"] * int(wildcards.M) // 1000
    )


def recovery_runtime(wildcards):
    return (
        RECOVERY["runtime_base"]
        + RECOVERY["runtime_per_1000"] * int(wildcards.M) // 1000
    )


def _module_constant(path, name):
    """A constant of a package module, read without importing the package (the captions quote
    it; the module stays its one definition)."""
    for node in ast.parse(Path(path).read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(
            getattr(t, "id", None) == name for t in node.targets
        ):
            return ast.literal_eval(node.value)
    raise KeyError(f"{path} defines no constant {name}")


# Above this many municipalities the figures aggregate over municipalities instead of showing
# each one (policy_windows.summaries.scale); the captions quote it as snakemake.params.listed.
LISTED_MUNICIPALITIES = _module_constant(
    Path(workflow.basedir).parent / "models/policy_windows/summaries/scale.py",
    "MAX_LISTED_MUNICIPALITIES",
)
