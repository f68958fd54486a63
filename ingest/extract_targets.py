"""Quantified targets of a plan: every row of its indicator tables, and targets stated in prose.

**Indicator tables** are recognised by their columns, not their captions: a name column
(指标名称, 指标, …) and at least one year column (2020年, 2021年现状值, 2025年目标值). A year
column whose name says 现状/基期/实际 is the baseline; otherwise the earliest year column is the
baseline when there are several. Every later year column gives one `Target` per row (003's
2023年目标值 and 2025年目标值 give two). Cells that are empty or a dash give none.

**Prose targets** are read sentence by sentence from the paragraphs (and from the rows of tables
that are not indicator tables, such as task tables). A value (number, unit, 以上/以内/左右) is a
target when

* a target year is in force: 到2025年 / 2025年前 / 2025年底 / "十四五"期间, or a bare year later
  than the plan's issue year, earlier in the sentence or in the same paragraph (it carries on
  until the next year marker); a bare past year (2020年，…) or an earlier five-year period
  ("十三五"期间) switches targets off until the next year marker;
* it is not under a background heading (现状, 基础, 成效, 形势, … in `data/target-patterns.csv`);
* it is introduced by a cue (达到, 不低于, 控制在 … 以内, 下降, ≥ …), or by a count verb
  (建成绿色工厂18个, 储备1万名青年人才), or follows a known indicator name directly.

Values set by a higher level (完成市级下达目标, 完成市级规定的目标任务) are targets without a
value (`set_by_higher_level`). Milestones without a number (碳达峰 by 2030, 碳中和 by 2060) are
not targets here: in district plans they restate the national goal; the measure that names them
keeps the text. Sentences without any target year (box items such as 实施中小河流治理项目10个)
are project outputs, not targets.

All cue words live in `data/target-patterns.csv`; nothing here names a district.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib import resources

from plankg.ingest.document import Document
from plankg.ingest.records import Source, Target
from plankg.ingest.segment import Segment
from plankg.vocab import Vocabulary, unit_dimensions, unit_of, vocabulary

_YEAR_COLUMN = re.compile(r"^(?P<year>\d{4})\s*年")
_DASH = re.compile(r"^[—\-－–/／─]*$")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_CELL_VALUE = re.compile(
    r"^(?P<cum>[【\[])?\s*(?P<pre>[≥≤＞＜><＝=]|约|不低于|不少于|不超过|不高于)?\s*"
    r"(?P<num>\d+(?:[.．]\d+)?)\s*(?P<unit>%|％|‰)?\s*(?P<suf>以上|以内|以下|左右)?\s*[】\]]?\s*$"
)
_NUMBERED = re.compile(r"(?<![\d.])\d[.．、]")
_SUBNAME = re.compile(r"^(?P<sub>[A-Za-z\u4e00-\u9fff][\w.\u4e00-\u9fff]{1,15}?)\s*[≥≤＞＜><]")
_SYMBOLS = {
    "≥": "≥",
    "≤": "≤",
    "＞": ">",
    ">": ">",
    "＜": "<",
    "<": "<",
    "＝": "=",
    "=": "=",
    "约": "≈",
    "近": "≈",
    "不低于": "≥",
    "不少于": "≥",
    "不超过": "≤",
    "不高于": "≤",
}
_FULLWIDTH = str.maketrans("０１２３４５６７８９．％", "0123456789.%")
_SENTENCE_END = "。！？；;"
_MIN_CELL_TEXT = 8  # shorter cells are names, numbers or units, not sentences
_CLAUSE_SEP = "，,：:；;。！？"
_SPACE = re.compile(r"[\s\u3000]")
_MASKED = re.compile(r"（[^（）]*）|\([^()]*\)|《[^《》]*》")
_YEAR_MARK = re.compile(
    r"(?P<pre>预计到|力争到|到|至|截至|截止到?|于)?"
    r"(?P<years>20\d\d\s*年(?:\s*[、和及]\s*20\d\d\s*年)*)(?P<post>前|底|末|以前)?"
)
_TARGET_YEAR = re.compile(r"到\s*(20\d\d)\s*年")
_BASELINE = re.compile(r"(?:较|比|与|同)\s*(?P<year>20\d\d)\s*年(?:底|末)?(?:相比|比)?")
# a baseline printed with its value before the change: 由2020年的61.5%提高到63%
_BRACKET_BASE = re.compile(
    r"[（(](?P<year>20\d\d)年(?:底|末)?(?:为|是|：|:)(?P<num>\d+(?:\.\d+)?)"
    r"[^（）()]{0,8}[）)]"
)
_FROM = re.compile(
    r"(?:由|从)(?P<year>20\d\d)年(?:底|末)?的?(?P<num>\d+(?:\.\d+)?)"
    r"(?P<unit>[^，。；、\d\x00]{0,8}?)(?=(?:提高|提升|增加|增长|下降|降低|减少|上升|扩大)"
    r"|(?:降|增|升|提)(?:至|到))"
)
_QUOTED = re.compile(r"[“\"'‘]?(?P<name>十[一二三四五六]五)[”\"'’]?(?P<post>期间|时期|末|期末)?")
_SPLIT = re.compile(r"[、和及与]")
_CHANGES = {"reduce": "decrease", "increase": "increase"}
_CJK = re.compile(r"[\u4e00-\u9fff]")
_ACHIEVED = re.compile(r"已(?:经)?$|已(?:经)?(?:累计)?$")
# after a past year: a verb and 的 (2005年前建成的小区), so the year qualifies a noun
_QUALIFIER = re.compile(r"[\u4e00-\u9fff]{1,3}的")
_NOUN_AFTER = re.compile(r"(?:(?![和及与]\d)[^，。；、,：:\x00\d]){1,15}")


# ------------------------------------------------------------------------------------------
# Vocabulary


@dataclass(frozen=True)
class Patterns:
    """The cue words of `data/target-patterns.csv`, compiled."""

    name_columns: tuple[str, ...]
    unit_columns: tuple[str, ...]
    attribute_columns: tuple[str, ...]
    baseline_columns: tuple[str, ...]
    target_columns: tuple[str, ...]
    bindingness: tuple[tuple[str, str], ...]
    higher_level: re.Pattern[str]
    periods: dict[str, int]
    background_headings: tuple[str, ...]
    cues: tuple[tuple[str, str, str | None], ...]  # (word, comparator, change), longest first
    count_verbs: tuple[str, ...]
    suffixes: dict[str, str]
    strip_words: tuple[str, ...]
    trends: tuple[str, ...]
    indicator_suffixes: tuple[str, ...]
    value: re.Pattern[str] = field(repr=False, default=re.compile(""))
    value_phrases: dict[str, str] = field(default_factory=dict)  # 不降低 → notBelowBaseline
    value_phrase: re.Pattern[str] = field(repr=False, default=re.compile("(?!)"))
    not_a_name: tuple[str, ...] = ()
    task_heading_prefixes: tuple[str, ...] = ()
    bound_cues: tuple[
        str, ...
    ] = ()  # 不低于, 控制在: a value bounded so, without a year, is a target
    bound_suffixes: tuple[str, ...] = ()
    count_changes: dict[str, str] = field(default_factory=dict)  # 新增 → increase, 新建 → measure
    level_words: tuple[str, ...] = ()
    money_target_verbs: tuple[str, ...] = ()  # 完成技改投资1120亿元: an amount that is a target
    deadline: re.Pattern[str] = re.compile("(?!)")  # 完成期限：2021年四季度 in a task's tag


@cache
def patterns() -> Patterns:
    """The target vocabulary shipped in `data/target-patterns.csv`, loaded once per process."""
    text = (resources.files("plankg.data") / "target-patterns.csv").read_text(encoding="utf-8-sig")
    rows: dict[str, list[tuple[str, str, str]]] = {}
    for row in csv.DictReader(line for line in text.splitlines() if not line.startswith("#")):
        kind = (row.get("kind") or "").strip()
        if kind:
            rows.setdefault(kind, []).append(
                (
                    (row.get("term") or "").strip(),
                    (row.get("value") or "").strip(),
                    (row.get("note") or "").strip(),
                )
            )

    def terms(kind: str) -> tuple[str, ...]:
        return tuple(sorted((t for t, _, _ in rows.get(kind, [])), key=len, reverse=True))

    units = "|".join(re.escape(u) for u in terms("unit"))
    suffixes = {t: v for t, v, _ in rows.get("suffix", [])}
    phrases = {t: v for t, v, _ in rows.get("value_phrase", [])}
    suffix_re = "|".join(re.escape(s) for s in sorted(suffixes, key=len, reverse=True))
    value = re.compile(
        r"(?<![A-Za-z0-9.\-])(?P<pre>[≥≤＞＜><]|约|近)?(?P<num>\d+(?:\.\d+)?)"
        r"(?:[—\-－~～–](?P<upto>\d+(?:\.\d+)?))?(?![\d.])"
        rf"(?!\s*(?:年|月|日|号|级|类|星|期|批|次|点|大|项指标))(?P<unit>{units})?(?P<suf>{suffix_re})?"
    )
    return Patterns(
        name_columns=terms("name_column"),
        unit_columns=terms("unit_column"),
        attribute_columns=terms("attribute_column"),
        baseline_columns=terms("baseline_column"),
        target_columns=terms("target_column"),
        bindingness=tuple((t, v) for t, v, _ in rows.get("bindingness", [])),
        higher_level=re.compile("|".join(t for t, _, _ in rows.get("higher_level", []))),
        periods={t: int(v) for t, v, _ in rows.get("period", [])},
        background_headings=terms("background_heading"),
        cues=tuple(
            sorted(
                ((t, v, _CHANGES.get(n)) for t, v, n in rows.get("cue", [])),
                key=lambda c: -len(c[0]),
            )
        ),
        count_verbs=terms("count_verb"),
        suffixes=suffixes,
        strip_words=terms("strip"),
        trends=terms("trend"),
        indicator_suffixes=terms("indicator_suffix"),
        value=value,
        value_phrases=phrases,
        value_phrase=re.compile(
            "|".join(re.escape(t) for t in sorted(phrases, key=len, reverse=True)) or "(?!)"
        ),
        not_a_name=terms("not_a_name"),
        task_heading_prefixes=terms("task_heading_prefix"),
        bound_cues=terms("bound_cue"),
        bound_suffixes=terms("bound_suffix"),
        count_changes={t: v for t, v, _ in rows.get("count_verb", []) if v},
        money_target_verbs=terms("money_target_verb"),
        deadline=re.compile(
            "(?:"
            + "|".join(re.escape(t) for t in terms("deadline_label"))
            + r")[：:]\s*(20\d\d)\s*年"
        ),
        level_words=terms("level_word"),
    )


# ------------------------------------------------------------------------------------------
# Entry point


def extract_targets(doc: Document, vocab: Vocabulary | None = None) -> Iterator[Target]:
    """Every target of a plan: indicator-table rows first, then prose, in document order,
    each checked for plausibility (`check_targets`)."""
    vocab = vocab or vocabulary()
    pats = patterns()
    found: list[Target] = []
    for seg in doc.outline.walk():
        if seg.kind == "table" and is_indicator_table(seg, pats):
            found.extend(table_targets(doc.text, seg, vocab, pats))
    ref_year = _reference_year(doc)
    period_end = _period_end(doc)
    # box items and table cells are project outputs unless they print a year
    boxed = {
        (d.kind, d.start)
        for seg in doc.outline.walk()
        if seg.kind in ("box", "table")
        for d in seg.walk()
    }
    for unit in _units(doc.outline, doc.text, pats, ()):
        end = None if (unit.segment.kind, unit.segment.start) in boxed else period_end
        found.extend(prose_targets(doc.text, unit, vocab, ref_year, pats, period_end=end))
    checked = check_targets(found, vocab, doc.metadata.period_start, doc.metadata.period_end)
    seen: set[tuple[object, ...]] = set()
    for t in checked:  # a prose target printed again later (the same words, year and value)
        key = (
            _SPACE.sub("", t.indicator_as_printed),
            t.target_year,
            t.value,
            t.comparator,
            t.unit,
            t.value_as_printed,
        )
        if t.source.segment.kind != "row" and key in seen:
            continue
        seen.add(key)
        yield t


# ------------------------------------------------------------------------------------------
# Plausibility: a fact that fails a check keeps its flags (pk:flag) instead of passing as truth

_NAME_MAX = 40  # an indicator name longer than this has run into the cells beside it
_RUN_ON = re.compile(r"\d+(?:\.\d+)?\s*(?:%|％)|约束性|预期性|20\d\d\s*年")


def units_agree(unit: str | None, indicator_unit: str | None) -> bool:
    """Do two printed units measure the same quantity? Unknown units are not contradicted."""
    if not unit or not indicator_unit:
        return True
    dims = unit_dimensions()
    a, b = dims.get(_SPACE.sub("", unit)), dims.get(_SPACE.sub("", indicator_unit))
    return a is None or b is None or a == b


def check_targets(
    targets: list[Target], vocab: Vocabulary, period_start: int | None, period_end: int | None
) -> list[Target]:
    """Flag the targets of one plan that fail a plausibility check, and refuse the canonical
    indicator of a value whose unit contradicts it or whose printed name runs into other cells:

    * ``unitMismatch``: the value's unit measures another quantity than the indicator's
      pk:defaultUnit (the mapping is dropped, the printed name kept);
    * ``nameRunsIntoCells``: the printed name holds values, years or 约束性, or is too long:
      the name matched a canonical indicator among words of other cells, so the mapping is
      dropped too (the printed name and the flag are kept);
    * ``yearOutsidePeriod``: the target year is outside the plan period;
    * ``noTargetYear``: no target year;
    * ``conflictingValues``: another target of the plan gives the same indicator and year a
      different value.
    """
    concepts = vocab.concepts("indicator")
    out: list[Target] = []
    for t in targets:
        flags = list(t.flags)
        indicator = t.indicator
        if (
            indicator
            and indicator in concepts
            and not units_agree(t.unit, concepts[indicator].default_unit)
        ):
            flags.append("unitMismatch")
            indicator = None
        name = _SPACE.sub("", t.indicator_as_printed)
        if len(name) > _NAME_MAX or _RUN_ON.search(name):
            flags.append("nameRunsIntoCells")
            indicator = None
        if t.target_year is None:
            flags.append("noTargetYear")
        elif period_start and period_end and not period_start <= t.target_year <= period_end:
            flags.append("yearOutsidePeriod")
        out.append(replace(t, indicator=indicator, flags=tuple(dict.fromkeys(flags))))
    by_key: dict[tuple[str, int, str | None], set[Decimal]] = {}
    for t in out:  # 森林蓄积量 ≥200 in the table and 达200 in prose agree: values only
        if t.value is not None and t.target_year is not None:
            by_key.setdefault(_conflict_key(t), set()).add(t.value.normalize())
    conflicting = {k for k, v in by_key.items() if len(v) > 1}
    return [
        replace(t, flags=(*t.flags, "conflictingValues"))
        if t.value is not None and t.target_year is not None and _conflict_key(t) in conflicting
        else t
        for t in out
    ]


def _conflict_key(t: Target) -> tuple[str, int, str | None]:
    return (t.indicator or _SPACE.sub("", t.indicator_as_printed), t.target_year or 0, t.change)


_TITLE_YEAR = re.compile(r"(20\d\d)\s*年")


def _period_end(doc: Document) -> int | None:
    """The last year of the plan period: printed or derived (十四五 → 2025), or the year of an
    annual plan's title (2021年度…工作计划)."""
    md = doc.metadata
    if md.period_end is not None:
        return md.period_end
    years = [int(y) for y in _TITLE_YEAR.findall(md.title or "")]
    return max(years) if years else None


