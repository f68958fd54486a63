"""The evidence page of a plan: its cleaned text with every extracted fact highlighted.

The text is rendered line by line with displaCy's span visualiser (`style="span"`,
`manual=True`): measures, targets, lead / responsible / cooperating units, places, money and
flagged facts (`plankg.facts`: a target without a canonical indicator, year or value, a unit
that is not in the alias table, an investment that could not be read) in distinct colours, with
a legend. Headings stay headings (the outline says which lines are). Every fact is anchored by
its id (the local name of its record's IRI), so `…/evidence/SLUG.html#target-602-627-94f9cb5a`
opens the page at it; the anchor's title holds the fact's attributes.

The page is one self-contained HTML file: no script, nothing loaded from elsewhere.
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from itertools import pairwise
from pathlib import Path

from plankg import iri
from plankg.errors import PlankgError
from plankg.facts import LABELS, Fact, plan_facts
from plankg.ingest.document import Document, load_plan, plan_files
from plankg.ingest.segment import Segment

FLAGGED = "flagged"
COLORS = {
    "measure": "#d0d0d0",
    "target": "#7aecec",
    "lead": "#f4a62a",
    "responsible": "#ffd75e",
    "cooperating": "#c8e67c",
    "place": "#8fd3ff",
    "money": "#c887fb",
    FLAGGED: "#ff4d4d",
}
LEGEND = {
    "measure": "measure 任务",
    "target": "target 目标指标",
    "lead": "lead unit 牵头单位",
    "responsible": "responsible unit 责任单位",
    "cooperating": "cooperating unit 配合单位",
    "place": "place 地名",
    "money": "money 投资",
    FLAGGED: "flagged 待核查",
}
# Segments whose heading line is shown as a heading.
_HEADING_KINDS = frozenset(
    {"title", "part", "chapter", "section", "box", "table", "appendix", "item"}
)
# displaCy puts a space after every token outside a span; Chinese has none. Each token ends with
# this invisible mark, and the mark with its space is removed from the markup.
_MARK = "\u2063"
# displaCy's templates, without the whitespace between tokens that would show as spaces.
_TEMPLATES = {
    "span": '<span class="tok" style="font-weight: bold; display: inline-block; position: '
    'relative; height: {total_height}px;">{text}{span_slices}{span_starts}</span>',
    "slice": '<span style="background: {bg}; top: {top_offset}px; height: 4px; left: -1px; '
    'width: calc(100% + 2px); position: absolute;"></span>',
    "start": '<span style="background: {bg}; top: {top_offset}px; height: 4px; '
    "border-top-left-radius: 3px; border-bottom-left-radius: 3px; left: -1px; width: "
    'calc(100% + 2px); position: absolute;"><span class="label" style="background: '
    "{bg}; z-index: 10; color: #000; top: -0.5em; padding: 2px 3px; position: absolute; "
    'font-size: 0.6em; font-weight: bold; line-height: 1; border-radius: 3px">'
    "{label}{kb_link}</span></span>",
}
# displaCy's knowledge-base link, which carries the fact id: it becomes the anchor.
_KB_LINK = re.compile(r' ?<a style="[^"]*" href="#([^"]+)">\1</a>', re.S)
_BLOCK = re.compile(r'(?=\n<div class="spans")')
# A span that goes on from the line before carries its label with this mark; its tag is hidden.
_GOES_ON = "\u200b"
_GOES_ON_LABEL = re.compile(r'<span class="label"([^>]*)>[A-Z]+' + _GOES_ON + "</span>")


SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,80}$")  # what plankg.iri.plan_slug mints


class EvidenceError(PlankgError):
    """A plan for the evidence page cannot be found."""

    code = "E080"


class NlpMissingError(EvidenceError):
    """spaCy (the `nlp` extra) is not installed."""


def _heading_lines(doc: Document) -> dict[int, int]:
    """Offset of a heading line's start → heading level (1 for the title, then by depth in the
    outline, at most 5). An item's heading counts only when it stands on a line of its own."""
    out: dict[int, int] = {}

    def visit(seg: Segment, depth: int) -> None:
        if seg.kind in _HEADING_KINDS and seg.heading:
            line_end = doc.text.find("\n", seg.start)
            line_end = len(doc.text) if line_end < 0 else line_end
            run_in = bool(doc.text[seg.body_start : line_end].strip())
            if not run_in:
                level = 1 if seg.kind == "title" else min(depth + 1, 5)
                out.setdefault(doc.text.rfind("\n", 0, seg.start) + 1, level)
        for child in seg.children:
            visit(child, depth + 1)

    for top in doc.outline.children:
        visit(top, 1)
    return out


