# Helpers of rules/report.smk (included from there): which CSV tables the report lists, and
# the report settings of the page that shows each of them.

import os
from functools import cache
from pathlib import Path

from snakemake.io import apply_wildcards, get_flag_value, is_flagged


@cache
def report_tables():
    """The CSV tables the default target builds and another rule marks for the report.

    Maps a page name (the CSV's file name without ``.csv``) to the CSV, the rule that writes
    it, the caption file, category, subcategory and labels of its report entry, and the
    wildcards that made it (its caption may use them). Read from the rules themselves, so a
    table added or renamed in any rule file gets its page without a change here. Called only
    while the DAG is built, when every rule file has been read.
    """
    targets = [str(f) for f in workflow.get_rule(workflow.default_target).input]
    tables = {}
    for producer in workflow.rules:
        for output in producer.output:
            if not (is_flagged(output, "report") and str(output).endswith(".csv")):
                continue
            entry = get_flag_value(output, "report")
            caption = (
                os.path.relpath(entry.caption.get_path_or_uri(secret_free=True))
                if entry.caption
                else None
            )
            for target in targets:
                match = output.match(target)
                if match is None:
                    continue
                wildcards = match.groupdict()
                name = Path(target).stem
                if name in tables and tables[name]["csv"] != target:
                    raise ValueError(
                        f"two report tables would share the page {name}.html: "
                        f"{tables[name]['csv']} and {target}; rename one of them"
                    )
                tables[name] = {
                    "csv": target,
                    "rule": producer.name,
                    "caption": caption,
                    "category": entry.category,
                    "subcategory": entry.subcategory,
                    "labels": {
                        key: apply_wildcards(str(value), wildcards)
                        for key, value in (entry.labels or {}).items()
                    },
                    "wildcards": wildcards,
                }
    return dict(sorted(tables.items()))


def table_page_input(wildcards):
    """The CSV of page {name} and its caption file."""
    table = report_tables()[wildcards.name]
    return {
        "csv": table["csv"],
        **({"caption": table["caption"]} if table["caption"] else {}),
    }


def table_page_spec(wildcards):
    """Where table {name} comes from: its CSV, the rule that wrote it, its caption file and
    the wildcards the caption may use."""
    table = report_tables()[wildcards.name]
    return {key: table[key] for key in ("csv", "rule", "caption", "wildcards")}


def table_page_labels(wildcards):
    """The CSV entry's labels, or the table's name in words (``table: factor effects``)."""
    table = report_tables()[wildcards.name]
    return table["labels"] or {"table": wildcards.name.replace("_", " ")}


def table_page_category(wildcards):
    return report_tables()[wildcards.name]["category"]


def table_page_subcategory(wildcards):
    return report_tables()[wildcards.name]["subcategory"]


def table_pages(wildcards):
    """The page of every report table (rule table_page)."""
    return expand("results/report/tables/{name}.html", name=list(report_tables()))
