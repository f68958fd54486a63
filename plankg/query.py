"""Named SPARQL queries (`queries/*.rq`) and the runner behind `plankg query` and `plankg sparql`.

A query file starts with a header of `#+ key: value` comments (grlc style), which keeps it valid
SPARQL:

    #+ title: Targets / 目标指标
    #+ description: Every quantified target with its indicator, values and the quote behind it.
    #+ param: district = : a district's Chinese name (永川区); empty for all
    #+ exclude: review_status = rejected

`#+ exclude: column = value` drops the rows whose column has that value unless the caller asks
for every row (`plankg query --include-rejected`): rejected links stay out of answers by default.

Parameters are bound as RDF terms through pyoxigraph's substitutions (never spliced into the
text). Oxigraph accepts substitutions only for projected variables and binds them before the
query runs, so a parameter is one of the result columns (`-p district=永川区` keeps the rows
whose `district` is 永川区), and a query must always bind that variable itself (with COALESCE
after an OPTIONAL): an unbound BIND would let every row through carrying the parameter's value): a value that looks like an IRI becomes an IRI, an integer an xsd:integer, anything else a
plain string literal. An empty value leaves the variable unbound (all districts, …).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import resources
from typing import Any

import pyoxigraph as ox

from plankg import iri
from plankg.errors import PlankgError
from plankg.iri import PREFIXES
from plankg.sheets import neutralise_row

_HEADER = re.compile(r"^#\+\s*(\w+)\s*:\s*(.*)$")
_PARAM = re.compile(r"^(\w+)\s*(?:=\s*([^:]*?))?\s*(?::\s*(.*))?$")
FORMATS = ("table", "csv", "json", "md")
_IRI = re.compile(r"^https?://\S+$")


class QueryError(PlankgError):
    """A query is unknown, malformed, or given a bad parameter."""

    code = "E020"


@dataclass(frozen=True)
class Param:
    name: str
    default: str
    description: str


@dataclass(frozen=True)
class NamedQuery:
    name: str
    text: str
    title: str = ""
    description: str = ""
    params: tuple[Param, ...] = field(default_factory=tuple)
    exclude: tuple[tuple[str, str], ...] = ()  # (column, value): rows dropped by default


def parse_query_file(name: str, text: str) -> NamedQuery:
    meta: dict[str, str] = {}
    params: list[Param] = []
    exclude: list[tuple[str, str]] = []
    for line in text.splitlines():
        m = _HEADER.match(line.strip())
        if not m:
            continue
        key, value = m.group(1), m.group(2).strip()
        if key == "exclude":
            column, _, value = value.partition("=")
            exclude.append((column.strip(), value.strip()))
        elif key == "param":
            pm = _PARAM.match(value)
            if pm:
                params.append(
                    Param(pm.group(1), (pm.group(2) or "").strip(), (pm.group(3) or "").strip())
                )
        else:
            meta[key] = (meta[key] + " " + value) if key in meta else value
    return NamedQuery(
        name,
        text,
        meta.get("title", name),
        meta.get("description", ""),
        tuple(params),
        tuple(exclude),
    )


def named_queries() -> dict[str, NamedQuery]:
    """Every `.rq` file shipped in plankg.queries, by name (file name without .rq)."""
    out = {}
    for f in sorted(resources.files("plankg.queries").iterdir(), key=lambda p: p.name):
        if f.name.endswith(".rq"):
            out[f.name[:-3]] = parse_query_file(f.name[:-3], f.read_text(encoding="utf-8"))
    return out


def get_query(name: str) -> NamedQuery:
    queries = named_queries()
    if name not in queries:
        raise QueryError(f"no query named {name!r}; `plankg query --list` shows them")
    return queries[name]


def term(value: str) -> ox.NamedNode | ox.Literal:
    """The RDF term a parameter value stands for; a value that starts like an IRI must be a
    valid one (so `http://x> } ; DROP ALL` is refused, never turned into a literal)."""
    if re.match(r"^https?://", value):
        try:
            return ox.NamedNode(value)
        except ValueError:
            raise QueryError(f"parameter value {value!r} is not a valid IRI") from None
    if re.fullmatch(r"-?\d+", value):
        return ox.Literal(value, datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
    return ox.Literal(value)


def _solutions(
    store: ox.Store,
    text: str,
    params: Mapping[str, str] | None,
) -> tuple[list[str], list[dict[str, Any]]]:
    """Columns and rows of RDF terms (None where unbound) of a SELECT or ASK query."""
    substitutions = {ox.Variable(k): term(v) for k, v in (params or {}).items() if v != ""}
    try:
        result = store.query(
            text, use_default_graph_as_union=True, prefixes=PREFIXES, substitutions=substitutions
        )
    except SyntaxError as exc:
        raise QueryError(f"the query does not parse: {exc}") from None
    except OSError as exc:
        raise QueryError(f"the query failed: {exc}") from None
    if isinstance(result, bool | ox.QueryBoolean):
        return ["ask"], [
            {"ask": ox.Literal("true" if bool(result) else "false", datatype=_BOOLEAN)}
        ]
    if not hasattr(result, "variables"):  # QuerySolutions, or a remote store's equivalent
        raise QueryError("only SELECT and ASK queries give rows; use export-rdf for graphs")
    columns = [v.value for v in result.variables]
    return columns, [{c: s[c] for c in columns} for s in result]


def run_sparql(
    store: ox.Store,
    text: str,
    params: Mapping[str, str] | None = None,
) -> tuple[list[str], list[dict[str, str | None]]]:
    """Run a SELECT (or ASK) query over the union of all graphs; rows as dicts of strings."""
    columns, rows = _solutions(store, text, params)
    return columns, [{c: (None if t is None else t.value) for c, t in r.items()} for r in rows]


def _named(
    store: ox.Store, name: str, params: Mapping[str, str] | None, include_excluded: bool
) -> tuple[list[str], list[dict[str, Any]]]:
    query = get_query(name)
    given = dict(params or {})
    unknown = set(given) - {p.name for p in query.params}
    if unknown:
        known = ", ".join(p.name for p in query.params) or "none"
        raise QueryError(
            f"query {name!r} has no parameter {', '.join(sorted(unknown))} "
            f"(its parameters: {known})"
        )
    values = {p.name: given.get(p.name, p.default) for p in query.params}
    columns, rows = _solutions(store, query.text, values)
    if query.exclude and not include_excluded:
        rows = [
            r
            for r in rows
            if not any(r.get(c) is not None and r[c].value == v for c, v in query.exclude)
        ]
    return columns, rows


def run_named(
    store: ox.Store,
    name: str,
    params: Mapping[str, str] | None = None,
    *,
    include_excluded: bool = False,
) -> tuple[list[str], list[dict[str, str | None]]]:
    """Run a named query; parameters not given take their declared defaults. Rows that the
    query's `#+ exclude:` lines name (rejected links) are dropped unless `include_excluded`."""
    columns, rows = _named(store, name, params, include_excluded)
    return columns, [{c: (None if t is None else t.value) for c, t in r.items()} for r in rows]