def _reference_year(doc: Document) -> int | None:
    """The year the plan speaks from: later bare years are targets, earlier ones are facts. An
    annual plan (2021年…行动方案, issued early in 2021) speaks from before its own year."""
    md = doc.metadata
    titled = {int(y) for y in _TITLE_YEAR.findall(md.title or "")}
    if len(titled) == 1 and md.period_start is None:
        year = titled.pop()
        if md.issued is None or md.issued.year <= year:
            return year - 1
    if md.issued is not None:
        return md.issued.year
    if md.period_start is not None:
        return md.period_start - 1
    # no date printed: the year before the earliest "到YYYY年" target
    years = [int(m.group(1)) for m in _TARGET_YEAR.finditer(doc.text)]
    return min(years) - 1 if years else None


# ------------------------------------------------------------------------------------------
# Indicator tables


@dataclass(frozen=True)
class _Layout:
    name: str
    unit: str | None
    attribute: str | None
    baseline: tuple[str, int] | None
    targets: tuple[tuple[str, int], ...]


def is_indicator_table(table: Segment, pats: Patterns | None = None) -> bool:
    """A table with a name column and at least one year column."""
    return _layout(table.columns, pats or patterns()) is not None


def _layout(columns: tuple[str, ...], pats: Patterns) -> _Layout | None:
    norm = {c: _SPACE.sub("", c) for c in columns}
    name = next((c for want in pats.name_columns for c in columns if norm[c] == want), None)
    years = [(c, y) for c in columns if (y := _column_year(norm[c], pats)) is not None]
    if name is None or not years:
        return None
    unit = next((c for want in pats.unit_columns for c in columns if norm[c] == want), None)
    attribute = next(
        (c for want in pats.attribute_columns for c in columns if norm[c] == want), None
    )
    baseline = next(
        ((c, y) for c, y in years if any(w in norm[c] for w in pats.baseline_columns)), None
    )
    if baseline is None and len(years) > 1:
        marked = [cy for cy in years if any(w in norm[cy[0]] for w in pats.target_columns)]
        baseline = min((cy for cy in years if cy not in marked), key=lambda cy: cy[1], default=None)
    targets = tuple(
        cy for cy in years if cy != baseline and (baseline is None or cy[1] >= baseline[1])
    )
    return _Layout(name, unit, attribute, baseline, targets)


