"""Plan metadata from the text: issuing district, title, issuer, document number, date, period.

A plan usually opens with the government's notice (通知) that issues it:

    永川府发〔2022〕18号                      document number (文号)
    重庆市永川区人民政府                      issuer (header)
    关于印发重庆市永川区应对气候变化           notice title, often broken over lines
    “十四五”规划的通知
    各镇人民政府、街道办事处……：             addressees
    现将《……》印发给你们，请认真贯彻执行。
    重庆市永川区人民政府                      issuer (signature)
    2022年10月12日                            issue date
    （此件公开发布）                          end of the notice

and then the plan's own title (also broken over lines, perhaps with its period on the next line:
（2022~2030年）). Some plans carry no notice, some no title after it. Everything here works on
cleaned and on raw text: offsets are never shifted, spacing is tolerated, and Word bookmark debris
is read as blank. Places come from the gazetteer (`data/places.csv`), never from code.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.resources import files
from typing import Literal

from plankg.ingest.clean import is_page_number
from plankg.ingest.headings import match_marker
from plankg.ingest.places import ADMIN_TYPES, PLAN_LEVEL, Gazetteer, Place, default_gazetteer

Level = Literal["district", "county", "municipal", "provincial", "regional", "unknown"]

# One-to-one character folds, so that offsets in the folded text are offsets in the original.
_FOLD = str.maketrans(
    "０１２３４５６７８９［］（）～－　",
    "0123456789[]()~- ",
)
_BOOKMARK = re.compile(r"\[bookmark:[^\]\n]*\]")
_CN_DIGITS = {
    "〇": 0, "○": 0, "零": 0, "Ｏ": 0, "O": 0, "o": 0,
    "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}  # fmt: skip
_YEAR = r"(\d{4}|[〇○零一二三四五六七八九Ｏ]{4})"
_MD = r"(\d{1,2}|[一二三四五六七八九十]{1,3})"
_DATE = re.compile(rf"{_YEAR}\s*年\s*{_MD}\s*月\s*{_MD}\s*日")
_DATE_LINE = re.compile(rf"\s*{_DATE.pattern}\s*")
# 文号: an issuing-body prefix, the year in brackets of any kind, a serial number, 号.
_DOC_NUMBER = re.compile(
    r"[\u4e00-\u9fff]{1,12}\s*[〔\[(【〖]\s*\d{4}\s*[〕\])】〗]\s*\d{1,5}\s*号"
)
_NOTICE_TITLE = re.compile(r"关于(?:印发|转发|下发|发布|公布)(?P<x>[^。；：:]{2,160}?)的通知")
_NOTICE_END = re.compile(r"^\s*[（(]\s*此件[^）)\n]{0,12}[）)]\s*$")
# Lines that end a title besides heading markers (plankg.ingest.headings): 前言, 目录.
_FRONT_MATTER = re.compile(r"^\s*(?:前\s*言|目\s*录)")
# A name of a body that issues documents: government, its office, a bureau, a committee.
_ORG = re.compile(
    r"[\u4e00-\u9fff（）()]{2,40}?(?:人民政府(?:办公室|办公厅)?|政府办公室|办公厅|办公室"
    r"|委员会|领导小组|局|厅|委)"
)
# What a plan's title ends with: the kind of document it is.
_DOC_KIND = re.compile(
    r"(?:规划|纲要|方案|计划|意见|办法|规定|细则|要点|措施|行动|路线图|指南|清单|战略|政策)"
    r"(?:[（(][^（）()]*[）)])?》?$"
)
_PERIOD = re.compile(r"(?<!\d)(\d{4})\s*年?\s*[-~—–―至到〜]{1,2}\s*(\d{4})\s*年(?!\d)")
_PERIOD_PAREN = re.compile(r"[(（]\s*(\d{4})\s*年?\s*[-~—–―至到〜]{1,2}\s*(\d{4})\s*年?\s*[)）]")
_PERIOD_LINE = re.compile(rf"^\s*{_PERIOD_PAREN.pattern}\s*$")
# 十四五 and its kin, or 第十四个五年: the n-th five-year plan.
_FIVE_YEAR = re.compile(
    r"(?<![〇○零一二三四五六七八九十])(十[一二三四五六七八九]?)五(?![年〇○零一二三四五六七八九十])"
    r"|第(十[一二三四五六七八九]?)个五年"
)
_HEAD_LINES = 8  # non-blank lines at the top in which a notice title is looked for
_TITLE_PIECES = 5  # lines a title may be broken into
_TITLE_MAX = 100  # characters in a title
_LEVEL_OF_SUFFIX: tuple[tuple[str, Level], ...] = (
    ("区", "district"), ("县", "county"), ("市", "municipal"), ("省", "provincial"),
)  # fmt: skip


@dataclass(frozen=True)
class PlanMetadata:
    """What a plan says about itself. `spans` maps a field name to where it was read."""

    district: str | None
    district_code: str | None
    title: str | None
    issuer: str | None
    doc_number: str | None
    issued: datetime.date | None
    period_start: int | None
    period_end: int | None
    period_derived: bool
    level: Level
    spans: dict[str, tuple[int, int]] = field(default_factory=dict)
    issuers: tuple[str, ...] = ()  # each issuing body when several sign (joint notices)
    # The jurisdiction of any level whose plan this is (a province, city, district, county, new
    # area, development zone, or a region for a joint plan), from the gazetteer; `district`
    # above is the same place when it is county-level, else None.
    jurisdiction: str | None = None
    jurisdiction_code: str | None = None  # GB/T 2260 code (None for zones and regions)
    jurisdiction_type: str | None = None  # the gazetteer's place type (province, city, …)
    jurisdiction_level: str | None = None  # province, city, district, county, newArea, …
    # every jurisdiction the plan belongs to: one, or each signatory of a joint plan (their
    # gazetteer keys: the code, or the name of a place without one)
    jurisdictions: tuple[str, ...] = ()
    jurisdiction_source: str | None = None  # where it was read: issuer, title, doc_number, body …


@dataclass(frozen=True)
class _Line:
    start: int
    end: int
    text: str  # folded, bookmark debris blanked

    @property
    def content(self) -> str:
        return self.text.strip()


def extract_metadata(
    text: str, *, notice_end: int | None = None, places: Gazetteer | None = None
) -> PlanMetadata:
    """Read a plan's metadata from its (cleaned or raw) text.

    `notice_end` is the offset where the issuing notice ends, if the caller knows it (0: the plan
    has no notice); otherwise it is found here. `places` defaults to the packaged gazetteer.
    """
    gazetteer = places if places is not None else default_gazetteer()
    folded = _BOOKMARK.sub(lambda m: " " * len(m.group()), text.translate(_FOLD))
    lines = _split_lines(folded)
    spans: dict[str, tuple[int, int]] = {}

    notice = _find_notice_title(folded, lines)
    if notice_end is None:
        notice_end = _find_notice_end(lines, notice) if notice else 0
    notice_lines = [ln for ln in lines if ln.end <= notice_end] if notice_end else []
    head = notice_lines or [ln for ln in lines if ln.content][:_HEAD_LINES]

    doc_number = _find_doc_number(head, spans)
    date_index = _find_date_line(notice_lines, notice)
    if date_index is None and not notice_lines:
        date_index = _find_date_line(head, None)
        date_lines = head
    else:
        date_lines = notice_lines
    issued = None
    if date_index is not None:
        issued = _parse_date(date_lines[date_index], spans)
    issuers = _find_issuers(date_lines, date_index, notice, spans)

    body_lines = [ln for ln in lines if ln.start >= notice_end]
    title, period = _find_title(folded, body_lines, notice, spans)

    found = find_jurisdiction(folded, issuers, spans, doc_number, gazetteer, notice, lines)
    level = found.level
    # `district` stays what it was: a county-level division (区, 县, 县级市) with a code
    district_place = (
        found.primary if found.primary and found.primary.type in ("district", "county") else None
    )
    if district_place is not None and "jurisdiction" in spans:
        spans["district"] = spans["district_code"] = spans["jurisdiction"]
    # Values were read in the folded text; report them as printed in `text`.
    if title is not None:
        title = _printed(text, folded, spans["title"])
    if doc_number is not None:
        doc_number = _printed(text, folded, spans["doc_number"])
    issuers = [(text[a:b], (a, b)) for _, (a, b) in issuers]
    return PlanMetadata(
        district=district_place.name if district_place else None,
        district_code=district_place.code if district_place else None,
        title=title,
        issuer="、".join(name for name, _ in issuers) or None,
        doc_number=doc_number,
        issued=issued,
        period_start=period[0] if period else None,
        period_end=period[1] if period else None,
        period_derived=period[2] if period else False,
        level=level,
        spans=spans,
        issuers=tuple(name for name, _ in issuers),
        jurisdiction=found.primary.name if found.primary else None,
        jurisdiction_code=found.primary.code if found.primary else None,
        jurisdiction_type=found.primary.type if found.primary else None,
        jurisdiction_level=found.primary.jurisdiction_level if found.primary else None,
        jurisdictions=tuple(p.key for p in found.places),
        jurisdiction_source=found.source,
    )


# --- lines and the notice -------------------------------------------------------------------


def _split_lines(text: str) -> list[_Line]:
    lines: list[_Line] = []
    start = 0
    for piece in text.split("\n"):
        lines.append(_Line(start, start + len(piece), piece))
        start += len(piece) + 1
    return lines


def _compact(text: str, start: int, end: int) -> tuple[str, list[int]]:
    """`text[start:end]` without whitespace, and the offset in `text` of each character kept."""
    offsets = [i for i in range(start, end) if not text[i].isspace()]
    return "".join(text[i] for i in offsets), offsets


def _printed(text: str, folded: str, span: tuple[int, int]) -> str:
    """`text[span]` as printed, without the whitespace (and debris) that breaks it up."""
    return "".join(text[i] for i in range(*span) if not folded[i].isspace())


def _unspace(text: str) -> str:
    return "".join(text.split())


@dataclass(frozen=True)
class _Notice:
    start: int  # offset of 关于, or of the header issuer on the same line
    end: int  # offset just after 的通知
    inner: str  # what is issued: the text between 关于印发 and 的通知, without whitespace
    inner_span: tuple[int, int]
    header: tuple[tuple[str, tuple[int, int]], ...]  # issuers printed above the notice title


def _find_notice_title(text: str, lines: list[_Line]) -> _Notice | None:
    """The 关于印发…的通知 heading, if it stands among the first lines of the text."""
    top = [ln for ln in lines if ln.content][:_HEAD_LINES]
    if not top:
        return None
    compact, offsets = _compact(text, top[0].start, top[-1].end)
    for m in _NOTICE_TITLE.finditer(compact):
        at = offsets[m.start()]
        line = next(ln for ln in top if ln.start <= at <= ln.end)
        prefix = text[line.start : at].strip()
        if prefix and not _ORG.fullmatch(prefix):
            continue  # a citation inside a sentence, not a heading
        header = _named_spans(line) if prefix else []
        header = [(name, span) for name, span in header if span[1] <= at]
        for ln in reversed([ln for ln in top if ln.end < line.start]):
            names = _named_spans(ln)
            if not names:
                break
            header[:0] = names
        x_start, x_end = offsets[m.start("x")], offsets[m.end("x") - 1] + 1
        return _Notice(
            start=line.start if prefix else at,
            end=offsets[m.end() - 1] + 1,
            inner=m.group("x"),
            inner_span=(x_start, x_end),
            header=tuple(header),
        )
    return None


def _find_notice_end(lines: list[_Line], notice: _Notice) -> int:
    """The end of the （此件公开发布） line, or of the signature date, after the notice title."""
    after = [ln for ln in lines if ln.start >= notice.end]
    for ln in after[:60]:
        if _NOTICE_END.match(ln.text):
            return ln.end
    for ln in after[:60]:
        if _DATE_LINE.fullmatch(ln.text):
            return ln.end
    return notice.end


def _named_spans(line: _Line) -> list[tuple[str, tuple[int, int]]]:
    """The issuing bodies on a line with their spans, or [] if the line is not just bodies."""
    content = line.text
    if "关于" in content:  # a header issuer on the notice title's line: 重庆市…办公室关于
        content = content[: content.index("关于")]
    names = _org_names(content.strip())
    found: list[tuple[str, tuple[int, int]]] = []
    pos = 0
    for name in names:
        at = line.text.index(name, pos)
        found.append((name, (line.start + at, line.start + at + len(name))))
        pos = at + len(name)
    return found


def _org_names(content: str) -> list[str]:
    """The issuing bodies on a line (several when they sign side by side), or [] if not all are."""
    parts = content.split()
    if parts and all(_ORG.fullmatch(p) for p in parts):
        return parts
    return []


# --- document number, date, issuer ----------------------------------------------------------


def _find_doc_number(head: list[_Line], spans: dict[str, tuple[int, int]]) -> str | None:
    """A 文号 standing on a line of its own (a cited one sits inside a sentence)."""
    for ln in head:
        m = _DOC_NUMBER.fullmatch(ln.content)
        if m:
            offset = ln.start + ln.text.index(ln.content)
            spans["doc_number"] = (offset, offset + len(ln.content))
            return _unspace(ln.content)
    return None


def _find_date_line(lines: list[_Line], notice: _Notice | None) -> int | None:
    """Index of the last date standing alone on a line (after the notice title, if any)."""
    found = None
    for i, ln in enumerate(lines):
        if notice is not None and ln.start < notice.end:
            continue
        if _DATE_LINE.fullmatch(ln.text):
            found = i
    return found


def _parse_date(line: _Line, spans: dict[str, tuple[int, int]]) -> datetime.date | None:
    m = _DATE.search(line.text)
    if m is None:
        return None
    try:
        day = datetime.date(_cn_year(m.group(1)), _cn_number(m.group(2)), _cn_number(m.group(3)))
    except ValueError:
        return None
    spans["issued"] = (line.start + m.start(), line.start + m.end())
    return day


def _cn_year(text: str) -> int:
    if text.isdigit():
        return int(text)
    return int("".join(str(_CN_DIGITS[ch]) for ch in text))


def _cn_number(text: str) -> int:
    """1–99 written as digits or as 一…九十: 十 10, 十二 12, 二十 20, 三十一 31."""
    if text.isdigit():
        return int(text)
    if "十" not in text:
        return int("".join(str(_CN_DIGITS[c]) for c in text))
    tens, _, ones = text.partition("十")
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)


def _find_issuers(
    lines: list[_Line],
    date_index: int | None,
    notice: _Notice | None,
    spans: dict[str, tuple[int, int]],
) -> list[tuple[str, tuple[int, int]]]:
    """The bodies that sign above the date; failing that, those in the notice header."""
    found: list[tuple[str, tuple[int, int]]] = []
    if date_index is not None:
        i = date_index - 1
        while i >= 0 and not lines[i].content:
            i -= 1
        while i >= 0 and len(found) < 4:
            signed = _named_spans(lines[i])
            if not signed or "关于" in lines[i].text:
                break
            found[:0] = signed
            i -= 1
    if not found and notice is not None:
        found = list(notice.header)
    if found:
        spans["issuer"] = (found[0][1][0], found[-1][1][1])
    return found


# --- title and period -----------------------------------------------------------------------


def _find_title(
    text: str,
    body: list[_Line],
    notice: _Notice | None,
    spans: dict[str, tuple[int, int]],
) -> tuple[str | None, tuple[int, int, bool] | None]:
    """The plan's own title (joined over lines) and the period printed with it, if any."""
    pieces: list[_Line] = []
    period_line: _Line | None = None
    for ln in body:
        content = ln.content
        if not content or is_page_number(ln.text):
            continue
        if pieces and _PERIOD_LINE.match(ln.text):
            period_line = ln
            break
        if match_marker(content.strip()) or _FRONT_MATTER.match(content) or _stops_title(content):
            break
        pieces.append(ln)
        joined = "".join(_unspace(p.text) for p in pieces)
        if len(joined) > _TITLE_MAX or len(pieces) > _TITLE_PIECES:
            pieces = []
            break
        if _is_title(joined):
            nxt = _next_content(body, ln)
            if nxt is not None and _PERIOD_LINE.match(nxt.text):
                period_line = nxt
            break
    else:
        pieces = []
    joined = "".join(_unspace(p.text) for p in pieces)
    if pieces and _is_title(joined):
        start = pieces[0].start + pieces[0].text.index(pieces[0].content)
        end = pieces[-1].start + len(pieces[-1].text.rstrip())
        title, title_span = _strip_quotes(joined, (start, end), text)
    elif notice is not None:
        title, title_span = _strip_quotes(notice.inner, notice.inner_span, text)
    else:
        return None, None

    period: tuple[int, int, bool] | None = None
    m = _PERIOD_PAREN.search(title)
    if m and m.end() == len(title):
        title = title[: m.start()].rstrip()
        period = (int(m.group(1)), int(m.group(2)), False)
        period_span = _locate(text, title_span, m.group(0))
        spans["period_start"] = spans["period_end"] = period_span
        title_span = (title_span[0], period_span[0])
    spans["title"] = title_span
    if period is None and period_line is not None:
        m = _PERIOD_PAREN.search(period_line.text)
        if m:
            period = (int(m.group(1)), int(m.group(2)), False)
            span = (period_line.start + m.start(), period_line.start + m.end())
            spans["period_start"] = spans["period_end"] = span
    if period is None:
        period = _period_in(title, text, title_span, spans)
    if period is None and notice is not None:
        inner_span = notice.inner_span
        period = _period_in(notice.inner, text, inner_span, spans)
    return title, period


