"""Render a Markdown document (the model card) to standalone HTML for the report."""

from pathlib import Path

import mistune

from policy_windows import io

log = io.log_to(snakemake.log[0])
source = Path(snakemake.input[0])
body = mistune.html(source.read_text())
page = (
    "<!DOCTYPE html><html><head><meta charset='utf-8'>"
    f"<title>{source.stem}</title>"
    "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto;line-height:1.5}"
    "table{border-collapse:collapse}td,th{border:1px solid #999;padding:.2em .5em}</style>"
    f"</head><body>{body}</body></html>\n"
)
Path(snakemake.output[0]).write_text(page)