_INNER_YEAR = re.compile(
    r"[（(\[【]\s*(?P<year>(?:19|20)\d\d)\s*年?\s*[）)\]】]|(?P<y2>(?:19|20)\d\d)\s*年"
)


def _column_year(name: str, pats: Patterns) -> int | None:
    """The year a value column is about: 2025年, 2025年目标值, 基准值（2020年）, 目标值(2025),
    or a five-year period (“十四五”目标 → 2025, “十三五”末现状 → 2020) next to a baseline or
    target word."""
    m = _YEAR_COLUMN.match(name)
    if m:
        return int(m.group("year"))
    cue = any(w in name for w in (*pats.baseline_columns, *pats.target_columns))
    m = _INNER_YEAR.search(name)
    if m and cue:
        return int(m.group("year") or m.group("y2"))
    if cue:
        return next((year for period, year in pats.periods.items() if period in name), None)
    return None


@dataclass(frozen=True)
class CellValue:
    """A printed table cell read as a target value."""

    value: Decimal | None
    comparator: str
    cumulative: bool
    set_by_higher_level: bool
    meaning: str | None = None  # higherLevel, notBelowBaseline, eliminated, … for worded values


def parse_cell(cell: str, pats: Patterns | None = None) -> CellValue:
    """Read a value cell: 22.2, ≥200, ＞51, 约5, 5左右, 【6】, <27.0, 不得高于7, 市级下达,
    100，完成市级规定的目标任务; worded values (完成省下达任务, 以国家下达为准, 不降低, 基本消除)
    give no number and say what they mean (`meaning`)."""
    pats = pats or patterns()
    text = _SPACE.sub("", cell.translate(_FULLWIDTH))
    higher = bool(pats.higher_level.search(text))
    phrase = pats.value_phrase.search(text)
    meaning = "higherLevel" if higher else (pats.value_phrases[phrase.group(0)] if phrase else None)
    m = _CELL_VALUE.match(text)
    if m is None and (higher or phrase):  # "100，完成市级规定的目标任务": the number before it
        m = _CELL_VALUE.match(re.split(r"[，,；;]", text)[0])
    if m is None:
        word = next(((w, c) for w, c, _ in pats.cues if text.startswith(w)), None)
        if word is not None and word[1] != "=":  # 不得高于7, 不低于95
            m = _CELL_VALUE.match(text[len(word[0]) :])
            if m is not None:
                return CellValue(
                    _decimal(m.group("num")), word[1], bool(m.group("cum")), higher, meaning
                )
    if m is None:
        return CellValue(None, "=", text.startswith(("【", "[")), higher, meaning)
    comparator = _SYMBOLS.get(m.group("pre") or "", "=")
    if m.group("suf"):
        comparator = pats.suffixes.get(m.group("suf"), comparator)
    return CellValue(_decimal(m.group("num")), comparator, bool(m.group("cum")), higher, meaning)


