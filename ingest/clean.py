"""Clean a plan's text into the canonical text that every later offset refers to.

What goes: control characters (C0 and C1 other than tab and newline; counted in
`stats["control_chars"]`), Word bookmark debris, PDF page-number lines, tables of contents, footnote digits glued
to a year, stray spaces that PDF conversion puts between Chinese and digits, and the line breaks
that PDF conversion puts in the middle of sentences (only in files laid out at a fixed width).
Everything else stays exactly as printed. `CleanText.source_line(offset)` maps back to the line of
the original file.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from dataclasses import dataclass, field

from plankg.ingest.headings import match_marker

_BOOKMARK = re.compile(r"\[bookmark:[^\]]*\]")
_PAGE_NUMBER = re.compile(
    r"^\s*(?:[-—–－―]+\s*\d{1,4}\s*[-—–－―]+|第\s*\d{1,4}\s*页(?:\s*[,，]?\s*共\s*\d{1,4}\s*页)?"
    r"|\d{1,4}\s*/\s*\d{1,4})\s*$"
)
_LEADER = re.compile(r"(?:[.．·•…⋯]\s*){4,}\s*\d*\s*$|…{2,}\s*\d*\s*$")
_TOC_TITLE = re.compile(r"^\s*目\s*录\s*$")
_TOC_PAGE_REF = re.compile(r"\s\d{1,3}\s*$")
_TOC_ENTRY_MAX = 40  # a table-of-contents entry is a heading: short
_TOC_MIN_RUN = 3  # headings with page numbers in a row that make a table of contents
_TOC_KINDS = frozenset({"part", "chapter", "section", "cn_item", "cn_paren", "appendix"})
_HAN = r"\u3400-\u9fff"
_NUM = r"\d+(?:[.．]\d+)?(?:[-～~—]\d+(?:[.．]\d+)?)?"
# Stray spaces around a number inside Chinese prose (到 2025 年 → 到2025年). A space stays when it
# separates two values (2020年 2025年) or a value from the next column (23% 区能源局).
_SPACE_BOTH = re.compile(rf"(?<=[{_HAN}])(?<!\d[年月日]) ({_NUM}) (?=[{_HAN}])")
_SPACE_LEFT = re.compile(
    rf"(?<=[{_HAN}，、：（])(?<!\d[年月日]) (?=\d[\d.．\-～~—%‰]*[^\s\d.．\-～~—%‰](?:\S|$))"
)
_SPACE_RIGHT = re.compile(rf"(?<=[^\s\d.．≥≤＞＜><=＝~～\-])({_NUM}) (?=[{_HAN}])")
_SPACE_RIGHT_START = re.compile(rf"^({_NUM}) (?=[年月日])")
# A footnote mark glued to a year: 2025年2 → 2025年, (1981～2010年1） → (1981～2010年）
_FOOTNOTE = re.compile(r"(?<=\d{4})( ?年)\d{1,2}(?=[\s）)，。、]|$)(?!\s*[月日号])")
_SENTENCE_END = "。！？；：”」』）)"
# C0 and C1 control characters (and DEL) other than tab, newline, CR (a line break) and form
# feed (a page break, dropped with the page debris), and lone surrogates: they are never printed,
# make XML (RDF/XML, SPARQL XML results) invalid, and can steer a terminal.
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


@dataclass(frozen=True)
class CleanText:
    """The canonical text of a plan and the map from its offsets to original line numbers."""

    text: str
    piece_starts: tuple[int, ...]  # offsets in `text` where a piece of an original line begins
    piece_lines: tuple[int, ...]  # the 1-based original line number of each piece
    wrapped: bool  # True when the file was laid out at a fixed width and lines were rejoined
    stats: dict[str, int] = field(default_factory=dict, compare=False)

    def source_line(self, offset: int) -> int:
        """The 1-based line of the original file that holds the character at `offset`."""
        if not self.piece_starts:
            return 1
        i = bisect.bisect_right(self.piece_starts, offset) - 1
        return self.piece_lines[max(i, 0)]


@dataclass
class _Line:
    text: str
    number: int  # 1-based line in the original file
    printed_width: float = 0.0  # width as printed, before spaces were normalised
    joins: list[tuple[int, int]] = field(default_factory=list)  # (offset in text, original line)


def clean(raw: str, *, rejoin: bool = True) -> CleanText:
    """Clean decoded plan text (see the module docstring for what is removed).

    `rejoin=False` keeps every line as it is (readers of PDF and Word files give one paragraph
    a line already, rejoined from the page geometry)."""
    stats: Counter[str] = Counter()
    raw = raw.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    raw, stats["control_chars"] = _CONTROL.subn("", raw)
    lines = [_Line(text, i) for i, text in enumerate(raw.split("\n"), start=1)]
    lines = _drop_debris(lines, stats)
    for line in lines:
        line.text = _normalise_spaces(line.text, stats)
    wrapped = rejoin and _is_wrapped(lines)
    if wrapped:
        lines = _rejoin(lines, stats)
    text_parts: list[str] = []
    starts: list[int] = []
    numbers: list[int] = []
    offset = 0
    previous_blank = True
    for line in lines:
        blank = not line.text
        if blank and (wrapped or previous_blank):
            continue
        previous_blank = blank
        starts.append(offset)
        numbers.append(line.number)
        for join_offset, join_line in line.joins:
            starts.append(offset + join_offset)
            numbers.append(join_line)
        text_parts.append(line.text)
        offset += len(line.text) + 1
    text = "\n".join(text_parts).rstrip("\n")
    return CleanText(text, tuple(starts), tuple(numbers), wrapped, dict(stats))


def is_page_number(line: str) -> bool:
    """A PDF page-number line: - 5 -, — 3 —, 第5页, 5/20."""
    return bool(_PAGE_NUMBER.match(line))


def _drop_debris(lines: list[_Line], stats: Counter[str]) -> list[_Line]:
    kept: list[_Line] = []
    in_toc = False
    titled = False  # the open table of contents was announced by 目录
    entries: set[str] = set()  # the entries of the open table of contents, normalised
    page_ref_run = _page_ref_runs(lines)
    for index, line in enumerate(lines):
        text, n = _BOOKMARK.subn("", line.text)
        stats["bookmarks"] += n
        text = text.replace("\f", "").replace("\u00a0", " ")
        # Word tables start each cell line with a tab: keep one as the cell mark, drop other indent.
        # An empty cell stays as a lone tab, so that it is not mistaken for a row boundary.
        stripped = text.lstrip(" \t\u3000")
        indent = text[: len(text) - len(stripped)]
        stripped = stripped.rstrip()
        text = ("\t" + stripped) if "\t" in indent else stripped
        if _PAGE_NUMBER.match(text) and not text.startswith("\t"):
            # (a table cell such as 1665/52 is not a page number)
            stats["page_numbers"] += 1
            continue
        if _TOC_TITLE.match(text):
            in_toc, titled, entries = True, True, set()
            stats["toc_lines"] += 1
            continue
        key = _toc_key(text)
        if in_toc and key and key in entries:
            in_toc, titled, entries = False, False, set()  # the body begins: an entry again
        elif (
            _LEADER.search(text)
            or index in page_ref_run
            or (in_toc and (_is_toc_entry(text) or (titled and _is_bare_toc_entry(text))))
        ):
            stats["toc_lines"] += 1
            if not in_toc:
                in_toc, entries = True, set()
            entries.add(key)
            continue
        if text.strip():
            in_toc, titled, entries = False, False, set()
        line.text = text
        line.printed_width = width(text)
        kept.append(line)
    return kept


def _is_toc_entry(text: str) -> bool:
    """Inside a table of contents: a heading followed by a page number."""
    return bool(_TOC_PAGE_REF.search(text) and match_marker(text.strip()))


def _is_bare_toc_entry(text: str) -> bool:
    """Inside a table of contents announced by 目录: a heading without leader or page number
    (第一章 总则), or a short line that is no sentence (前言, 附件1)."""
    t = text.strip()
    if not t or len(t) > _TOC_ENTRY_MAX or any(ch in t for ch in "。；;"):
        return False
    return bool(match_marker(t)) or (len(t) <= 12 and "，" not in t)


def _toc_key(text: str) -> str:
    """A table-of-contents entry or heading line without leader, page number and spaces, so
    that the entry and the heading it points to compare equal."""
    t = _LEADER.sub("", text)
    t = re.sub(r"\s\d{1,3}\s*$", "", t)
    return re.sub(r"\s+", "", t)


def _page_ref_runs(lines: list[_Line]) -> set[int]:
    """Indices of lines in runs of at least three headings each ending in a page number
    (a table of contents without 目录 and without leaders); blank lines do not break a run."""
    out: set[int] = set()
    run: list[int] = []
    pages: list[int] = []
    for i, line in enumerate([*lines, None]):  # type: ignore[list-item]
        text = line.text.strip() if line is not None else "x"
        if line is not None and not text:
            continue
        marker = match_marker(text) if line is not None else None
        page = _TOC_PAGE_REF.search(text)
        # only outline headings (not 1. items, which also open the rows of flattened tables),
        # and page numbers that never go back
        if (
            marker is not None
            and marker.kind in _TOC_KINDS
            and page is not None
            and (not pages or int(page.group(0)) >= pages[-1])
        ):
            run.append(i)
            pages.append(int(page.group(0)))
            continue
        if len(run) >= _TOC_MIN_RUN:
            out.update(run)
        run, pages = [], []
    return out


def _normalise_spaces(text: str, stats: Counter[str]) -> str:
    text, n = _FOOTNOTE.subn(r"\1", text)
    stats["footnote_marks"] += n
    before = len(text)
    text = _SPACE_BOTH.sub(r"\1", text)
    text = _SPACE_LEFT.sub("", text)
    text = _SPACE_RIGHT.sub(r"\1", text)
    text = _SPACE_RIGHT_START.sub(r"\1", text)
    stats["spaces"] += before - len(text)
    return text


def width(text: str) -> float:
    """Printed width in full-width character cells (ASCII counts half)."""
    return sum(0.5 if ord(ch) < 128 else 1.0 for ch in text)


def _is_wrapped(lines: list[_Line]) -> bool:
    """A PDF text layer: most prose lines end at the same right margin, well under 50 cells."""
    widths = [line.printed_width for line in lines if line.printed_width >= 10]
    if len(widths) < 20:
        return False
    margin = _margin(lines)
    at_margin = sum(1 for w in widths if margin - 2 <= w <= margin + 1)
    beyond = sum(1 for w in widths if w > margin + 3)
    return margin <= 50 and at_margin >= max(20, 0.35 * len(widths)) and beyond < 0.1 * len(widths)


def _margin(lines: list[_Line]) -> float:
    """The right margin: the most common printed width among lines of some length."""
    counts = Counter(round(line.printed_width) for line in lines if line.printed_width >= 10)
    return float(counts.most_common(1)[0][0]) if counts else 0.0


def _rejoin(lines: list[_Line], stats: Counter[str]) -> list[_Line]:
    """Join each line that runs to the right margin with the next one, unless a heading follows."""
    margin = _margin(lines)
    out: list[_Line] = []
    last: _Line | None = None  # the last original line that went into out[-1]
    for line in lines:
        if not line.text.strip():
            continue
        if out and last and _continues(last, line.text, margin):
            prev = out[-1]
            glue = " " if _latin(prev.text[-1]) and _latin(line.text[0]) else ""
            prev.joins.append((len(prev.text) + len(glue), line.number))
            prev.text += glue + line.text
            stats["joined_lines"] += 1
        else:
            out.append(_Line(line.text, line.number, line.printed_width, list(line.joins)))
        last = line
    return out


def _continues(prev_line: _Line, nxt: str, margin: float) -> bool:
    """`nxt` goes on the sentence of `prev`: prev reached the margin and nxt opens nothing new."""
    prev = prev_line.text
    if prev_line.printed_width < margin - 2.5 or prev.startswith("\t") or nxt.startswith("\t"):
        return False
    if _is_tabular(prev) or _is_tabular(nxt) or match_marker(nxt):
        return False
    return not match_marker(prev) or not prev.endswith(tuple(_SENTENCE_END))


def _is_tabular(text: str) -> bool:
    """A row of a table flattened by PDF conversion: cells separated by spaces."""
    return text.strip().count(" ") >= 2


def _latin(ch: str) -> bool:
    return ch.isascii() and ch.isalpha()
