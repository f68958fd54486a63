"""The named queries rewritten for scale (issue 12) answer what they answered before.

tests/golden/queries-before-issue-12/ keeps each query as it was before the rewrite: the plain
form, with one index lookup per row and labels joined from the union of the plan graphs. On the
linked seed store, every rewritten query must return the same rows as its plain form, with its
default parameters and with each parameter set to a value from its own answer. Rows are compared
as multisets; a GROUP_CONCAT cell is compared as the set of its parts, since SPARQL leaves the
order of a group's values open."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest

from plankg.query import _solutions, named_queries
from plankg.store import open_store

BEFORE = Path(__file__).parent / "golden" / "queries-before-issue-12"
NAMES = sorted(p.stem for p in BEFORE.glob("*.rq"))
_PARTS = re.compile("[、；]")


@pytest.fixture(scope="module")
def seed(linked_store):
    return open_store(linked_store, read_only=True)


def _rows(store: ox.Store, text: str, params: dict[str, str]) -> Counter:
    columns, rows = _solutions(store, text, params)

    def cell(term: object) -> object:
        if isinstance(term, ox.Literal):
            return tuple(sorted(_PARTS.split(term.value))), str(term.datatype), term.language
        return None if term is None else str(term)

    return Counter(tuple(cell(r[c]) for c in columns) for r in rows)


def test_every_rewritten_query_has_its_plain_form():
    assert NAMES and set(NAMES) <= set(named_queries())


@pytest.mark.parametrize("name", NAMES)
def test_rewritten_query_gives_the_rows_of_its_plain_form(seed, name):
    query = named_queries()[name]
    before = (BEFORE / f"{name}.rq").read_text(encoding="utf-8")
    now = _rows(seed, query.text, {})
    assert now == _rows(seed, before, {})
    _, rows = _solutions(seed, query.text, {})
    for param in query.params:
        values = sorted({r[param.name].value for r in rows if r[param.name] is not None})
        for value in values[:1]:
            given = {param.name: value}
            assert _rows(seed, query.text, given) == _rows(seed, before, given), given
