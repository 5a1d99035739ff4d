"""Render the pages the Snakemake report shows inline: the model card (Markdown), the
provenance record (JSON) and every CSV table the report lists (the report itself only offers
CSV and JSON files as downloads). Rule ``table_page`` renders one table, rule ``report_pages``
the model card and the provenance record.

Each page is one self-contained HTML file (no scripts, no external resources) small enough for
the report to show in its frame. A table page has the table's caption above it (the same
reStructuredText the report shows, rendered with the configuration and the table's wildcards),
the table with numbers rounded for reading, and a link that downloads the CSV itself.

Large tables (hundreds of municipalities: what-if changes, power-scaling targets, the model
table) would make pages of many megabytes, which the report shows as a blank frame (Chromium
refuses a frame whose data: URL exceeds 2 MiB, and the report base64-encodes every page). So a
page shows at most ``MAX_ROWS`` rows and stops earlier when the rows reach ``TABLE_BYTES``, says
so above the table ("first N of M rows"), and embeds the full CSV for download only while it
fits ``DOWNLOAD_BYTES``, gzip-compressed when the plain file does not; the full table is always
the CSV in ``results/tables/`` and the report's own download of it.
"""

import base64
import gzip
import html
import json
from pathlib import Path

import mistune
import pandas as pd
import yaml
from docutils.core import publish_parts
from jinja2 import Environment, make_logging_undefined

from policy_windows import io

#: A table page shows at most this many rows, and stops earlier once the rows' HTML reaches
#: TABLE_BYTES; the embedded download (base64) may take DOWNLOAD_BYTES. Together with the caption
#: a page stays below 1.5 MB, which base64-encoded in the report is below Chromium's 2 MiB limit
#: for a frame's data: URL.
MAX_ROWS = 1000
TABLE_BYTES = 500_000
DOWNLOAD_BYTES = 600_000

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;color:#1e293b;margin:1.5em auto;
  max-width:72em;padding:0 1em;line-height:1.5}
