"""Start a new municipality from a template: its rows in every coded file, keys filled in.

    python -m policy_windows.data.template 9 --out data/raw

appends 1 row to municipalities.csv, one row per codebook factor (24) to
factor_codes.csv, 6 rows (phase x stream) to stream_movement.csv and 2 (phase) to
policy_windows.csv. Only the keys (municipality, phase, stream, factor) are filled in;
code, movement, window and evidence are left empty, and so are the municipality's facts
unless given as options. Validation then lists exactly the cells still to be filled in.
The command refuses a municipality that already has rows, and writes all files or none.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from policy_windows.constants import PHASES, RAW_COLUMNS, STREAMS
from policy_windows.data.csv_intake import FIX_COMMAND
from policy_windows.data.csv_reader import detect_separator, not_csv, split_lines
from policy_windows.data.rules import CODEBOOK, MUNICIPALITIES
from policy_windows.data.validation import find_problems, read_raw_tables

FACTS = ("population_band", "approach_level", "respondent_ids", "source")


class TemplateError(ValueError):
    """The template cannot be added; the message says why and what to do."""


def template_tables(
    municipality: int, codebook: pd.DataFrame, facts: Mapping[str, str] | None = None
) -> dict[str, pd.DataFrame]:
    """The new municipality's rows per raw file (all cells text, unknown ones empty).

    ``codebook`` supplies the factors, in its order, with their phase and stream;
    ``facts`` optionally fills in the municipality's population_band, approach_level,
    respondent_ids (which also sets n_respondents) and source.
    """
    m = str(municipality)
    facts = {key: value for key, value in (facts or {}).items() if value}
    ids = facts.get("respondent_ids", "")
    row = {
        "municipality": m,
        **{key: facts.get(key, "") for key in FACTS},
        "n_respondents": str(len(ids.split(";"))) if ids else "",
    }
    factors = codebook[["factor", "phase", "stream"]].astype(str)
    tables = {
        MUNICIPALITIES: pd.DataFrame([row]),
        "factor_codes.csv": factors.assign(municipality=m, code="", evidence=""),
        "stream_movement.csv": pd.DataFrame(
            [(m, phase, stream, "", "") for phase in PHASES for stream in STREAMS],
            columns=RAW_COLUMNS["stream_movement.csv"],
        ),
        "policy_windows.csv": pd.DataFrame(
            [(m, phase, "", "") for phase in PHASES], columns=RAW_COLUMNS["policy_windows.csv"]
        ),
    }
    return {
        name: table[list(RAW_COLUMNS[name])].reset_index(drop=True)
        for name, table in tables.items()
    }


def _check_can_append(raw_dir: Path, municipality: int) -> dict[str, pd.DataFrame | None]:
    """Refuse unless every file is plain UTF-8 CSV with its columns and no such municipality."""
    tables = read_raw_tables(raw_dir)
    for name in RAW_COLUMNS:
        path = raw_dir / name
        if tables[name] is None:
            raise TemplateError(f"{path} is missing; the template needs all five raw files")
        data = path.read_bytes()
        lines, bad = split_lines(data) if not_csv(data) is None else ([], [(1, 0, b"")])
        if bad or detect_separator(next((t for t in lines if t.strip()), ",")) != ",":
            raise TemplateError(
                f"{path} is not UTF-8 with ',' separators; convert it first with "
                f"`{FIX_COMMAND} {path}`"
            )
        missing = set(RAW_COLUMNS[name]) - set(tables[name].columns)
        if missing:
            raise TemplateError(
                f"{path} lacks column(s) {', '.join(sorted(missing))}; fix its header first"
            )
        rows = tables[name]
        if name != CODEBOOK and (rows["municipality"] == str(municipality)).any():
            lines_taken = [
                str(index + 2) for index in rows.index[rows["municipality"] == str(municipality)]
            ]
            raise TemplateError(
                f"municipality {municipality} already has rows in {path} (line(s) "
                f"{', '.join(lines_taken[:5])}{', ...' if len(lines_taken) > 5 else ''}); "
                "nothing was written"
            )
    codebook_problems = [p for p in find_problems(tables) if p.file == CODEBOOK]
    if codebook_problems:
        raise TemplateError(
            f"{raw_dir / CODEBOOK} has problems, and the template copies its factors; "
            "fix them first:\n" + "\n".join(map(str, codebook_problems))
        )
    return tables


def _appended(path: Path, columns: list[str], table: pd.DataFrame) -> tuple[str, int]:
    """The file's text with the rows appended in its own column order and line ending."""
    data = path.read_bytes()
    text = data.decode("utf-8")
    newline = "\r\n" if b"\r\n" in data else "\n"
    if text and not text.endswith(("\n", "\r")):
        text += newline
    out = io.StringIO()
    csv.writer(out, lineterminator=newline).writerows(table[columns].itertuples(index=False))
    first_line = len(split_lines(data)[0]) + 1
    return text + out.getvalue(), first_line


def append_template(
    raw_dir: Path, municipality: int, facts: Mapping[str, str] | None = None
) -> list[str]:
    """Append the template rows to the raw files in ``raw_dir``; one summary line per file."""
    raw_dir = Path(raw_dir)
    if municipality < 1:
        raise TemplateError(f"municipality must be a whole number >= 1, got {municipality}")
    tables = _check_can_append(raw_dir, municipality)
    new = template_tables(municipality, tables[CODEBOOK], facts)  # type: ignore[arg-type]
    texts, summary = {}, []
    for name, table in new.items():
        path = raw_dir / name
        columns = [str(column) for column in tables[name].columns]  # type: ignore[union-attr]
        texts[path], first = _appended(path, columns, table)
        last = first + len(table) - 1
        where = f"line {first}" if len(table) == 1 else f"lines {first}-{last}"
        summary.append(
            f"{name}: appended {len(table)} row(s) for municipality {municipality} ({where})"
        )
    temporaries = {}
    try:
        for path, text in texts.items():
            handle, temporary = tempfile.mkstemp(
                dir=raw_dir, prefix=f".{path.name}.", suffix=".tmp"
            )
            temporaries[path] = Path(temporary)
            with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
                stream.write(text)
        for path, temporary in temporaries.items():
            os.replace(temporary, path)
    finally:
        for temporary in temporaries.values():
            temporary.unlink(missing_ok=True)
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m policy_windows.data.template", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("municipality", type=int, help="number of the new municipality, e.g. 9")
    parser.add_argument("--out", type=Path, default=Path("data/raw"), help="raw data folder")
    for fact in FACTS:
        parser.add_argument(f"--{fact.replace('_', '-')}", default="", help=f"fills in {fact}")
    args = parser.parse_args(argv)
    facts = {fact: getattr(args, fact) for fact in FACTS}
    try:
        summary = append_template(args.out, args.municipality, facts)
    except (TemplateError, OSError) as error:
        print(error, file=sys.stderr)
        return 1
    print("\n".join(summary))
    print("Fill in the empty cells, then validate: snakemake --cores 1 validate")
    return 0


if __name__ == "__main__":
    sys.exit(main())