def _lines(text: str) -> Iterator[tuple[int, int]]:
    start = 0
    for line in text.split("\n"):
        yield start, start + len(line)
        start += len(line) + 1


def _spans(facts: Sequence[Fact]) -> list[tuple[int, int, str, str]]:
    """(start, end, label, fact id) for every fact, and a FLAGGED span over each flagged one."""
    out = [(f.start, f.end, f.label, f.id) for f in facts]
    out += [(f.start, f.end, FLAGGED, "") for f in facts if f.flagged]
    return out


def _line_data(
    text: str, a: int, b: int, spans: list[tuple[int, int, str, str]]
) -> dict[str, object]:
    """displaCy's manual span data for the line [a, b): tokens cut at every span boundary."""
    pieces = []
    for s, e, label, fid in spans:
        lo, hi = max(s, a), min(e, b)
        if lo < hi and text[lo:hi].strip():
            pieces.append((lo, hi, label, fid, s >= a))
    cuts = sorted({a, b, *(x for p in pieces for x in p[:2])})
    index = {c: i for i, c in enumerate(cuts)}
    tokens = [text[x:y] + _MARK for x, y in pairwise(cuts)]
    data_spans = []
    for lo, hi, label, fid, starts in pieces:
        # the anchor and the label tag only where the fact starts, not on the lines it goes on to
        span: dict[str, object] = {
            "start_token": index[lo],
            "end_token": index[hi],
            "label": label.upper() + ("" if starts else _GOES_ON),
        }
        if fid and starts:
            span["kb_id"], span["kb_url"] = fid, "#" + fid
        data_spans.append(span)
    return {"text": text[a:b], "tokens": tokens, "spans": data_spans}


def _title(f: Fact, page: int | None = None) -> str:
    attrs = f.attributes()
    where = f" (page {page})" if page else ""
    return f"{f.label} {f.id}{where}" + (
        ": " + json.dumps(attrs, ensure_ascii=False) if attrs else ""
    )


def evidence_html(
    doc: Document, facts: Sequence[Fact] | None = None, *, title: str | None = None
) -> str:
    """The evidence page of one plan as a complete HTML document."""
    try:
        from spacy import displacy
    except ImportError:
        raise NlpMissingError("evidence pages need spaCy: pip install 'plankg[nlp]'") from None

    facts = plan_facts(doc) if facts is None else facts
    by_id = {f.id: f for f in facts}
    spans = _spans(facts)
    spans.sort()
    headings = _heading_lines(doc)
    lines = [(a, b) for a, b in _lines(doc.text) if doc.text[a:b].strip()]
    data = []
    for a, b in lines:
        near = [s for s in spans if s[0] < b and s[1] > a]
        data.append(_line_data(doc.text, a, b, near))
    colors = {k.upper() + mark: v for k, v in COLORS.items() for mark in ("", _GOES_ON)}
    options = {"colors": colors, "template": _TEMPLATES}
    markup = displacy.render(data, style="span", manual=True, options=options, page=False)
    blocks = [blk for blk in _BLOCK.split(markup) if blk.strip()]
    if len(blocks) != len(lines):  # a displaCy whose wrapper differs: one call per line
        blocks = [displacy.render(d, style="span", manual=True, options=options) for d in data]

    def anchor(m: re.Match[str]) -> str:
        fid = m.group(1)
        fact = by_id.get(fid)
        page = doc.page_at(fact.start) if fact is not None and doc.page_starts else None
        tip = html.escape(_title(fact, page) if fact is not None else fid, quote=True)
        return f' <a class="anchor" id="{fid}" href="#{fid}" title="{tip}">#</a>'

    body = []
    for (a, _), block in zip(lines, blocks, strict=True):
        block = _KB_LINK.sub(anchor, block.replace(_MARK + " ", "").replace(_MARK, ""))
        block = _GOES_ON_LABEL.sub(r'<span class="label goes-on"\1></span>', block)
        level = headings.get(a)
        cls = f"line heading h{level}" if level else "line"
        role = f' role="heading" aria-level="{level}"' if level else ""
        body.append(f'<div class="{cls}"{role}>{block}</div>')
    counts = Counter(f.label for f in facts)
    counts[FLAGGED] = sum(f.flagged for f in facts)
    legend = "".join(
        f'<li><span class="swatch" style="background:{COLORS[k]}"></span>{html.escape(LEGEND[k])}'
        f' <span class="count">{counts.get(k, 0)}</span></li>'
        for k in (*LABELS, FLAGGED)
    )
    heading = title or doc.metadata.title or doc.path.stem
    slug = iri.plan_slug(doc.path.stem, doc.text)
    return _PAGE.format(
        title=html.escape(heading),
        slug=html.escape(slug),
        legend=legend,
        body="\n".join(body),
        n=len(facts),
        source=html.escape(doc.path.name + (f", {doc.pages} pages" if doc.pages else "")),
    )


