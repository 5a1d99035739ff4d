"""One raw file in: a table of text cells indexed by physical line, and its CSV problems.

The data format is UTF-8, comma-separated CSV. Anything else that Excel and editors
produce gets a :class:`Problem` that names the file, the line, the column where it
applies, what was found and the fix: Windows-1252 bytes, ``;`` or tab separators, a
workbook renamed to .csv, broken quotes, trailing separators, rows with the wrong number
of cells, rows of only separators. Text files are still read as well as possible, so one
run reports these together with every problem in the cells.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from policy_windows.data.csv_reader import (
    SEPARATORS,
    QuoteError,
    Record,
    detect_separator,
    not_csv,
    parse_records,
    split_lines,
)
from policy_windows.data.problems import LINE_OFFSET, Problem, describe_character

# frame.attrs keys: problems found while reading, and how much of the file can be checked.
READ_PROBLEMS = "read_problems"
CHECK = "check"  # "rows" (default), "header" (columns only) or "nothing" (not CSV text)

FIX_COMMAND = "python -m policy_windows.data.fix_csv"
SAVE_AS = "save it from Excel with File > Save As > 'CSV UTF-8 (door komma's gescheiden) (*.csv)'"
_CURLY_DOUBLE = "\u201c\u201d\u201e\u201f"


def _show(sep: str) -> str:
    return "'\\t' (tab)" if sep == "\t" else f"'{sep}'"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _clip(text: str, width: int = 40) -> str:
    return text if len(text) <= width else text[:width] + "..."


# --------------------------------------------------------------------------- messages


def _column_at(rows: list[Record], names: list[str], line: int, at: int) -> str | None:
    """The header name of the data cell that holds character ``at`` of ``line``."""
    for record in rows:
        if record.fields and record.line <= line <= record.end_line:
            cell = sum(1 for start in record.starts if start <= (line, at)) - 1
            return names[cell] if 0 <= cell < len(names) else None
    return None


def _encoding_problem(name: str, path: Path, bad: list, rows: list, names: list) -> Problem:
    line, at, byte = bad[0]
    char = byte.decode("cp1252", errors="replace")
    reading = f"'{char}' in Windows-1252" if char != "\ufffd" else "not Windows-1252 either"
    others = [str(number) for number, _, _ in bad[1:]]
    more = f"; {len(others)} more line(s) too: {', '.join(others[:5])}" if others else ""
    more += ", ..." if len(others) > 5 else ""
    return Problem(
        name,
        line,
        _column_at(rows, names, line, at),
        None,
        f"the file is not UTF-8: byte 0x{byte.hex().upper()} at character {at + 1} of the line "
        f"({reading}){more}; it looks like Excel's 'CSV (gescheiden door lijstscheidingsteken)' "
        f"(Windows-1252): convert it with `{FIX_COMMAND} {path}`, or {SAVE_AS}",
    )


def _separator_problem(name: str, path: Path, line: int, sep: str) -> Problem:
    why = " (what Excel writes under Dutch regional settings)" if sep == ";" else ""
    return Problem(
        name,
        line,
        None,
        None,
        f"cells are separated by {_show(sep)}, not ','{why}; the data format is "
        f"comma-separated: rewrite the file with `{FIX_COMMAND} {path}`",
    )


def _quote_problem(name: str, error: QuoteError, names: list[str], lines: list[str]) -> Problem:
    """A broken quoted cell; ``names`` is empty when the cell is in the header itself."""
    raw = lines[error.open_line - 1][error.open_at :]
    column = names[error.field] if error.field < len(names) else None
    if error.stop_line == error.open_line:
        fix = "write the whole cell in quotes and double each '\"' inside it"
        if error.field == len(names) - 1:  # the last cell: the rest of the line is the cell
            inner = raw[1:-1] if raw.endswith('"') and len(raw) > 1 else raw
            fix += ': "' + _clip(inner.replace('"', '""'), 50) + '"'
        message = (
            "a '\"' inside a quoted cell ends the cell early (a cell that starts with '\"' "
            f"runs to the next '\"'); {fix}"
        )
    else:
        ran = (
            "to the end of the file" if error.stop_line is None else f"into line {error.stop_line}"
        )
        message = (
            f"unbalanced quote starting at line {error.open_line}: the '\"' that opens this cell "
            f"is not closed on that line, so the cell ran on {ran}; add the closing '\"' at the "
            "end of the cell (and write a '\"' inside a cell as '\"\"')"
        )
    return Problem(name, error.open_line, column, _clip(raw), message)


def _width_problem(name: str, record: Record, lines: list[str], sep: str, width: int) -> Problem:
    """A row that does not split into the header's cells, with the likeliest cause."""
    raw = lines[record.line - 1 : record.end_line]
    cells = len(record.fields)
    if cells > width:
        fix = f"quote any cell that contains a {'comma' if sep == ',' else _show(sep)}"
    else:
        fix = f"a cell or a {_show(sep)} is missing: every row needs {width} cells, empty ones too"
    for other in SEPARATORS:
        if other != sep and other in raw[0] and len(parse_records(raw, other)[0].fields) == width:
            fix = f"this line separates its cells with {_show(other)}; use {_show(sep)}"
    for offset, text in enumerate(raw):
        curly = [at for at, char in enumerate(text) if char in _CURLY_DOUBLE]
        if curly:
            where = describe_character(text[curly[0]], curly[0] + 1, fix=False)
            fix += (
                f"; line {record.line + offset} has {where}, which CSV does not read as a "
                "quote: use the ASCII double quote '\"'"
            )
            break
    message = f"row has {_count(cells, 'cell')} but the header has {width}; {fix}"
    return Problem(name, record.line, None, None, message)