# -- typed results for Python ---------------------------------------------------------------------
_XSD = "http://www.w3.org/2001/XMLSchema#"
_BOOLEAN = ox.NamedNode(_XSD + "boolean")
_INTEGERS = {
    _XSD + t
    for t in (
        "integer",
        "int",
        "long",
        "short",
        "byte",
        "nonNegativeInteger",
        "positiveInteger",
        "negativeInteger",
        "nonPositiveInteger",
        "unsignedInt",
        "unsignedLong",
        "unsignedShort",
        "unsignedByte",
    )
}


def python_value(t: ox.NamedNode | ox.Literal | ox.BlankNode | None) -> Any:
    """A result term as the Python value a researcher expects: xsd integers as int, xsd:decimal
    as Decimal (exact, as printed in the plans), xsd:double/float as float, xsd:date as date,
    xsd:dateTime as datetime, xsd:gYear as int, xsd:boolean as bool, IRIs and every other
    literal as str, unbound as None. A literal that does not parse as its type stays a str."""
    if t is None:
        return None
    if not isinstance(t, ox.Literal):
        return t.value
    kind, value = t.datatype.value, t.value
    try:
        if kind in _INTEGERS or kind == _XSD + "gYear":
            return int(value)
        if kind == _XSD + "decimal":
            return Decimal(value)
        if kind in (_XSD + "double", _XSD + "float"):
            return float(value)
        if kind == _XSD + "boolean":
            return value in ("true", "1")
        if kind == _XSD + "date":
            return dt.date.fromisoformat(value)
        if kind == _XSD + "dateTime":
            return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (ValueError, ArithmeticError):
        return value
    return value


