"""The review round trip: a sheet of links for reviewers, and their decisions back into the store.

`export_review_sheet` writes one row per pending link (every link with ``include_reviewed``):
the link's kind, method and score, both ends side by side (jurisdiction of any level, in the
``*_district`` columns, plan, level, label and quote; for a place, its name and gazetteer level), the common parent's quote, the current status,
and empty ``decision``, ``reviewer`` and ``comment`` columns. CSV is UTF-8 with a BOM so that
Excel opens the Chinese text; JSON is a list of objects with the same keys (`COLUMNS`).

`import_review_sheet` reads a filled sheet back (CSV with or without BOM, or JSON) and stores each
decision as a pk:Review in the reviews graph (`iri.REVIEWS_GRAPH`): pk:reviewOf the link,
pk:reviewStatus pk:accepted / pk:rejected (pk:pending takes a decision back), pk:reviewer,
pk:reviewedAt (the ``reviewed_at`` column, else the time of the import) and rdfs:comment. What a
reviewer may write in ``decision`` (接受, 通过, ✓, 拒绝, 否, …) is data: `data/review-decisions.csv`.
An empty decision leaves the link as it is.

The import is all or nothing: every row is checked first, and a sheet with any fault (unknown
link, bad decision, no reviewer, bad date, missing column, conflicting rows for one link, or a
file that is not UTF-8, such as Excel's GBK "CSV" or UTF-16 "Unicode text") raises `ReviewError`
naming the file and the rows at fault, numbered as Excel shows them (the header is row 1). The
reviews are written in one SPARQL update.

Reviews stay attached across re-ingest and re-link: they live in their own graph, and link IRIs
are digests of kind and ends (`plankg.link.link_iri`). A review's IRI is a digest of link,
reviewer and time, so a sheet with a ``reviewed_at`` column imported twice writes nothing new;
a row without one (stamped with the time of the import) is not stored when the same reviewer
already made the same decision, with the same comment, on that link: importing an old sheet again
neither doubles nor revives its decisions. (To restate a decision one changed since, give a
``reviewed_at`` or a comment.)

A link's *effective status* is the status of its latest review by pk:reviewedAt (ties: the
greater review IRI), else pending. The links graph itself keeps pk:pending on every link. The
named queries that list links compute the same status in SPARQL (`review_status` column) and
leave rejected links out unless asked (`#+ exclude: review_status = rejected`).

Times: stored as UTC xsd:dateTime. A ``reviewed_at`` without a zone is read as China Standard
Time (UTC+8, `SHEET_TIMEZONE`), the zone the sheets are filled in.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from plankg import iri
from plankg.errors import PlankgError
from plankg.sheets import needs_neutralising, neutralise_row, restore

if TYPE_CHECKING:
    import pyoxigraph as ox

FORMATS = ("csv", "xlsx", "json")
STATUSES = ("accepted", "rejected", "pending")
SHEET_TIMEZONE = timezone(timedelta(hours=8), "UTC+08:00")
DECISIONS_FILE = "review-decisions.csv"
LINK_COLUMNS = ("link", "links", "link_iri")  # the graph exports' edge sheets name it "links"
MAX_LISTED = 30  # problems spelled out in one error message
_TIME_FORMATS = (
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%Y.%m.%d %H:%M",
    "%Y.%m.%d",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日",
)


class ReviewError(PlankgError):
    """A review sheet cannot be imported; `problems` lists (row, what is wrong), rows 1-based
    with the header as row 1 (entries from 1 in a JSON sheet)."""

    code = "E030"

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        problems: Sequence[tuple[int, str]] = (),
    ) -> None:
        self.problems = tuple(sorted(problems))
        self.rows = tuple(sorted({row for row, _ in self.problems}))
        if self.problems:
            grouped: dict[str, list[int]] = {}  # one line per fault, with every row it is in
            for row, text in self.problems:
                grouped.setdefault(text, []).append(row)
            lines = [
                f"  {'rows' if len(rows) > 1 else 'row'} {_ranges(rows)}: {text}"
                for text, rows in list(grouped.items())[:MAX_LISTED]
            ]
            if len(grouped) > MAX_LISTED:
                lines.append(f"  … and {len(grouped) - MAX_LISTED} more")
            which = "rows" if len(self.rows) > 1 else "row"
            message = (
                f"{message} ({which} {_ranges(self.rows)}); nothing was imported\n"
                + "\n".join(lines)
            )
        super().__init__(message, path=path)


def _ranges(rows: Sequence[int]) -> str:
    """[1, 2, 3, 7] → "1–3, 7" (rows sorted)."""
    spans: list[list[int]] = []
    for row in rows:
        if spans and row == spans[-1][1] + 1:
            spans[-1][1] = row
        else:
            spans.append([row, row])
    return ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in spans)


# --------------------------------------------------------------------------------------------
# Records


@dataclass(frozen=True)
class SheetRow:
    """One row of a review sheet: a link, both ends side by side, and the reviewer's columns.

    ``*_level`` is the plan's level (区县级, 市级) for a measure or target, the gazetteer level
    (district, county, city, province, region_initiative) for a place."""

    link: str
    kind: str
    kind_zh: str
    method: str
    score: str
    status: str
    source_type: str
    source_district: str
    source_plan: str
    source_level: str
    source_label: str
    source_quote: str
    target_type: str
    target_district: str
    target_plan: str
    target_level: str
    target_label: str
    target_quote: str
    common_parent_plan: str
    common_parent_quote: str
    via_places: str
    last_reviewer: str
    last_reviewed_at: str
    last_comment: str
    source: str
    target: str
    decision: str = ""
    reviewer: str = ""
    comment: str = ""


COLUMNS = tuple(f.name for f in fields(SheetRow))


@dataclass(frozen=True)
class Review:
    """A stored decision on one link."""

    iri: str
    link: str
    status: str  # accepted | rejected | pending
    reviewer: str
    reviewed_at: datetime | None
    comment: str = ""

    @property
    def order(self) -> tuple[datetime, str]:
        """Latest review wins; ties go to the greater review IRI (as in the named queries)."""
        return (self.reviewed_at or datetime.min.replace(tzinfo=UTC), self.iri)


@dataclass(frozen=True)
class Decision:
    """A decision read from one row of a sheet (one per link when a cell names several)."""

    row: int
    link: str
    status: str
    reviewer: str
    reviewed_at: datetime
    comment: str
    timed: bool = False  # the time comes from the sheet's reviewed_at column, not the import

    @property
    def iri(self) -> str:
        return review_iri(self.link, self.reviewer, self.reviewed_at)


@dataclass
class ImportReport:
    """What `import_review_sheet` did."""

    path: Path
    rows: int = 0  # data rows read
    skipped: int = 0  # rows without a decision
    added: int = 0  # reviews written
    unchanged: int = 0  # decisions already stored (same sheet again, or a repeated decision)
    statuses: dict[str, int] = field(default_factory=dict)  # written reviews per status

    def summary(self) -> str:
        """One line for the terminal."""
        per = ", ".join(f"{n} {s}" for s, n in sorted(self.statuses.items())) or "none"
        return (
            f"{self.path}: {self.rows} rows, {self.added} reviews stored ({per}), "
            f"{self.unchanged} already stored, {self.skipped} without a decision"
        )


def review_iri(link: str, reviewer: str, reviewed_at: datetime) -> str:
    """The deterministic IRI of a review: a digest of link, reviewer and time."""
    return f"{iri.BASE}review/{iri.digest(link, reviewer, _xsd_time(reviewed_at), length=16)}"


def _xsd_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --------------------------------------------------------------------------------------------
# Decision vocabulary (data/review-decisions.csv)


def _fold(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip().casefold()


@lru_cache(maxsize=1)
def decision_vocabulary() -> dict[str, str]:
    """Written value (folded) → status local name, from data/review-decisions.csv."""
    text = (resources.files("plankg.data") / DECISIONS_FILE).read_text(encoding="utf-8-sig")
    rows = csv.DictReader(
        line for line in text.splitlines() if line.strip() and not line.startswith("#")
    )
    out: dict[str, str] = {}
    for row in rows:
        status = (row.get("decision") or "").strip()
        if status not in STATUSES:
            raise ValueError(f"{DECISIONS_FILE}: unknown decision {status!r}")
        out[_fold(row.get("value") or "")] = status
    return out


def parse_decision(value: str) -> str | None:
    """The status a written decision stands for, or None when it is not in the vocabulary."""
    return decision_vocabulary().get(_fold(value))


# --------------------------------------------------------------------------------------------
# Reading reviews and statuses


_REVIEWS = f"""
SELECT ?review ?link ?status ?reviewer ?at ?comment WHERE {{
  GRAPH <{iri.REVIEWS_GRAPH}> {{
    ?review a pk:Review ; pk:reviewOf ?link ; pk:reviewStatus ?status .
    OPTIONAL {{ ?review pk:reviewer ?reviewer }}
    OPTIONAL {{ ?review pk:reviewedAt ?at }}
    OPTIONAL {{ ?review rdfs:comment ?comment }}
  }}
}}"""
_LINK_IRIS = f"SELECT ?link WHERE {{ GRAPH <{iri.LINKS_GRAPH}> {{ ?link a pk:Link }} }}"


def _rows(store: ox.Store, text: str) -> list[dict[str, str | None]]:
    from plankg.query import run_sparql

    return run_sparql(store, text)[1]


def _parse_stored_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def reviews(store: ox.Store) -> list[Review]:
    """Every review in the reviews graph, oldest first."""
    out = [
        Review(
            r["review"] or "",
            r["link"] or "",
            (r["status"] or "").removeprefix(iri.PK),
            r["reviewer"] or "",
            _parse_stored_time(r["at"]),
            r["comment"] or "",
        )
        for r in _rows(store, _REVIEWS)
    ]
    return sorted(out, key=lambda x: x.order)


def latest_reviews(store: ox.Store) -> dict[str, Review]:
    """Each reviewed link's latest review (including links no longer in the links graph)."""
    out: dict[str, Review] = {}
    for review in reviews(store):  # oldest first: later ones overwrite
        out[review.link] = review
    return out


