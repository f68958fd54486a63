"""Readers: one module per file format, one interface (`plankg.ingest.readers.base`).

A reader turns a published plan file (PDF, Word, …) into a `Layout`: paragraphs and tables in
reading order, each with its page. `plankg.ingest.document` turns a layout into the same
`Document` the text path builds, so the extraction stages never see the format.

Adding a format (an OCR reader for scans, say) is one module with a `read(path, limits)` function
and one line in `READERS`.
"""

from __future__ import annotations

from plankg.ingest.readers.base import (
    READERS,
    Layout,
    Limits,
    Paragraph,
    TableBlock,
    read_layout,
    reader_for,
)

__all__ = ["READERS", "Layout", "Limits", "Paragraph", "TableBlock", "read_layout", "reader_for"]
