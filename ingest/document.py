"""One plan through the first stages: read → clean → outline → metadata.

`load_plan(path)` is what the CLI, the tests and ingest call; every later stage reads from the
`Document` it returns, whose offsets are into `clean.text`.

Plain text (.txt, .md) goes through `plankg.ingest.read` and the cleaner as it always has. PDF and
Word files go through a reader (`plankg.ingest.readers`), which gives paragraphs and tables in
reading order with their pages; they are written out one paragraph a line and one table cell a
line (Word-export style: a leading tab, a blank line after each row), cleaned by the same cleaner
without line rejoining, and the tables enter the outline as they were read, not rebuilt from
lines. `Document.page_at(offset)` gives the page of any offset of such a plan.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from pathlib import Path

from plankg.ingest.clean import CleanText, clean
from plankg.ingest.metadata import PlanMetadata, extract_metadata
from plankg.ingest.read import RawText, read_plan
from plankg.ingest.readers.base import (
    DEFAULT_LIMITS,
    READERS,
    Layout,
    Limits,
    Paragraph,
    TableBlock,
    read_layout,
)
from plankg.ingest.segment import Segment, outline
from plankg.ingest.tables import CATEGORY_COLUMN, Row, Table

TEXT_SUFFIXES = (".txt", ".text", ".md")
PLAN_SUFFIXES = TEXT_SUFFIXES + tuple(READERS)


@dataclass(frozen=True)
class Document:
    """A plan read, cleaned and outlined."""

    path: Path
    raw: RawText
    clean: CleanText
    outline: Segment
    metadata: PlanMetadata
    # (offset in clean text, page) where each page's text begins; empty for plain text
    page_starts: tuple[tuple[int, int], ...] = ()
    format: str = "txt"
    pages: int | None = None  # number of pages of the file; None for plain text

    @property
    def text(self) -> str:
        return self.clean.text

    @property
    def structured(self) -> bool:
        """False when no heading was recognised and the plan is only paragraphs."""
        return any(
            s.kind in ("chapter", "section", "item", "table", "box") for s in self.outline.walk()
        )

    def page_at(self, offset: int) -> int | None:
        """The 1-based page that holds the clean-text `offset`; None for plain-text plans."""
        if not self.page_starts:
            return None
        i = bisect.bisect_right(self.page_starts, (offset, float("inf"))) - 1
        return self.page_starts[max(i, 0)][1]


def load_plan(path: str | Path, limits: Limits = DEFAULT_LIMITS) -> Document:
    """Read, clean and outline one plan file; raises `PlanReadError` when it cannot be read."""
    path = Path(path)
    if path.suffix.lower() in READERS:
        return document_from_layout(read_layout(path, limits))
    raw = read_plan(path)
    cleaned = clean(raw.text)
    tree = outline(cleaned)
    notice = next((s for s in tree.children if s.kind == "notice"), None)
    metadata = extract_metadata(cleaned.text, notice_end=notice.end if notice else None)
    return Document(path, raw, cleaned, tree, metadata)


def plan_files(paths: list[str | Path]) -> list[Path]:
    """Expand directories into the plan files they hold, sorted; files are kept as given."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(
                sorted(f for f in p.iterdir() if f.suffix.lower() in PLAN_SUFFIXES and f.is_file())
            )
        else:
            out.append(p)
    return out


def load_text(text: str, name: str = "text.txt") -> Document:
    """Clean and outline a plan given as text, as `load_plan` does for a file; `name` stands in
    for the file name (its stem becomes the plan's slug). Used by the spaCy components, which
    get text, not files."""
    raw = RawText(Path(name), text.replace("\r\n", "\n").replace("\r", "\n"), "utf-8")
    cleaned = clean(raw.text)
    tree = outline(cleaned)
    notice = next((s for s in tree.children if s.kind == "notice"), None)
    metadata = extract_metadata(cleaned.text, notice_end=notice.end if notice else None)
    return Document(Path(name), raw, cleaned, tree, metadata)


# --------------------------------------------------------------------------------------------
# layouts (PDF, Word) into documents


@dataclass
class _TableLines:
    block: TableBlock
    cell_lines: list[list[int]]  # per row, per column: the 1-based line number of the cell