def link_ids(store: ox.Store) -> set[str]:
    """The IRIs of the links in the links graph."""
    return {r["link"] or "" for r in _rows(store, _LINK_IRIS)}


def link_statuses(store: ox.Store) -> dict[str, str]:
    """Link IRI → effective status (accepted, rejected or pending) for every link in the links
    graph: the status of its latest review, else pending."""
    latest = latest_reviews(store)
    return {
        link: latest[link].status if link in latest else "pending"
        for link in sorted(link_ids(store))
    }


# --------------------------------------------------------------------------------------------
# Export


_SHEET_LINKS = f"""
SELECT ?link ?kind ?kind_zh ?method ?score ?source ?target ?parent ?partner_level WHERE {{
  GRAPH <{iri.LINKS_GRAPH}> {{
    ?link a pk:Link ; pk:linkKind ?k ; pk:linkSource ?source ; pk:linkTarget ?target .
    OPTIONAL {{ ?link pk:method ?method }}
    OPTIONAL {{ ?link pk:score ?score }}
    OPTIONAL {{ ?link pk:commonParent ?parent }}
    OPTIONAL {{ ?link pk:partnerLevel ?partner_level }}
  }}
  OPTIONAL {{ ?k skos:prefLabel ?kl . FILTER(LANG(?kl) = "zh") }}
  BIND(STRAFTER(STR(?k), "#") AS ?kind)
  BIND(STR(?kl) AS ?kind_zh)
}}"""
_SHEET_VIA = f"""
SELECT DISTINCT ?link ?name WHERE {{
  GRAPH <{iri.LINKS_GRAPH}> {{ ?link pk:viaPlace ?via }}
  ?via rdfs:label ?label . FILTER(LANG(?label) = "zh")
  BIND(STR(?label) AS ?name)
}} ORDER BY ?link ?name"""
# Everything a reviewer needs to know about the resources at the ends of links. The plan's place is
# its jurisdiction of any level (pk:jurisdiction), or its pk:district in a store written before.
_SHEET_ENDS = f"""
SELECT DISTINCT ?end ?type ?plan ?jurisdiction ?district ?level ?number ?label ?indicator ?printed ?year
                ?quote ?text WHERE {{
  {{ SELECT DISTINCT ?end WHERE {{
      GRAPH <{iri.LINKS_GRAPH}> {{ ?l pk:linkSource|pk:linkTarget|pk:commonParent ?end }} }} }}
  OPTIONAL {{ ?end a ?t . VALUES ?t {{ pk:Measure pk:Target pk:Place pk:Segment }} }}
  OPTIONAL {{
    ?end pk:plan ?p . ?p dcterms:title ?plan .
    OPTIONAL {{ ?p pk:jurisdiction/rdfs:label ?jl . FILTER(LANG(?jl) = "zh") }}
    OPTIONAL {{ ?p pk:district/rdfs:label ?dl . FILTER(LANG(?dl) = "zh") }}
    OPTIONAL {{ ?p pk:level/skos:prefLabel ?ll . FILTER(LANG(?ll) = "zh") }}
  }}
  OPTIONAL {{ ?end pk:number ?number }}
  OPTIONAL {{ ?end rdfs:label ?lb . FILTER(LANG(?lb) = "zh" || LANG(?lb) = "") }}
  OPTIONAL {{ ?end pk:indicator/skos:prefLabel ?il . FILTER(LANG(?il) = "zh") }}
  OPTIONAL {{ ?end pk:indicatorAsPrinted ?printed }}
  OPTIONAL {{ ?end pk:targetYear ?year }}
  OPTIONAL {{ ?end pk:quote ?quote }}
  OPTIONAL {{ ?end pk:text ?text }}
  BIND(STRAFTER(STR(?t), "#") AS ?type)
  BIND(STR(?jl) AS ?jurisdiction)
  BIND(STR(?dl) AS ?district)
  BIND(STR(?ll) AS ?level)
  BIND(STR(?lb) AS ?label)
  BIND(STR(?il) AS ?indicator)
}}"""


