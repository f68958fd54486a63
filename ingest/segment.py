"""Split a cleaned plan into its outline: notice, title, chapters, sections, items, boxes, tables.

Where a heading belongs is decided first by its numbering: （二） continues the open （一） and
becomes its sibling; a marker numbered 1 opens a new level under whatever is open. Only when
numbering says nothing do the marker ranks (第X章 > 第X节 > 一、 > （一） > 1. > （1） > ①) decide.
This keeps plans that combine levels in their own way, and boxes (专栏) whose items restart at 1,
in their true shape. Tables are rebuilt into rows by `plankg.ingest.tables`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from plankg.ingest.clean import CleanText
from plankg.ingest.headings import Marker, match_marker
from plankg.ingest.tables import Table, looks_like_header, parse_table

# Kinds of segment, as they appear in `Segment.kind` and in `plankg outline --json`.
ITEM_STYLES = {
    "cn_item": "一、",
    "cn_paren": "（一）",
    "arabic": "1.",
    "arabic_paren": "（1）",
    "circled": "①",
}
_NOTICE_END = re.compile(r"^（此件.{0,8}）$|^[(（]?此件.{0,8}[)）]?$")
_DATE_LINE = re.compile(
    r"^\d{4}年\s*\d{0,2}\s*月\s*\d{0,2}\s*日?$|^[二〇零一三四五六七八九十]{4}年.{1,4}月.{0,4}日?$"
)
_ISSUER_LINE = re.compile(r"^\S{2,30}(?:人民政府|办公室|办公厅|局|委员会|厅)$")
_RUN_IN = re.compile(r"^(?P<head>[^。；！？，]{2,30}?)[。！：:](?=.)")
_MAX_HEADING = 40  # a marker line longer than this without a run-in title is a heading + body
_TITLE_MAX = 45
# A heading's title may go on on the next line (issue 10): only for outline headings, not for
# 1. items, whose next short line is as often the first line of their text.
_WRAPPING_KINDS = frozenset({"part", "chapter", "section", "cn_item", "cn_paren"})
_TITLE_CONTINUATION_MAX = 20
_WRAPPED_TITLE_MIN = 12  # a title line this long may have wrapped; a shorter one is whole
_BULLETS = ("——", "—", "●", "•", "■", "□", "◆", "★", "-", "·")


@dataclass(frozen=True)
class Segment:
    """One node of a plan's outline. Offsets are into the cleaned text; `end` is exclusive."""

    kind: str  # document notice title preamble part chapter section item box table row appendix paragraph
    number: (
        str  # the marker as printed: 第一章 （一） 1． 专栏1 表2-1 附表1 附件; "" when unnumbered
    )
    heading: str
    start: int
    end: int
    body_start: int  # where the text after the heading begins
    children: tuple[Segment, ...] = ()
    style: str = ""  # for items: 一、 （一） 1. （1） ①
    ordinal: int | None = None
    cells: dict[str, str] | None = None  # table rows: column name -> cell text
    columns: tuple[str, ...] = ()  # tables: column names
    group: str | None = None  # table rows: the group row they sit under
    page: int | None = None  # 1-based page where the segment starts (PDF, Word); None for text

    def text(self, clean_text: str) -> str:
        return clean_text[self.start : self.end]

    def body(self, clean_text: str) -> str:
        """Text after the heading up to the first child that is not a paragraph."""
        stop = next((c.start for c in self.children if c.kind != "paragraph"), self.end)
        return clean_text[self.body_start : stop].strip()

    def walk(self) -> Iterator[Segment]:
        """This segment and all below it, in document order."""
        yield self
        for child in self.children:
            yield from child.walk()

    def counts(self) -> Counter[str]:
        """How many segments of each kind lie below this one."""
        return Counter(s.kind for s in self.walk() if s is not self)