def document_from_layout(layout: Layout) -> Document:
    """The `Document` of a plan read by a reader: same text model, tables from the structure."""
    lines: list[str] = []
    line_pages: list[int | None] = []
    tables: list[_TableLines] = []
    for block in layout.blocks:
        if isinstance(block, Paragraph):
            text = " ".join(block.text.replace("\t", " ").split("\n")).strip()
            if text:
                lines.append(text)
                line_pages.append(block.page)
            continue
        if lines and lines[-1] != "":
            lines.append("")  # a table starts on a line of its own, after a blank line
            line_pages.append(block.page)
        spec = _TableLines(block, [])
        for r, row in enumerate(block.rows):
            numbers = []
            for c, cell in enumerate(row):
                if (r, c) in block.carried:
                    cell = ""  # a merged cell is printed once; the row gets its text in `cells`
                lines.append("\t" + " ".join(cell.replace("\t", " ").split("\n")).strip())
                line_pages.append(block.pages[r])
                numbers.append(len(lines))
            lines.append("")
            line_pages.append(block.pages[r])
            spec.cell_lines.append(numbers)
        tables.append(spec)
    raw_text = "\n".join(lines)
    cleaned = clean(raw_text, rejoin=False)
    line_offset = dict(zip(cleaned.piece_lines, cleaned.piece_starts, strict=True))
    page_starts: list[tuple[int, int]] = []
    for number, offset in zip(cleaned.piece_lines, cleaned.piece_starts, strict=True):
        page = line_pages[number - 1]
        if page is not None and (not page_starts or page_starts[-1][1] != page):
            page_starts.append((offset, page))
    text = cleaned.text
    built = [t for spec in tables if (t := _table(spec, text, line_offset)) is not None]
    page_starts_t = tuple(page_starts)

    def page_at(offset: int) -> int | None:
        if not page_starts_t:
            return None
        i = bisect.bisect_right(page_starts_t, (offset, float("inf"))) - 1
        return page_starts_t[max(i, 0)][1]

    tree = outline(cleaned, tables=built, page_at=page_at if page_starts_t else None)
    notice = next((s for s in tree.children if s.kind == "notice"), None)
    metadata = extract_metadata(text, notice_end=notice.end if notice else None)
    raw = RawText(layout.path, raw_text, layout.format)
    return Document(
        layout.path, raw, cleaned, tree, metadata, page_starts_t, layout.format, layout.pages
    )


def _column_names(block: TableBlock) -> tuple[str, ...]:
    """One name a column from the header rows: 指标, 2020年基期值, 2025年目标值, 属性."""
    from plankg.ingest.readers.pdf import _YEARISH

    n = len(block.rows[0])
    names: list[str] = []
    for c in range(n):
        parts: list[str] = []
        for h in range(block.header_rows):
            cell = block.rows[h][c].replace(" ", "")
            if cell and (not parts or parts[-1] != cell):
                parts.append(cell)
        if len(parts) >= 2 and _YEARISH.match(parts[-1]) and not _YEARISH.match(parts[0]):
            parts = [parts[-1], *parts[:-1]]  # the year first: 2025年目标值
        name = "".join(parts) or (CATEGORY_COLUMN if c == 0 else f"列{c + 1}")
        if c + 1 < n and all(
            (h, c + 1) in block.carried and block.rows[h][c + 1] == block.rows[h][c]
            for h in range(block.header_rows)
        ):
            # one header cell over this column and the next (指标 over category and name):
            # the last column keeps the name, this one holds the categories
            name = "类别" if "类别" not in names else f"{name}类别"
        base, k = name, 2
        while name in names:
            name, k = f"{base}（{k}）", k + 1
        names.append(name)
    return tuple(names)


def _table(spec: _TableLines, text: str, line_offset: dict[int, int]) -> Table | None:
    block = spec.block
    columns = _column_names(block)

    def span(number: int) -> tuple[int, int] | None:
        start = line_offset.get(number)
        if start is None:
            return None
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        if text.startswith("\t", start):
            start += 1
        return start, end

    header_start = next((s[0] - 1 for n in spec.cell_lines[0] if (s := span(n))), None)
    if header_start is None:
        return None
    rows: list[Row] = []
    group: str | None = None
    end = header_start
    for r in range(block.header_rows, len(block.rows)):
        spans = {
            col: s
            for col, n in zip(columns, spec.cell_lines[r], strict=True)
            if (s := span(n)) is not None
        }
        if not spans:
            continue
        cells = {}
        for c, col in enumerate(columns):
            if (r, c) in block.carried:
                cells[col] = block.rows[r][c]
            else:
                cells[col] = text[spans[col][0] : spans[col][1]] if col in spans else ""
        end = max(end, max(e for _, e in spans.values()))
        if r in block.group_rows:
            group = next((v for v in cells.values() if v), group)
            continue
        carried = frozenset(col for c, col in enumerate(columns) if (r, c) in block.carried)
        printed = {col: s for col, s in spans.items() if col not in carried and s[1] > s[0]}
        start = min((s for s, _ in printed.values()), default=min(s for s, _ in spans.values()))
        row_end = max((e for _, e in printed.values()), default=start)
        rows.append(
            Row(
                start,
                row_end,
                cells,
                printed,
                carried,
                group,
                {col: (s,) for col, s in printed.items()},
            )
        )
    if not rows:
        return None
    return Table(columns, tuple(rows), header_start, end, "structured")
