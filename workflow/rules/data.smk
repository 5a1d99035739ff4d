# The one door for data: data/raw is read and validated once (rule processed_data);
# everything downstream reads data/processed/. `snakemake --cores 1 validate` checks the
# raw files alone.


localrules:
    validate,


rule processed_data:
    input:
        raw=raw_files(),
    output:
        report="results/validation/raw_data_report.txt",
        model_table=report(
            str(PROCESSED_DIR / "model_table.csv"),
            caption="../report/model_table.rst",
            category="Data",
        ),
        stream_table=str(PROCESSED_DIR / "stream_table.csv"),
        factors=str(PROCESSED_DIR / "factors.csv"),
    log:
        "logs/processed_data.log",
    benchmark:
        "benchmarks/processed_data.tsv"
    conda:
        "../envs/pymc.yaml"
    script:
        "../scripts/processed_data.py"


rule validate:
    input:
        rules.processed_data.output.report,