def _stops_title(content: str) -> bool:
    """A line that cannot be part of a title: prose, a date, a signature."""
    return (
        "。" in content
        or "；" in content
        or content.endswith(("：", ":"))
        or bool(_DATE_LINE.fullmatch(content))
        or bool(_org_names(content))
    )


def _is_title(joined: str) -> bool:
    return (
        4 <= len(joined) <= _TITLE_MAX
        and joined.count("《") == joined.count("》")
        and bool(_DOC_KIND.search(joined))
    )


def _next_content(body: list[_Line], line: _Line) -> _Line | None:
    seen = False
    for ln in body:
        if seen and ln.content and not is_page_number(ln.text):
            return ln
        seen = seen or ln is line
    return None


def _strip_quotes(title: str, span: tuple[int, int], text: str) -> tuple[str, tuple[int, int]]:
    """Drop book-title marks around a whole title (《…》), and the words before a title quoted
    at the end of its line (黑龙江省发布《关于…实施方案》: a page that publishes the plan)."""
    if (
        title.startswith("《")
        and title.endswith("》")
        and title[1:-1].count("《") == title[1:-1].count("》")
    ):
        return title[1:-1], (span[0] + 1, span[1] - 1)
    opened = title.rfind("《")
    if opened > 0 and title.endswith("》") and "》" not in title[opened:-1]:
        inner = title[opened + 1 : -1]
        if _DOC_KIND.search(inner):
            return inner, _locate(text, span, inner)
    return title, span


