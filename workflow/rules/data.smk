rule validate:
    input:
        raw_files(),
    output:
        "results/validation/raw_data_report.txt",
    log:
        "logs/validate.log",
    benchmark:
        "benchmarks/validate.tsv"
    conda:
        "../envs/pymc.yaml"
    script:
        "../scripts/validate_raw.py"


rule processed_data:
    input:
        raw=raw_files(),
        validation="results/validation/raw_data_report.txt",
    output:
        model_table=report(
            MODEL_TABLE,
            caption="../report/model_table.rst",
            category="Data",
        ),
        stream_table=str(PROCESSED_DIR / "stream_table.csv"),
    log:
        "logs/processed_data.log",
    benchmark:
        "benchmarks/processed_data.tsv"
    conda:
        "../envs/pymc.yaml"
    script:
        "../scripts/processed_data.py"
