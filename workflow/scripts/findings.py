"""The README's "What it finds" section, written from this run's tables.

Snakemake interface (rule ``findings``):
    input.<key>          one table per key of ``policy_windows.summaries.findings.SOURCES``
                         (model_table, factors, factor_effects, ..., sbc_ranks)
    input.diagnostics    every results/tables/diagnostics_<model>.csv
    params.models        the model names, in the order of input.diagnostics
    output[0]            results/findings.md
    log[0]
``scripts/update_readme.py`` copies the output into README.md between the findings markers.
"""

from pathlib import Path

import pandas as pd

from policy_windows import io
from policy_windows.summaries.findings import SOURCES, findings_markdown

log = io.log_to(snakemake.log[0])
tables = {key: pd.read_csv(snakemake.input[key]) for key in SOURCES if key != "diagnostics"}
tables["diagnostics"] = pd.concat(
    [pd.read_csv(path).assign(model=model) for model, path in zip(snakemake.params.models, snakemake.input.diagnostics)],
    ignore_index=True,
)
text = findings_markdown(tables)
Path(snakemake.output[0]).write_text(text, encoding="utf-8")
log.info("wrote %s: %d bullets, %d characters", snakemake.output[0], text.count("\n- "), len(text))