def _locate(text: str, span: tuple[int, int], piece: str) -> tuple[int, int]:
    """The span of `piece` (written without whitespace) inside `text[span]`."""
    compact, offsets = _compact(text, span[0], span[1])
    at = compact.find(_unspace(piece))
    if at < 0:
        return span
    return offsets[at], offsets[at + len(_unspace(piece)) - 1] + 1


def _period_in(
    title: str, text: str, span: tuple[int, int], spans: dict[str, tuple[int, int]]
) -> tuple[int, int, bool] | None:
    """A printed range (2021-2025年) or a five-year plan (十四五) named in a title."""
    m = _PERIOD.search(title) or _PERIOD_PAREN.search(title)
    if m:
        spans["period_start"] = spans["period_end"] = _locate(text, span, m.group(0))
        return int(m.group(1)), int(m.group(2)), False
    m = _FIVE_YEAR.search(title)
    if m:
        n = _cn_number(m.group(1) or m.group(2))
        start = 1966 + 5 * (n - 3)  # the 3rd plan ran 1966–1970, and they follow on since
        spans["period_start"] = spans["period_end"] = _locate(text, span, m.group(0))
        return start, start + 4, True
    return None


# --- jurisdiction and level -----------------------------------------------------------------


@dataclass(frozen=True)
class JurisdictionFinding:
    """Whose plan it is: the gazetteer places, the main one, the plan level, where it was read."""

    places: tuple[Place, ...]
    primary: Place | None
    level: Level
    source: str | None