@dataclass
class _Node:
    kind: str
    number: str
    heading: str
    start: int
    end: int
    body_start: int
    rank: float
    style: str = ""
    ordinal: int | None = None
    marker_kind: str = ""
    children: list[_Node] = field(default_factory=list)
    cells: dict[str, str] | None = None
    columns: tuple[str, ...] = ()
    group: str | None = None
    word_box: bool = False  # a 专栏 whose content is Word table cells (lines opened by a tab)

    def freeze(self, page_at: Callable[[int], int | None] | None = None) -> Segment:
        return Segment(
            self.kind,
            self.number,
            self.heading,
            self.start,
            self.end,
            self.body_start,
            tuple(c.freeze(page_at) for c in self.children),
            self.style,
            self.ordinal,
            self.cells,
            self.columns,
            self.group,
            page_at(self.start) if page_at else None,
        )


def _lines(text: str) -> list[tuple[int, int, str]]:
    out, pos = [], 0
    for raw in text.split("\n"):
        out.append((pos, pos + len(raw), raw))
        pos += len(raw) + 1
    return out


def outline(
    clean: CleanText | str,
    tables: Sequence[Table] = (),
    page_at: Callable[[int], int | None] | None = None,
) -> Segment:
    """The outline of a cleaned plan, as a tree under one `document` segment.

    `tables` are tables read from the document's own structure (PDF ruling lines, Word tables),
    each starting at a line of `clean`: they enter the outline as they are, instead of being
    rebuilt from the lines. `page_at` gives each segment its page.
    """
    text = clean.text if isinstance(clean, CleanText) else clean
    return _Outliner(text, tables).run().freeze(page_at)


