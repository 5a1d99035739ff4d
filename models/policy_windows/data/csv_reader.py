"""The physical-line CSV parser: bytes to records, each tagged with the lines it spans.

One parser, a small strict CSV scanner, decides both what the records are and on which
line each one starts, so every message can point at the line a coder sees in an editor,
also after a quoted cell that spans lines, a blank line or a broken row (pandas' parser
drops some broken rows silently, which shifted every later line number). Lines that are
not UTF-8 are decoded as Windows-1252 and reported, never silently accepted; the
messages and the table built from the records are in :mod:`policy_windows.data.csv_intake`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

SEPARATORS = (",", ";", "\t")
_NEWLINE = re.compile(rb"\r\n|\r|\n")
_BINARY = {
    b"PK\x03\x04": "an Excel workbook (.xlsx, a ZIP archive)",
    b"\xd0\xcf\x11\xe0": "an old-style Excel workbook (.xls)",
    b"\xff\xfe": "UTF-16 text (Excel's 'Unicode-tekst')",
    b"\xfe\xff": "UTF-16 text (Excel's 'Unicode-tekst')",
}


@dataclass
class QuoteError:
    """A quoted cell the strict scan could not close: where it opened, where it broke."""

    open_line: int
    open_at: int  # character index of the opening quote on open_line
    field: int
    stop_line: int | None  # line whose text follows a closing quote; None: end of file


@dataclass
class Record:
    line: int  # physical line where the record starts
    end_line: int
    fields: list[str]
    starts: list[tuple[int, int]] = field(default_factory=list)  # (line, index) of each cell
    error: QuoteError | None = None

    @property
    def blank(self) -> bool:
        return not any(cell.strip() for cell in self.fields)


def _scan(lines: list[str], first: int, sep: str, lenient: bool = False):
    """One record from ``lines[first]`` on: (record, index of the next line, error or None).

    Strict CSV: a cell that starts with '"' runs to the next single '"', which must be
    followed by the separator or the end of the line. ``lenient`` re-reads one line the
    way a forgiving reader would (text after a closing quote is kept, an unclosed quote
    ends at the end of the line) to recover the cells of a broken record.
    """
    fields: list[str] = []
    starts = [(first + 1, 0)]
    cell: list[str] = []
    state, index, pos, line, opened = "start", first, 0, lines[first], (first, 0)
    while True:
        if pos == len(line):
            if state != "quoted" or lenient:
                fields.append("".join(cell))
                return Record(first + 1, index + 1, fields, starts), index + 1, None
            if index + 1 == len(lines):
                return None, index + 1, QuoteError(opened[0] + 1, opened[1], len(fields), None)
            cell.append("\n")
            index, pos, line = index + 1, 0, lines[index + 1]
            continue
        char = line[pos]
        if state == "quoted" and char == '"':
            state = "closing"
        elif state == "quoted":
            cell.append(char)
        elif state == "closing" and char == '"':
            cell.append('"')
            state = "quoted"
        elif char == sep and state != "quoted":
            fields.append("".join(cell))
            cell, state = [], "start"
            starts.append((index + 1, pos + 1))
        elif state == "closing" and not lenient:
            return None, index + 1, QuoteError(opened[0] + 1, opened[1], len(fields), index + 1)
        elif state == "start" and char == '"':
            state, opened = "quoted", (index, pos)
        else:
            cell.append(char)
            state = "plain"
        pos += 1


_CELL = {
    sep: re.compile(rf'"((?:[^"]|"")*)"|([^{re.escape(sep)}"][^{re.escape(sep)}]*)?') for sep in SEPARATORS
}


def _one_line(line: str, number: int, sep: str) -> Record | None:
    """The record of one line, read cell by cell with a regular expression, or None.

    None unless every cell is plain or quoted and closed on this line, each followed by the
    separator or the end of the line: exactly the records :func:`_scan` reads without
    crossing a line or finding an error, and with the same cells. Everything else (a quoted
    cell that spans lines, a broken quote) is left to :func:`_scan`. This is only a faster
    path, linear in the line with the work done in the regular-expression engine.
    """
    cell, fields, starts, pos, end = _CELL[sep], [], [], 0, len(line)
    while True:
        match = cell.match(line, pos)
        stop = match.end()
        if stop < end and line[stop] != sep:
            return None
        quoted = match.group(1)
        fields.append(quoted.replace('""', '"') if quoted is not None else match.group(0))
        starts.append((number, pos))
        if stop == end:
            return Record(number, number, fields, starts)
        pos = stop + 1


def parse_records(lines: list[str], sep: str) -> list[Record]:
    """Every record with its physical lines; broken quoted cells carry a :class:`QuoteError`.

    After a quote error the scan restarts on the line after the opening quote, so one
    missing quote costs one record, and the record on that line is re-read leniently.
    """
    records: list[Record] = []
    index = 0
    while index < len(lines):
        record = _one_line(lines[index], index + 1, sep)
        if record is not None:
            records.append(record)
            index += 1
            continue
        record, after, error = _scan(lines, index, sep)
        if error is not None:
            record = None
            if error.open_line - 1 == index:
                record = _scan(lines, index, sep, lenient=True)[0]
                record.error = error
            else:
                records.append(Record(error.open_line, error.open_line, [], error=error))
            after = error.open_line
        if record is not None:
            records.append(record)
        index = after
    return records


def split_lines(data: bytes) -> tuple[list[str], list[tuple[int, int, bytes]]]:
    """Physical lines as text, and (line, character index, bytes) of each non-UTF-8 line.

    Lines that are not UTF-8 are read as Windows-1252, the encoding of Excel's default
    'CSV (gescheiden door lijstscheidingsteken)' under Dutch settings.
    """
    data = data.removeprefix(b"\xef\xbb\xbf")
    chunks = _NEWLINE.split(data)
    if chunks and chunks[-1] == b"":
        chunks.pop()
    lines, bad = [], []
    for number, chunk in enumerate(chunks, start=1):
        try:
            lines.append(chunk.decode("utf-8"))
        except UnicodeDecodeError as error:
            at = len(chunk[: error.start].decode("cp1252", errors="replace"))
            bad.append((number, at, chunk[error.start : error.start + 1]))
            lines.append(chunk.decode("cp1252", errors="replace"))
    return lines, bad


def not_csv(data: bytes) -> str | None:
    """What the file is if it is not text at all (a workbook, UTF-16), else None."""
    for magic, kind in _BINARY.items():
        if data.startswith(magic):
            return kind
    return "UTF-16 or other binary data" if b"\x00" in data[:4096] else None


def detect_separator(header: str) -> str:
    """The separator of a header line: ',' unless the line has only ';' or only tabs."""
    found = [sep for sep in SEPARATORS if sep in header]
    return found[0] if found else ","