def table_targets(
    text: str, table: Segment, vocab: Vocabulary, pats: Patterns | None = None
) -> Iterator[Target]:
    """One target per row and target-year column of an indicator table."""
    pats = pats or patterns()
    layout = _layout(table.columns, pats)
    if layout is None:
        return
    rows = [r for r in table.children if r.kind == "row" and r.cells]
    numbered = _numbered_subnames(rows, layout.name)
    for index, row in enumerate(rows):
        assert row.cells is not None
        name = (row.cells.get(layout.name) or "").strip()
        if not name:
            continue
        if (m := _ROW_NUMBER.match(name)) and m.end() < len(name):
            name = name[m.end() :]  # the row's number printed in the name cell (1． （1）)
        sub = numbered.get(index) or _subname(row, layout, pats)
        if index in numbered:
            name = _NUMBERED.split(name, maxsplit=1)[0]
        printed = f"{name} {sub}" if sub else name
        concept = (vocab.indicator(sub) if sub else None) or vocab.indicator(name)
        unit = unit_of(name)
        if unit is None and layout.unit:
            cell = (row.cells.get(layout.unit) or "").strip()
            unit = None if _DASH.match(cell) else cell
        binding = None
        if layout.attribute:
            attr = row.cells.get(layout.attribute) or ""
            binding = next((v for w, v in pats.bindingness if w in attr), None)
        base_value, base_year = None, None
        if layout.baseline:
            base_year = layout.baseline[1]
            base_value = parse_cell(row.cells.get(layout.baseline[0]) or "", pats).value
        for column, year in layout.targets:
            cell = (row.cells.get(column) or "").strip()
            if _DASH.match(cell):
                continue
            parsed = parse_cell(cell, pats)
            yield Target(
                indicator_as_printed=printed,
                indicator=concept.local if concept else None,
                unit=unit,
                value=parsed.value,
                target_year=year,
                comparator=parsed.comparator,
                value_as_printed=cell,
                baseline_value=base_value,
                baseline_year=base_year if base_value is not None else None,
                bindingness=binding,
                set_by_higher_level=parsed.set_by_higher_level,
                cumulative=parsed.cumulative,
                source=Source.span(text, row, row.start, row.end),
            )


def _numbered_subnames(rows: list[Segment], name_column: str) -> dict[int, str]:
    """Rows that repeat a name listing numbered sub-indicators (农业废弃物综合利用率
    1.秸秆综合利用率 2.畜禽粪污综合利用率 3.农膜回收利用率), one row each: row i → sub i."""
    out: dict[int, str] = {}
    i = 0
    while i < len(rows):
        name = _SPACE.sub("", (rows[i].cells or {}).get(name_column) or "")
        j = i
        while (
            j + 1 < len(rows)
            and _SPACE.sub("", (rows[j + 1].cells or {}).get(name_column) or "") == name
        ):
            j += 1
        subs = [p for p in _NUMBERED.split(name)[1:] if p]
        if j > i and len(subs) == j - i + 1:
            out.update({i + k: sub for k, sub in enumerate(subs)})
        i = j + 1
    return out


def _subname(row: Segment, layout: _Layout, pats: Patterns) -> str:
    """A sub-indicator printed before the threshold in another column (优良天数比例≥85)."""
    skip = {layout.name, layout.unit, layout.attribute, *(c for c, _ in layout.targets)}
    if layout.baseline:
        skip.add(layout.baseline[0])
    assert row.cells is not None
    for column, cell in row.cells.items():
        if column in skip:
            continue
        m = _SUBNAME.match(_SPACE.sub("", cell))
        if m and not pats.higher_level.search(cell):
            return m.group("sub")
    return ""


@dataclass(frozen=True)
class IndicatorRow:
    """One printed row of an indicator table, its cells read by what their columns mean.

    Values are as printed (whitespace removed); years are those of the column headers. This is
    what a reader of the page sees in the row, before any value is parsed (see `table_targets`).
    """

    category: str  # the category column or the group row the row sits under; "" when none
    number: str  # 序号, or the number printed at the start of the name (1． （1）)
    indicator: str  # the name without its number and without a trailing bracketed unit
    unit: str  # the unit column, or the trailing bracket of the name (（%） → %)
    baseline_year: int | None
    baseline_value: str
    target_year: int | None
    target_value: str
    target2_year: int | None  # a second target column (a later year), or a cumulative column
    target2_value: str
    attribute: str  # 约束性 / 预期性 as printed
    row: Segment


_ROW_NUMBER = re.compile(r"^(?P<n>[（(]\s*\d{1,2}\s*[）)]|\d{1,2}\s*[.．、](?!\d))\s*")
_UNIT_PART = re.compile(r"^[a-zμµ³²0-9.%％‰·]+$")


@cache
def _table_terms() -> dict[str, tuple[str, ...]]:
    """Column vocabulary of structured tables (category, cumulative and unit terms)."""
    text = (resources.files("plankg.data") / "target-patterns.csv").read_text(encoding="utf-8-sig")
    out: dict[str, list[str]] = {}
    for row in csv.DictReader(line for line in text.splitlines() if not line.startswith("#")):
        kind = (row.get("kind") or "").strip()
        if kind in ("category_column", "cumulative_column", "unit", "table_unit", "unit_magnitude"):
            out.setdefault(kind, []).append((row.get("term") or "").strip())
    return {k: tuple(v) for k, v in out.items()}


def _is_unit(text: str) -> bool:
    """Is the bracketed text at the end of a name a unit of measure (%, 万吨, μg/m3, 平方米/人)?"""
    terms = _table_terms()
    known = set(terms.get("unit", ())) | set(terms.get("table_unit", ()))
    scaled = {m + u for m in terms.get("unit_magnitude", ()) for u in known}  # 亩 → 亿亩
    parts = [p for p in re.split(r"[/／]", text) if p]
    return bool(parts) and all(p in known or p in scaled or _UNIT_PART.match(p) for p in parts)


def indicator_rows(table: Segment, pats: Patterns | None = None) -> list[IndicatorRow]:
    """The rows of an indicator table, cell by cell (empty when it is not one)."""
    pats = pats or patterns()
    layout = _layout(table.columns, pats)
    if layout is None:
        return []
    norm = {c: _SPACE.sub("", c) for c in table.columns}
    terms = _table_terms()
    category_col = next(
        (
            c
            for want in terms.get("category_column", ())
            for c in table.columns
            if norm[c] == want and c != layout.name
        ),
        None,
    )
    cumulative = next(
        (
            c
            for want in terms.get("cumulative_column", ())
            for c in table.columns
            if norm[c] == want
        ),
        None,
    )
    number_col = next((c for c in table.columns if norm[c] in ("序号", "编号")), None)
    out: list[IndicatorRow] = []
    for row in table.children:
        if row.kind != "row" or not row.cells:
            continue
        cell = {c: _SPACE.sub("", v or "") for c, v in row.cells.items()}
        name = cell.get(layout.name, "")
        if not name:
            continue
        number = cell.get(number_col, "") if number_col else ""
        m = _ROW_NUMBER.match(name)
        if m and m.end() < len(name):
            number = number or m.group("n")
            name = name[m.end() :]
        unit = cell.get(layout.unit, "") if layout.unit else ""
        bracket = re.search(r"[（(](?P<u>[^（）()]*)[）)]$", name)
        if bracket and _is_unit(bracket.group("u")):
            unit = unit or bracket.group("u")
            name = name[: bracket.start()]
        category = cell.get(category_col, "") if category_col else ""
        sub = _ROW_NUMBER.match(category)
        if sub:  # a numbered category cell is a sub-group: its number numbers the row
            number = number or sub.group("n")
            category = ""
        targets = list(layout.targets)
        target_col, target_year = targets[0] if targets else (None, None)
        second = targets[1] if len(targets) > 1 else None
        out.append(
            IndicatorRow(
                category=category or (row.group or ""),
                number=number,
                indicator=name,
                unit=unit,
                baseline_year=layout.baseline[1] if layout.baseline else None,
                baseline_value=cell.get(layout.baseline[0], "") if layout.baseline else "",
                target_year=target_year,
                target_value=cell.get(target_col, "") if target_col else "",
                target2_year=second[1] if second else None,
                target2_value=(
                    cell.get(second[0], "")
                    if second
                    else cell.get(cumulative, "")
                    if cumulative
                    else ""
                ),
                attribute=cell.get(layout.attribute, "") if layout.attribute else "",
                row=row,
            )
        )
    return out


