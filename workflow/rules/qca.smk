# Crisp-set QCA per phase as a robustness check next to the Bayesian model
# (policy_windows.qca.csqca; tables assembled by policy_windows.plots.files.qca_tables).

QCA_TABLES = [
    "results/tables/qca_truth_tables.csv",
    "results/tables/qca_solutions.csv",
    "results/tables/qca_necessity.csv",
]


rule qca:
    input:
        "data/processed/model_table.csv",
    output:
        truth_tables=report(
            "results/tables/qca_truth_tables.csv",
            caption="../report/qca_truth_tables.rst",
            category="QCA",
            labels={"table": "truth tables"},
        ),
        solutions=report(
            "results/tables/qca_solutions.csv",
            caption="../report/qca_solutions.rst",
            category="QCA",
            labels={"table": "solutions"},
        ),
        necessity=report(
            "results/tables/qca_necessity.csv",
            caption="../report/qca_necessity.rst",
            category="QCA",
            labels={"table": "necessity"},
        ),
    log:
        "logs/qca.log",
    benchmark:
        "benchmarks/qca.tsv"
    conda:
        "../envs/pymc.yaml"
    params:
        incl_cut=config.get("qca", {}).get("incl_cut", 1.0),
    script:
        "../scripts/qca.py"
