"""The one door for data: validate data/raw once, then derive everything downstream reads.

On any problem, every problem is listed (file, physical line, column, value, fix) in the
log and on the console, the rule fails, and Snakemake removes whatever was started.
Nothing after this step reads data/raw.
"""

import sys
from pathlib import Path

from policy_windows import io
from policy_windows.data.processed import build_factor_table, build_model_table, build_stream_table
from policy_windows.data.validation import RawDataError, read_raw_tables, validate_raw

log = io.log_to(snakemake.log[0])
raw_dir = Path(snakemake.input.raw[0]).parent
try:
    tables = validate_raw(read_raw_tables(raw_dir))
except RawDataError as error:
    log.error("%s", error)
    print(error, file=sys.__stderr__)
    sys.exit(1)

io.write_table(build_model_table(tables), snakemake.output.model_table)
io.write_table(build_stream_table(tables), snakemake.output.stream_table)
io.write_table(build_factor_table(tables), snakemake.output.factors)
lines = [f"raw data in {raw_dir} passed validation"]
lines += [f"{name}: {len(table)} rows" for name, table in tables.items()]
lines += [f"sha256 {Path(path).name} {io.sha256(path)}" for path in snakemake.input.raw]
Path(snakemake.output.report).write_text("\n".join(lines) + "\n")
log.info("validation passed; wrote %s", ", ".join(snakemake.output))