def _decimal(number: str) -> Decimal | None:
    try:
        return Decimal(number.replace("．", "."))
    except InvalidOperation:
        return None


# ------------------------------------------------------------------------------------------
# Prose: the units of text to read, as a view without line breaks mapped back to offsets


@dataclass(frozen=True)
class TextUnit:
    """A paragraph (or table row) read as one piece of prose.

    `view` is the text with line breaks, tabs and spaces removed and full-width digits made
    half-width; `offsets[i]` is where `view[i]` is in the cleaned text."""

    segment: Segment
    view: str
    offsets: tuple[int, ...]
    headings: tuple[str, ...]

    def span(self, a: int, b: int) -> tuple[int, int]:
        """The cleaned-text span of view[a:b]."""
        return self.offsets[a], self.offsets[b - 1] + 1


_COLUMN_GAP = re.compile(r"\S {3,}\S")
_INNER_PUNCT = tuple("，,、；;：:")  # no sentence opens with these


def _tabular(text: str) -> bool:
    """Lines laid out in columns (a table flattened by a PDF text layer: 类别   具体指标   单位
    2020 年   2025 年) are not prose: half or more of the lines have a wide gap, some two."""
    lines = [ln for ln in text.split("\n") if ln.strip()]
    gaps = [len(_COLUMN_GAP.findall(ln)) for ln in lines]
    return len(lines) >= 2 and sum(1 for g in gaps if g) * 2 >= len(lines) and max(gaps) >= 2


def _make_unit(
    text: str, seg: Segment, ranges: list[tuple[int, int]], headings: tuple[str, ...]
) -> TextUnit | None:
    if _tabular("\n".join(text[a:b] for a, b in ranges)):
        return None
    chars: list[str] = []
    offsets: list[int] = []
    for start, end in ranges:
        for i in range(start, end):
            ch = text[i]
            if _SPACE.match(ch):
                continue
            chars.append(ch.translate(_FULLWIDTH))
            offsets.append(i)
    if not chars:
        return None
    return TextUnit(seg, "".join(chars), tuple(offsets), headings)


def _units(
    seg: Segment, text: str, pats: Patterns, headings: tuple[str, ...]
) -> Iterator[TextUnit]:
    """Paragraph-sized units below `seg`, skipping indicator tables; wrapped lines (PDF text)
    that do not end a sentence are joined with the next paragraph."""
    if seg.kind == "table" and is_indicator_table(seg, pats):
        return
    here = (*headings, seg.heading) if seg.heading else headings
    if seg.kind == "row":
        yield from _cell_units(text, seg, here)
        return
    if not seg.children:
        if seg.kind not in ("document", "table"):
            start = seg.start if seg.kind in ("paragraph", "item") else seg.body_start
            unit = _make_unit(text, seg, [(start, seg.end)], here)
            if unit:
                yield unit
        return
    first = seg.children[0].start
    # the body before the first child, kept for that child when a PDF line break split the
    # sentence there (…（其中…）\n，按照…补助: no line opens with a comma)
    lead: tuple[Segment, list[tuple[int, int]]] | None = None
    if seg.kind not in ("document", "table") and seg.body_start < first:
        head = seg.children[0]
        if head.kind == "paragraph" and text[head.start : head.end].lstrip().startswith(
            _INNER_PUNCT
        ):
            lead = (seg, [(seg.body_start, first)])
        else:
            unit = _make_unit(text, seg, [(seg.body_start, first)], here)
            if unit:
                yield unit
    pending: list[Segment] = []
    for child in seg.children:
        if child.kind == "paragraph" and not child.children:
            pending.append(child)
            if text[child.start : child.end].rstrip().endswith(tuple(_SENTENCE_END)):
                yield from _flush(text, pending, here, lead)
                pending, lead = [], None
            continue
        yield from _flush(text, pending, here, lead)
        pending, lead = [], None
        yield from _units(child, text, pats, here)
    yield from _flush(text, pending, here, lead)


def _cell_units(text: str, row: Segment, headings: tuple[str, ...]) -> Iterator[TextUnit]:
    """One unit per text cell of a row. A cell's printed lines may be interleaved with other
    cells' lines (PDF tables), so its characters are found in order in the row's span."""
    for cell in (row.cells or {}).values():
        wanted = [ch for ch in cell if not _SPACE.match(ch)]
        if len(wanted) < _MIN_CELL_TEXT:
            continue
        offsets: list[int] = []
        pos = row.start
        for ch in wanted:
            while pos < row.end and text[pos] != ch:
                pos += 1
            if pos >= row.end:
                break
            offsets.append(pos)
            pos += 1
        if len(offsets) == len(wanted):
            yield TextUnit(row, "".join(wanted).translate(_FULLWIDTH), tuple(offsets), headings)


def _flush(
    text: str,
    paragraphs: list[Segment],
    headings: tuple[str, ...],
    lead: tuple[Segment, list[tuple[int, int]]] | None = None,
) -> Iterator[TextUnit]:
    """One unit of the paragraphs (after `lead`, the start of their sentence in the parent)."""
    if not paragraphs and lead is None:
        return
    seg, ranges = lead if lead else (paragraphs[0], [])
    unit = _make_unit(text, seg, [*ranges, *((p.start, p.end) for p in paragraphs)], headings)
    if unit:
        yield unit


# ------------------------------------------------------------------------------------------
# Prose: markers and values


@dataclass
class _Context:
    years: list[int]  # target years in force
    past: bool  # a past year or period is in force: values state facts
    last_phrase: str = ""
    last_phrase_at: int = 0
    last_count: bool = False
    last_change: str | None = None  # the change of the last value (a list shares its verb)
    last_value_end: int = 0
    last_noun_after: bool = False  # the last value was 创建1个园区: a list of them may follow
    fallback: int | None = None  # the plan period's end, for paragraphs that print no year
    seen_marker: bool = False  # a year or period marker was seen in the paragraph


def prose_targets(
    text: str,
    unit: TextUnit,
    vocab: Vocabulary,
    ref_year: int | None,
    pats: Patterns | None = None,
    *,
    period_end: int | None = None,
) -> Iterator[Target]:
    """The targets stated in one paragraph. With `period_end`, a paragraph that prints no year
    at all still states targets for the end of the plan period, but only values with an
    explicit bound (以上, 以下, 左右, 不低于, 控制在…, ≥): 审定林草品种15个以上."""
    pats = pats or patterns()
    if any(is_background_heading(h, pats) for h in unit.headings):
        return
    view = unit.view
    masked = _MASKED.sub(lambda m: "\x00" * len(m.group(0)), view)
    ctx = _Context([], False, fallback=period_end)
    start = 0
    for i, ch in enumerate(view + "。"):
        if ch in _SENTENCE_END or i == len(view):
            if i > start:
                yield from _sentence(text, unit, start, i, masked, vocab, ref_year, pats, ctx)
            start = i + 1
            ctx.last_phrase, ctx.last_count, ctx.last_value_end = "", False, 0
            ctx.last_change = None
            ctx.last_noun_after = False


