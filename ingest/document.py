"""One plan through the first stages: read → clean → outline → metadata.

`load_plan(path)` is what the CLI, the tests and (later) ingest call; every later stage reads
from the `Document` it returns, whose offsets are into `clean.text`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from plankg.ingest.clean import CleanText, clean
from plankg.ingest.metadata import PlanMetadata, extract_metadata
from plankg.ingest.read import RawText, read_plan
from plankg.ingest.segment import Segment, outline

PLAN_SUFFIXES = (".txt", ".text")


@dataclass(frozen=True)
class Document:
    """A plan read, cleaned and outlined."""

    path: Path
    raw: RawText
    clean: CleanText
    outline: Segment
    metadata: PlanMetadata

    @property
    def text(self) -> str:
        return self.clean.text

    @property
    def structured(self) -> bool:
        """False when no heading was recognised and the plan is only paragraphs."""
        return any(s.kind in ("chapter", "section", "item", "table", "box")
                   for s in self.outline.walk())


def load_plan(path: str | Path) -> Document:
    """Read, clean and outline one plan file; raises `PlanReadError` when it cannot be read."""
    raw = read_plan(path)
    cleaned = clean(raw.text)
    tree = outline(cleaned)
    notice = next((s for s in tree.children if s.kind == "notice"), None)
    metadata = extract_metadata(cleaned.text, notice_end=notice.end if notice else None)
    return Document(Path(path), raw, cleaned, tree, metadata)


def plan_files(paths: list[str | Path]) -> list[Path]:
    """Expand directories into the plan files they hold, sorted; files are kept as given."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(f for f in p.iterdir() if f.suffix in PLAN_SUFFIXES and f.is_file()))
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