@dataclass(frozen=True)
class _End:
    type: str = ""
    district: str = ""  # the plan's jurisdiction, any level (the sheet's column keeps its name)
    plan: str = ""
    level: str = ""
    label: str = ""
    quote: str = ""


def _ends(store: ox.Store) -> dict[str, _End]:
    """End IRI → what the sheet shows of it (first value of each field, in a stable order)."""
    values: dict[str, dict[str, str]] = defaultdict(dict)
    rows = sorted(_rows(store, _SHEET_ENDS), key=lambda r: tuple(v or "" for v in r.values()))
    for r in rows:
        slot = values[r["end"] or ""]
        for key, value in r.items():
            if value and key == "jurisdiction":
                slot.setdefault("jurisdictions", value)
                if value not in slot["jurisdictions"].split("、"):
                    slot["jurisdictions"] += "、" + value
            elif value and key != "end":
                slot.setdefault(key, value)
    out = {}
    for end, v in values.items():
        kind = v.get("type", "")
        if kind == "Target":
            label = v.get("indicator") or v.get("printed", "")
            if v.get("year"):
                label = f"{label}（{v['year']}年）"
        else:
            label = v.get("number", "") + v.get("label", "")
        out[end] = _End(
            kind,
            v.get("jurisdictions") or v.get("district", ""),
            v.get("plan", ""),
            v.get("level", ""),
            label,
            v.get("quote") or v.get("text", ""),
        )
    return out


