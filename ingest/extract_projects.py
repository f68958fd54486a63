"""Projects: the rows of project tables and the items of 专栏 project boxes.

Two shapes occur in district plans:

* **project tables** (附表 …重点工程项目储备库): one row per project, with a name column (项目名称),
  content, investment (投资估算（万元）), period (实施周期 2022-2025) and the lead department
  (牵头部门). Continuation rows leave the name cell empty; the table parser carries the name
  down, so several projects may share a name, each with its own content. Total rows (合计,
  小计, 总计) are not projects.
* **project boxes** (专栏N …重点工程 / 重大工程 / 重点项目): every leaf item of the box is a project;
  items that hold numbered items of their own are sub-headings (（一）电力设施建设项目). The name
  is the run-in title or the item text up to the first 。; the rest is the content. A box whose
  body is one unnumbered block is one project named by the box heading. Boxes without a project
  cue in their heading (indicator boxes) are skipped.

Which columns play which part, which rows are totals and which box headings list projects are
data, read from `data/project-columns.csv`.

Money: a value printed in a 万元 column (or with 万元 in its cell) is multiplied by 10 000,
亿元 by 10^8, 万亿元 by 10^12, 元 by 1 (exactly, with Decimal); the value as printed is kept
beside it.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib.resources import files

from plankg.ingest.document import Document
from plankg.ingest.extract_units import inline_assignments, parse_unit_list
from plankg.ingest.records import Project, Source, UnitMention
from plankg.ingest.segment import Segment
from plankg.ingest.spans import SpanIndex
from plankg.vocab import Vocabulary, vocabulary

# Multipliers from a printed money unit to yuan.
MONEY_UNITS: dict[str, Decimal] = {
    "万亿元": Decimal(1_000_000_000_000),
    "亿元": Decimal(100_000_000),
    "万元": Decimal(10_000),
    "元": Decimal(1),
}

_FULLWIDTH = str.maketrans("０１２３４５６７８９．，", "0123456789.,")
# 万亿元 first: "1.2万亿元" must not be read as 亿元 (10^4 too small)
_MONEY_UNIT = re.compile(r"万亿元|亿元|万元|元")
_TABLE_UNIT = re.compile(r"单位\s*[：:]\s*(万亿元|亿元|万元|元)")
_NUMBER = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?")
_RANGE = re.compile(r"\d\s*[-—–~～至到]\s*\d")
_EMPTY_VALUE = re.compile(r"^[\s/／\-—–－、]*$")
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
# A period printed in prose: 2022—2025年, （2022-2025年）, 2022年至2025年.
_PROSE_PERIOD = re.compile(
    r"(?<!\d)(?P<a>(?:19|20)\d{2})\s*年?(?:\s*\d{1,2}\s*月)?\s*[-—–~～－至到]+\s*"
    r"(?P<b>(?:19|20)\d{2})\s*年"
)
# An investment printed in prose: 总投资5亿元, 投资2000万元, 计划投资约1.2亿元.
_PROSE_INVESTMENT = re.compile(
    r"(?P<cue>总投资|投资总额|投资估算|估算投资|计划投资|投资额|投资)"
    r"(?:约为|约|达到|达|为|共|合计|估算)?\s*[：:]?\s*"
    r"(?P<amount>[\d０-９]+(?:[.．][\d０-９]+)?\s*(?:万亿元|亿元|万元|元))"
)
# A run-in title ended by a colon: 天然气：建设…
_COLON_RUN_IN = re.compile(r"^(?P<head>[^。；！？，、：:\n]{2,30})[：:]")
_SENTENCE_END = "。"
# A first line of an item is a heading of its own (not a wrapped sentence) when it is short and
# carries no sentence or list punctuation.
_HEADING_MAX = 25
_HEADING_PUNCT = re.compile(r"[。；，、：:！？]")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class _ColumnCue:
    field: str
    cue: str
    match: str  # contains | exact | prefix
    role: str

    def matches(self, text: str) -> bool:
        text = _SPACES.sub("", text)
        if self.match == "exact":
            return text == self.cue
        if self.match == "prefix":
            return text.startswith(self.cue)
        return self.cue in text


@cache
def _cues() -> tuple[_ColumnCue, ...]:
    """The column, total-row and box-heading cues of `data/project-columns.csv`."""
    source = files("plankg.data").joinpath("project-columns.csv").read_text(encoding="utf-8-sig")
    return tuple(
        _ColumnCue(
            r["field"].strip(),
            r["cue"].strip(),
            (r["match"] or "contains").strip(),
            (r.get("role") or "").strip(),
        )
        for r in csv.DictReader(source.splitlines())
        if r.get("field") and r.get("cue")
    )


def _cues_for(field: str) -> tuple[_ColumnCue, ...]:
    return tuple(c for c in _cues() if c.field == field)


# --------------------------------------------------------------------------------------------
# Value parsing (public so that tests and other extractors can pin them)


def money_unit(text: str) -> str | None:
    """The money unit (亿元, 万元, 元) printed in a column header, caption or cell, if any."""
    m = _MONEY_UNIT.search(text)
    return m.group(0) if m else None


def parse_investment(printed: str, unit: str | None = None) -> Decimal | None:
    """Yuan for an investment as printed; `unit` is the column's unit when the cell has none.

    "1000" with unit 万元 → 10000000; "0.5亿元" → 50000000; "/" → None; a range or a value
    without any unit → None.
    """
    text = printed.translate(_FULLWIDTH).strip()
    if _EMPTY_VALUE.match(text) or _RANGE.search(text):
        return None
    number = _NUMBER.search(text)
    if not number:
        return None
    own = _MONEY_UNIT.search(text, number.end())
    factor = MONEY_UNITS.get(own.group(0) if own else unit or "")
    if factor is None:
        return None
    try:
        value = Decimal(number.group(0).replace(",", "")) * factor
    except InvalidOperation:
        return None
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def parse_period(printed: str) -> tuple[int | None, int | None]:
    """First and last year of a period as printed: "2022-2025" → (2022, 2025); "2023" →
    (2023, 2023); "2022—2030年" → (2022, 2030); "/" → (None, None)."""
    years = [int(y) for y in _YEAR.findall(printed.translate(_FULLWIDTH))]
    if not years:
        return None, None
    return years[0], years[-1]


def sectors_of(text: str, vocab: Vocabulary) -> tuple[str, ...]:
    """Sector local names whose keywords occur in `text`, longest keyword first (a shorter
    keyword inside a longer match does not count), in order of first occurrence."""
    taken = [False] * len(text)
    hits: list[tuple[int, str]] = []
    for keyword, sector in vocab.keywords("sector").items():
        if not keyword:
            continue
        start = text.find(keyword)
        while start >= 0:
            end = start + len(keyword)
            if not any(taken[start:end]):
                taken[start:end] = [True] * len(keyword)
                hits.append((start, sector))
            start = text.find(keyword, end)
    out: list[str] = []
    for _, sector in sorted(hits):
        if sector not in out:
            out.append(sector)
    return tuple(out)


# --------------------------------------------------------------------------------------------
# Text helpers


def _flat(text: str) -> str:
    """Text with line breaks (PDF wraps, Word cell lines) removed: the string as printed."""
    return "".join(line.strip() for line in text.split("\n"))


def _locate(doc_text: str, lo: int, hi: int, value: str) -> tuple[int, int] | None:
    """Span in doc_text[lo:hi] of `value`, allowing line breaks and line-opening tabs inside."""
    if not value:
        return None
    at = doc_text.find(value, lo, hi)
    if at >= 0:
        return at, at + len(value)
    chars: list[str] = []
    where: list[int] = []
    line_start = True
    for i in range(lo, hi):
        ch = doc_text[i]
        if ch == "\n":
            line_start = True
            continue
        if line_start and ch in "\t ":
            continue
        line_start = False
        chars.append(ch)
        where.append(i)
    at = "".join(chars).find(value)
    if at < 0:
        return None
    return where[at], where[at + len(value) - 1] + 1


def _trimmed_span(doc_text: str, start: int, end: int) -> tuple[int, int]:
    while end > start and doc_text[end - 1].isspace():
        end -= 1
    while start < end and doc_text[start].isspace():
        start += 1
    return start, end


# --------------------------------------------------------------------------------------------
# Project tables


@dataclass(frozen=True)
class _Columns:
    name: str
    content: str | None
    investment: str | None
    period: str | None
    lead: str | None
    lead_role: str
    number: str | None


def _project_columns(columns: tuple[str, ...]) -> _Columns | None:
    """Which column plays which part, or None when the table has no project-name column."""
    found: dict[str, str] = {}
    role = "lead"
    for column in columns:
        for field in ("name", "investment", "period", "lead", "content"):
            if field in found:
                continue
            cue = next((c for c in _cues_for(field) if c.matches(column)), None)
            if cue:
                found[field] = column
                if field == "lead" and cue.role:
                    role = cue.role
                break
    if "name" not in found:
        return None
    number = next((c for c in columns if c in ("序号", "编号")), None)
    return _Columns(
        found["name"],
        found.get("content"),
        found.get("investment"),
        found.get("period"),
        found.get("lead"),
        role,
        number,
    )


def _is_total(row: Segment, cols: _Columns) -> bool:
    cells = row.cells or {}
    probes = [row.number, cells.get(cols.number or "", ""), cells.get(cols.name, "")]
    return any(c.matches(p) for p in probes if p for c in _cues_for("total"))


def _table_unit(doc: Document, table: Segment, cols: _Columns) -> str | None:
    """The money unit of the investment column: from its header, else 单位：万元 in the caption
    or the text between caption and first row."""
    if cols.investment and (unit := money_unit(cols.investment)):
        return unit
    first = next((c.start for c in table.children), table.end)
    m = _TABLE_UNIT.search(doc.text, table.start, first)
    return m.group(1) if m else None


def _table_projects(doc: Document, table: Segment, vocab: Vocabulary) -> Iterator[Project]:
    cols = _project_columns(table.columns)
    if cols is None:
        return
    unit = _table_unit(doc, table, cols)
    for row in table.children:
        if row.kind != "row" or not row.cells or _is_total(row, cols):
            continue
        cells = row.cells
        name = cells.get(cols.name, "").strip()
        content = cells.get(cols.content, "").strip() if cols.content else ""
        if not name and not content:
            continue
        printed = cells.get(cols.investment, "").strip() if cols.investment else ""
        period = cells.get(cols.period, "").strip() if cols.period else ""
        start, end = parse_period(period)
        leads: tuple[UnitMention, ...] = ()
        lead_text = cells.get(cols.lead, "").strip() if cols.lead else ""
        if lead_text and not _EMPTY_VALUE.match(lead_text):
            span = _locate(doc.text, row.start, row.end, lead_text)
            if span and doc.text[span[0] : span[1]] != lead_text:
                # wrapped over lines: hand over the printed span so that offsets stay exact
                lead_text = doc.text[span[0] : span[1]]
            at = span[0] if span else row.start
            leads = tuple(parse_unit_list(lead_text, at, cols.lead_role, row, doc.text))
        yield Project(
            name=name,
            content=content,
            investment_yuan=parse_investment(printed, unit),
            investment_as_printed=printed,
            period_start=start,
            period_end=end,
            lead_units=leads,
            sectors=sectors_of(name + "\n" + content, vocab),
            source=Source.span(doc.text, row, row.start, row.end),
        )


# --------------------------------------------------------------------------------------------
# Project boxes


def _is_project_box(box: Segment) -> bool:
    return any(c.matches(box.heading) for c in _cues_for("box"))


def _leaf_items(seg: Segment) -> Iterator[Segment]:
    """Items below `seg` that hold no items of their own (tables are left to the table pass)."""
    for child in seg.children:
        if child.kind != "item":
            continue
        if any(c.kind == "item" for c in child.children):
            yield from _leaf_items(child)
        else:
            yield child


def _after_marker(doc: Document, item: Segment) -> int:
    """Where the item's text begins, after leading blanks and its printed marker."""
    pos = item.start
    while pos < item.end and doc.text[pos] in " \t\u3000":
        pos += 1
    if item.number and doc.text.startswith(item.number, pos):
        pos += len(item.number)
    while pos < item.end and doc.text[pos] in " \t\u3000":
        pos += 1
    return pos