class _Outliner:
    def __init__(self, text: str, tables: Sequence[Table] = ()) -> None:
        self.text = text
        self.structured = {t.start: t for t in tables}
        self.lines = _lines(text)
        self.root = _Node("document", "", "", 0, len(text), 0, -1)
        self.stack: list[_Node] = [self.root]

    # -- driver -----------------------------------------------------------------------------
    def run(self) -> _Node:
        i = self._front_matter()
        while i < len(self.lines):
            i = self._step(i)
        self.root.end = len(self.text)
        return self.root

    def _step(self, i: int) -> int:
        _, end, raw = self.lines[i]
        line = raw.lstrip("\t").strip()
        if not line:
            return i + 1
        if self.structured and self.lines[i][0] in self.structured:
            return self._table(i, i, self.stack[-1], None, self.structured[self.lines[i][0]])
        box = next((n for n in reversed(self.stack) if n.word_box), None)
        if box is not None and not raw.startswith("\t"):
            marker = match_marker(line)
            if marker is None and len(line) <= 12 and box.children:
                self._extend(box.children[-1], end)  # a wrapped cell line continues the item
                return i + 1
            if marker is None or not any(c.marker_kind == marker.kind for c in box.children):
                while self.stack[-1] is not box:
                    self._pop()
                self._pop()  # the box ends where its cell lines end
        marker = match_marker(line)
        if marker and self._is_heading(marker, line, raw):
            if marker.kind in ("box", "table", "appendix"):
                return self._caption(i, marker)
            return i + 1 + self._heading(i, marker)
        if looks_like_header(raw):
            return self._table(i, i, self.stack[-1], None)
        self._paragraph(i)
        return i + 1

    # -- front matter: the notice (通知), the plan title, the preamble --------------------------
    def _front_matter(self) -> int:
        first = next(
            (
                i
                for i, (_, _, t) in enumerate(self.lines)
                if (m := match_marker(t.strip()))
                and m.kind not in ("table",)
                and self._is_heading(m, t.strip(), t)
            ),
            len(self.lines),
        )
        head = self.lines[:first]
        notice_end = -1
        if any("通知" in t for _, _, t in head[:12]):
            for j, (_, _, t) in enumerate(head):
                if _NOTICE_END.match(t.strip()) or (_DATE_LINE.match(t.strip()) and j > 2):
                    notice_end = j
        i = 0
        if notice_end >= 0:
            s, e = self.lines[0][0], self.lines[notice_end][1]
            self.root.children.append(
                _Node("notice", "", self._notice_title(notice_end), s, e, s, 0)
            )
            i = notice_end + 1
        # title: short lines without sentence punctuation before the first heading or paragraph
        title_lines = []
        while i < first and (t := self.lines[i][2].strip()) is not None:
            if not t:
                i += 1
                continue
            if len(t) > _TITLE_MAX or "。" in t or "，" in t:
                break
            title_lines.append(i)
            i += 1
        if title_lines:
            s, e = self.lines[title_lines[0]][0], self.lines[title_lines[-1]][1]
            heading = ""
            for j in title_lines:  # a cover page may repeat the title under issuer and date
                t = self.lines[j][2].strip()
                if _DATE_LINE.match(t) or _ISSUER_LINE.match(t) or (heading and t in heading):
                    break
                heading += t
            self.root.children.append(_Node("title", "", heading, s, e, e, 0))
        if i < first:
            s = self.lines[i][0]
            pre = _Node("preamble", "", "", s, s, s, 0)
            self.root.children.append(pre)
            self.stack.append(pre)
            while i < first:
                if self.lines[i][2].strip():
                    self._paragraph(i)
                i += 1
            self.stack.pop()
        return i

    def _notice_title(self, notice_end: int) -> str:
        """The title of the notice: the lines from the issuer to the one ending in 通知."""
        parts: list[str] = []
        for _, _, t in self.lines[: notice_end + 1]:
            t = t.strip()
            if "通知" in t and len(t) <= _TITLE_MAX:
                parts.append(t)
                return "".join(p for p in parts if not _is_doc_number(p))
            if t and len(t) <= _TITLE_MAX and "：" not in t:
                parts.append(t)
            elif t:
                parts = []
        return ""

    # -- headings ---------------------------------------------------------------------------
    def _is_heading(self, marker: Marker, line: str, raw: str) -> bool:
        if marker.kind in ("box", "table", "appendix"):
            return not raw.startswith("\t") or marker.kind == "box"
        if raw.startswith("\t") and not self.stack[-1].word_box:
            return False  # a table cell that happens to start with a number
        if not marker.rest and marker.kind not in ("chapter", "section", "part"):
            return False
        return not (marker.kind == "arabic" and marker.rest[:1] in "%％")

    def _heading(self, i: int, marker: Marker) -> int:
        """Open the heading of line i; returns how many following lines its title took."""
        start, end, raw = self.lines[i]
        parent = self._parent_for(marker)
        heading, body_start = _split_heading(marker, raw, start)
        taken = 0
        if body_start == end and marker.kind in _WRAPPING_KINDS:
            taken, heading, body_start, end = self._title_continued(i, heading, end)
        kind = marker.kind if marker.kind in ("part", "chapter", "section") else "item"
        node = _Node(
            kind,
            marker.number,
            heading,
            start,
            end,
            body_start,
            marker.rank,
            ITEM_STYLES.get(marker.kind, ""),
            marker.ordinal,
            marker.kind,
        )
        parent.children.append(node)
        self.stack.append(node)
        self._extend(node, end)
        return taken

    def _title_continued(self, i: int, heading: str, end: int) -> tuple[int, str, int, int]:
        """A heading broken over lines keeps its title: 第一章 / 总体要求, or 第三章 推动碳排放稳步
        达峰，打造绿色低碳 / 发展广元样板. The next line continues the title when it is short, is
        no sentence (no 。；：) and opens no heading, list item or table.
        Returns (lines taken, title, body start, heading end)."""
        j = i + 1
        while j < len(self.lines) and not self.lines[j][2].strip():
            j += 1
        if j >= len(self.lines) or j - i > 2:
            return 0, heading, end, end
        _, e, raw = self.lines[j]
        t = raw.strip()
        if heading and len(heading) < _WRAPPED_TITLE_MIN:
            return 0, heading, end, end  # a short title is whole: 第一章 支持措施 / 给予…
        if (
            raw.startswith("\t")
            or not t
            or len(t) > _TITLE_CONTINUATION_MAX
            or t[-1].isdigit()
            or len(heading) + len(t) > _TITLE_MAX
            or re.search(r"[。；;：:！？]", t)
            or t.startswith(_BULLETS)
            or match_marker(t)
            or (looks_like_header(raw) and len(t.split()) > 1)
            or self.lines[i][2].rstrip().endswith(("。", "；", "：", ":", "！", "？"))
        ):
            return 0, heading, end, end
        return j - i, heading + t, e, e

    def _parent_for(self, marker: Marker) -> _Node:
        """Pop the stack to the node the new heading belongs under, and return that node."""
        # 1. numbering: the heading continues an open sequence of the same marker kind
        if marker.ordinal is not None and marker.ordinal > 1:
            for depth in range(len(self.stack) - 1, 0, -1):
                node = self.stack[depth]
                if node.marker_kind == marker.kind and node.ordinal == marker.ordinal - 1:
                    del self.stack[depth:]
                    return self.stack[-1]
        # 2. ranks: close everything at or below the new heading's rank (boxes close only for
        #    headings that outrank the heading they sit in)
        while len(self.stack) > 1:
            top = self.stack[-1]
            if top.kind in ("box", "table"):
                host = self.stack[-2]
                # items numbered from 1 open the box's own list; anything else closes the box
                own_list = any(c.marker_kind == marker.kind for c in top.children)
                if marker.rank <= min(host.rank, 2) or ((marker.ordinal or 1) > 1 and not own_list):
                    self._pop()
                    continue
                break
            if top.kind in ("notice", "title", "preamble") or top.rank >= marker.rank:
                self._pop()
                continue
            break
        return self.stack[-1]

    def _pop(self) -> None:
        self.stack.pop()

    # -- captions: 专栏, 表, 附表, 附件 ----------------------------------------------------------
    def _caption(self, i: int, marker: Marker) -> int:
        start, end, _ = self.lines[i]
        if marker.kind == "appendix":
            del self.stack[1:]
        else:  # a new box or table closes any box or table still open, with what is inside it
            open_at = next(
                (
                    d
                    for d in range(len(self.stack) - 1, 0, -1)
                    if self.stack[d].kind in ("box", "table")
                ),
                None,
            )
            if open_at is not None:
                del self.stack[open_at:]
        parent = self.stack[-1]
        node = _Node(
            marker.kind,
            marker.number,
            marker.rest,
            start,
            end,
            end,
            0 if marker.kind == "appendix" else parent.rank + 0.5,
        )  # type: ignore[arg-type]
        node.marker_kind = marker.kind
        node.ordinal = marker.ordinal
        parent.children.append(node)
        self.stack.append(node)
        self._extend(node, end)
        j = i + 1
        # caption lines that wrap (（近期、中期项目）) or an appendix title on the next line
        while j < len(self.lines):
            t = self.lines[j][2]
            s = t.strip()
            if not s:
                j += 1
                continue
            if (
                looks_like_header(t)
                or match_marker(s)
                or t.startswith("\t")
                or len(s) > _TITLE_MAX
                or "。" in s
                or self.lines[j][0] in self.structured
            ):
                break
            node.heading = (node.heading + s) if node.heading else s
            node.body_start = self.lines[j][1]
            self._extend(node, self.lines[j][1])
            j += 1
        if j < len(self.lines) and self.lines[j][0] in self.structured:
            return self._table(j, i, node, marker, self.structured[self.lines[j][0]])
        if j < len(self.lines) and looks_like_header(self.lines[j][2]):
            return self._table(j, i, node, marker)
        if marker.kind == "box" and j < len(self.lines) and self.lines[j][2].startswith("\t"):
            node.word_box = True
        return j

    def _table(
        self,
        header: int,
        caption: int,
        host: _Node,
        marker: Marker | None,
        table: Table | None = None,
    ) -> int:
        """Rebuild the table whose header row is line `header` (or take `table`, read from the
        document's structure); rows become children."""
        if table is None:
            limit = self._region_end(header, host)
            table = parse_table(self.text, self.lines[header][0], limit)
        if table is None or not table.rows:
            if marker is None:
                self._paragraph(header)
            return header + 1
        if host.kind == "table":
            node = host
        else:  # a table without a caption of its own (in a box or an appendix)
            node = _Node(
                "table",
                "",
                host.heading if host.kind in ("box", "appendix") else "",
                self.lines[header][0],
                table.end,
                self.lines[header][0],
                host.rank,
            )
            host.children.append(node)
        node.columns = table.columns
        for row in table.rows:
            number = next((row.cells[c] for c in table.columns if c in ("序号", "编号")), "")
            node.children.append(
                _Node(
                    "row",
                    number,
                    _row_label(row.cells, table.columns),
                    row.start,
                    row.end,
                    row.start,
                    99,
                    cells=dict(row.cells),
                    group=row.group,
                )
            )
        self._extend(node, table.end)
        for n in self.stack:
            n.end = max(n.end, table.end)
        if host.kind in ("table", "box"):
            while self.stack[-1] is not host:
                self._pop()
            self._pop()
        j = header
        while j < len(self.lines) and self.lines[j][0] < table.end:
            j += 1
        return j

    def _region_end(self, header: int, host: _Node) -> int:
        """The furthest a table may run: the next caption, or a heading that outranks its host."""
        host_rank = (
            min((n.rank for n in self.stack[1:] if n.kind not in ("box", "table")), default=-1)
            if host.kind != "appendix"
            else -1
        )
        enclosing = [n for n in self.stack[1:] if n.kind not in ("box", "table", "appendix")]
        host_rank = enclosing[-1].rank if enclosing else host_rank
        for start, _, raw in self.lines[header + 1 :]:
            line = raw.strip()
            m = match_marker(line)
            if not m or raw.startswith("\t"):
                continue
            if m.kind in ("box", "table", "appendix") or m.kind in ("chapter", "section", "part"):
                return start
            if (
                host.kind != "appendix"
                and m.rank <= host_rank
                and m.rest
                and not looks_like_header(raw)
            ):
                return start
        return len(self.text)

    # -- paragraphs ---------------------------------------------------------------------------
    def _paragraph(self, i: int) -> None:
        start, end, raw = self.lines[i]
        parent = self.stack[-1]
        line = raw.lstrip("\t")
        offset = start + (len(raw) - len(line))
        m = _RUN_IN.match(line)
        heading = m.group("head") if m and len(m.group("head")) <= 20 else ""
        kind = "item" if parent.kind == "box" else "paragraph"
        node = _Node(kind, "", heading, offset, end, offset + (m.end() if heading else 0), 100)
        parent.children.append(node)
        self._extend(node, end)

    def _extend(self, node: _Node, end: int) -> None:
        node.end = max(node.end, end)
        for n in self.stack:
            n.end = max(n.end, end)


def _split_heading(marker: Marker, raw: str, start: int) -> tuple[str, int]:
    """Heading text and where the body starts, for a marker line: run-in titles end at 。"""
    rest = marker.rest
    rest_at = start + raw.rfind(rest) if rest else start + len(raw)
    m = _RUN_IN.match(rest)
    if m:
        return m.group("head"), rest_at + m.end()
    if len(rest) <= _MAX_HEADING and not rest.endswith(("。", "；")):
        return rest, rest_at + len(rest)
    if len(rest) <= _MAX_HEADING and not re.search(r"[。，；]", rest[:-1]):
        return rest[:-1], rest_at + len(rest)
    return "", rest_at


def _row_label(cells: dict[str, str], columns: tuple[str, ...]) -> str:
    for name in ("指标名称", "项目名称", "任务内容", "指标", "名称"):
        if cells.get(name):
            return cells[name]
    return next((cells[c] for c in columns if cells.get(c) and c not in ("序号", "编号")), "")


def _is_doc_number(line: str) -> bool:
    return bool(re.search(r"〔\d{4}〕\d+号|\[\d{4}\]\d+号", line))
