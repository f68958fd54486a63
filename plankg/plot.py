"""Pictures of the link graphs: SVG written by hand, PNG rendered from that SVG.

The SVG keeps every label as a ``<text>`` element (selectable, searchable, translatable) in a
font-family list of common CJK fonts ending in ``sans-serif``, so it needs no font on the machine
that writes it: the viewer's browser or editor picks a Chinese font it has. Nodes are coloured
by district (`node_colours`), sized by degree, placed by networkx's spring layout with a fixed
seed (`layout`), and carry a ``<title>`` tooltip with their full label. On a big graph only the
most central nodes (degree, then betweenness) are labelled, and a label that would overlap one
already placed is left out, so labels never pile up.

PNG needs two optional PyPI packages: ``resvg-py`` (the resvg renderer as a self-contained
wheel, no system libraries) and ``pylopdf-fonts-zh-cn`` (Noto Sans SC, SIL OFL). A font file can
also be given in ``$PLANKG_CJK_FONT``.
"""

from __future__ import annotations

import logging
import math
import os
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from plankg.errors import PlankgError

if TYPE_CHECKING:
    import networkx as nx

log = logging.getLogger(__name__)

FONT_FAMILY = (
    "'Noto Sans SC', 'Noto Sans CJK SC', 'Source Han Sans SC', 'PingFang SC', "
    "'Hiragino Sans GB', 'Microsoft YaHei', 'WenQuanYi Micro Hei', 'SimHei', "
    "sans-serif"
)
# Tableau 10 then its lighter half: distinct, colour-blind friendlier than a rainbow.
PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#a0cbe8",
    "#ffbe7d",
    "#8cd17d",
    "#86bcb6",
    "#f1ce63",
    "#d4a6c8",
    "#fabfd2",
)
# reused wording stands out from similar measures; rejected links (shown on request) are dashed red
EDGE_COLOURS = {"reusedWording": "#7b3294"}
OTHER_COLOURS = {"place": "#bab0ac", "indicator": "#bab0ac", "keyword": "#bab0ac"}
SEED = 42
WIDTH, HEIGHT, MARGIN = 1400, 1000, 40
ASPECT = 1.6  # rows of components about as wide as the drawing area
FONT_SIZE = 13
MAX_LABELS = 40  # labelled nodes on a big graph
MAX_NODES = 300  # drawn nodes: a picture of more is a hairball (and the layout would need scipy)
KEYWORD_PICTURE_EDGES = (
    80  # the co-word picture draws its strongest edges only (the export keeps all)
)
LABEL_CHARS = 16  # a label longer than this is clipped (the tooltip keeps it whole)


class PlotError(PlankgError):
    """A picture cannot be drawn: unknown file type, or PNG support not installed."""

    code = "E052"


def layout(graph: nx.Graph) -> dict[Any, tuple[float, float]]:
    """Positions in [-1, 1]²: each connected component laid out by networkx's spring layout
    (fixed seed: same graph, same picture) in a square whose side grows with the square root of
    its size, the squares packed in rows, biggest first (one spring layout over all components
    flings the small ones to the corners and squeezes the big one into a blob)."""
    import networkx as nx

    if graph.number_of_nodes() == 0:
        return {}
    if graph.number_of_nodes() > MAX_NODES:
        raise PlotError(f"cannot lay out {graph.number_of_nodes()} nodes (at most {MAX_NODES})")
    undirected = graph.to_undirected(as_view=True)
    comps = sorted(
        (sorted(c, key=str) for c in nx.connected_components(undirected)),
        key=lambda c: (-len(c), str(c[0])),
    )
    sides = [math.sqrt(len(c)) + 0.8 for c in comps]
    row_width = max(max(sides), ASPECT * math.sqrt(sum(s * s for s in sides)))
    pos: dict[Any, tuple[float, float]] = {}
    x = y = row_height = 0.0
    for comp, side in zip(comps, sides, strict=True):
        if x > 0 and x + side > row_width:
            x, y, row_height = 0.0, y + row_height, 0.0
        if len(comp) == 1:
            local = {comp[0]: (0.0, 0.0)}
        else:
            # method "force" (below 500 nodes) needs numpy only; unweighted, so that heavy
            # edges don't pull their ends onto each other
            sub = undirected.subgraph(comp)
            local = {
                n: (float(a), float(b))
                for n, (a, b) in nx.spring_layout(
                    sub, seed=SEED, iterations=200, weight=None, method="force"
                ).items()
            }
        inner = (side - 0.8) / 2  # spring_layout scales to [-1, 1]: half the side, less margin
        for n, (a, b) in local.items():
            pos[n] = (x + side / 2 + a * inner, y + side / 2 + b * inner)
        x += side
        row_height = max(row_height, side)
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    return {
        n: (2 * (a - x0) / ((x1 - x0) or 1) - 1, 1 - 2 * (b - y0) / ((y1 - y0) or 1))
        for n, (a, b) in pos.items()
    }