@dataclass(frozen=True)
class _Cues:
    """Words that say the level of the issuing government without naming it (data/
    jurisdiction-cues.csv): 我省 and 全省 in a provincial plan, 我市 in a city's, 本区 in a
    district's; and the suffixes that make a development zone or new area of a place name."""

    levels: tuple[tuple[str, str], ...]  # (cue, place-type group)
    zones: tuple[tuple[str, str], ...]  # (suffix, place type), longest first


# The place types each cue group admits (一个自治区 also says 全区).
_CUE_TYPES = {
    "province": ("province", "municipality"),
    "city": ("city", "municipality"),
    "district": ("district", "new_area", "development_zone", "province"),
    "county": ("county",),
}
_BODY_CHARS = 20000  # the body fallback counts places in the first characters of the plan
_BODY_MIN_MENTIONS = 3  # without a level cue, the most named place must be named this often
_QUOTED = re.compile(r"《([^《》\n]{4,80})》")
_HEAD_QUOTED_LINES = 12


@lru_cache(maxsize=1)
def _cues() -> _Cues:
    text = files("plankg.data").joinpath("jurisdiction-cues.csv").read_text(encoding="utf-8")
    levels, zones = [], []
    for row in csv.DictReader(io.StringIO(text.lstrip("\ufeff"))):
        if row["kind"] == "level":
            levels.append((row["cue"], row["value"]))
        elif row["kind"] == "zone":
            zones.append((row["cue"], row["value"]))
    zones.sort(key=lambda z: -len(z[0]))
    return _Cues(tuple(levels), tuple(zones))


