"""Text and JSON views of a document's outline, for the CLI and for people reading results."""

from __future__ import annotations

from typing import Any

from plankg.ingest.document import Document
from plankg.ingest.segment import Segment

_LEAVES = ("paragraph", "row")


def segment_json(seg: Segment, text: str) -> dict[str, Any]:
    """A segment as a JSON-ready dict: kind, number, heading, start, end, children (and cells)."""
    node: dict[str, Any] = {
        "kind": seg.kind,
        "number": seg.number,
        "heading": seg.heading,
        "start": seg.start,
        "end": seg.end,
    }
    if seg.page is not None:  # PDF and Word plans: the page the segment starts on
        node["page"] = seg.page
    if seg.style:
        node["style"] = seg.style
    if seg.ordinal is not None:
        node["ordinal"] = seg.ordinal
    if seg.columns:
        node["columns"] = list(seg.columns)
    if seg.cells is not None:
        node["cells"] = seg.cells
        if seg.group:
            node["group"] = seg.group
    if seg.kind == "paragraph" or (not seg.children and seg.kind not in ("row",)):
        node["text"] = seg.text(text)
    node["children"] = [segment_json(c, text) for c in seg.children]
    return node


def outline_json(doc: Document) -> dict[str, Any]:
    """The whole outline of a document with its metadata and cleaning figures."""
    meta = doc.metadata
    return {
        "file": str(doc.path),
        "encoding": doc.raw.encoding,
        "metadata": {
            "district": meta.district,
            "district_code": meta.district_code,
            "title": meta.title,
            "issuer": meta.issuer,
            "doc_number": meta.doc_number,
            "issued": meta.issued.isoformat() if meta.issued else None,
            "period_start": meta.period_start,
            "period_end": meta.period_end,
            "period_derived": meta.period_derived,
            "level": meta.level,
        },
        "cleaning": doc.clean.stats,
        "length": len(doc.text),
        "outline": segment_json(doc.outline, doc.text),
    }


def outline_tree(doc: Document, *, max_depth: int | None = None, rows: bool = False) -> str:
    """An indented tree: number, heading, [start, end), and how many of each kind lie below."""
    lines: list[str] = []

    def visit(seg: Segment, depth: int) -> None:
        if seg.kind in _LEAVES and not rows:
            return
        if max_depth is not None and depth > max_depth:
            return
        counts = seg.counts()
        below = " ".join(f"{k}={v}" for k, v in sorted(counts.items()) if rows or k not in _LEAVES)
        label = seg.heading if seg.cells is None else " | ".join(v for v in seg.cells.values() if v)
        label = label if len(label) <= 40 else label[:39] + "…"
        head = " ".join(p for p in (seg.kind, seg.number, label) if p)
        lines.append(
            f"{'  ' * depth}{head}  [{seg.start}, {seg.end})" + (f"  {below}" if below else "")
        )
        for child in seg.children:
            visit(child, depth + 1)

    visit(doc.outline, 0)
    return "\n".join(lines) + "\n"


def plan_summary(doc: Document) -> str:
    """A few lines per plan for `plankg demo`."""
    meta, counts = doc.metadata, doc.outline.counts()
    tables = [s for s in doc.outline.walk() if s.kind == "table"]
    period = f"{meta.period_start}–{meta.period_end}" if meta.period_start else "?"
    if meta.period_derived:
        period += " (from 十四五)"
    parts = [
        f"{doc.path.name}",
        f"  {meta.title or '(no title found)'}",
        f"  district {meta.district or '?'} ({meta.district_code or '?'}), issuer "
        f"{meta.issuer or '?'}, {meta.doc_number or 'no document number'}, issued "
        f"{meta.issued or '?'}, period {period}",
        "  outline: "
        + ", ".join(
            f"{counts.get(k, 0)} {plural}"
            for k, plural in (
                ("chapter", "chapters"),
                ("section", "sections"),
                ("item", "items"),
                ("box", "boxes"),
                ("table", "tables"),
                ("row", "rows"),
                ("paragraph", "paragraphs"),
            )
        ),
    ]
    for t in tables:
        parts.append(
            f"  {t.number or 'table'} {t.heading[:30]}: {len(t.children)} rows × "
            f"{len(t.columns)} columns"
        )
    if not doc.structured:
        parts.append("  warning: no headings recognised; the plan is kept as paragraphs")
    return "\n".join(parts)