def group_of(data: dict[str, Any]) -> str:
    """The colour group of a node: its district, the district where a keyword is most used, or
    its type (partner places and indicators)."""
    counts = str(data.get("district_counts") or "")
    if counts:
        pairs = [p.rsplit(":", 1) for p in counts.split("；") if ":" in p]
        return max(pairs, key=lambda p: (int(p[1]), p[0]))[0] if pairs else ""
    district = str(data.get("district") or "")
    return district or str(data.get("node_type") or "")


def node_colours(graph: nx.Graph) -> dict[Any, str]:
    """A colour per node: a palette colour per district (in name order), grey for the rest."""
    groups = {n: group_of(d) for n, d in graph.nodes(data=True)}
    districts = sorted({g for g in groups.values() if g not in OTHER_COLOURS})
    colour = {d: PALETTE[i % len(PALETTE)] for i, d in enumerate(districts)}
    colour.update(OTHER_COLOURS)
    return {n: colour.get(g, "#bab0ac") for n, g in groups.items()}


def _text_width(text: str, size: float) -> float:
    """Rough rendered width: CJK and full-width characters 1 em, others 0.6 em."""
    import unicodedata

    return sum(size if unicodedata.east_asian_width(c) in "WF" else 0.6 * size for c in text)


def _clip(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"


def _ranked(graph: nx.Graph) -> list[Any]:
    """Nodes by centrality: degree, then betweenness, then label (stable)."""
    import networkx as nx

    g = graph.to_undirected(as_view=True)
    between = nx.betweenness_centrality(g) if 2 < len(g) <= 2000 else {}
    degree = dict(g.degree(weight=None))
    return sorted(
        g.nodes, key=lambda n: (-degree[n], -between.get(n, 0.0), str(g.nodes[n].get("label", n)))
    )


def _overlaps(
    box: tuple[float, float, float, float], boxes: list[tuple[float, float, float, float]]
) -> bool:
    x0, y0, x1, y1 = box
    return any(x0 < b[2] and b[0] < x1 and y0 < b[3] and b[1] < y1 for b in boxes)


def render_svg(graph: nx.Graph, *, title: str | None = None) -> str:
    """The picture of `graph` as an SVG document (a string); a graph of more than `MAX_NODES`
    nodes is drawn as its `MAX_NODES` most central nodes, and the heading says so."""
    total = graph.number_of_nodes()
    if total > MAX_NODES:
        graph = graph.subgraph(_ranked(graph)[:MAX_NODES])
    pos = layout(graph)
    colours = node_colours(graph)
    degrees = dict(graph.degree())
    top_degree = max(degrees.values(), default=1) or 1
    from plankg.view import edge_colour, edge_legend

    legend = [
        (group or "—", colour, "node")
        for group, colour in sorted({(group_of(d), colours[n]) for n, d in graph.nodes(data=True)})
    ]
    legend += [(label, colour, "edge") for label, colour in edge_legend(graph)]
    legend_rows: list[list[tuple[float, str, str, str]]] = [[]]
    lx = float(MARGIN)
    for group, colour, shape in legend:
        w = 20 + _text_width(group, 12)
        if lx + w > WIDTH - MARGIN and legend_rows[-1]:
            legend_rows.append([])
            lx = MARGIN
        legend_rows[-1].append((lx, group, colour, shape))
        lx += w + 12
    top = 50 + 18 * len(legend_rows) + 20  # title, legend rows, a gap
    x_span = WIDTH - 2 * MARGIN - 60  # room for labels at the right edge
    y_span = HEIGHT - top - MARGIN

    def xy(n: Any) -> tuple[float, float]:
        x, y = pos[n]
        return MARGIN + (x + 1) / 2 * x_span, top + (1 - (y + 1) / 2) * y_span

    def radius(n: Any) -> float:
        return 4.0 + 10.0 * math.sqrt(degrees[n] / top_degree)

    weights = [float(d.get("weight", 1) or 1) for _, _, d in graph.edges(data=True)]
    top_weight = max(weights, default=1.0) or 1.0
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="{FONT_FAMILY}">',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
    ]
    kind = graph.graph.get("kind", "graph")
    district = graph.graph.get("district") or ""
    heading = title or (
        f"plankg {kind}{' · ' + district if district else ''} — "
        f"{graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges"
    )
    if total > graph.number_of_nodes():
        heading += f" (the most connected of {total} nodes)"
    out.append(
        f'<text x="{MARGIN}" y="30" font-size="18" font-weight="bold">{escape(heading)}</text>'
    )
    out.append('<g id="edges" stroke-linecap="round">')
    for u, v, d in graph.edges(data=True):
        (x0, y0), (x1, y1) = xy(u), xy(v)
        w = 0.6 + 3.4 * float(d.get("weight", 1) or 1) / top_weight
        status = str(d.get("review_status", ""))
        dash = ' stroke-dasharray="6 4"' if "rejected" in status else ""
        style = f'{dash} stroke="{edge_colour(d)}"'

        tip = escape(str(d.get("label", "")))
        out.append(
            f'<line x1="{x0:.1f}" y1="{y0:.1f}" x2="{x1:.1f}" y2="{y1:.1f}"'
            f'{style} stroke-width="{w:.2f}" stroke-opacity="0.55"><title>{tip}</title>'
            "</line>"
        )
    out.append("</g>")
    out.append('<g id="nodes" stroke="#ffffff" stroke-width="1">')
    for n, d in graph.nodes(data=True):
        x, y = xy(n)
        tip = escape(f"{d.get('label', n)} ({group_of(d)})")
        out.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius(n):.1f}" '
            f'fill="{colours[n]}"><title>{tip}</title></circle>'
        )
    out.append("</g>")
    # labels: the most central nodes first; one that would overlap a placed label is skipped
    boxes: list[tuple[float, float, float, float]] = []
    ranked = _ranked(graph)
    candidates = ranked if len(ranked) <= MAX_LABELS else ranked[:MAX_LABELS]
    # each label twice: a white halo underneath, the text on top. `paint-order` would say the
    # same in one element, but renderers that ignore it (CairoSVG) paint the halo over the text
    halos: list[str] = []
    texts: list[str] = []
    for n in candidates:
        text = _clip(graph.nodes[n].get("label", n))
        if not text:
            continue
        x, y = xy(n)
        r = radius(n)
        w, h = _text_width(text, FONT_SIZE), FONT_SIZE * 1.2
        for tx, ty, anchor in (
            (x + r + 3, y + h / 3, "start"),
            (x - r - 3, y + h / 3, "end"),
            (x, y - r - 4, "middle"),
            (x, y + r + h, "middle"),
        ):
            left = {"start": tx, "end": tx - w, "middle": tx - w / 2}[anchor]
            box = (left, ty - h * 0.85, left + w, ty + h * 0.15)
            inside = box[0] >= 0 and box[2] <= WIDTH and box[1] >= top - 15 and box[3] <= HEIGHT
            if inside and not _overlaps(box, boxes):
                boxes.append(box)
                element = (
                    f'<text x="{tx:.1f}" y="{ty:.1f}" text-anchor="{anchor}">{escape(text)}</text>'
                )
                halos.append(element)
                texts.append(element)
                break
    out.append(
        f'<g id="label-halos" font-size="{FONT_SIZE}" fill="#ffffff" stroke="#ffffff" '
        'stroke-width="3" stroke-linejoin="round" aria-hidden="true">'
    )
    out.extend(halos)
    out.append("</g>")
    out.append(f'<g id="labels" font-size="{FONT_SIZE}" fill="#222222">')
    out.extend(texts)
    out.append("</g>")
    out.append('<g id="legend" font-size="12">')
    for i, row in enumerate(legend_rows):
        y = 58 + 18 * i
        for lx, group, colour, shape in row:
            mark = (
                f'<circle cx="{lx + 5:.1f}" cy="{y - 4}" r="5" fill="{colour}"/>'
                if shape == "node"
                else f'<rect x="{lx - 1:.1f}" y="{y - 6}" width="12" height="3" fill="{colour}"/>'
            )
            out.append(mark + f'<text x="{lx + 14:.1f}" y="{y}">{escape(group)}</text>')
    out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"


