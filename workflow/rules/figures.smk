# Figures: one rule definition, instantiated once per entry of FIGURE_SPECS (rule
# figure_<name>), running the one script workflow/scripts/figure.py, which reads the inputs
# and dispatches to the figure's pure plotting function in policy_windows.plots. Every
# figure is written twice: PNG (shown in the report) and PDF (vector, for print).
# Also: the rule graph as dot text (rule rulegraph) and the walkthrough notebook.
import sys

FACTOR_METADATA = rules.processed_data.output.factors  # name_en, origin, order
MODEL_TABLE = rules.processed_data.output.model_table
MAIN_FIT_FILE = expand(rules.fit.output.idata, model=MAIN)[0]
RULEGRAPH = "results/workflow/rulegraph.dot"

# figure name -> inputs (names are the script's keyword arguments), report caption (in
# workflow/report/), category (and subcategory) and labels, and keyword options of the
# plotting function. Output: results/figures/<name>.png and .pdf.
FIGURE_SPECS = {
    "coded_data": {
        "input": {"model_table": MODEL_TABLE, "factors": FACTOR_METADATA},
        "caption": "coded_data.rst",
        "category": "Data",
        "labels": {"figure": "coded data", "type": "heatmap"},
    },
    "factor_effects_forest": {
        "input": {
            "factor_effects": rules.summaries.output.factor_effects,
            "factors": FACTOR_METADATA,
        },
        "caption": "factor_effects_forest.rst",
        "category": "Results",
        "labels": {"figure": "factor effects", "type": "forest plot"},
    },
    "window_probability": {
        "input": {"window_probability": rules.summaries.output.window_probability},
        "caption": "window_probability.rst",
        "category": "Results",
        "labels": {"figure": "window probability", "type": "interval plot"},
    },
    "phase_coupling": {
        "input": {
            "window_probability": rules.summaries.output.window_probability,
            "fit": MAIN_FIT_FILE,
        },
        "caption": "phase_coupling.rst",
        "category": "Results",
        "labels": {"figure": "phase coupling", "type": "intervals and density"},
    },
    "what_if": {
        "input": {
            "what_if": rules.summaries.output.what_if,
            "factors": FACTOR_METADATA,
        },
        "caption": "what_if.rst",
        "category": "Results",
        "labels": {"figure": "what-if gains", "type": "interval plot"},
    },
    "predictive_checks": {
        "input": {
            "prior": rules.prior_predictive.output.idata,
            "fit": MAIN_FIT_FILE,
            "window_probability": rules.summaries.output.window_probability,
        },
        "caption": "predictive_checks.rst",
        "category": "Checks",
        "labels": {"figure": "predictive checks", "type": "calibration"},
    },
    "generative_checks": {
        "input": {"generative_checks": rules.generative_checks.output.table},
        "caption": "generative_checks_figure.rst",
        "category": "Checks",
        "labels": {"figure": "generative checks", "type": "interval plot"},
    },
    "convergence_ranks": {
        "input": {"fit": MAIN_FIT_FILE},
        "caption": "convergence_ranks.rst",
        "category": "Checks",
        "labels": {"figure": "rank plots", "type": "convergence"},
    },
    "prior_sensitivity": {
        "input": {"fit": MAIN_FIT_FILE},
        "caption": "prior_sensitivity_figure.rst",
        "category": "Checks",
        "labels": {"figure": "prior sensitivity", "type": "power-scaling"},
    },
    "model_comparison": {
        "input": {
            "model_comparison": rules.model_comparison.output[0],
            "lomo": expand(rules.lomo.output[0], model=COMPARISON),
        },
        "caption": "model_comparison.rst",
        "category": "Model comparison",
        "labels": {"figure": "model comparison", "type": "elpd differences"},
    },
    "qca_vs_bayes": {
        "input": {
            "qca_solutions": rules.qca.output.solutions,
            "factor_effects": rules.summaries.output.factor_effects,
            "factors": FACTOR_METADATA,
        },
        "caption": "qca_vs_bayes.rst",
        "category": "QCA",
        "labels": {"figure": "QCA vs Bayes", "type": "comparison"},
    },
    "model_graph": {
        "input": {"model_table": MODEL_TABLE},
        "caption": "model_graph.rst",
        "category": "Model card",
        "labels": {"figure": "model graph", "type": "graph"},
    },
    "workflow_dag": {
        "input": {"rulegraph": RULEGRAPH},
        "caption": "workflow_dag.rst",
        "category": "Provenance",
        "labels": {"figure": "workflow rule graph", "type": "graph"},
    },
    "sbc_ecdf": {
        # Outputs of rules/validation_studies.smk, which is included after this file.
        "input": {
            "ranks": "results/sbc/ranks.csv",
            "uniformity": "results/tables/sbc_uniformity.csv",
        },
        "caption": "sbc_ecdf.rst",
        "category": "Validation studies",
        "subcategory": "Simulation-based calibration",
        "labels": {"figure": "SBC ranks", "type": "ECDF difference"},
        "options": {"alpha": SBC["alpha"], "seed": SBC["seed"]},
    },
    "recovery": {
        "input": {
            "fits": expand("results/recovery/M{M}.csv", M=RECOVERY["M"]),
            "table": "results/tables/recovery.csv",
        },
        "caption": "recovery_figure.rst",
        "category": "Validation studies",
        "subcategory": "Parameter recovery",
        "labels": {"figure": "parameter recovery", "type": "scatter and coverage"},
    },
}
# The figure rules are drawn as one node of the rule graph.
FIGURE_SPECS["workflow_dag"]["options"] = {
    "groups": {f"figure_{name}": "figure_*" for name in FIGURE_SPECS}
}