def is_background_heading(heading: str, pats: Patterns | None = None) -> bool:
    """发展基础, 现状与形势, 工作成效 are background chapters; 加快推进低碳基础设施建设 (基础
    inside 基础设施) and 夯实协同减排工作基础 (a task) are not."""
    pats = pats or patterns()
    h = _SPACE.sub("", heading)
    if h.startswith(pats.task_heading_prefixes):
        return False
    return any(re.search(re.escape(w) + r"(?:$|[与和及、，])", h) for w in pats.background_headings)


def _markers(
    masked: str, a: int, b: int, ref_year: int | None, pats: Patterns
) -> list[tuple[int, int, list[int] | None]]:
    """Year and period markers in masked[a:b]: (start, end, target years or None for past)."""
    out: list[tuple[int, int, list[int] | None]] = []
    baseline_spans = [(m.start(), m.end()) for m in _BASELINE.finditer(masked, a, b)]
    baseline_spans += [(m.start(), m.end()) for m in _FROM.finditer(masked, a, b)]
    for m in _YEAR_MARK.finditer(masked, a, b):
        if any(s <= m.start("years") < e for s, e in baseline_spans):
            continue
        years = [int(y) for y in re.findall(r"20\d\d", m.group("years"))]
        marked = bool(m.group("pre") or m.group("post")) and not (
            (m.group("pre") or "").startswith("截")
        )
        # 到2020年 in a plan of 2022 reports a result; 截至2021年底 always does
        future = (marked and (ref_year is None or max(years) >= ref_year)) or (
            ref_year is not None and min(years) > ref_year
        )
        if future or ref_year is None or max(years) > ref_year:
            out.append((m.start(), m.end(), years if future else []))
        elif not _QUALIFIER.match(masked, m.end()):  # 2005年前建成的小区: names a thing
            out.append((m.start(), m.end(), None))
    for m in _QUOTED.finditer(masked, a, b):
        end_year = pats.periods.get(m.group("name"))
        if end_year is None:
            continue
        if ref_year is not None and end_year <= ref_year:
            out.append((m.start(), m.end(), None))
        else:
            out.append((m.start(), m.end(), [end_year]))
    return sorted(out)


def _sentence(
    text: str,
    unit: TextUnit,
    a: int,
    b: int,
    masked: str,
    vocab: Vocabulary,
    ref_year: int | None,
    pats: Patterns,
    ctx: _Context,
    dated: bool = False,
) -> Iterator[Target]:
    if _grants_money(masked[a:b]):
        return  # 对年节能量达到300吨以上的项目，按每吨500元补助: the values are conditions
    markers = _markers(masked, a, b, ref_year, pats)
    events: list[tuple[int, str, re.Match[str] | tuple[int, int, list[int] | None]]] = [
        (s, "year", (s, e, ys)) for s, e, ys in markers
    ]
    deadline = pats.deadline.search(unit.view, a, b)
    if (
        not dated
        and deadline
        and not markers
        and (ref_year is None or int(deadline.group(1)) > ref_year)
    ):
        # …完成削减替代燃煤140万吨(责任部门：…，完成期限：2021年四季度): the tag's year, for
        # this sentence only
        kept = (ctx.years, ctx.past, ctx.seen_marker)
        ctx.years, ctx.past, ctx.seen_marker = [int(deadline.group(1))], False, True
        yield from _sentence(text, unit, a, b, masked, vocab, ref_year, pats, ctx, dated=True)
        ctx.years, ctx.past, ctx.seen_marker = kept
        return
    marker_spans = [(s, e) for s, e, _ in markers]
    # the baseline value of 由2020年的61.5%提高到63% is no target
    marker_spans += [(m.start(), m.end()) for m in _FROM.finditer(masked, a, b)]
    groups = _value_groups(masked, a, b, pats, marker_spans)
    events += [(g[0].start(), "value", g) for g in groups]  # type: ignore[misc]
    events += [(m.start(), "higher", m) for m in pats.higher_level.finditer(masked, a, b)]
    higher_spans = [(e[2].start(), e[2].end()) for e in events if e[1] == "higher"]  # type: ignore[union-attr]
    events += [
        (m.start(), "worded", m)
        for m in pats.value_phrase.finditer(masked, a, b)
        if not any(s <= m.start() < e for s, e in higher_spans)
    ]
    events.sort(key=lambda e: (e[0], e[1] != "year"))
    for _pos, kind, item in events:
        if kind == "year":
            _, _, years = item  # type: ignore[misc]
            ctx.past = years is None
            ctx.years = [] if years is None else years
            ctx.seen_marker = True
            continue
        if (
            kind == "value"
            and not ctx.past
            and not ctx.years
            and not ctx.seen_marker
            and ctx.fallback
            and _bounded(item, masked, a, pats)
        ):  # type: ignore[arg-type]
            ctx.years = [ctx.fallback]
            yield from _values(text, unit, item, a, masked, vocab, pats, ctx)  # type: ignore[arg-type]
            ctx.years = []
            continue
        if ctx.past or not ctx.years:
            continue
        if kind == "higher":
            yield from _higher(text, unit, item, a, masked, vocab, pats, ctx)  # type: ignore[arg-type]
        elif kind == "worded":
            yield from _higher(
                text,
                unit,
                item,
                a,
                masked,
                vocab,
                pats,
                ctx,  # type: ignore[arg-type]
                meaning=pats.value_phrases[item.group(0)],
            )  # type: ignore[union-attr]
        else:
            yield from _values(text, unit, item, a, masked, vocab, pats, ctx)  # type: ignore[arg-type]


def _grants_money(sentence: str) -> bool:
    """A sentence that pays a subsidy or award (补助, 奖励 and an amount of money): its other
    values are conditions to qualify, not targets."""
    from plankg.ingest.extract_money import money_vocab

    mv = money_vocab()
    return any(w in sentence for w, p in mv.purposes if p in ("subsidy", "award")) and any(
        m.group("unit") != "万" for m in mv.amount.finditer(sentence)
    )


def _bounded(group: list[re.Match[str]], masked: str, a: int, pats: Patterns) -> bool:
    """A value printed with an explicit bound: a suffix (以上, 以下), a symbol (≥) or a cue that
    is not plain equality (不低于, 控制在, 不超过). Approximations (约30座, 2000米左右) describe
    projects, not targets."""
    if any(
        ((m.group("pre") or "") in "≥≤＞＜><" and m.group("pre"))
        or (m.group("suf") or "") in pats.bound_suffixes
        for m in group
    ):
        return True
    first, last = group[0], group[-1]
    nxt = masked[last.end() : last.end() + 1]
    if (
        nxt and nxt not in "，,。；;、）)\x00"
    ):  # 坡度大于25度的坡耕地, 10万平方米以上工地: a condition
        return False
    cue = _cue_before(masked[_clause_start(masked, first.start(), a) : first.start()], pats)
    return cue is not None and cue[0] in pats.bound_cues


