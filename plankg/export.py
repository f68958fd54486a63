"""Write a graph from `plankg.graphs` as a file that Gephi, Cytoscape, yEd, D3 or Excel opens.

Formats (`FORMATS`):

* ``graphml``: GraphML (UTF-8) with every attribute as a typed ``<data>`` key; ``label`` holds the
  Chinese label (in yEd: Edit → Properties Mapper → label; in Cytoscape: style the label from the
  ``label`` column).
* ``gexf``: GEXF 1.2 (UTF-8) for Gephi, with the label as the node label, every other attribute
  as a typed attribute, and ``viz`` colours (by district, as in the pictures), sizes (by degree)
  and, up to `plankg.plot.MAX_NODES` nodes, positions (the pictures' layout), so the graph opens
  drawn.
* ``json``: networkx node-link data (``nodes`` and ``edges`` arrays plus ``graph``), for D3 and
  Cytoscape.js; Chinese text is written as is, not escaped.
* ``cytoscape``: Cytoscape.js elements JSON (``elements.nodes[].data``, ``elements.edges[].data``),
  which ``cy.add()`` loads as it is and Cytoscape desktop imports as a ``.cyjs`` file
  (`plankg.view.cytoscape_json`).
* ``html``: a self-contained page to explore the graph in a browser: search, zoom, colours by
  district with a legend, quotes on click (`plankg.view.render_html`).
* ``csv``: one edge a row, UTF-8 with a BOM (so Excel reads the Chinese), with the ends' ids,
  labels and districts, every edge attribute, and empty ``decision`` and ``comment`` columns for
  the reviewer.

Attribute values are str, int, float or bool (lists are joined, ``None`` is left out), the
types that every format carries.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from plankg.errors import PlankgError
from plankg.sheets import neutralise

if TYPE_CHECKING:
    import networkx as nx

FORMATS = ("graphml", "gexf", "json", "cytoscape", "html", "csv")
END_COLUMNS = (
    "source",
    "target",
    "source_label",
    "target_label",
    "source_district",
    "target_district",
)
REVIEW_COLUMNS = ("decision", "comment")


class ExportError(PlankgError):
    """A graph cannot be written: unknown format or unwritable file."""

    code = "E051"


def _scalar(value: Any) -> str | int | float | bool | None:
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else value
        return "；".join(str(v) for v in items)
    return str(value)


def _clean(attrs: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in ((k, _scalar(v)) for k, v in attrs.items()) if v is not None}


def sanitized(graph: nx.Graph) -> nx.Graph:
    """A copy whose graph, node and edge attributes are all str, int, float or bool."""
    g = graph.__class__()
    g.graph.update(_clean(graph.graph))
    g.add_nodes_from((n, _clean(d)) for n, d in graph.nodes(data=True))
    g.add_edges_from((u, v, _clean(d)) for u, v, d in graph.edges(data=True))
    return g


def _hex_rgb(colour: str) -> dict[str, int | float]:
    colour = colour.lstrip("#")
    return {
        "r": int(colour[0:2], 16),
        "g": int(colour[2:4], 16),
        "b": int(colour[4:6], 16),
        "a": 1.0,
    }


def _with_viz(graph: nx.Graph) -> nx.Graph:
    """Gephi's viz data: colour by district, size by degree, position from the layout."""
    from plankg.plot import MAX_NODES, layout, node_colours

    g = graph.copy()
    pos = layout(g) if len(g) <= MAX_NODES else {}  # bigger: Gephi lays it out itself
    colours = node_colours(g)
    degrees = dict(g.degree())
    top = max(degrees.values(), default=1) or 1
    for n, data in g.nodes(data=True):
        data["viz"] = {"color": _hex_rgb(colours[n]), "size": 5.0 + 20.0 * degrees[n] / top}
        if n in pos:
            x, y = pos[n]
            data["viz"]["position"] = {"x": x * 500, "y": y * 500, "z": 0.0}
    return g


def _write_csv(graph: nx.Graph, path: Path) -> None:
    columns: list[str] = list(END_COLUMNS)
    for _, _, data in graph.edges(data=True):
        columns += [k for k in data if k not in columns and k not in REVIEW_COLUMNS]
    columns += REVIEW_COLUMNS
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.DictWriter(f, columns, lineterminator="\r\n")
        writer.writeheader()
        for u, v, data in graph.edges(data=True):
            nu, nv = graph.nodes[u], graph.nodes[v]
            row = {
                "source": u,
                "target": v,
                "source_label": nu.get("label", ""),
                "target_label": nv.get("label", ""),
                "source_district": nu.get("district", ""),
                "target_district": nv.get("district", ""),
            }
            row.update({k: data[k] for k in data if k not in REVIEW_COLUMNS})
            writer.writerow({k: neutralise(v) for k, v in row.items()})  # no live formulas


def export_graph(graph: nx.Graph, path: Path, fmt: str) -> None:
    """Write `graph` to `path` in one of `FORMATS`."""
    import networkx as nx

    if fmt not in FORMATS:
        raise ExportError(f"no export format {fmt!r}; formats: {', '.join(FORMATS)}")
    path = Path(path)
    g = sanitized(graph)
    try:
        if fmt == "graphml":
            nx.write_graphml(g, path, encoding="utf-8", prettyprint=True)
        elif fmt == "gexf":
            nx.write_gexf(_with_viz(g), path, encoding="utf-8", version="1.2draft")
        elif fmt == "json":
            data = nx.node_link_data(g, edges="edges")
            path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        elif fmt == "cytoscape":
            from plankg.view import cytoscape_json

            text = json.dumps(cytoscape_json(graph), ensure_ascii=False, indent=1)
            path.write_text(text + "\n", encoding="utf-8")
        elif fmt == "html":
            from plankg.view import render_html

            path.write_text(render_html(graph), encoding="utf-8")
        else:
            _write_csv(g, path)
    except OSError as exc:
        raise ExportError(f"cannot write the graph: {exc.strerror or exc}", path=path) from None
