# Simulation studies of the main model, on the one compiled kernel:
#   simulation-based calibration (in the default build; `snakemake --cores 2 sbc` alone)
#   parameter recovery for growing numbers of municipalities (`snakemake --cores 2 recovery`)
# Settings: `sbc` and `recovery` in config/config.yaml.


# Cheap gathering, table and figure rules run on the submitting node under a cluster executor.
localrules:
    sbc,
    recovery,
    sbc_ranks,
    sbc_uniformity,
    sbc_scale,
    sbc_scale_ranks,
    sbc_scale_uniformity,
    recovery_table,


rule sbc_fit:
    input:
        table=rules.processed_data.output.model_table,
    output:
        "results/sbc/sims/{chunk}.csv",
    log:
        "logs/sbc/fit_{chunk}.log",
    benchmark:
        "benchmarks/sbc_fit_{chunk}.tsv"
    wildcard_constraints:
        chunk=r"\d+",
    conda:
        "../envs/pymc.yaml"
    threads: SBC["threads"]
    resources:
        mem_mb=SBC["mem_mb"],
        runtime=SBC["runtime"],
    params:
        sbc=SBC,
        model=config["models"][MAIN],
        priors=config["priors"],
        gates=config["gates"],
        simulations=sbc_simulations(SBC),
        form="chosen",
    script:
        "../scripts/sbc_fit.py"


# SBC at scale (`snakemake sbc_scale`): the same rules on a synthetic design of
# sbc.scale.n_municipalities, once per sampler parameterisation {form}.
use rule sbc_fit as sbc_scale_fit with:
    output:
        "results/sbc_scale/{form}/sims/{chunk}.csv",
    log:
        "logs/sbc_scale/{form}/fit_{chunk}.log",
    benchmark:
        "benchmarks/sbc_scale_{form}_{chunk}.tsv"
    params:
        sbc=SBC_SCALE,
        model=config["models"][MAIN],
        priors=config["priors"],
        gates=config["gates"],
        simulations=sbc_simulations(SBC_SCALE),
        form=lambda wildcards: wildcards.form,


rule sbc_ranks:
    input:
        expand(rules.sbc_fit.output[0], chunk=SBC_JOBS),
    output:
        # 11,200 rows: too long to read as a report page (the uniformity table and the ECDF
        # figure summarise it there); the CSV stays in results/sbc/.
        "results/sbc/ranks.csv",
    log:
        "logs/sbc/ranks.log",
    benchmark:
        "benchmarks/sbc_ranks.tsv"
    conda:
        "../envs/pymc.yaml"
    script:
        "../scripts/sbc_ranks.py"


use rule sbc_ranks as sbc_scale_ranks with:
    input:
        expand("results/sbc_scale/{{form}}/sims/{chunk}.csv", chunk=SBC_SCALE_JOBS),
    output:
        "results/sbc_scale/{form}/ranks.csv",
    log:
        "logs/sbc_scale/{form}/ranks.log",
    benchmark:
        "benchmarks/sbc_scale_{form}_ranks.tsv"


rule sbc_uniformity:
    input:
        rules.sbc_ranks.output[0],
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


use rule sbc_uniformity as sbc_scale_uniformity with:
    input:
        rules.sbc_scale_ranks.output[0],
    output:
        report(
            "results/tables/sbc_scale_uniformity_{form}.csv",
            caption="../report/sbc_scale_uniformity.rst",
            category="Validation studies",
            subcategory="Simulation-based calibration at scale",
            labels={"form": "{form}", "table": "SBC uniformity"},
        ),
    log:
        "logs/sbc_scale/{form}/uniformity.log",
    benchmark:
        "benchmarks/sbc_scale_{form}_uniformity.tsv"


rule recovery_fit:
    input:
        table=rules.processed_data.output.model_table,
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
        recovery=RECOVERY,
        model=config["models"][MAIN],
        priors=config["priors"],
        gates=config["gates"],
    script:
        "../scripts/recovery_fit.py"


rule recovery_table:
    input:
        expand(rules.recovery_fit.output[0], M=RECOVERY["M"]),
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


rule sbc:
    input:
        rules.sbc_uniformity.output,
        "results/figures/sbc_ecdf.png",


rule sbc_scale:
    input:
        expand(rules.sbc_scale_uniformity.output[0], form=SBC["scale"]["forms"]),


rule recovery:
    input:
        rules.recovery_table.output,
        RECOVERY_FIGURES,