def _empty_rows_problem(name: str, run: list[int]) -> Problem:
    one = len(run) == 1
    where = f"line {run[0]} contains" if one else f"lines {run[0]}-{run[-1]} contain"
    return Problem(
        name,
        run[0],
        None,
        None,
        f"{where} only separators (an empty row, e.g. left by Excel); "
        f"delete {'it' if one else 'them'}",
    )


def _trailing_problem(
    name: str, record: Record, extra: int, sep: str, after: str | None = None
) -> Problem:
    """Empty cells after the last column: a trailing separator, e.g. left by Excel."""
    one = extra == 1
    if after is not None:
        what = f"the header has {_count(extra, 'extra empty column')} after '{after}'"
        excel = f" (in Excel: delete the empty column{'' if one else 's'} right of '{after}')"
    else:
        what, excel = f"row ends with {_count(extra, 'extra empty cell')}", ""
    trailing = f"{'a' if one else extra} trailing {_show(sep)}"
    return Problem(
        name,
        record.line,
        None,
        None,
        f"{what} ({trailing} at the end of line {record.end_line}); "
        f"delete {'it' if one else 'them'}{excel}",
    )


# --------------------------------------------------------------------------- the table


def _frame(check: str, problems: list[Problem], columns=(), rows=(), index=()) -> pd.DataFrame:
    frame = pd.DataFrame(
        list(rows), columns=list(columns), index=pd.Index(list(index)), dtype=object
    )
    frame.attrs[READ_PROBLEMS] = problems
    frame.attrs[CHECK] = check
    return frame


def _header(record: Record, sep: str, name: str) -> tuple[list[str], int, list[Problem]]:
    """Column names without trailing empty ones, their number, and the header's problems."""
    names = list(record.fields)
    kept = len(names)
    while kept > 1 and not names[kept - 1].strip():
        kept -= 1
    trailing = len(names) - kept if names and names[kept - 1].strip() else 0
    problems = []
    if trailing:
        names = names[:kept]
        problems.append(_trailing_problem(name, record, trailing, sep, after=names[-1]))
    return names, trailing, problems


def _rows(
    name: str, rows: list[Record], names: list[str], trailing: int, sep: str, lines: list[str]
) -> tuple[list[list[str]], list[int], list[Problem]]:
    """The data rows that split into the header's cells, their index, and the problems.

    ``trailing`` empty cells after the last column are the header's own trailing
    separators, already reported once for the whole file.
    """
    width, cells, index, problems, empty = len(names), [], [], [], []
    for record in rows:
        if record.fields and record.blank:
            empty.append(record.line)
            continue
        if empty:
            problems.append(_empty_rows_problem(name, empty))
            empty = []
        if record.error is not None:
            problems.append(_quote_problem(name, record.error, names, lines))
        fields = record.fields
        if len(fields) > width and not any(cell.strip() for cell in fields[width:]):
            if len(fields) - width > trailing:
                extra = len(fields) - width - trailing
                problems.append(_trailing_problem(name, record, extra, sep))
            fields = fields[:width]
        if len(fields) != width:
            if record.error is None:
                problems.append(_width_problem(name, record, lines, sep, width))
            continue
        cells.append(fields)
        index.append(record.line - LINE_OFFSET)
    if empty:
        problems.append(_empty_rows_problem(name, empty))
    return cells, index, problems


def read_raw_file(path: Path) -> pd.DataFrame:
    """One raw file as text cells, indexed so that physical line = index + 2.

    ``attrs[READ_PROBLEMS]`` lists what is wrong with the file as CSV text. Rows that do
    not split into the header's cells (too many or too few cells, a broken quote) are
    left out and named there, since which cell is missing or extra is anyone's guess;
    rows that merely end in empty cells are kept.
    """
    path = Path(path)
    name, data = path.name, path.read_bytes()
    kind = not_csv(data)
    if kind is not None:
        fix = f"this is {kind}, not CSV text; {SAVE_AS}, then run `{FIX_COMMAND} {path}`"
        return _frame("nothing", [Problem(name, None, None, None, fix)])
    lines, bad = split_lines(data)
    header_at = next((i for i, text in enumerate(lines) if text.strip()), None)
    if header_at is None:
        return _frame("rows", [])
    sep = detect_separator(lines[header_at])
    records = [r for r in parse_records(lines, sep) if r.error or len(r.fields) > 1 or not r.blank]
    header, rows = records[0], records[1:]
    problems = [] if header.error is None else [_quote_problem(name, header.error, [], lines)]
    names, trailing, header_problems = _header(header, sep, name)
    problems += header_problems
    if sep != ",":
        problems.append(_separator_problem(name, path, header.line, sep))
    if bad:
        problems.append(_encoding_problem(name, path, bad, rows, names))
    twice = [n for n in dict.fromkeys(names) if names.count(n) > 1]
    if twice:
        problems += [
            Problem(
                name,
                header.line,
                n,
                None,
                f"column appears {names.count(n)} times in the header; keep one",
            )
            for n in twice
        ]
        return _frame("header", problems, dict.fromkeys(names))
    cells, index, row_problems = _rows(name, rows, names, trailing, sep, lines)
    return _frame("rows", problems + row_problems, names, cells, index)
