rule provenance:
    input:
        raw=raw_files(),
        config="config/config.yaml",
        fits=expand("results/fits/{variant}.nc", variant=VARIANTS),
    output:
        report(
            "results/provenance.json",
            caption="../report/provenance.rst",
            category="Provenance",
        ),
    log:
        "logs/provenance.log",
    benchmark:
        "benchmarks/provenance.tsv"
    conda:
        "../envs/pymc.yaml"
    params:
        config=config,
    script:
        "../scripts/provenance.py"


rule model_card:
    input:
        "docs/model_card.md",
    output:
        report(
            "results/model_card.html",
            caption="../report/model_card.rst",
            category="Model card",
        ),
    log:
        "logs/model_card.log",
    benchmark:
        "benchmarks/model_card.tsv"
    conda:
        "../envs/pymc.yaml"
    script:
        "../scripts/render_markdown.py"