h1{font-size:1.5em;margin:.2em 0 .6em}h2{font-size:1.2em;margin-top:1.6em}
.meta{color:#475569;font-size:.9em;border-left:3px solid #94a3b8;padding-left:.8em}
.caption{max-width:60em}.caption p{margin:.4em 0}
a.download{display:inline-block;margin:.6em 0 1em;padding:.25em .7em;border:1px solid #0f766e;
  border-radius:.3em;color:#0f766e;text-decoration:none}
.scroll{overflow:auto;max-height:80vh;border:1px solid #cbd5e1}
table{border-collapse:collapse;font-size:.85em}
th,td{border-bottom:1px solid #e2e8f0;padding:.25em .6em;text-align:left;vertical-align:top}
thead th{position:sticky;top:0;background:#f1f5f9;border-bottom:2px solid #94a3b8}
tbody tr:nth-child(even){background:#f8fafc}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
pre,code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.9em}
pre{background:#f8fafc;border:1px solid #e2e8f0;padding:.8em;overflow:auto}
"""


def page(title: str, body: str) -> str:
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head>\n"
        f"<body>\n{body}\n</body></html>\n"
    )


def download_link(path: Path, mime: str) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return (f"<a class='download' download='{html.escape(path.name)}' href='data:{mime};base64,{data}'>"
            f"Download {html.escape(path.name)}</a>")


def size_text(n_bytes: int) -> str:
    return f"{n_bytes / 1e6:.1f} MB" if n_bytes >= 1e6 else f"{max(1, round(n_bytes / 1e3))} kB"


def csv_download(path: Path, budget: int = DOWNLOAD_BYTES) -> str:
    """A link that downloads the CSV from the page: the file itself while its base64 fits
    ``budget``, else the file gzip-compressed (``.csv.gz``) while that fits, else a note that
    names the file (the page cannot carry it; the report's own entry and the run folder can)."""
    raw = path.read_bytes()
    if 4 * ((len(raw) + 2) // 3) <= budget:
        return download_link(path, "text/csv")
    packed = gzip.compress(raw, compresslevel=9, mtime=0)
    if 4 * ((len(packed) + 2) // 3) <= budget:
        data = base64.b64encode(packed).decode("ascii")
        name = html.escape(path.name + ".gz")
        return (f"<a class='download' download='{name}' href='data:application/gzip;base64,{data}'>"
                f"Download {name}</a> (the full table, {size_text(len(raw))} as CSV, gzip-compressed to "
                f"{size_text(len(packed))})")
    return (f"<p class='meta'>The full table, <code>{html.escape(str(path))}</code> ({size_text(len(raw))}), is "
            "too large to carry in this page: download it from the report's listing or take it from the run's "
            "folder.</p>")


def render_caption(path: str, config: dict, wildcards: dict, log) -> str:
    """A report caption as HTML, rendered as Snakemake renders it: Jinja with
    ``snakemake.config`` and ``snakemake.wildcards`` (the variables captions use), then
    reStructuredText. A name the caption uses but the configuration lacks renders empty, as in
    the report, and is logged."""
    environment = Environment(trim_blocks=True, lstrip_blocks=True, undefined=make_logging_undefined(log))
    context = {"snakemake": {"config": config, "wildcards": wildcards}}
    text = environment.from_string(Path(path).read_text(encoding="utf-8")).render(context)
    return publish_parts(text, writer_name="html5", settings_overrides={"report_level": 4})["body"]


def format_number(value: float) -> str:
    """Three significant digits, whole numbers from 100 on (1,184 not 1.18e+03)."""
    if pd.isna(value):
        return ""
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def table_rows(table: pd.DataFrame, max_rows: int = MAX_ROWS, max_bytes: int = TABLE_BYTES) -> list[str]:
    """The first rows of ``table`` as HTML rows: at most ``max_rows``, and no more once their
    size reaches ``max_bytes`` (at least one row)."""
    numeric = [pd.api.types.is_numeric_dtype(table[c]) and not pd.api.types.is_bool_dtype(table[c])
               for c in table.columns]
    rows, size = [], 0
    for values in table.head(max_rows).itertuples(index=False):
        cells = []
        for value, is_number in zip(values, numeric):
            if is_number:
                cells.append(f"<td class='num'>{format_number(value)}</td>")
            else:
                cells.append(f"<td>{'' if pd.isna(value) else html.escape(str(value))}</td>")
        row = "<tr>" + "".join(cells) + "</tr>"
        size += len(row.encode("utf-8"))
        if rows and size > max_bytes:
            break
        rows.append(row)
    return rows


def table_html(table: pd.DataFrame, rows: list[str] | None = None) -> str:
    header = "".join(f"<th>{html.escape(str(column))}</th>" for column in table.columns)
    rows = table_rows(table) if rows is None else rows
    return (f"<div class='scroll'><table><thead><tr>{header}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table></div>")


def with_factor_names(table: pd.DataFrame, codebook: pd.DataFrame) -> pd.DataFrame:
    """Insert the factor's English name right after a ``factor`` column of ids (unless the
    table already names its factors)."""
    if "factor" not in table.columns or {"name", "factor_name"} & set(table.columns):
        return table
    names = codebook.set_index("factor")["name_en"]
    table = table.copy()
    table.insert(table.columns.get_loc("factor") + 1, "factor_name", table["factor"].map(names))
    return table


def table_page(name: str, spec: dict, config: dict, codebook: pd.DataFrame, log) -> str:
    csv = Path(spec["csv"])
    table = with_factor_names(pd.read_csv(csv), codebook)
    title = name.replace("_", " ").capitalize()
    caption = render_caption(spec["caption"], config, spec["wildcards"], log) if spec["caption"] else ""
    rows = table_rows(table)
    shown = ""
    if len(rows) < len(table):
        shown = (f"\n<p class='meta'><strong>First {len(rows):,} of {len(table):,} rows</strong> (a page of every "
                 f"row would be too large for the report to show); full table: <code>{html.escape(str(csv))}</code>, "
                 "downloadable here:</p>")
    body = (
        f"<h1>{html.escape(title)}</h1>\n<div class='caption'>{caption}</div>\n"
        f"<p class='meta'>{len(table):,} rows × {len(table.columns)} columns of <code>{html.escape(str(csv))}</code>"
        f" (rule <code>{html.escape(spec['rule'])}</code>).</p>{shown}\n"
        f"{csv_download(csv)}\n{table_html(table, rows)}"
    )
    return page(title, body)


def run_line(provenance: dict) -> str:
    """Version, commit and date of the run, for the top of a page."""
    state = provenance["git"]
    commit = state["commit"][:12] if state["commit"] else "unknown (not a git checkout)"
    if state["dirty"]:
        commit += f" with uncommitted changes ({len(state['changed_files'])} files)"
    return (f"policy-windows {provenance['versions'].get('policy-windows', 'unknown')} · commit {commit} · "
            f"built {provenance['created_utc'].replace('T', ' ').replace('+00:00', ' UTC')}")


def model_card_page(markdown_path: Path, provenance: dict) -> str:
    body = mistune.html(markdown_path.read_text(encoding="utf-8"))
    meta = f"<p class='meta'>Model card of {html.escape(run_line(provenance))}.</p>"
    return page("Model card", meta + body)


def key_value_table(rows: dict) -> str:
    cells = "".join(f"<tr><th>{html.escape(str(k))}</th><td><code>{html.escape(str(v))}</code></td></tr>"
                    for k, v in rows.items())
    return f"<table><tbody>{cells}</tbody></table>"


def provenance_page(path: Path, provenance: dict) -> str:
    state = provenance["git"]
    run = {
        "built (UTC)": provenance["created_utc"],
        "git commit": state["commit"] or "not a git checkout",
        "uncommitted changes": (
            "unknown (not a git checkout)" if state["dirty"] is None
            else ("yes: " + ", ".join(state["changed_files"])) if state["dirty"] else "no"
        ),
        "seed": provenance["seed"],
        "Python": provenance["python"],
        "platform": provenance["platform"],
    }
    fits = {
        name: f"posterior {fit['posterior_sha256']} (file {fit['file_sha256'][:16]}…; "
              f"{fit['chain_draw'].get('chain')} chains × {fit['chain_draw'].get('draw')} draws)"
        for name, fit in provenance["fits"].items()
    }
    body = "\n".join([
        "<h1>Provenance of this run</h1>",
        f"<p class='meta'>{html.escape(run_line(provenance))}</p>",
        download_link(path, "application/json"),
        "<h2>Run</h2>", key_value_table(run),
        "<h2>Package versions</h2>",
        "<p>The project and every package it requires (installed versions), plus packages that handle the "
        "numbers underneath (llvmlite compiles the model for numba; pyarrow carries nutpie's draws).</p>",
        key_value_table(provenance["versions"]),
        "<h2>Posterior draws</h2>",
        "<p>SHA-256 over the values of every posterior variable in name order: equal digests mean "
        "bit-identical draws. The NetCDF files' own checksums (shortened) change with every write "
        "because the files record when they were created.</p>",
        key_value_table(fits),
        "<h2>Inputs</h2>",
        key_value_table({**provenance["raw_data_sha256"], "config/config.yaml": provenance["config_sha256"]}),
        "<h2>Configuration</h2>",
        f"<pre>{html.escape(yaml.safe_dump(provenance['config'], sort_keys=False, allow_unicode=True))}</pre>",
    ])
    return page("Provenance", body)


def main(snakemake) -> None:
    log = io.log_to(snakemake.log[0])
    if snakemake.rule == "table_page":
        spec = snakemake.params.table
        codebook = pd.read_csv(snakemake.input.factors)  # factor metadata: data/processed/factors.csv
        page_html = table_page(snakemake.wildcards.name, spec, snakemake.config, codebook, log)
        Path(snakemake.output[0]).write_text(page_html, encoding="utf-8")
        log.info("table page %s from %s", snakemake.output[0], spec["csv"])
        return
    provenance_path = Path(snakemake.input.provenance)
    provenance = json.loads(provenance_path.read_text(encoding="utf-8"))
    card = model_card_page(Path(snakemake.input.model_card), provenance)
    Path(snakemake.output.model_card).write_text(card, encoding="utf-8")
    Path(snakemake.output.provenance).write_text(provenance_page(provenance_path, provenance), encoding="utf-8")
    log.info("wrote %s and %s", snakemake.output.model_card, snakemake.output.provenance)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 (Snakemake's script directive defines `snakemake`)
