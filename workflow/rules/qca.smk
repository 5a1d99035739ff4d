# Crisp-set QCA per phase as a robustness check next to the Bayesian model
# (policy_windows.qca.csqca, which also assembles the tables: qca_tables).


rule qca:
    input:
        rules.processed_data.output.model_table,
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
        incl_cut=config["qca"]["incl_cut"],
    script:
        "../scripts/qca.py"


QCA_TABLES = list(rules.qca.output)