def split_item(text: str) -> tuple[str, str]:
    """Name and content of a box item's text (marker removed): a heading line of its own, a
    run-in title ended by ：, else the text up to the first 。 (the name keeps what is printed,
    line breaks removed)."""
    first, _, rest = text.partition("\n")
    if rest.strip() and len(first.strip()) <= _HEADING_MAX and not _HEADING_PUNCT.search(first):
        return _flat(first), _flat(rest)
    flat = _flat(text)
    colon = _COLON_RUN_IN.match(flat)
    if colon:
        return colon.group("head"), flat[colon.end() :].strip()
    name, sep, content = flat.partition(_SENTENCE_END)
    return name.strip(), content.strip() if sep else ""


def prose_investment(text: str) -> tuple[str, Decimal | None]:
    """The investment printed in prose (总投资5亿元 → ("5亿元", 500000000)), or ("", None)."""
    matches = list(_PROSE_INVESTMENT.finditer(text))
    if not matches:
        return "", None
    best = next((m for m in matches if m.group("cue") == "总投资"), matches[0])
    printed = best.group("amount").strip()
    return printed, parse_investment(printed)


def prose_period(text: str) -> tuple[int | None, int | None]:
    """A period printed in prose as a range of years (2022—2025年), or (None, None)."""
    m = _PROSE_PERIOD.search(text.translate(_FULLWIDTH))
    return (int(m.group("a")), int(m.group("b"))) if m else (None, None)