def _chain(gazetteer: Gazetteer, text: str, offset: int) -> list[tuple[Place, tuple[int, int]]]:
    """The places a name or title names, ambiguous names resolved by the ones before them, and
    development zones or new areas made of a place name and a zone suffix (广州开发区)."""
    mentions = gazetteer.resolve(gazetteer.find(text, all_forms=True))
    out: list[tuple[Place, tuple[int, int]]] = []
    for m in mentions:
        if out and m.surface != m.row.name and not m.row.curated:
            # a short form after a place must name a place inside it (四川省自然资源厅 is not
            # 资源县 of Guangxi)
            earlier = {p.key for p, _ in out}
            if not earlier & {a.key for a in gazetteer.ancestors(m.row)}:
                continue
        out.append((m.row, (offset + m.start, offset + m.end)))
        if m.row.type in ADMIN_TYPES and m.row.type not in ("new_area", "development_zone"):
            rest = text[m.end : m.end + 12]
            for suffix, kind in _cues().zones:
                if rest.startswith(suffix):
                    name = m.surface + suffix
                    zone = gazetteer.get(name) or Place(
                        name, None, "", kind, "district", m.row.name, None, parent_code=m.row.code
                    )
                    out.append((zone, (offset + m.start, offset + m.end + len(suffix))))
                    break
    return out


