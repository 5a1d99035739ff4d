# Figures (one rule and one thin script per figure) and the walkthrough notebook.
# Plotting code: models/policy_windows/plots/ (pure functions, Figure out);
# readers shared by the scripts: policy_windows.plots.files.

FIGURES = [
    "results/figures/coded_data.png",
    "results/figures/factor_effects_forest.png",
    "results/figures/window_probability.png",
    "results/figures/phase_coupling.png",
    "results/figures/predictive_checks.png",
    "results/figures/model_comparison.png",
    "results/figures/what_if.png",
    "results/figures/model_graph.png",
    "results/figures/workflow_dag.png",
    "results/figures/qca_vs_bayes.png",
]


rule plot_coded_data:
    input:
        model_table="data/processed/model_table.csv",
        codebook="data/raw/codebook.csv",
    output:
        report(
            "results/figures/coded_data.png",
            caption="../report/coded_data.rst",
            category="Data",
            labels={"figure": "coded data", "type": "heatmap"},
        ),
    log:
        "logs/plot_coded_data.log",
    benchmark:
        "benchmarks/plot_coded_data.tsv"
    conda:
        "../envs/pymc.yaml"
    script:
        "../scripts/plot_coded_data.py"


rule plot_factor_effects_forest:
    input:
        factor_effects="results/tables/factor_effects.csv",
        codebook="data/raw/codebook.csv",
    output:
        report(
            "results/figures/factor_effects_forest.png",
            caption="../report/factor_effects_forest.rst",
            category="Results",
            labels={"figure": "factor effects", "type": "forest plot"},
        ),
    log:
        "logs/plot_factor_effects_forest.log",
    benchmark:
        "benchmarks/plot_factor_effects_forest.tsv"
    conda:
        "../envs/pymc.yaml"
    script:
        "../scripts/plot_factor_effects_forest.py"


rule plot_window_probability:
    input:
        window_probability="results/tables/window_probability.csv",
    output:
        report(
            "results/figures/window_probability.png",
            caption="../report/window_probability.rst",
            category="Results",
            labels={"figure": "window probability", "type": "interval plot"},
        ),
    log:
        "logs/plot_window_probability.log",
    benchmark:
        "benchmarks/plot_window_probability.tsv"
    conda:
        "../envs/pymc.yaml"
    script:
        "../scripts/plot_window_probability.py"


rule plot_phase_coupling:
    input:
        window_probability="results/tables/window_probability.csv",
        fit="results/fits/full.nc",
    output:
        report(
            "results/figures/phase_coupling.png",
            caption="../report/phase_coupling.rst",
            category="Results",
            labels={"figure": "phase coupling", "type": "scatter and density"},
        ),
    log:
        "logs/plot_phase_coupling.log",
    benchmark:
        "benchmarks/plot_phase_coupling.tsv"
    conda:
        "../envs/pymc.yaml"
    script:
        "../scripts/plot_phase_coupling.py"


rule plot_predictive_checks:
    input:
        prior="results/prior/prior_predictive.nc",
        fit="results/fits/full.nc",
        window_probability="results/tables/window_probability.csv",
    output:
        report(
            "results/figures/predictive_checks.png",
            caption="../report/predictive_checks.rst",
            category="Checks",
            labels={"figure": "predictive checks", "type": "calibration"},
        ),
    log:
        "logs/plot_predictive_checks.log",
    benchmark:
        "benchmarks/plot_predictive_checks.tsv"
    conda:
        "../envs/pymc.yaml"
    script:
        "../scripts/plot_predictive_checks.py"


rule plot_model_comparison:
    input:
        model_comparison="results/tables/model_comparison.csv",
    output:
        report(
            "results/figures/model_comparison.png",
            caption="../report/model_comparison.rst",
            category="Model comparison",
            labels={"figure": "model comparison", "type": "elpd differences"},
        ),
    log:
        "logs/plot_model_comparison.log",
    benchmark:
        "benchmarks/plot_model_comparison.tsv"
    conda:
        "../envs/pymc.yaml"
    script:
        "../scripts/plot_model_comparison.py"