def _box_projects(
    doc: Document, box: Segment, vocab: Vocabulary, assigned: SpanIndex[UnitMention]
) -> Iterator[Project]:
    """Projects of one box; `assigned` holds the plan's inline assignments (lead units of a
    project are those printed inside its item)."""
    items = list(_leaf_items(box))
    lone = len(items) == 1 and not items[0].number
    for item in items:
        body_at = _after_marker(doc, item)
        # a box or table the outliner hung under the item is not part of its text
        stop = min((c.start for c in item.children if c.kind in ("box", "table")), default=item.end)
        span_start, span_end = _trimmed_span(doc.text, item.start, stop)
        text = doc.text[body_at:span_end]
        if lone:
            name, content = box.heading.strip(), _flat(text)
        else:
            name, content = split_item(text.strip())
        if not name:
            continue
        printed, yuan = prose_investment(_flat(text))
        start, end = prose_period(_flat(text))
        leads = [u for u in assigned.starting_in(span_start, span_end) if u.role == "lead"]
        yield Project(
            name=name,
            content=content,
            investment_yuan=yuan,
            investment_as_printed=printed,
            period_start=start,
            period_end=end,
            lead_units=tuple(leads),
            sectors=sectors_of(name + "\n" + content, vocab),
            source=Source.span(doc.text, item, span_start, span_end),
        )


# --------------------------------------------------------------------------------------------
# Public API


def extract_projects(doc: Document, vocab: Vocabulary | None = None) -> Iterator[Project]:
    """Every project of a plan, in document order: rows of project tables and items of project
    boxes."""
    vocab = vocab or vocabulary()
    assigned: SpanIndex[UnitMention] | None = None
    for seg in doc.outline.walk():
        if seg.kind == "table":
            yield from _table_projects(doc, seg, vocab)
        elif seg.kind == "box" and _is_project_box(seg):
            if assigned is None:  # one pass over the plan, only when it has project boxes
                assigned = SpanIndex(
                    [  # searched per item, never scanned whole
                        u for _, units in inline_assignments(doc.text, doc.outline) for u in units
                    ]
                )
            yield from _box_projects(doc, seg, vocab, assigned)