_PAGE = """<!DOCTYPE html>
<html lang="zh">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>{title} — evidence · plankg</title>
<style>
body {{ font-family: "Noto Sans CJK SC", "Noto Sans SC", "WenQuanYi Micro Hei", "Source Han Sans SC", "PingFang SC",
  "Microsoft YaHei", sans-serif; margin: 0; color: #222; }}
header {{ position: sticky; top: 0; background: #fff; border-bottom: 1px solid #ccc;
  padding: .5rem 1.5rem; z-index: 100; }}
header h1 {{ font-size: 1.1rem; margin: 0 0 .3rem; }}
header p {{ margin: 0 0 .3rem; font-size: .8rem; color: #555; }}
ul.legend {{ list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap;
  gap: .3rem 1rem; font-size: .8rem; }}
.swatch {{ display: inline-block; width: 1.4em; height: .6em; margin-right: .3em;
  border-radius: 2px; }}
.count {{ color: #777; }}
main {{ padding: 1rem 1.5rem 60vh; max-width: 60rem; }}
.line .spans {{ line-height: 2.5 !important; }}
.heading .spans {{ font-weight: bold; }}
.h1 .spans {{ font-size: 1.5rem; }} .h2 .spans {{ font-size: 1.3rem; }}
.h3 .spans {{ font-size: 1.15rem; }} .h4 .spans {{ font-size: 1.05rem; }}
.tok {{ font-weight: normal !important; }}
.goes-on {{ display: none; }}
a.anchor {{ color: inherit; text-decoration: none; font-weight: normal; scroll-margin-top: 9rem; }}
.tok:has(a.anchor:target) {{ outline: 3px solid #d00; }}
</style>
</head>
<body>
<header>
<h1>{title}</h1>
<p>plan {slug} · {source} · {n} facts · plankg evidence page: the cleaned text, offsets as in
the graph; every fact's id is its anchor (#id)</p>
<ul class="legend">{legend}</ul>
</header>
<main>
{body}
</main>
</body>
</html>
"""


# -- finding the plan ---------------------------------------------------------------------------
def find_plan(
    plan: str | Path, plan_dirs: Iterable[str | Path] = (), *, allow_path: bool = True
) -> Path:
    """A plan file given as a path, or by its slug (as in the store: the file stem, or
    `plan-<hash>` for a non-ASCII name) among the plan files in `plan_dirs`. With
    `allow_path=False` (the server) only a slug is accepted, so no other file can be read."""
    plan_dirs = list(plan_dirs)
    name = str(plan).removesuffix(".html")
    if not allow_path:
        if not SLUG.match(name):
            raise EvidenceError(f"{name!r} is not a plan slug")
    elif Path(plan).is_file():
        return Path(plan)
    files = plan_files([d for d in map(Path, plan_dirs) if d.is_dir()])
    for f in files:
        if f.stem == name:
            return f
    for f in files:  # slugs minted from the text: load only when no stem matched
        if iri.plan_slug(f.stem, "") == f.stem:
            continue  # its slug is its stem, already compared
        try:
            doc = load_plan(f)
        except PlankgError:
            continue
        if iri.plan_slug(f.stem, doc.text) == name:
            return f
    where = ", ".join(str(d) for d in plan_dirs) or "no plan folders"
    raise EvidenceError(f"no plan file {plan!r}, and no plan with that slug in {where}")


def plan_evidence(plan: str | Path, plan_dirs: Iterable[str | Path] = ()) -> str:
    """The evidence page of a plan file or slug (see `find_plan`)."""
    return evidence_html(load_plan(find_plan(plan, plan_dirs)))