rule plot_what_if:
    input:
        what_if="results/tables/what_if.csv",
        codebook="data/raw/codebook.csv",
    output:
        report(
            "results/figures/what_if.png",
            caption="../report/what_if.rst",
            category="Results",
            labels={"figure": "what-if gains", "type": "facet grid"},
        ),
    log:
        "logs/plot_what_if.log",
    benchmark:
        "benchmarks/plot_what_if.tsv"
    conda:
        "../envs/pymc.yaml"
    params:
        top_n=5,
    script:
        "../scripts/plot_what_if.py"


rule plot_model_graph:
    input:
        model_table="data/processed/model_table.csv",
    output:
        report(
            "results/figures/model_graph.png",
            caption="../report/model_graph.rst",
            category="Model card",
            labels={"figure": "model graph", "type": "graph"},
        ),
    log:
        "logs/plot_model_graph.log",
    benchmark:
        "benchmarks/plot_model_graph.tsv"
    conda:
        "../envs/pymc.yaml"
    params:
        variant="full",
        variant_cfg=config["variants"]["full"],
        priors=config["priors"],
    script:
        "../scripts/plot_model_graph.py"


rule plot_workflow_dag:
    output:
        report(
            "results/figures/workflow_dag.png",
            caption="../report/workflow_dag.rst",
            category="Provenance",
            labels={"figure": "workflow rule graph", "type": "graph"},
        ),
    log:
        "logs/plot_workflow_dag.log",
    benchmark:
        "benchmarks/plot_workflow_dag.tsv"
    conda:
        "../envs/pymc.yaml"
    params:
        # Redraw whenever the set of rules changes (params are a rerun trigger).
        rules=lambda wildcards: sorted(r.name for r in workflow.rules),
        target="all",
        snakefile=workflow.main_snakefile,
    script:
        "../scripts/workflow_dag.py"


rule plot_qca_vs_bayes:
    input:
        qca_solutions="results/tables/qca_solutions.csv",
        factor_effects="results/tables/factor_effects.csv",
        codebook="data/raw/codebook.csv",
    output:
        report(
            "results/figures/qca_vs_bayes.png",
            caption="../report/qca_vs_bayes.rst",
            category="QCA",
            labels={"figure": "QCA vs Bayes", "type": "comparison"},
        ),
    log:
        "logs/plot_qca_vs_bayes.log",
    benchmark:
        "benchmarks/plot_qca_vs_bayes.tsv"
    conda:
        "../envs/pymc.yaml"
    script:
        "../scripts/plot_qca_vs_bayes.py"


rule notebook:
    input:
        notebook="notebooks/walkthrough.py",
        model_table="data/processed/model_table.csv",
        diagnostics=expand(
            "results/tables/diagnostics_{variant}.csv",
            variant=list(config["variants"]),
        ),
        factor_effects="results/tables/factor_effects.csv",
        window_probability="results/tables/window_probability.csv",
        what_if="results/tables/what_if.csv",
        model_comparison="results/tables/model_comparison.csv",
        prior_sensitivity="results/tables/prior_sensitivity.csv",
        qca=[
            "results/tables/qca_truth_tables.csv",
            "results/tables/qca_solutions.csv",
            "results/tables/qca_necessity.csv",
        ],
        figures=FIGURES,
    output:
        report(
            "results/notebook.html",
            caption="../report/notebook.rst",
            category="Walkthrough",
            labels={"document": "walkthrough notebook"},
        ),
    log:
        "logs/notebook.log",
    benchmark:
        "benchmarks/notebook.tsv"
    conda:
        "../envs/pymc.yaml"
    params:
        timeout=600,
    script:
        "../scripts/render_notebook.py"
