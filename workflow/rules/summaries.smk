# What the main model's posterior says, how far it can be trusted, and whether the
# conclusions survive other priors and codings (policy_windows.summaries.derived, counterfactuals,
# checks, power_scaling, sensitivity).

MAIN_FIT = expand(rules.fit.output.idata, model=MAIN)[0]


rule summaries:
    input:
        table=rules.processed_data.output.model_table,
        factors=rules.processed_data.output.factors,
        idata=MAIN_FIT,
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
        what_if_by_factor=report(
            "results/tables/what_if_by_factor.csv",
            caption="../report/what_if_by_factor.rst",
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


rule generative_checks:
    input:
        table=rules.processed_data.output.model_table,
        idata=MAIN_FIT,
    output:
        table=report(
            "results/tables/generative_checks.csv",
            caption="../report/generative_checks.rst",
            category="Checks",
        ),
    log:
        "logs/generative_checks.log",
    benchmark:
        "benchmarks/generative_checks.tsv"
    conda:
        "../envs/pymc.yaml"
    params:
        seed=config["seed"],
    script:
        "../scripts/generative_checks.py"


rule prior_sensitivity:
    input:
        table=rules.processed_data.output.model_table,
        idata=MAIN_FIT,
    output:
        table=report(
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


rule conclusion_sensitivity:
    input:
        table=rules.processed_data.output.model_table,
        factors=rules.processed_data.output.factors,
        default=MAIN_FIT,
        alternatives=expand(rules.fit.output.idata, model=ALTERNATIVES),
    output:
        calls=report(
            "results/tables/conclusion_sensitivity.csv",
            caption="../report/conclusion_sensitivity.rst",
            category="Checks",
        ),
        rank_agreement="results/tables/rank_agreement.csv",
        highlighted=report(
            "results/tables/highlighted_factors.csv",
            caption="../report/highlighted_factors.rst",
            category="Results",
        ),
    log:
        "logs/conclusion_sensitivity.log",
    benchmark:
        "benchmarks/conclusion_sensitivity.tsv"
    conda:
        "../envs/pymc.yaml"
    params:
        main=MAIN,
        alternatives=ALTERNATIVES,
        models=config["models"],
    script:
        "../scripts/conclusion_sensitivity.py"