def zone_place(name: str, gazetteer: Gazetteer | None = None) -> Place | None:
    """The development zone or new area named `name` (a place name and a zone suffix of
    data/jurisdiction-cues.csv: 广州开发区, 荣昌高新区), or None."""
    gazetteer = gazetteer or default_gazetteer()
    for suffix, kind in _cues().zones:
        stem = name.removesuffix(suffix)
        if stem != name and (base := gazetteer.get(stem)) is not None:
            return Place(name, None, "", kind, "district", base.name, None, parent_code=base.code)
    return None


def _pick(chain: list[tuple[Place, tuple[int, int]]]) -> tuple[Place, tuple[int, int]] | None:
    """The most specific place of a chain; an administrative division before a zone made of
    it, the first of equals."""
    admin = [c for c in chain if c[0].type in ADMIN_TYPES]
    if not admin:
        return chain[0] if chain else None
    rank = {"new_area": 1, "development_zone": 0}
    return max(admin, key=lambda c: (c[0].specificity, rank.get(c[0].type, 2), -chain.index(c)))


def _outside_quotes(text: str) -> str:
    """The text with every 《…》 blanked (same length): the places of a cited title are not the
    plan's own."""
    return re.sub(r"《[^《》]*》", lambda m: " " * len(m.group()), text)


