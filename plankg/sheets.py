"""Cells for spreadsheets: formula injection neutralised on the way out, undone on the way in.

Excel, LibreOffice and Google Sheets run a cell that begins with `=`, `+`, `-` or `@` as a
formula (and a tab or carriage return before them does not stop them), so a quote in a plan or a
reviewer's comment such as `=HYPERLINK("http://…"&A2,"click")` or `+cmd|' /C calc'!A0` would
run on the reviewer's machine. Every CSV plankg writes passes its cells through `neutralise`,
which puts an apostrophe in front (the spreadsheet convention for "this is text"; Excel shows
the cell without it). Plain numbers (`-3`, `+1.5`, `-2.4%`) are left alone: they cannot be
formulas and must stay numbers.

`restore` undoes exactly that on import, so what is stored is what the reviewer typed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

FORMULA_START = frozenset("=+-@\t\r")
_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?%?")


def needs_neutralising(text: str) -> bool:
    """Whether a spreadsheet could read `text` as a formula."""
    return bool(text) and text[0] in FORMULA_START and not _NUMBER.fullmatch(text)


def neutralise(value: Any) -> Any:
    """A cell value safe for a spreadsheet: formula-looking text gets a leading apostrophe.
    Values that are not text (numbers, None) pass unchanged."""
    if isinstance(value, str) and needs_neutralising(value):
        return "'" + value
    return value


def neutralise_row(values: Iterable[Any]) -> list[Any]:
    """`neutralise` for every cell of a row."""
    return [neutralise(v) for v in values]


def restore(text: str) -> str:
    """The text a neutralised cell stood for: the apostrophe `neutralise` added is removed
    (only where `neutralise` would have added it)."""
    if text.startswith("'") and needs_neutralising(text[1:]):
        return text[1:]
    return text