def sheet_rows(store: ox.Store, *, include_reviewed: bool = False) -> list[SheetRow]:
    """The rows of a review sheet: every pending link (every link with ``include_reviewed``),
    by kind, districts and descending score."""
    ends = _ends(store)
    via: dict[str, list[str]] = defaultdict(list)
    for r in _rows(store, _SHEET_VIA):
        via[r["link"] or ""].append(r["name"] or "")
    latest = latest_reviews(store)
    out = []
    for r in _rows(store, _SHEET_LINKS):
        link = r["link"] or ""
        review = latest.get(link)
        status = review.status if review else "pending"
        if status != "pending" and not include_reviewed:
            continue
        a, b = ends.get(r["source"] or "", _End()), ends.get(r["target"] or "", _End())
        parent = ends.get(r["parent"] or "", _End()) if r["parent"] else _End()
        b_level = (r["partner_level"] or b.level) if b.type == "Place" else b.level
        out.append(
            SheetRow(
                link=link,
                kind=r["kind"] or "",
                kind_zh=r["kind_zh"] or "",
                method=r["method"] or "",
                score=r["score"] or "",
                status=status,
                source_type=a.type,
                source_district=a.district,
                source_plan=a.plan,
                source_level=a.level,
                source_label=a.label,
                source_quote=a.quote,
                target_type=b.type,
                target_district=b.district,
                target_plan=b.plan,
                target_level=b_level,
                target_label=b.label,
                target_quote=b.quote,
                common_parent_plan=parent.plan,
                common_parent_quote=parent.quote,
                via_places="、".join(via.get(link, ())),
                last_reviewer=review.reviewer if review else "",
                last_reviewed_at=_xsd_time(review.reviewed_at)
                if review and review.reviewed_at
                else "",
                last_comment=review.comment if review else "",
                source=r["source"] or "",
                target=r["target"] or "",
            )
        )
    return sorted(
        out,
        key=lambda x: (x.kind, x.source_district, x.target_district, -float(x.score or 0), x.link),
    )