def _level_of(place: Place) -> Level:
    return PLAN_LEVEL.get(place.type, "regional")  # type: ignore[return-value]


def _joint(gazetteer: Gazetteer, places: list[Place], title: str) -> Place | None:
    """The initiative named in the title that joins all the signatories, if any."""
    keys_of = {p.key: {p.key} | {a.key for a in gazetteer.ancestors(p)} for p in places}
    for m in gazetteer.find(title, all_forms=True):
        if m.row.type != "region_initiative" or not m.row.members:
            continue
        members = {x.key for x in gazetteer.members_of(m.row)}
        if all(keys & members for keys in keys_of.values()):
            return m.row
    return None


def find_jurisdiction(
    text: str,
    issuers: list[tuple[str, tuple[int, int]]],
    spans: dict[str, tuple[int, int]],
    doc_number: str | None,
    gazetteer: Gazetteer,
    notice: _Notice | None = None,
    lines: list[_Line] | None = None,
) -> JurisdictionFinding:
    """The plan's jurisdiction, from the first of: the issuers; the title (places outside 《》
    first); the notice's title; the 文号's prefix; titles quoted in the first lines; the first
    lines; the places the body names most often (at the level its 我省/我市/本区 cues say)."""
    title = text[slice(*spans["title"])] if "title" in spans else ""
    # 1. The issuers: one place each (a joint notice has several).
    signed: list[tuple[Place, tuple[int, int]]] = []
    for name, span in issuers:
        best = _pick(_chain(gazetteer, name, span[0]))
        if best is not None and best[0].type in ADMIN_TYPES:
            signed.append(best)
    distinct: dict[str, tuple[Place, tuple[int, int]]] = {}
    for place, span in signed:
        distinct.setdefault(place.key, (place, span))
    if len(distinct) > 1:
        places = [p for p, _ in distinct.values()]
        roots = {_root(gazetteer, p) for p in places}
        nested = (
            all(
                any(
                    q.key in {a.key for a in gazetteer.ancestors(p)} or q.key == p.key
                    for q in places
                )
                for p in places
            )
            and len(roots) == 1
        )
        counties = {p.key for p in places if p.specificity == 3}
        if len(roots) > 1 or len(counties) > 1 or not nested:
            region = _joint(gazetteer, places, title or (notice.inner if notice else ""))
            if region is not None:
                return JurisdictionFinding((region,), region, "regional", "issuer")
            return JurisdictionFinding(tuple(places), None, "regional", "issuer")
    if signed:
        place, span = max(signed, key=lambda c: c[0].specificity)
        spans["jurisdiction"] = span
        return JurisdictionFinding((place,), place, _level_of(place), "issuer")
    # 2–6. Where a place name is expected: title, notice title, 文号, quoted titles, first lines.
    sources: list[tuple[str, str, int]] = []
    if "title" in spans:
        start = spans["title"][0]
        sources.append(("title", _outside_quotes(title), start))
        sources.append(("title", title, start))
    if notice is not None:
        sources.append(("notice", _outside_quotes(notice.inner), notice.inner_span[0]))
        sources.append(("notice", notice.inner, notice.inner_span[0]))
    if doc_number:
        prefix = re.split(r"[〔\[(【〖]", doc_number)[0]
        at = spans.get("doc_number", (0, 0))[0]
        sources.append(("doc_number", prefix, at))
    head = [ln for ln in (lines or []) if ln.content][:_HEAD_QUOTED_LINES]
    for ln in head:
        for m in _QUOTED.finditer(ln.text):
            if _DOC_KIND.search(m.group(1)):
                sources.append(("quoted_title", m.group(1), ln.start + m.start(1)))
    for ln in head[:3]:
        if not re.search(r"[。，；]", ln.text) and len(ln.content) <= 60:  # prose is body
            sources.append(("head", ln.text, ln.start))
    # 省生态环境厅… says the issuer is a province without naming it
    strong = _prefix_hint([name for name, _ in issuers] + [title])
    for source, piece, offset in sources:
        chain = _chain(gazetteer, piece, offset)
        if source == "doc_number":
            chain = [c for c in chain if c[1][0] == offset]  # the prefix opens with the place
        if strong:
            chain = [c for c in chain if c[0].type in _CUE_TYPES[strong]]
        best = _pick(chain)
        if best is None:
            continue
        place, span = best
        if place.type == "region_initiative":
            return JurisdictionFinding((place,), place, "regional", source)
        spans["jurisdiction"] = span
        return JurisdictionFinding((place,), place, _level_of(place), source)
    # 7. The body: the place it names most often, at the level its cues say.
    hinted = strong or _hinted_level(text, issuers)
    counts: dict[str, int] = {}
    first: dict[str, tuple[Place, tuple[int, int]]] = {}
    for m in gazetteer.resolve(gazetteer.find(text, 0, min(len(text), _BODY_CHARS))):
        if m.row.type not in ADMIN_TYPES:
            continue
        counts[m.row.key] = counts.get(m.row.key, 0) + 1
        first.setdefault(m.row.key, (m.row, (m.start, m.end)))
    allowed = _CUE_TYPES.get(hinted or "", tuple(ADMIN_TYPES))
    ranked = sorted(
        (k for k in counts if first[k][0].type in allowed),
        key=lambda k: (-counts[k], first[k][1][0]),
    )
    # A plan names its own area again and again; without a cue of its level (我省, 本区), a place
    # named once or twice (a partner city in a snippet), or only as often as another, is no
    # evidence of whose plan it is.
    if ranked and (
        counts[ranked[0]] < (1 if hinted else _BODY_MIN_MENTIONS)
        or (len(ranked) > 1 and counts[ranked[1]] == counts[ranked[0]])
    ):
        ranked = []
    if ranked:
        place, span = first[ranked[0]]
        spans["jurisdiction"] = span
        return JurisdictionFinding((place,), place, _level_of(place), "body")
    # Not in the gazetteer: the kind of government still tells the level.
    for name, _ in issuers:
        m = re.match(r"(.+?[区县市省])(?:人民政府|政府|委员会)", name)
        if m:
            for suffix, level in _LEVEL_OF_SUFFIX:
                if m.group(1).endswith(suffix):
                    return JurisdictionFinding((), None, level, None)
    if hinted in ("province", "city"):
        return JurisdictionFinding(
            (), None, "provincial" if hinted == "province" else "municipal", None
        )
    return JurisdictionFinding((), None, "unknown", None)


def _prefix_hint(names: list[str]) -> str | None:
    """province, city, district or county when an issuer or title opens with the kind of
    government alone (省生态环境厅, 市发展改革委)."""
    for name in names:
        for prefix, group in (
            ("省", "province"),
            ("市", "city"),
            ("区", "district"),
            ("县", "county"),
        ):
            if name.startswith(prefix):
                return group
    return None


def _hinted_level(text: str, issuers: list[tuple[str, tuple[int, int]]]) -> str | None:
    """province, city, district or county from an issuer without a place name (省生态环境厅)
    or from the cues the text uses most (我省, 全市, 本区)."""
    strong = _prefix_hint([name for name, _ in issuers])
    if strong:
        return strong
    counts: dict[str, int] = {}
    for cue, group in _cues().levels:
        n = text.count(cue, 0, _BODY_CHARS)
        if n:
            counts[group] = counts.get(group, 0) + n
    return max(counts, key=lambda g: counts[g]) if counts else None


def _root(gazetteer: Gazetteer, place: Place) -> str:
    """The province-level unit a place belongs to (itself for a province or municipality)."""
    chain = gazetteer.ancestors(place)
    return chain[-1].key if chain else place.key
