# Every fit is a configuration of one compiled kernel (policy_windows.model.kernel): one job per
# model configuration, no compilation in any of them once numba's cache is warm.


rule prior_predictive:
    input:
        table=rules.processed_data.output.model_table,
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
        model=config["models"][MAIN],
        priors=config["priors"],
        draws=config["prior_predictive_draws"],
        seed=config["seed"],
    script:
        "../scripts/prior_predictive.py"


rule fit:
    input:
        table=rules.processed_data.output.model_table,
    output:
        idata="results/fits/{model}.nc",
        diagnostics=report(
            "results/tables/diagnostics_{model}.csv",
            caption="../report/diagnostics.rst",
            category="Checks",
            subcategory="Convergence",
            labels={"model": "{model}", "table": "diagnostics"},
        ),
    log:
        "logs/fit_{model}.log",
    benchmark:
        "benchmarks/fit_{model}.tsv"
    wildcard_constraints:
        model="|".join(MODELS),
    conda:
        "../envs/pymc.yaml"
    threads: config["sampler"]["threads"]
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        model=model_settings,
        priors=config["priors"],
        sampler=config["sampler"],
        gates=config["gates"],
        seed=config["seed"],
    script:
        "../scripts/fit.py"


# Exact cross-validation over municipalities: leave-one-municipality-out up to
# cross_validation.max_lomo_municipalities municipalities, grouped K-fold beyond (same file).
rule lomo:
    input:
        table=rules.processed_data.output.model_table,
    output:
        "results/lomo/{model}.csv",
    log:
        "logs/lomo_{model}.log",
    benchmark:
        "benchmarks/lomo_{model}.tsv"
    wildcard_constraints:
        model="|".join(COMPARISON),
    conda:
        "../envs/pymc.yaml"
    threads: config["sampler"]["threads"]
    resources:
        mem_mb=2000,
        runtime=60,
    params:
        model=model_settings,
        priors=config["priors"],
        sampler=config["sampler"],
        seed=config["seed"],
        cross_validation=config["cross_validation"],
    script:
        "../scripts/lomo.py"


rule model_comparison:
    input:
        fits=expand(rules.fit.output.idata, model=COMPARISON),
        lomo=expand(rules.lomo.output[0], model=COMPARISON),
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
        models=COMPARISON,
    script:
        "../scripts/model_comparison.py"