def cjk_fonts() -> list[str]:
    """Font files with Chinese glyphs that the PNG renderer is given: $PLANKG_CJK_FONT, and
    Noto Sans SC from the ``pylopdf-fonts-zh-cn`` package when it is installed."""
    files = [f for f in os.environ.get("PLANKG_CJK_FONT", "").split(os.pathsep) if f]
    try:
        import pylopdf_fonts_zh_cn

        files.append(str(pylopdf_fonts_zh_cn.sans_path()))
    except ImportError:
        pass
    return [f for f in files if Path(f).is_file()]


def render_png(svg: str) -> bytes:
    """Rasterise an SVG from `render_svg` with resvg and a CJK font from PyPI."""
    try:
        import resvg_py
    except ImportError:
        raise PlotError(
            "PNG needs the optional packages resvg-py and pylopdf-fonts-zh-cn "
            "(pip install 'plankg[png]'); or write an .svg file"
        ) from None
    fonts = cjk_fonts()
    if not fonts:
        log.warning(
            "no CJK font file found (install pylopdf-fonts-zh-cn or set "
            "PLANKG_CJK_FONT): Chinese labels may render as boxes"
        )
    try:
        return bytes(
            resvg_py.svg_to_bytes(
                svg_string=svg,
                font_files=fonts or None,
                sans_serif_family="Noto Sans SC" if fonts else None,
                background="#ffffff",
            )
        )
    except ValueError as exc:
        raise PlotError(f"cannot render the picture: {exc}") from None


def plot_graph(graph: nx.Graph, path: Path) -> None:
    """Draw `graph` to `path`: SVG or PNG, by the file's suffix."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".svg", ".png"):
        raise PlotError(
            f"cannot draw to {suffix or 'a file without a suffix'}: use .svg or .png", path=path
        )
    svg = render_svg(graph)
    try:
        if suffix == ".svg":
            path.write_text(svg, encoding="utf-8")
        else:
            path.write_bytes(render_png(svg))
    except OSError as exc:
        raise PlotError(f"cannot write the picture: {exc.strerror or exc}", path=path) from None
