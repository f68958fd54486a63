"""Read a Word .docx plan with python-docx: paragraphs with their automatic numbering, tables
with horizontal (gridSpan) and vertical (vMerge) merges carried.

Automatic numbering (一、 （一） 1. set by the paragraph's style or its own numPr) is not in the
paragraph's text: it is computed from numbering.xml, level by level, and printed before the
text, so that the outliner sees the headings as a reader of the page does.

A .docx is a zip: members are checked for their declared uncompressed size before anything is
unpacked (a zip bomb is refused by its declared size).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from plankg.ingest.readers.base import (
    Layout,
    Limits,
    Paragraph,
    PlanFormatError,
    PlanTooLargeError,
    TableBlock,
    describe_start,
    sniff,
)

_CN = "零一二三四五六七八九"


def _chinese(n: int) -> str:
    if n < 10:
        return _CN[n]
    if n < 20:
        return "十" + (_CN[n % 10] if n % 10 else "")
    if n < 100:
        return _CN[n // 10] + "十" + (_CN[n % 10] if n % 10 else "")
    return str(n)


def _format(n: int, fmt: str) -> str:
    if fmt in (
        "chineseCounting",
        "chineseCountingThousand",
        "ideographTraditional",
        "chineseLegalSimplified",
        "taiwaneseCounting",
        "ideographDigital",
    ):
        return _chinese(n)
    if fmt == "decimalEnclosedCircle" or fmt == "decimalEnclosedCircleChinese":
        return chr(0x2460 + n - 1) if 1 <= n <= 20 else str(n)
    if fmt == "lowerLetter":
        return chr(ord("a") + (n - 1) % 26)
    if fmt == "upperLetter":
        return chr(ord("A") + (n - 1) % 26)
    if fmt == "bullet" or fmt == "none":
        return ""
    return str(n)


def check_zip(path: Path, limits: Limits) -> None:
    """Refuse a file that is not a zip, and a zip whose members declare too many bytes."""
    head = sniff(path, 8)
    if not head.startswith(b"PK\x03\x04"):
        raise PlanFormatError(
            f"is not a .docx (a .docx is a zip archive; this starts like "
            f"{describe_start(sniff(path))})",
            path=path,
        )
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
    except zipfile.BadZipFile as exc:
        raise PlanFormatError(f"is a damaged zip archive ({exc})", path=path) from None
    declared = sum(i.file_size for i in infos)
    if declared > limits.max_unzipped_bytes:
        raise PlanTooLargeError(
            f"declares {declared:,} bytes uncompressed, over the limit of "
            f"{limits.max_unzipped_bytes:,} (a zip bomb?); nothing was unpacked",
            path=path,
        )
    if not any(i.filename == "word/document.xml" for i in infos):
        raise PlanFormatError("is a zip archive without word/document.xml, not a .docx", path=path)


class _Numbering:
    """Counters of automatic numbering, per list and level."""

    def __init__(self, document) -> None:  # type: ignore[no-untyped-def]
        from docx.oxml.ns import qn

        self.qn = qn
        self.levels: dict[tuple[str, int], tuple[str, str, int]] = {}
        self.counters: dict[tuple[str, int], int] = {}
        try:
            numbering = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            return  # a document without a numbering part has no automatic numbering to count
        abstract = {}
        for a in numbering.findall(qn("w:abstractNum")):
            lv = {}
            for lvl in a.findall(qn("w:lvl")):
                ilvl = int(lvl.get(qn("w:ilvl")))
                fmt = lvl.find(qn("w:numFmt"))
                text = lvl.find(qn("w:lvlText"))
                start = lvl.find(qn("w:start"))
                lv[ilvl] = (
                    fmt.get(qn("w:val")) if fmt is not None else "decimal",
                    text.get(qn("w:val")) if text is not None else "",
                    int(start.get(qn("w:val"))) if start is not None else 1,
                )
            abstract[a.get(qn("w:abstractNumId"))] = lv
        for num in numbering.findall(qn("w:num")):
            ref = num.find(qn("w:abstractNumId"))
            if ref is None:
                continue
            for ilvl, spec in abstract.get(ref.get(qn("w:val")), {}).items():
                self.levels[(num.get(qn("w:numId")), ilvl)] = spec

    def label(self, paragraph) -> str:  # type: ignore[no-untyped-def]
        qn = self.qn
        num_pr = None
        p_pr = paragraph._p.pPr
        if p_pr is not None:
            num_pr = p_pr.find(qn("w:numPr"))
        if num_pr is None:  # numbering set by the paragraph's style
            style = paragraph.style
            while style is not None and num_pr is None:
                s_pr = style.element.pPr
                num_pr = s_pr.find(qn("w:numPr")) if s_pr is not None else None
                style = style.base_style
        if num_pr is None:
            return ""
        num_id_el, ilvl_el = num_pr.find(qn("w:numId")), num_pr.find(qn("w:ilvl"))
        if num_id_el is None:
            return ""
        num_id = num_id_el.get(qn("w:val"))
        ilvl = int(ilvl_el.get(qn("w:val"))) if ilvl_el is not None else 0
        spec = self.levels.get((num_id, ilvl))
        if spec is None:
            return ""
        fmt, text, start = spec
        key = (num_id, ilvl)
        self.counters[key] = self.counters.get(key, start - 1) + 1
        for deeper in [k for k in self.counters if k[0] == num_id and k[1] > ilvl]:
            del self.counters[deeper]  # a higher level restarts the levels below it
        out = text
        for level in range(ilvl, -1, -1):
            lv_spec = self.levels.get((num_id, level))
            value = self.counters.get((num_id, level), lv_spec[2] if lv_spec else 1)
            out = out.replace(f"%{level + 1}", _format(value, lv_spec[0] if lv_spec else fmt))
        return out


def read(path: Path, limits: Limits) -> Layout:
    """Read one .docx into its layout (see the module docstring)."""
    check_zip(path, limits)
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph as DocxParagraph

    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises many kinds on a broken package
        raise PlanFormatError(
            f"cannot be opened as a .docx ({type(exc).__name__}: {exc})", path=path
        ) from None
    numbering = _Numbering(document)
    blocks: list[Paragraph | TableBlock] = []
    chars = 0
    body = document.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            para = DocxParagraph(child, document)
            text = para.text.strip()
            if not text:
                continue
            label = numbering.label(para)
            text = f"{label}{text}" if label and not text.startswith(label) else text
            chars += len(text)
            blocks.append(Paragraph(text, None))
        elif tag == "tbl":
            block = _table(Table(child, document))
            if block is not None:
                chars += sum(len(c) for r in block.rows for c in r)
                blocks.append(block)
        if chars > limits.max_chars:
            raise PlanTooLargeError(
                f"holds over {limits.max_chars:,} characters of text", path=path
            )
    return Layout(
        path,
        "docx",
        tuple(blocks),
        None,
        {"tables": sum(isinstance(b, TableBlock) for b in blocks)},
    )


def _table(table) -> TableBlock | None:  # type: ignore[no-untyped-def]
    """Rows of a Word table; a merged cell (gridSpan, vMerge) carried into every place."""
    from plankg.ingest.readers.pdf import header_rows

    grid = [list(row.cells) for row in table.rows]
    if not grid:
        return None
    n = max(len(r) for r in grid)
    rows: list[tuple[str, ...]] = []
    carried: set[tuple[int, int]] = set()
    groups: set[int] = set()
    for r, cells in enumerate(grid):
        texts = []
        for c in range(n):
            if c >= len(cells):
                texts.append("")
                continue
            tc = cells[c]._tc
            if (c > 0 and cells[c - 1]._tc is tc) or (
                r > 0 and c < len(grid[r - 1]) and grid[r - 1][c]._tc is tc
            ):
                carried.add((r, c))
            texts.append("".join(p.strip() for p in cells[c].text.split("\n")))
        rows.append(tuple(texts))
        if n > 2 and all(cells[c]._tc is cells[0]._tc for c in range(len(cells))):
            groups.add(r)
    if len(rows) < 2 or n < 2:
        return None
    header = header_rows(rows, carried, groups)
    return TableBlock(
        tuple(rows), header, tuple([None] * len(rows)), frozenset(groups), frozenset(carried)
    )