# Parameter recovery is on demand (`snakemake recovery`), every other figure is in `all`.
RECOVERY_FIGURES = [f"results/figures/recovery.{ext}" for ext in ("png", "pdf")]
FIGURES = [
    f"results/figures/{name}.{ext}"
    for name in FIGURE_SPECS
    if name != "recovery"
    for ext in ("png", "pdf")
]


for name, spec in FIGURE_SPECS.items():

    rule:
        name:
            f"figure_{name}"
        input:
            **spec["input"],
        output:
            png=report(
                f"results/figures/{name}.png",
                caption=f"../report/{spec['caption']}",
                category=spec["category"],
                subcategory=spec.get("subcategory"),
                labels=spec["labels"],
            ),
            pdf=f"results/figures/{name}.pdf",
        log:
            f"logs/figures/{name}.log",
        benchmark:
            f"benchmarks/figures/{name}.tsv"
        conda:
            "../envs/pymc.yaml"
        params:
            figure=name,
            options=spec.get("options", {}),
            listed=LISTED_MUNICIPALITIES,
        script:
            "../scripts/figure.py"


rule rulegraph:
    output:
        RULEGRAPH,
    log:
        "logs/rulegraph.log",
    benchmark:
        "benchmarks/rulegraph.tsv"
    conda:
        "../envs/pymc.yaml"
    params:
        # Redraw whenever the set of rules changes (params are a rerun trigger).
        rules=lambda wildcards: sorted(r.name for r in workflow.rules),
        snakefile=workflow.main_snakefile,
        # The Python running this workflow has Snakemake (no PATH lookup needed).
        python=sys.executable,
    shell:
        # The running workflow holds the lock, hence --nolock; this only prints the graph.
        "{params.python:q} -m snakemake --snakefile {params.snakefile:q} --rulegraph"
        " --nolock --quiet all > {output:q} 2> {log:q}"


rule notebook:
    input:
        notebook="notebooks/walkthrough.py",
        model_table=MODEL_TABLE,
        stream_table=rules.processed_data.output.stream_table,
        factors=rules.processed_data.output.factors,
        diagnostics=expand(rules.fit.output.diagnostics, model=MODELS),
        factor_effects=rules.summaries.output.factor_effects,
        window_probability=rules.summaries.output.window_probability,
        what_if=rules.summaries.output.what_if,
        generative_checks=rules.generative_checks.output.table,
        highlighted_factors=rules.conclusion_sensitivity.output.highlighted,
        conclusion_sensitivity=rules.conclusion_sensitivity.output.calls,
        rank_agreement=rules.conclusion_sensitivity.output.rank_agreement,
        model_comparison=rules.model_comparison.output[0],
        prior_sensitivity=rules.prior_sensitivity.output[0],
        # Output of rules/validation_studies.smk, which is included after this file.
        sbc_uniformity="results/tables/sbc_uniformity.csv",
        qca=QCA_TABLES,
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