def format_sheet(rows: Sequence[SheetRow], fmt: str = "csv") -> str:
    """Rows as CSV (with a BOM, CRLF lines, for Excel) or as a JSON list of objects."""
    if fmt == "json":
        items = []
        for row in rows:
            item: dict[str, Any] = asdict(row)
            item["score"] = float(row.score) if row.score else None
            items.append(item)
        return json.dumps(items, ensure_ascii=False, indent=1) + "\n"
    if fmt != "csv":
        raise ReviewError(f"unknown sheet format {fmt!r}: use {' or '.join(FORMATS)}")
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    # quotes and comments may start with = + - @: never let a spreadsheet run them
    writer.writerows(neutralise_row(getattr(row, c) for c in COLUMNS) for row in rows)
    return "\ufeff" + buf.getvalue()


def export_review_sheet(
    store: ox.Store, path: Path, fmt: str = "csv", *, include_reviewed: bool = False
) -> int:
    """Write a review sheet of the pending links (all links with ``include_reviewed``) to
    `path` as CSV (UTF-8 with BOM), an Excel workbook (xlsx) or JSON; returns the number of
    rows."""
    rows = sheet_rows(store, include_reviewed=include_reviewed)
    if fmt == "xlsx":
        from plankg.xlsx import write_workbook

        write_workbook(Path(path), COLUMNS, [[getattr(r, c) for c in COLUMNS] for r in rows])
        return len(rows)
    text = format_sheet(rows, fmt)
    try:
        Path(path).write_text(text, encoding="utf-8", newline="")
    except OSError as exc:
        raise ReviewError(f"cannot write the review sheet: {exc.strerror}", path=path) from None
    return len(rows)


# --------------------------------------------------------------------------------------------
# Reading a sheet


