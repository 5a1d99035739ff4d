# Simulation studies of the full model (not part of `all`):
#   snakemake --cores 2 sbc        simulation-based calibration
#   snakemake --cores 2 recovery   parameter recovery for growing numbers of municipalities
# Settings: config/validation_studies.yaml (validated below).
import math

from snakemake.utils import validate


configfile: "config/validation_studies.yaml"


validate(config, "../schemas/validation_studies.schema.yaml")

SBC = config["sbc"]
RECOVERY = config["recovery"]
VALIDATION_RAW = config.get("data", {}).get("raw_dir", "data/raw")
VALIDATION_RAW_FILES = {
    "factor_codes": f"{VALIDATION_RAW}/factor_codes.csv",
    "codebook": f"{VALIDATION_RAW}/codebook.csv",
    "stream_movement": f"{VALIDATION_RAW}/stream_movement.csv",
}
SBC_JOBS = list(range(math.ceil(SBC["n_simulations"] / SBC["sims_per_job"])))
# Only the settings a job's results depend on go into its params, so that e.g. a new
# chunk size or test level does not redraw the truths or refit the simulations.
SBC_DRAWS = {k: SBC[k] for k in ("seed", "n_simulations", "design", "n_municipalities")}
SBC_FITS = {
    **SBC_DRAWS,
    **{k: SBC[k] for k in ("draws", "tune", "chains", "target_accept", "thin")},
}
RECOVERY_FITS = {
    k: RECOVERY[k]
    for k in (
        "seed",
        "replicates",
        "centred_from",
        "pseudo_count",
        "draws",
        "tune",
        "chains",
        "target_accept",
    )
}


# Cheap gathering, table and figure rules run on the submitting node under a cluster executor.
localrules:
    sbc,
    recovery,
    sbc_ranks,
    sbc_uniformity,
    sbc_figure,
    recovery_table,
    recovery_figure,


rule sbc:
    input:
        "results/sbc/ranks.csv",
        "results/tables/sbc_uniformity.csv",
        "results/figures/sbc_ecdf.png",


rule recovery:
    input:
        expand("results/recovery/M{M}.csv", M=RECOVERY["M"]),
        "results/tables/recovery.csv",
        "results/figures/recovery.png",


rule sbc_prior_draws:
    input:
        **VALIDATION_RAW_FILES,
    output:
        "results/sbc/prior_draws.npz",
    log:
        "logs/sbc/prior_draws.log",
    benchmark:
        "benchmarks/sbc_prior_draws.tsv"
    conda:
        "../envs/pymc.yaml"
    params:
        sbc=SBC_DRAWS,
        priors=config.get("priors", {}),
    script:
        "../scripts/sbc_prior_draws.py"


rule sbc_fit:
    input:
        **VALIDATION_RAW_FILES,
        draws="results/sbc/prior_draws.npz",
    output:
        "results/sbc/sims/{sim}.csv",
    log:
        "logs/sbc/fit_{sim}.log",
    benchmark:
        "benchmarks/sbc_fit_{sim}.tsv"
    wildcard_constraints:
        sim=r"\d+",
    conda:
        "../envs/pymc.yaml"
    threads: SBC["threads"]
    resources:
        mem_mb=SBC["mem_mb"],
        runtime=SBC["runtime"],
    params:
        sbc=SBC_FITS,
        priors=config.get("priors", {}),
        simulations=sbc_simulations,
    script:
        "../scripts/sbc_fit.py"


rule sbc_ranks:
    input:
        expand("results/sbc/sims/{sim}.csv", sim=SBC_JOBS),
    output:
        report(
            "results/sbc/ranks.csv",
            caption="../report/sbc_ranks.rst",
            category="Validation studies",
            subcategory="Simulation-based calibration",
        ),
    log:
        "logs/sbc/ranks.log",
    benchmark:
        "benchmarks/sbc_ranks.tsv"
    conda:
        "../envs/pymc.yaml"
    script:
        "../scripts/sbc_ranks.py"


rule sbc_uniformity:
    input:
        "results/sbc/ranks.csv",
    output:
        report(
            "results/tables/sbc_uniformity.csv",
            caption="../report/sbc_uniformity.rst",
            category="Validation studies",
            subcategory="Simulation-based calibration",
        ),
    log:
        "logs/sbc/uniformity.log",
    benchmark:
        "benchmarks/sbc_uniformity.tsv"
    conda:
        "../envs/pymc.yaml"
    params:
        bins=SBC["bins"],
        alpha=SBC["alpha"],
    script:
        "../scripts/sbc_uniformity.py"


rule sbc_figure:
    input:
        ranks="results/sbc/ranks.csv",
        uniformity="results/tables/sbc_uniformity.csv",
    output:
        report(
            "results/figures/sbc_ecdf.png",
            caption="../report/sbc_ecdf.rst",
            category="Validation studies",
            subcategory="Simulation-based calibration",
        ),
    log:
        "logs/sbc/figure.log",
    benchmark:
        "benchmarks/sbc_figure.tsv"
    conda:
        "../envs/pymc.yaml"
    params:
        alpha=SBC["alpha"],
        seed=SBC["seed"],
    script:
        "../scripts/sbc_figure.py"


rule recovery_fit:
    input:
        **VALIDATION_RAW_FILES,
    output:
        report(
            "results/recovery/M{M}.csv",
            caption="../report/recovery_fits.rst",
            category="Validation studies",
            subcategory="Parameter recovery",
            labels={"M": "{M}", "table": "recovery fits"},
        ),
    log:
        "logs/recovery/M{M}.log",
    benchmark:
        "benchmarks/recovery_M{M}.tsv"
    wildcard_constraints:
        M=r"\d+",
    conda:
        "../envs/pymc.yaml"
    threads: RECOVERY["threads"]
    resources:
        mem_mb=recovery_mem_mb,
        runtime=recovery_runtime,
    params:
        recovery=RECOVERY_FITS,
        priors=config.get("priors", {}),
    script:
        "../scripts/recovery_fit.py"


rule recovery_table:
    input:
        expand("results/recovery/M{M}.csv", M=RECOVERY["M"]),
    output:
        report(
            "results/tables/recovery.csv",
            caption="../report/recovery_table.rst",
            category="Validation studies",
            subcategory="Parameter recovery",
        ),
    log:
        "logs/recovery/table.log",
    benchmark:
        "benchmarks/recovery_table.tsv"
    conda:
        "../envs/pymc.yaml"
    params:
        target_halfwidth=RECOVERY["target_halfwidth"],
        extrapolate_from=RECOVERY["extrapolate_from"],
    script:
        "../scripts/recovery_table.py"


rule recovery_figure:
    input:
        fits=expand("results/recovery/M{M}.csv", M=RECOVERY["M"]),
        table="results/tables/recovery.csv",
    output:
        report(
            "results/figures/recovery.png",
            caption="../report/recovery_figure.rst",
            category="Validation studies",
            subcategory="Parameter recovery",
        ),
    log:
        "logs/recovery/figure.log",
    benchmark:
        "benchmarks/recovery_figure.tsv"
    conda:
        "../envs/pymc.yaml"
    script:
        "../scripts/recovery_figure.py"
