rule prior_predictive:
    input:
        MODEL_TABLE,
    output:
        idata="results/prior/prior_predictive.nc",
        table=report(
            "results/tables/prior_predictive.csv",
            caption="../report/prior_predictive_table.rst",
            category="Checks",
        ),
    log:
        "logs/prior_predictive.log",
    benchmark:
        "benchmarks/prior_predictive.tsv"
    conda:
        "../envs/pymc.yaml"
    params:
        priors=config["priors"],
        draws=config["prior_predictive_draws"],
        seed=config["seed"],
    script:
        "../scripts/prior_predictive.py"


rule fit:
    input:
        MODEL_TABLE,
    output:
        idata="results/fits/{variant}.nc",
        diagnostics=report(
            "results/tables/diagnostics_{variant}.csv",
            caption="../report/diagnostics.rst",
            category="Checks",
            subcategory="Convergence",
            labels={"variant": "{variant}", "table": "diagnostics"},
        ),
    log:
        "logs/fit_{variant}.log",
    benchmark:
        "benchmarks/fit_{variant}.tsv"
    wildcard_constraints:
        variant="|".join(VARIANTS),
    conda:
        "../envs/pymc.yaml"
    threads: config["sampler"]["chains"]
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        name=lambda wildcards: wildcards.variant,
        variant=lambda wildcards: config["variants"][wildcards.variant],
        priors=config["priors"],
        sampler=config["sampler"],
        gates=config["gates"],
        seed=config["seed"],
    script:
        "../scripts/fit.py"


rule fit_prior_scale:
    input:
        MODEL_TABLE,
    output:
        idata="results/fits/prior_scale_{scale}.nc",
        diagnostics="results/tables/diagnostics_prior_scale_{scale}.csv",
    log:
        "logs/fit_prior_scale_{scale}.log",
    benchmark:
        "benchmarks/fit_prior_scale_{scale}.tsv"
    wildcard_constraints:
        scale="|".join(PRIOR_SCALES),
    conda:
        "../envs/pymc.yaml"
    threads: config["sampler"]["chains"]
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        name=lambda wildcards: f"full (prior scale {wildcards.scale})",
        variant=config["variants"]["full"],
        priors=lambda wildcards: scaled_priors(wildcards.scale),
        sampler=config["sampler"],
        gates=config["gates"],
        seed=config["seed"],
    script:
        "../scripts/fit.py"


rule prior_scale_sensitivity:
    input:
        table=MODEL_TABLE,
        default="results/fits/full.nc",
        scaled=expand("results/fits/prior_scale_{scale}.nc", scale=PRIOR_SCALES),
    output:
        report(
            "results/tables/prior_scale_sensitivity.csv",
            caption="../report/prior_scale_sensitivity.rst",
            category="Checks",
        ),
    log:
        "logs/prior_scale_sensitivity.log",
    benchmark:
        "benchmarks/prior_scale_sensitivity.tsv"
    conda:
        "../envs/pymc.yaml"
    params:
        scales=PRIOR_SCALES,
        factors=[config["sensitivity"]["prior_scales"][s] for s in PRIOR_SCALES],
    script:
        "../scripts/prior_scale_sensitivity.py"


rule summaries:
    input:
        table=MODEL_TABLE,
        idata="results/fits/full.nc",
    output:
        factor_effects=report(
            "results/tables/factor_effects.csv",
            caption="../report/factor_effects_table.rst",
            category="Results",
        ),
        window_probability=report(
            "results/tables/window_probability.csv",
            caption="../report/window_probability_table.rst",
            category="Results",
        ),
        what_if=report(
            "results/tables/what_if.csv",
            caption="../report/what_if_table.rst",
            category="Results",
        ),
        highlighted=report(
            "results/tables/highlighted_factors.csv",
            caption="../report/highlighted_factors.rst",
            category="Results",
        ),
    log:
        "logs/summaries.log",
    benchmark:
        "benchmarks/summaries.tsv"
    conda:
        "../envs/pymc.yaml"
    script:
        "../scripts/summaries.py"


rule lomo:
    input:
        MODEL_TABLE,
    output:
        "results/lomo/{variant}.csv",
    log:
        "logs/lomo_{variant}.log",
    benchmark:
        "benchmarks/lomo_{variant}.tsv"
    wildcard_constraints:
        variant="|".join(VARIANTS),
    conda:
        "../envs/pymc.yaml"
    threads: config["lomo_sampler"]["chains"]
    resources:
        mem_mb=4000,
        runtime=60,
    params:
        variant=lambda wildcards: config["variants"][wildcards.variant],
        priors=config["priors"],
        sampler=config["lomo_sampler"],
        seed=config["seed"],
    script:
        "../scripts/lomo.py"


rule model_comparison:
    input:
        fits=expand("results/fits/{variant}.nc", variant=VARIANTS),
        lomo=expand("results/lomo/{variant}.csv", variant=VARIANTS),
    output:
        report(
            "results/tables/model_comparison.csv",
            caption="../report/model_comparison_table.rst",
            category="Model comparison",
        ),
    log:
        "logs/model_comparison.log",
    benchmark:
        "benchmarks/model_comparison.tsv"
    conda:
        "../envs/pymc.yaml"
    params:
        variants=VARIANTS,
    script:
        "../scripts/model_comparison.py"


rule prior_sensitivity:
    input:
        "results/fits/full.nc",
    output:
        report(
            "results/tables/prior_sensitivity.csv",
            caption="../report/prior_sensitivity.rst",
            category="Checks",
        ),
    log:
        "logs/prior_sensitivity.log",
    benchmark:
        "benchmarks/prior_sensitivity.tsv"
    conda:
        "../envs/pymc.yaml"
    params:
        prior_vars=config["sensitivity"]["prior_vars"],
    script:
        "../scripts/prior_sensitivity.py"