_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_SAVE_AS = 'save it from Excel as "CSV UTF-8 (逗号分隔)" and import again'


def _csv_records(text: str) -> list[list[str]]:
    """CSV records; the delimiter is the one of , ; tab that the header line holds most of."""
    header = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=header.count)
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def _decode(path: Path, data: bytes, is_json: bool) -> str:
    """The sheet's text; a file that is not UTF-8 raises ReviewError with the rows at fault."""
    if data.startswith(_UTF16_BOMS) or (b"\x00" in data[:4096] and not is_json):
        try:
            count = len(_csv_records(data.decode("utf-16")))
        except UnicodeDecodeError:
            count = 1
        raise ReviewError(
            f'the sheet is UTF-16 (Excel\'s "Unicode text"), not UTF-8: {_SAVE_AS}',
            path=path,
            problems=[(n, "not UTF-8 (UTF-16)") for n in range(1, count + 1)],
        )
    data = data.removeprefix(_UTF8_BOM)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if is_json:
        bad = [n for n, line in enumerate(data.split(b"\n"), 1) if not _is_utf8(line)]
    else:
        # Latin-1 keeps every byte, and the ASCII bytes that shape a CSV (, " CR LF) never occur
        # inside a GBK character, so the records are those of the file.
        records = _csv_records(data.decode("latin-1"))
        bad = [
            n
            for n, rec in enumerate(records, 1)
            if not all(_is_utf8(cell.encode("latin-1")) for cell in rec)
        ]
    try:
        data.decode("gb18030")
        what = 'GBK/GB18030 (what Excel on a Chinese Windows saves as "CSV")'
    except UnicodeDecodeError:
        what = "in an unknown encoding"
    raise ReviewError(
        f"the sheet is {what}, not UTF-8: {_SAVE_AS}",
        path=path,
        problems=[(n, "not UTF-8") for n in bad],
    )


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _cell(value: object) -> str:
    """A cell as the reviewer typed it: the apostrophe the export put before formula-looking
    text is removed, and white space trimmed unless trimming would turn the text into a formula
    (`\t=1+1` stays as it is)."""
    if value is None:
        return ""
    text = restore(str(value))
    stripped = text.strip()
    return text.rstrip() if needs_neutralising(stripped) and stripped != text.rstrip() else stripped


