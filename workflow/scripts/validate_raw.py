"""Validate data/raw; on any problem list them all in the log and fail the rule."""

import sys
from pathlib import Path

from policy_windows import io
from policy_windows.validation import RawDataError, read_raw_tables, validate_raw

log = io.log_to(snakemake.log[0])
raw_dir = Path(snakemake.input[0]).parent
try:
    tables = validate_raw(read_raw_tables(raw_dir))
except RawDataError as error:
    log.error("%s", error)
    print(error, file=sys.__stderr__)
    sys.exit(1)

lines = [f"raw data in {raw_dir} passed validation"]
lines += [f"{name}: {len(table)} rows" for name, table in tables.items()]
lines += [f"sha256 {Path(path).name} {io.sha256(path)}" for path in snakemake.input]
Path(snakemake.output[0]).write_text("\n".join(lines) + "\n")
log.info("validation passed")
