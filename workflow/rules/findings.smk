# The README's "What it finds" section, written from this run's tables
# (policy_windows.summaries.findings); scripts/update_readme.py copies it into README.md.


rule findings:
    input:
        model_table=rules.processed_data.output.model_table,
        factors=rules.processed_data.output.factors,
        factor_effects=rules.summaries.output.factor_effects,
        window_probability=rules.summaries.output.window_probability,
        what_if=rules.summaries.output.what_if,
        highlighted_factors=rules.conclusion_sensitivity.output.highlighted,
        conclusion_sensitivity=rules.conclusion_sensitivity.output.calls,
        rank_agreement=rules.conclusion_sensitivity.output.rank_agreement,
        model_comparison=rules.model_comparison.output[0],
        generative_checks=rules.generative_checks.output.table,
        prior_sensitivity=rules.prior_sensitivity.output.table,
        sbc_uniformity=rules.sbc_uniformity.output[0],
        sbc_ranks=rules.sbc_ranks.output[0],
        diagnostics=expand(rules.fit.output.diagnostics, model=MODELS),
    output:
        report(
            "results/findings.md",
            caption="../report/findings.rst",
            category="Results",
            labels={"document": "findings"},
        ),
    log:
        "logs/findings.log",
    benchmark:
        "benchmarks/findings.tsv"
    conda:
        "../envs/pymc.yaml"
    params:
        models=MODELS,
    script:
        "../scripts/findings.py"