def _value_groups(
    masked: str, a: int, b: int, pats: Patterns, marker_spans: list[tuple[int, int]]
) -> list[list[re.Match[str]]]:
    """Values in masked[a:b], grouped when only 、 or 和 separate them (16%、18%以上)."""
    groups: list[list[re.Match[str]]] = []
    for m in pats.value.finditer(masked, a, b):
        if any(s <= m.start() < e for s, e in marker_spans):
            continue
        if groups and masked[groups[-1][-1].end() : m.start()] in ("、", "和", "及"):
            groups[-1].append(m)
        else:
            groups.append([m])
    return groups


def _clause_start(view: str, pos: int, a: int) -> int:
    i = pos
    while i > a and view[i - 1] not in _CLAUSE_SEP:
        i -= 1
    return i


def _clean_phrase(
    phrase: str, pats: Patterns, strip_cues: bool = True
) -> tuple[str, int | None, int]:
    """Strip year markers, baselines, scope words and hedges from an indicator phrase.
    Returns the phrase, the baseline year if one was printed, and how many leading characters
    were dropped."""
    base = None
    m = _BASELINE.search(phrase)
    if m:
        base = int(m.group("year"))
        phrase = phrase[: m.start()] + phrase[m.end() :]
    phrase = _YEAR_MARK.sub("", phrase)
    phrase = _QUOTED.sub("", phrase)  # “十四五”时期能源消费增量中… → 能源消费增量中…
    phrase = re.sub(r"^\d+年(?:期间|内)?|\d+年(?:期间|内)$", "", phrase)
    dropped = 0
    changed = True
    while changed and phrase:
        changed = False
        for w in (*pats.strip_words, "要", "的"):
            if phrase.startswith(w):
                phrase, dropped, changed = phrase[len(w) :], dropped + len(w), True
            if phrase.endswith(w):
                phrase, changed = phrase[: -len(w)], True
        for w, _, _ in pats.cues if strip_cues else ():
            if phrase.endswith(w):
                phrase, changed = phrase[: -len(w)], True
    return phrase.strip("、，"), base, dropped


def _previous_phrase(
    masked: str, clause: int, a: int, pats: Patterns, ctx: _Context
) -> tuple[str, int]:
    """The indicator of a clause that names none: the clause before when it ends in a trend
    (…强度持续降低，分别较2020年降低16%), else the last indicator of the sentence."""
    if clause > a:
        prev = _clause_start(masked, clause - 1, a)
        previous = masked[prev : clause - 1]
        trimmed = _strip_trend(previous, pats)
        if trimmed != previous and trimmed:
            phrase, _, dropped = _clean_phrase(trimmed, pats)
            if phrase:
                return phrase, prev + dropped
    return ctx.last_phrase, ctx.last_phrase_at


def _strip_trend(phrase: str, pats: Patterns) -> str:
    for t in pats.trends:
        if phrase.endswith(t):
            return phrase[: -len(t)]
    return phrase


def _is_money(value: re.Match[str], before: str) -> bool:
    """An amount of money to spend or give (投资, 资金, 补贴 before it) is money, not a target;
    产值 15000亿元 is a target."""
    from plankg.ingest.extract_money import money_vocab

    if (value.group("unit") or "") not in money_vocab().units:
        return False
    return any(w in before for w, p in money_vocab().purposes if p != "none")


def _counted_noun(phrase: str, pats: Patterns) -> str:
    """扩大竹产业基地 → 竹产业基地: the noun a count phrase counts, without its verb."""
    verb = next((v for v in pats.count_verbs if phrase.startswith(v)), None)
    return phrase[len(verb) :] if verb and len(phrase) > len(verb) + 1 else ""


def _count_change(
    verb: str | None, phrase: str, before: str, value: re.Match[str], pats: Patterns
) -> str | None:
    """新增340万千瓦 and 新建花卉苗木基地55万亩 are additions (increase); 新建良种基地15个,
    累计新建300万亩 and 完成改造面积500万平方米 are levels to reach."""
    kind = pats.count_changes.get(verb or "")
    if kind is None or any(w in before for w in pats.level_words):
        return None
    if kind == "measure" and unit_dimensions().get(value.group("unit") or "") in _COUNTED:
        return None
    return "increase"


_COUNTED = frozenset({"count", "people", "vehicles", "households"})


def _cue_before(text: str, pats: Patterns) -> tuple[str, str, str | None] | None:
    for word, comparator, reduce in pats.cues:
        if text.endswith(word):
            return word, comparator, reduce
    return None


