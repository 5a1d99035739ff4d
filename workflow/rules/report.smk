# What the Snakemake report shows besides the figures: the provenance record, and pages the
# report displays inline (it only offers CSV and JSON files as downloads): the model card,
# the provenance record, and every CSV table another rule marks for the report, each with
# its description above it and a link to download the CSV. A table's page takes the caption,
# category and labels of the CSV's own report entry; when that entry has labels, the report's
# listing shows the table once, as its page (the CSV stays downloadable from the page).
# Build the report with:
#   snakemake --report results/report.html --report-stylesheet workflow/report/report.css


include: "report_common.smk"


rule provenance:
    input:
        validation=rules.processed_data.output.report,
        config="config/config.yaml",
        fits=expand(rules.fit.output.idata, model=MODELS),
    output:
        "results/provenance.json",
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


rule table_page:
    input:
        unpack(table_page_input),
        factors=rules.processed_data.output.factors,
        # captions quote the configuration: a change to it renders the page again
        config="config/config.yaml",
    output:
        report(
            "results/report/tables/{name}.html",
            caption="../report/table_page.rst",
            category=table_page_category,
            subcategory=table_page_subcategory,
            labels=table_page_labels,
        ),
    log:
        "logs/table_page_{name}.log",
    benchmark:
        "benchmarks/table_page_{name}.tsv"
    conda:
        "../envs/pymc.yaml"
    params:
        table=table_page_spec,
    script:
        "../scripts/render_report_pages.py"


# Renders the model card and the provenance record, and requests a page for every report
# table (rule table_page), so that every page the report shows is built with the model card.
rule report_pages:
    input:
        model_card="docs/model_card.md",
        provenance=rules.provenance.output[0],
        tables=table_pages,
    output:
        model_card=report(
            "results/model_card.html",
            caption="../report/model_card.rst",
            category="Model card",
            labels={"document": "model card"},
        ),
        provenance=report(
            "results/report/provenance.html",
            caption="../report/provenance.rst",
            category="Provenance",
            labels={"document": "provenance record"},
        ),
    log:
        "logs/report_pages.log",
    benchmark:
        "benchmarks/report_pages.tsv"
    conda:
        "../envs/pymc.yaml"
    script:
        "../scripts/render_report_pages.py"


# What `rule all` builds for the report: the provenance record, the pages above (which pull in
# every table page) and the walkthrough notebook (rule notebook in figures.smk).
REPORT_OUTPUTS = [
    *rules.provenance.output,
    *rules.report_pages.output,
    *rules.notebook.output,
]
