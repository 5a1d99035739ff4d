"""Rewrite Excel's CSV exports as the data format's UTF-8, comma-separated CSV.

Dutch Excel saves CSV as Windows-1252 with ';' between cells ('CSV (gescheiden door
lijstscheidingsteken)'), and even 'CSV UTF-8' uses ';' under Dutch regional settings.
Validation rejects both and names this command as the fix::

    python -m policy_windows.data.fix_csv data/raw/factor_codes.csv [more files ...]

Each file is re-encoded (lines that are not UTF-8 are read as Windows-1252) and its
separators replaced by ','; cells, quoting of cells that need it, and line numbers stay
the same. A file with a broken quote is left alone (fix the quote first), and a file
that is already UTF-8 with ',' separators is not touched.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import sys
import tempfile
from pathlib import Path

from policy_windows.data.csv_intake import SAVE_AS
from policy_windows.data.csv_reader import detect_separator, not_csv, parse_records, split_lines


class CannotFix(ValueError):
    """The file cannot be rewritten safely; the message says why and what to do."""


def rewrite_as_utf8_csv(path: Path) -> str:
    """Rewrite ``path`` in place as UTF-8 with ',' separators; returns what was done."""
    path = Path(path)
    data = path.read_bytes()
    kind = not_csv(data)
    if kind is not None:
        raise CannotFix(f"{path}: this is {kind}, not CSV text; {SAVE_AS}, then run this again")
    lines, bad = split_lines(data)
    header = next((text for text in lines if text.strip()), "")
    sep = detect_separator(header)
    records = parse_records(lines, sep)
    broken = [record.error.open_line for record in records if record.error is not None]
    if broken:
        raise CannotFix(
            f"{path}: unbalanced or misplaced quote on line(s) {', '.join(map(str, broken))}; "
            "fix the quotes first (validation explains each), then run this again"
        )
    changes = []
    if bad:
        changes.append(f"read {len(bad)} line(s) as Windows-1252 (first: line {bad[0][0]})")
    if sep != ",":
        changes.append(f"replaced the separator {sep!r} by ','")
    if not changes:
        return f"{path}: already UTF-8 with ',' separators; left unchanged"
    out = io.StringIO()
    writer = csv.writer(out, delimiter=",", lineterminator="\n")
    for record in records:
        writer.writerow(record.fields if len(record.fields) > 1 or not record.blank else [])
    _replace(path, out.getvalue())
    return f"{path}: {'; '.join(changes)}; wrote UTF-8 with ',' separators"


def _replace(path: Path, text: str) -> None:
    """Write to a temporary file beside ``path``, then swap it in: never half-written."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m policy_windows.data.fix_csv", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("files", nargs="+", type=Path, help="raw CSV files to rewrite")
    status = 0
    for path in parser.parse_args(argv).files:
        try:
            print(rewrite_as_utf8_csv(path))
        except (CannotFix, OSError) as error:
            print(error, file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