def _values(
    text: str,
    unit: TextUnit,
    group: list[re.Match[str]],
    a: int,
    masked: str,
    vocab: Vocabulary,
    pats: Patterns,
    ctx: _Context,
) -> Iterator[Target]:
    view = unit.view
    first, last = group[0], group[-1]
    bare = not any(m.group("unit") or m.group("suf") or m.group("pre") for m in group)
    if (
        bare
        and _cue_before(masked[_clause_start(masked, first.start(), a) : first.start()], pats)
        is None
    ):
        return  # a bare number without a cue (page numbers, counts in names)
    clause = max(_clause_start(masked, first.start(), a), ctx.last_value_end)
    # 建成10个示范县（市、区），100个示范乡镇: a list of counted nouns goes on across ， too
    continues = (
        ctx.last_noun_after
        and ctx.last_value_end <= clause
        and not masked[ctx.last_value_end : clause].strip("\x00、，,和及与")
    )
    while clause < first.start() and masked[clause] in "、，和及与":
        clause += 1
    before = masked[clause : first.start()].replace("\x00", "")
    ctx.last_value_end, ctx.last_noun_after = last.end(), False
    base_value: Decimal | None = None
    from_base = _FROM.search(before)
    if from_base:  # 森林覆盖率由2020年的61.5%提高到(2025年的)63%
        base_value = _decimal(from_base.group("num"))
        from_year = int(from_base.group("year"))
        before = before[: from_base.start()] + before[from_base.end() :]
        before = re.sub(r"20\d\d年(?:底|末)?的?$", "", before)
    else:
        from_year = None
    cue = _cue_before(re.sub(r"分别$", "", before), pats)
    comparator, count = "=", False
    change: str | None = None
    phrase_start = clause
    if cue is not None:
        word, comparator, change = cue
        raw = re.sub(r"分别$", "", before)[: -len(word)]
    else:
        raw = before
    if _ACHIEVED.search(raw):  # 已达到 / 已建成: an achievement, not a target
        return
    if _is_money(first, before) and not before.startswith(pats.money_target_verbs):
        return  # 总投资预算约1346.90亿元: an amount of money (extract_money); 完成投资…亿元 is a target
    phrase, base_year, dropped = _clean_phrase(raw, pats)
    base_year = base_year or from_year
    phrase_start += dropped
    after = ""
    if cue is None:
        verb = next((v for v in pats.count_verbs if phrase.startswith(v)), None)
        tail = next((v for v in pats.count_verbs if raw.endswith(v)), None)
        change = _count_change(verb or tail, phrase, before, last, pats)
        if tail is None and continues and not phrase:
            tail = ""  # …、5个低碳社区试点和2个低碳校园试点
        if tail is not None:  # 培育引进100名左右高层次人才: the noun follows the value
            m = _NOUN_AFTER.match(masked, last.end())
            after = m.group(0) if m else ""
            if after:
                phrase = tail + after
                ctx.last_value_end, ctx.last_noun_after = last.end() + len(after), True
            elif not phrase:
                return
            else:  # 规划新建6个: nothing but a filler names what is counted
                named = phrase[: len(phrase) - len(tail)] if tail else phrase
                noun = _counted_noun(ctx.last_phrase, pats) if ctx.last_count else ""
                if not named and noun:  # 扩大竹产业基地30万亩、改造270万亩: the same noun
                    phrase = tail + noun
                elif len(named) < 2 or named in pats.not_a_name:
                    return
            count = True
        elif verb is not None or (ctx.last_count and phrase):
            count = True
            if verb is None:  # 新增国家森林城市2个、省级森林城市2个: the list shares the verb
                change = ctx.last_change
        elif not (
            first.group("pre")
            or vocab.indicator(phrase)
            or phrase.endswith(pats.indicator_suffixes)
        ):
            return
        elif _CJK.match(masked[last.end() : last.end() + 1]):
            return  # 建筑面积10万平方米以上工地: the value qualifies a noun, a condition
    if not phrase:  # …持续降低，分别较2020年降低16%、18%以上 / 到2025年，力争达到12平方米/人
        phrase, phrase_start = _previous_phrase(masked, clause, a, pats, ctx)
    if not phrase:
        return
    phrase = phrase.strip("，、")
    ctx.last_phrase, ctx.last_phrase_at, ctx.last_count = phrase, phrase_start, count
    ctx.last_change = change
    end = last.end() + len(after)
    s, e = unit.span(phrase_start if phrase_start < first.start() else clause, end)
    source = Source.span(text, unit.segment, s, e)
    names = [n for n in _SPLIT.split(phrase) if n]
    if (
        len(group) == 1
        and len(names) > 1
        and all(n.endswith(pats.indicator_suffixes) for n in names)
    ):
        group = group * len(names)  # 视频监测覆盖率、车辆监测覆盖率达到100%: each name
    elif len(names) != len(group):
        names = [phrase] * len(group)
    years = ctx.years
    pairs: list[tuple[str, re.Match[str], int]]
    if len(years) == len(group) and len(group) > 1:
        pairs = [(n, m, y) for n, m, y in zip(names, group, years, strict=True)]
    else:
        pairs = [(n, m, y) for n, m in zip(names, group, strict=True) for y in years]
    shared_suffix = last.group("suf")
    bracket = _BRACKET_BASE.match(view, last.end())  # 达到63%（2020年为61.5%）
    if bracket and base_value is None and len(group) == 1:
        base_year, base_value = int(bracket.group("year")), _decimal(bracket.group("num"))
    for name, m, year in pairs:
        comp = comparator
        if m.group("pre"):
            comp = _SYMBOLS.get(m.group("pre"), comp)
        suffix = m.group("suf") or shared_suffix
        if suffix:
            comp = pats.suffixes.get(suffix, comp)
        concept = _indicator(name, phrase, change, vocab)
        ranged = m.group("upto") is not None  # 建成3—5个示范区: both ends kept as printed
        yield Target(
            indicator_as_printed=name,
            indicator=concept,
            unit=m.group("unit") or None,
            value=None if ranged else _decimal(m.group("num")),
            target_year=year,
            comparator=comp,
            value_as_printed=view[m.start() : m.end()],
            baseline_value=base_value,
            baseline_year=base_year,
            bindingness=None,
            set_by_higher_level=False,
            cumulative="累计" in before,
            source=source,
            change=change,
            value_meaning="range" if ranged else None,
        )


_CHANGE_WORDS = {"decrease": ("下降", "降低", "减少", "削减"), "increase": ("增长", "提高", "增加")}


def _indicator(name: str, phrase: str, change: str | None, vocab: Vocabulary) -> str | None:
    """The canonical indicator of a prose phrase. A change (下降 X%, 增长 X%) maps only to a
    concept that is itself a change (…下降率): 煤炭消费量下降10% is not coal consumption = 10."""
    if change is None:
        concept = vocab.indicator(name)
        return concept.local if concept else None
    words = _CHANGE_WORDS[change]
    candidates = [name + words[0], name]
    if name != phrase:  # 单位地区生产总值能耗和二氧化碳排放强度 → second name with the prefix
        candidates.append(phrase + words[0])
    for cand in candidates:
        concept = vocab.indicator(cand)
        if concept is not None and any(w in label for label in concept.labels_zh for w in words):
            return concept.local
    return None


def _higher(
    text: str,
    unit: TextUnit,
    m: re.Match[str],
    a: int,
    masked: str,
    vocab: Vocabulary,
    pats: Patterns,
    ctx: _Context,
    meaning: str = "higherLevel",
) -> Iterator[Target]:
    """完成市级下达目标 after one or more indicator names, or 完成市级下达的X目标任务; with another
    `meaning`, a worded value after an indicator name (森林覆盖率不降低, 劣V类水体基本消除)."""
    view = unit.view
    worded = meaning != "higherLevel"
    inner = (
        None
        if worded
        else re.search(
            r"(?:下达|规定|分解|确定)的?(?P<name>.+?)(?:目标任务|目标|任务|考核要求|要求)$",
            m.group(0),
        )
    )
    clause = _clause_start(masked, m.start(), a)
    lead = re.search(r"(?:全面)?完成$", masked[clause : m.start()])
    printed_from = clause + lead.start() if lead else m.start()
    if inner and len(inner.group("name")) >= 2 and inner.group("name") not in ("目标", "任务"):
        phrase, phrase_start = inner.group("name"), m.start() + inner.start("name")
        end = m.end()
        names = [phrase]
    else:
        raw = masked[clause : m.start()].replace("\x00", "")
        raw = re.sub(r"(?:全面)?完成$|以$", "", raw)
        phrase, _, dropped = _clean_phrase(_strip_trend(raw, pats), pats, strip_cues=False)
        phrase = _strip_trend(phrase, pats)
        phrase_start = clause + dropped
        if not phrase:
            phrase, phrase_start = _previous_phrase(masked, clause, a, pats, ctx)
        if not phrase:
            return
        names = [n for n in re.split(r"[、和]", phrase) if n] or [phrase]
        end = m.end()
    if worded and not all(vocab.indicator(n) or n.endswith(pats.indicator_suffixes) for n in names):
        return  # 不降低 after a verb phrase (标准不降低) names no indicator
    s, e = unit.span(min(phrase_start, printed_from), end)
    source = Source.span(text, unit.segment, s, e)
    for name in names:
        for year in ctx.years:
            concept = vocab.indicator(name)
            yield Target(
                indicator_as_printed=name,
                indicator=concept.local if concept else None,
                unit=unit_of(name),
                value=None,
                target_year=year,
                comparator="=",
                value_as_printed=view[printed_from : m.end()],
                baseline_value=None,
                baseline_year=None,
                bindingness=None,
                set_by_higher_level=not worded,
                cumulative=False,
                source=source,
                value_meaning=meaning,
            )
    ctx.last_phrase, ctx.last_phrase_at = names[-1], phrase_start


__all__ = [
    "CellValue",
    "Patterns",
    "TextUnit",
    "extract_targets",
    "is_indicator_table",
    "parse_cell",
    "patterns",
    "prose_targets",
    "table_targets",
]
