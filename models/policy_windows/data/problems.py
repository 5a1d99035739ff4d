"""What validation reports: one :class:`Problem` per mistake, located for a coder's editor.

Also names characters that look like the allowed ones but are not (a minus sign for a
hyphen, a no-break space, an invisible zero-width space), since ``got '−1'; expected one
of -1, 0, 1`` is useless when both look the same on screen.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace

# The header is line 1 and the first data row line 2, so line = index + 2.
LINE_OFFSET = 2


@dataclass(frozen=True)
class Problem:
    """One thing wrong in the raw data, located precisely enough to fix it by hand."""

    file: str
    line: int | None
    column: str | None
    value: str | None
    message: str

    def __str__(self) -> str:
        where = [self.file]
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        what = self.message if self.value is None else f"got '{self.value}'; {self.message}"
        return f"{', '.join(where)}: {what}"


def format_problems(problems: Iterable[Problem]) -> str:
    """Header line plus one problem per line, the text users see on failure."""
    problems = list(problems)
    return "\n".join([f"{len(problems)} problem(s) in raw data:", *map(str, problems)])


class RawDataError(ValueError):
    """Raised when the raw data has problems; ``.problems`` holds all of them."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        super().__init__(format_problems(self.problems))


# --------------------------------------------------------------------------- look-alike characters

_ASCII_TWINS = {
    "-": "use the ASCII hyphen-minus '-'",
    "'": 'use the ASCII apostrophe "\'"',
    '"': "use the ASCII double quote '\"'",
}
_TWIN_OF = {
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d", "-"),
    **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u00b4", "'"),
    **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb", '"'),
}
_CONTROL_NAMES = {"\t": "CHARACTER TABULATION", "\n": "LINE FEED", "\r": "CARRIAGE RETURN"}


def _name(char: str) -> str:
    return unicodedata.name(char, "") or _CONTROL_NAMES.get(char, "CONTROL CHARACTER")


def _fix(char: str) -> str:
    if char in _TWIN_OF:
        return _ASCII_TWINS[_TWIN_OF[char]]
    category = unicodedata.category(char)
    if char == "\ufeff":
        return (
            "an invisible byte order mark, e.g. left where two files were pasted together; "
            "delete it"
        )
    if category == "Zs":
        return "type an ordinary space or delete it"
    if category == "Cf":
        return "it is invisible; delete it"
    if category == "Cc":
        return "a control character; delete it"
    plain = unicodedata.normalize("NFKC", char)
    if plain.isascii() and plain.isprintable() and plain:
        return f"use the ASCII '{plain}'"
    return "type it with plain ASCII characters"


def describe_character(char: str, position: int, fix: bool = True) -> str:
    """E.g. ``"U+2212 MINUS SIGN at position 1; use the ASCII hyphen-minus '-'"``."""
    where = f"U+{ord(char):04X} {_name(char)} at position {position}"
    return f"{where}; {_fix(char)}" if fix else where


def describe_characters(value: str, limit: int = 3) -> str:
    """Name every character of ``value`` that is not printable ASCII, and its fix.

    ``'−1'`` gives ``"U+2212 MINUS SIGN at position 1; use the ASCII hyphen-minus '-'"``;
    an all-ASCII value gives ``""``. Positions count characters from 1.
    """
    notes = [
        describe_character(char, position)
        for position, char in enumerate(value, start=1)
        if not " " <= char <= "~"
    ]
    if len(notes) > limit:
        notes = [*notes[:limit], f"and {len(notes) - limit} more such character(s)"]
    return "; ".join(notes)


def with_character_notes(problem: Problem) -> Problem:
    """The problem with its value's look-alike characters named at the end of the message."""
    notes = describe_characters(problem.value) if problem.value else ""
    return replace(problem, message=f"{problem.message}; {notes}") if notes else problem
