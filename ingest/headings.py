"""Heading markers of Chinese government plans, shared by the cleaner and the outliner.

A marker is the printed number that opens a line: 第一章, 第一节, 第一条, 一、, （一）, 1. or 1．, （1）, ①,
专栏1, 表2-1, 附表3, 附件. Each kind has a rank (smaller is higher in the outline); the outliner
uses ranks only when numbering does not decide (see `plankg.ingest.segment`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CN_DIGITS = "零〇一二三四五六七八九十百两"
_CN_VALUES = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")

# kind -> (rank, pattern). The pattern matches at the start of a cleaned line; group "n" is the
# ordinal as printed and group "rest" what follows the marker on the same line.
_N = rf"[{CN_DIGITS}\d０-９]+"
MARKERS: dict[str, tuple[int, re.Pattern[str]]] = {
    "part": (0, re.compile(rf"^第(?P<n>{_N})(?:部分|篇)\s*(?P<rest>.*)$")),
    "chapter": (1, re.compile(rf"^第(?P<n>{_N})章\s*(?P<rest>.*)$")),
    "section": (2, re.compile(rf"^第(?P<n>{_N})节\s*(?P<rest>.*)$")),
    # articles of 办法/规定/措施 (第七条 【资金配套扶持】…); they hold （一） items
    "article": (3, re.compile(rf"^第(?P<n>{_N})条\s*(?P<rest>.*)$")),
    "cn_item": (3, re.compile(r"^(?P<n>[一二三四五六七八九十]{1,3})\s*[、]\s*(?P<rest>.*)$")),
    "cn_paren": (
        4,
        re.compile(r"^[（(]\s*(?P<n>[一二三四五六七八九十]{1,3})\s*[）)]\s*(?P<rest>.*)$"),
    ),
    "arabic": (5, re.compile(r"^(?P<n>[\d０-９]{1,2})\s*[.．、](?![\d０-９])\s*(?P<rest>.*)$")),
    "arabic_paren": (6, re.compile(r"^[（(]\s*(?P<n>[\d０-９]{1,2})\s*[）)]\s*(?P<rest>.*)$")),
    "circled": (7, re.compile(rf"^(?P<n>[{_CIRCLED}])\s*(?P<rest>.*)$")),
}
# Decimal headings (1.1 指导思想, 4.2.1 持续推进产业结构调整), under 第X章 like 第X节. The ordinal
# is the last number; a kind per depth, so that 4.2.1 does not continue 4.1. Guarded against a
# wrapped line that starts with a decimal number (25.2 个百分点，…。): the title is short, opens
# with a Chinese character and does not end a sentence.
_DECIMAL = re.compile(
    r"^(?P<n>[1-9]\d?(?:[.．](?:[1-9]\d?)){1,3})\s*(?P<rest>[\u4e00-\u9fff“《][^。；·…]{0,29})$"
)
DECIMAL_RANKS = {2: 2.0, 3: 2.5, 4: 2.75}
# Captions: they open a box, a table or an appendix, which sit inside the current heading.
CAPTIONS: dict[str, re.Pattern[str]] = {
    "box": re.compile(
        rf"^专栏\s*(?P<n>[\d０-９{CN_DIGITS}]+(?:[-－—–][\d０-９]+)?)\s*[:：.．]?\s*(?P<rest>.*)$"
    ),
    "table": re.compile(
        r"^(?P<pre>附?表)\s*(?P<n>[\d０-９]+(?:[-－—–.．][\d０-９]+)?)\s*[:：.．]?\s*(?P<rest>.*)$"
    ),
    "appendix": re.compile(
        r"^附\s*件\s*(?P<n>[\d０-９一二三四五六七八九十]*)\s*[:：]?\s*(?P<rest>.{0,40})$"
    ),
}
# Rank given to captions when something must be compared with them.
CAPTION_RANK = {"appendix": 0, "box": 8, "table": 8}
# A caption line longer than this is prose that starts with 表 (e.g. 表明…), not a caption.
MAX_CAPTION_LEN = 60


@dataclass(frozen=True)
class Marker:
    """A heading marker found at the start of a line."""

    kind: str
    rank: float  # decimal headings sit between the integer ranks
    number: str  # the marker as printed: 第一章, （一）, 1．, 专栏1, 表2-1, 附表1, 附件
    ordinal: int | None
    rest: str  # the text after the marker on the same line


def parse_ordinal(printed: str) -> int | None:
    """Turn 一 / 十二 / 二十一 / 12 / １２ / ③ into an integer (None when it is not a number)."""
    printed = printed.translate(_FULLWIDTH_DIGITS)
    if len(printed) == 1 and printed in _CIRCLED:  # before isdigit(): '①'.isdigit() is True
        return _CIRCLED.index(printed) + 1
    if printed.isascii() and printed.isdigit():
        return int(printed)
    if not printed or any(ch not in _CN_VALUES and ch not in "十百" for ch in printed):
        return None
    total, current = 0, 0
    for ch in printed:
        if ch == "百":
            total += (current or 1) * 100
            current = 0
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        else:
            current = current * 10 + _CN_VALUES[ch] if current else _CN_VALUES[ch]
    return total + current


def match_marker(line: str) -> Marker | None:
    """The heading or caption marker that opens `line`, if any."""
    for kind, pattern in CAPTIONS.items():
        m = pattern.match(line)
        if m and len(line) <= MAX_CAPTION_LEN:
            if kind == "table" and not _looks_like_caption(m.group("rest")):
                continue
            number = line[: m.start("rest")] if m.group("rest") else line
            number = number.strip().rstrip(":：.．")
            return Marker(
                kind,
                CAPTION_RANK[kind],
                _compact(number),
                parse_ordinal(m.group("n").split("-")[0]) if m.group("n") else None,
                m.group("rest").strip(),
            )
    m = _DECIMAL.match(line)
    if m and _decimal_title(m.group("rest")):
        parts = re.split(r"[.．]", m.group("n"))
        return Marker(
            f"decimal{len(parts)}",
            DECIMAL_RANKS[len(parts)],
            m.group("n"),
            int(parts[-1]),
            m.group("rest").strip(),
        )
    for kind, (rank, pattern) in MARKERS.items():
        m = pattern.match(line)
        if m:
            number = line[: m.start("rest")].strip()
            return Marker(
                kind, rank, _compact(number), parse_ordinal(m.group("n")), m.group("rest").strip()
            )
    return None


def _decimal_title(rest: str) -> bool:
    """After a decimal number, a title and not a quantity (2.5 万吨, 1.5倍 on a line of their own)."""
    from plankg.vocab import unit_dimensions

    return len(rest) >= 4 and not rest.startswith(tuple(unit_dimensions()))


def _looks_like_caption(rest: str) -> bool:
    """表 followed by a number is a caption unless the line reads on as a sentence."""
    return not rest or not rest.startswith(("中", "内", "所", "的", "明"))


def _compact(number: str) -> str:
    return re.sub(r"\s+", "", number)
