"""The common interface of plan readers, the limits they enforce and the errors they raise.

A reader is a function `read(path, limits) -> Layout`. A `Layout` holds the blocks of a plan in
reading order: `Paragraph` (one paragraph or heading, already rejoined from its printed lines)
and `TableBlock` (rows of cells, merged cells carried, wrapped cells joined). Every block knows
its page. Readers never clean text beyond what the format needs (running headers, page numbers,
hyphenless line breaks); the cleaner of the text path does the rest, the same way for every
format.

Readers are looked up by file suffix in `READERS`. A scanned PDF raises `NoTextLayerError`,
which names the page count: an OCR reader can later be tried on exactly that error.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from plankg.errors import PlanReadError


class PlanFormatError(PlanReadError):
    """The file is not what its suffix says, or is damaged, encrypted or truncated."""

    code = "E011"


class NoTextLayerError(PlanReadError):
    """A PDF whose pages carry no text (a scan): it needs OCR, which plankg does not do yet."""

    code = "E012"


class PlanTooLargeError(PlanReadError):
    """The plan is over the configured size limit (bytes, pages or characters)."""

    code = "E013"


class MissingToolError(PlanReadError):
    """A program needed to read this format (LibreOffice for .doc/.wps) is not installed."""

    code = "E014"


@dataclass(frozen=True)
class Limits:
    """How large a plan may be. The defaults are generous: the largest plan seen has 107 pages."""

    max_bytes: int = 200 * 1024 * 1024  # size of the file on disk
    max_pages: int = 2000
    max_chars: int = 20 * 1024 * 1024  # characters of text read from the file
    # a .docx/.zip member may declare at most this many bytes uncompressed (zip bombs)
    max_unzipped_bytes: int = 500 * 1024 * 1024
    # seconds LibreOffice may take to convert one .doc/.wps file
    convert_timeout: float = 180.0


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class Paragraph:
    """One paragraph or heading as printed, its printed lines rejoined."""

    text: str
    page: int | None  # 1-based page where it starts; None when the format has no pages


@dataclass(frozen=True)
class TableBlock:
    """A table read from the document's structure (ruling lines, Word table cells).

    `rows` holds every printed row including the header rows, one string a column; a merged
    cell's text is carried into every position it covers. `group_rows` are rows printed as one
    cell across the whole table (一、环境质量): headings of the rows below them.
    """

    rows: tuple[tuple[str, ...], ...]
    header_rows: int
    pages: tuple[int | None, ...]  # the page of every row
    group_rows: frozenset[int] = frozenset()
    carried: frozenset[tuple[int, int]] = frozenset()  # (row, column) cells filled from a merge

    @property
    def page(self) -> int | None:
        return self.pages[0] if self.pages else None


Block = Paragraph | TableBlock


@dataclass(frozen=True)
class Layout:
    """What a reader returns: the blocks of a plan in reading order."""

    path: Path
    format: str  # "pdf", "docx", …
    blocks: tuple[Block, ...]
    pages: int | None  # number of pages; None when the format has no pages
    stats: dict[str, int] = field(default_factory=dict, compare=False)

    @property
    def tables(self) -> tuple[TableBlock, ...]:
        return tuple(b for b in self.blocks if isinstance(b, TableBlock))


Reader = Callable[[Path, Limits], Layout]

# suffix -> "module:function"; modules are imported only when a file of that kind is read
READERS: dict[str, str] = {
    ".pdf": "plankg.ingest.readers.pdf:read",
    ".docx": "plankg.ingest.readers.docx:read",
    ".doc": "plankg.ingest.readers.soffice:read",
    ".wps": "plankg.ingest.readers.soffice:read",
}


def reader_for(path: Path) -> Reader | None:
    """The reader for `path` by its suffix, or None for the text path (.txt, .md)."""
    target = READERS.get(path.suffix.lower())
    if target is None:
        return None
    module, func = target.split(":")
    return getattr(importlib.import_module(module), func)


def read_layout(path: str | Path, limits: Limits = DEFAULT_LIMITS) -> Layout:
    """Read a PDF or Word plan into its layout; raises a `PlanReadError` subclass when it cannot."""
    path = Path(path)
    reader = reader_for(path)
    if reader is None:
        raise PlanFormatError(f"no reader for {path.suffix or 'files without a suffix'}", path=path)
    check_file(path, limits)
    try:
        layout = reader(path, limits)
    except PlanReadError:
        raise
    except (
        OSError,
        ValueError,
        KeyError,
        IndexError,
        TypeError,
        AttributeError,
        RuntimeError,
    ) as exc:
        # a malformed file that the libraries trip over: one line, never a traceback
        raise PlanFormatError(
            f"could not be read as {path.suffix.lstrip('.')} "
            f"({type(exc).__name__}: {str(exc)[:120]})",
            path=path,
        ) from None
    chars = sum(
        len(b.text) if isinstance(b, Paragraph) else sum(map(len, sum(b.rows, ())))
        for b in layout.blocks
    )
    if chars > limits.max_chars:
        raise PlanTooLargeError(
            f"holds {chars:,} characters of text, over the limit of {limits.max_chars:,}", path=path
        )
    if (
        not any(isinstance(b, Paragraph) and b.text.strip() for b in layout.blocks)
        and not layout.tables
    ):
        raise PlanReadError("holds no text", path=path)
    return layout


def check_file(path: Path, limits: Limits) -> int:
    """The file's size in bytes; raises when it is missing, empty or over the size limit."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise PlanReadError("no such file", path=path) from None
    except OSError as exc:
        raise PlanReadError(f"cannot be read: {exc.strerror}", path=path) from None
    if path.is_dir():
        raise PlanReadError("is a directory, not a plan file", path=path)
    if size == 0:
        raise PlanReadError("file is empty", path=path)
    if size > limits.max_bytes:
        raise PlanTooLargeError(
            f"is {size:,} bytes, over the limit of {limits.max_bytes:,}", path=path
        )
    return size


def sniff(path: Path, n: int = 1024) -> bytes:
    """The first `n` bytes of the file (to tell a PDF from HTML named .pdf)."""
    with path.open("rb") as f:
        return f.read(n)


def describe_start(head: bytes) -> str:
    """A short description of what a file starts with, for error messages."""
    start = head.lstrip()[:64].lower()
    if start.startswith((b"<!doctype html", b"<html", b"<head", b"<?xml")) or b"<html" in start:
        return "an HTML or XML page"
    if head.startswith(b"PK\x03\x04"):
        return "a zip archive"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "an old-style Office file"
    if head.startswith(b"%PDF"):
        return "a PDF"
    text = head[:16].decode("ascii", "replace")
    return f"bytes {text!r}"
