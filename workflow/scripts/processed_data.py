"""Derive the tidy tables the model reads from validated raw data."""

from pathlib import Path

from policy_windows import io
from policy_windows.processed import build_model_table, build_stream_table
from policy_windows.validation import read_raw_tables, validate_raw

log = io.log_to(snakemake.log[0])
tables = validate_raw(read_raw_tables(Path(snakemake.input.raw[0]).parent))
io.write_table(build_model_table(tables), snakemake.output.model_table)
io.write_table(build_stream_table(tables), snakemake.output.stream_table)
log.info("wrote %s and %s", snakemake.output.model_table, snakemake.output.stream_table)