def read_sheet(path: Path) -> tuple[set[str], list[tuple[int, dict[str, str]]]]:
    """The columns of a sheet (folded to lower case) and its data rows as (row number,
    column → cell). CSV rows are numbered as in Excel (header = 1, a multi-line cell counts
    once; blank rows are left out); JSON entries from 1, its columns every key of any entry."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReviewError(f"cannot read the review sheet: {exc.strerror}", path=path) from None
    from plankg.xlsx import SheetFileError, is_workbook, read_workbook

    if is_workbook(path, data[:4]):
        try:
            records = read_workbook(path)
        except SheetFileError as exc:
            raise ReviewError(exc.message, path=path) from None
        return _records(path, records)
    is_json = path.suffix.lower() == ".json" or data.removeprefix(_UTF8_BOM).lstrip()[:1] == b"["
    text = _decode(path, data, is_json)
    if is_json:
        try:
            items = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ReviewError(
                f"the sheet is not valid JSON: {exc.msg} (line {exc.lineno})", path=path
            ) from None
        if not isinstance(items, list) or not all(isinstance(x, dict) for x in items):
            raise ReviewError("a JSON sheet must be a list of objects, one per link", path=path)
        rows = [
            (n, {_fold(str(k)): _cell(v) for k, v in item.items()})
            for n, item in enumerate(items, 1)
        ]
        return {key for _, row in rows for key in row}, rows
    return _records(path, list(enumerate(_csv_records(text), 1)))


def _records(
    path: Path,
    records: list[tuple[int, list[str]]],
) -> tuple[set[str], list[tuple[int, dict[str, str]]]]:
    """Header and data rows from (Excel row number, cells) records, the first one the header."""
    if not records:
        raise ReviewError("the sheet is empty: no header row", path=path)
    header = [_fold(h) for h in records[0][1]]
    out = []
    for n, rec in records[1:]:
        if not any(cell.strip() for cell in rec):
            continue  # blank lines Excel leaves at the end
        out.append(
            (n, {h: _cell(rec[i]) if i < len(rec) else "" for i, h in enumerate(header) if h})
        )
    return {h for h in header if h}, out


def _parse_time(value: str) -> datetime | None:
    """A reviewed_at cell: ISO 8601, or what Excel shows (2024/5/1 14:30, 2024年5月1日)."""
    text = unicodedata.normalize("NFKC", value).strip()
    parsed: datetime | None = None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        for fmt in _TIME_FORMATS:
            try:
                parsed = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
    if parsed is None:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=SHEET_TIMEZONE)


def read_decisions(
    path: Path, known: set[str], *, reviewer: str | None = None, now: datetime | None = None
) -> tuple[list[Decision], int, int]:
    """Check every row of a sheet and return its decisions, the number of data rows and the
    number of rows without a decision. Any fault raises ReviewError listing every faulty row."""
    path = Path(path)
    columns, rows = read_sheet(path)
    link_column = next((c for c in LINK_COLUMNS if c in columns), None)
    missing = [
        c for c, ok in (("link", link_column), ("decision", "decision" in columns)) if not ok
    ]
    if missing and (rows or columns):
        raise ReviewError(
            f"the sheet has no {' and no '.join(missing)} column: export a sheet "
            "with `plankg review export` and fill its decision column",
            path=path,
            problems=[(1, f"missing column {c}") for c in missing],
        )
    moment = (now or datetime.now(UTC)).replace(microsecond=0)
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    problems: list[tuple[int, str]] = []
    decisions: list[Decision] = []
    skipped = 0
    for n, row in rows:
        written = row.get("decision", "")
        if not written:
            skipped += 1
            continue
        links = (row.get(link_column or "link", "")).split()
        status = parse_decision(written)
        who = row.get("reviewer", "") or (reviewer or "").strip()
        at_text = row.get("reviewed_at", "")
        at = _parse_time(at_text) if at_text else moment
        faults = []
        if not links:
            faults.append("a decision without a link IRI")
        faults += [f"unknown link {x}" for x in links if x not in known]
        if status is None:
            faults.append(
                f"decision {written!r} is not one of the values in "
                f"data/{DECISIONS_FILE} (accepted/接受/✓, rejected/拒绝/✗)"
            )
        if not who:
            faults.append("no reviewer: fill the reviewer column or give --reviewer")
        if at is None:
            faults.append(f"reviewed_at {at_text!r} is not a date and time (2024-05-01 14:30)")
        if faults or status is None or at is None:
            problems += [(n, f) for f in faults]
            continue
        decisions += [
            Decision(n, x, status, who, at, row.get("comment", ""), bool(at_text)) for x in links
        ]
    problems += _conflicts(decisions)
    if problems:
        raise ReviewError(
            "the review sheet has rows that cannot be imported", path=path, problems=problems
        )
    return _merge(decisions), len(rows), skipped


def _conflicts(decisions: Iterable[Decision]) -> list[tuple[int, str]]:
    """Rows that give one link different decisions."""
    by_link: dict[str, list[Decision]] = defaultdict(list)
    for d in decisions:
        by_link[d.link].append(d)
    out = []
    for link, ds in by_link.items():
        if len({d.status for d in ds}) > 1:
            rows = ", ".join(str(d.row) for d in ds)
            out += [(d.row, f"link {link} has conflicting decisions in rows {rows}") for d in ds]
    return out


def _merge(decisions: Sequence[Decision]) -> list[Decision]:
    """One decision per review IRI: repeated rows (same link, reviewer and time) merge, their
    distinct comments joined."""
    merged: dict[str, Decision] = {}
    for d in decisions:
        first = merged.get(d.iri)
        if first is None:
            merged[d.iri] = d
        elif d.comment and d.comment not in first.comment.split(" / "):
            comment = f"{first.comment} / {d.comment}" if first.comment else d.comment
            merged[d.iri] = Decision(
                first.row,
                first.link,
                first.status,
                first.reviewer,
                first.reviewed_at,
                comment,
                first.timed,
            )
    return list(merged.values())


# --------------------------------------------------------------------------------------------
# Writing


def review_quads(decisions: Iterable[Decision]) -> list[ox.Quad]:
    """The triples of the reviews, in the reviews graph."""
    import pyoxigraph as ox

    from plankg.ingest.rdf import RDF_TYPE, XSD_DATETIME, GraphWriter, N, pk

    comment = N(iri.RDFS + "comment")
    w = GraphWriter(ox.NamedNode(iri.REVIEWS_GRAPH))
    for d in decisions:
        s = d.iri
        w.add(s, RDF_TYPE, pk("Review"))
        w.add(s, pk("reviewOf"), N(d.link))
        w.add(s, pk("reviewStatus"), pk(d.status))
        w.add(s, pk("reviewer"), d.reviewer)
        w.add(s, pk("reviewedAt"), ox.Literal(_xsd_time(d.reviewed_at), datatype=XSD_DATETIME))
        w.add(s, comment, d.comment)
    return w.quads


def _already_stored(
    decision: Decision, stored: dict[str, Review], made: set[tuple[str, str, str, str]]
) -> bool:
    """The review is in the store already. A decision without a time of its own (stamped with
    the import's time) counts as stored when the same reviewer already made it on that link
    (same status and comment): importing an old sheet again neither repeats nor revives its
    decisions. A row with reviewed_at is judged by its IRI alone."""
    same = stored.get(decision.iri)
    if same is not None:
        return (same.status, same.comment) == (decision.status, decision.comment)
    return (
        not decision.timed
        and (decision.link, decision.reviewer, decision.status, decision.comment) in made
    )


def import_review_sheet(
    store: ox.Store, path: Path, *, reviewer: str | None = None, now: datetime | None = None
) -> ImportReport:
    """Store the decisions of a filled review sheet as pk:Review resources in the reviews graph,
    all in one update; a sheet with any faulty row raises ReviewError and writes nothing.

    ``reviewer`` stands in for an empty reviewer column; ``now`` (default: the current time)
    for an empty or missing reviewed_at column."""
    from plankg.store import ntriples

    report = ImportReport(Path(path))
    decisions, report.rows, report.skipped = read_decisions(
        Path(path), link_ids(store), reviewer=reviewer, now=now
    )
    existing = reviews(store)
    stored = {r.iri: r for r in existing}
    made = {(r.link, r.reviewer, r.status, r.comment) for r in existing}
    new = [d for d in decisions if not _already_stored(d, stored, made)]
    report.unchanged = len(decisions) - len(new)
    report.added = len(new)
    report.statuses = dict(Counter(d.status for d in new))
    if not new:
        return report
    graph = f"<{iri.REVIEWS_GRAPH}>"
    # A review IRI already stored with another status (same reviewer and time given twice) is
    # replaced, not doubled: delete its triples first, in the same update.
    replaced = " ".join(f"<{d.iri}>" for d in new if d.iri in stored)
    parts = []
    if replaced:
        parts.append(
            f"DELETE {{ GRAPH {graph} {{ ?r ?p ?o }} }} WHERE {{ GRAPH {graph} "
            f"{{ VALUES ?r {{ {replaced} }} ?r ?p ?o }} }}"
        )
    parts.append(f"INSERT DATA {{ GRAPH {graph} {{\n{ntriples(review_quads(new))}\n}} }}")
    store.update(" ;\n".join(parts))
    return report