class Result(list):
    """Rows of a query as a list of dicts of typed values (see `python_value`), with the
    column order kept in `columns`; `to_dataframe()` gives a pandas DataFrame."""

    def __init__(self, columns: list[str], rows: list[dict[str, Any]]) -> None:
        super().__init__(rows)
        self.columns = columns

    def to_dataframe(self) -> Any:
        """The rows as a pandas DataFrame (columns in query order, values typed)."""
        try:
            import pandas as pd
        except ImportError:
            raise QueryError("to_dataframe() needs pandas: pip install pandas") from None
        return pd.DataFrame(list(self), columns=self.columns)


def query(store: ox.Store, name: str, *, include_rejected: bool = False, **params: str) -> Result:
    """Rows of a named query, typed: ints, Decimals, dates and bools, IRIs as str.

    >>> rows = query(open_store(read_only=True), "targets", district="永川区")
    >>> rows[0]["target_year"], rows.to_dataframe()
    """
    columns, rows = _named(store, name, params, include_rejected)
    return Result(columns, [{c: python_value(t) for c, t in r.items()} for r in rows])


def sparql(store: ox.Store, text: str, **params: str) -> Result:
    """Rows of any SELECT or ASK query over the union of graphs, typed like `query`."""
    columns, rows = _solutions(store, text, params)
    return Result(columns, [{c: python_value(t) for c, t in r.items()} for r in rows])


# -- formatting ---------------------------------------------------------------------------------
def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _clip(text: str, limit: int) -> str:
    text = text.replace("\n", " ")
    if _width(text) <= limit:
        return text
    out, w = "", 0
    for ch in text:
        w += 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        if w > limit - 1:
            return out + "…"
        out += ch
    return out


def _display_prefixes() -> list[tuple[str, str]]:
    """Namespaces to shorten IRIs with in terminal tables, longest first (so `plan:` wins over
    the base), from the query prefixes and plankg's own IRI families (plankg.iri)."""
    own = {
        name: iri.BASE + name + "/"
        for name in ("plan", "district", "place", "unit", "link", "review", "graph", "run")
    }
    pairs = {**own, **PREFIXES}
    return sorted(((ns, p) for p, ns in pairs.items()), key=lambda x: -len(x[0]))


def compact(value: str, prefixes: list[tuple[str, str]] | None = None) -> str:
    """`https://w3id.org/plankg/plan/yongchuan-…/measure/12-80` → `plan:yongchuan-…/measure/12-80`;
    anything that is not an IRI of a known namespace is returned as it is."""
    if not value.startswith(("http://", "https://")) or " " in value:
        return value
    for ns, prefix in prefixes or _display_prefixes():
        if value.startswith(ns) and len(value) > len(ns):
            return f"{prefix}:{value[len(ns) :]}"
    return value


def plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def format_rows(
    columns: list[str],
    rows: list[dict[str, str | None]],
    fmt: str,
    *,
    max_cell: int = 40,
    wide: bool = False,
) -> str:
    """Rows as an aligned table for the terminal (IRIs shortened with prefixes, cells clipped at
    `max_cell` display columns unless `wide`, IRIs never; Chinese characters count two), CSV (UTF-8 with BOM,
    for Excel), JSON or Markdown."""
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=1) + "\n"
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow(columns)
        writer.writerows([neutralise_row(r[c] or "" for c in columns) for r in rows])
        return "\ufeff" + buf.getvalue()
    limit = 10**9 if wide else max_cell
    if fmt == "md":
        cells = [[_clip(r[c] or "", limit) for c in columns] for r in rows]
        esc = [[c.replace("|", "\\|") for c in row] for row in cells]
        lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
        lines += ["| " + " | ".join(row) + " |" for row in esc]
        return "\n".join(lines) + "\n"
    prefixes = _display_prefixes()

    def cell(value: str) -> str:  # an IRI is shortened, never cut: a cut IRI names nothing
        short = compact(value, prefixes)
        return short if short != value or _IRI.match(value) else _clip(value, limit)

    cells = [[cell(r[c] or "") for c in columns] for r in rows]
    widths = [max([_width(c)] + [_width(row[i]) for row in cells]) for i, c in enumerate(columns)]

    def line(values: list[str]) -> str:
        return "  ".join(v + " " * (widths[i] - _width(v)) for i, v in enumerate(values)).rstrip()

    out = [line(columns), line(["-" * w for w in widths])] + [line(row) for row in cells]
    out.append(f"({plural(len(rows), 'row')})")
    return "\n".join(out) + "\n"
