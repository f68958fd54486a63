"""Link graphs for Cytoscape.js and Cytoscape desktop, and an interactive page to explore them.

* `cytoscape_json(graph)`: the Cytoscape.js elements JSON (``{"data": …, "elements": {"nodes":
  [{"data": {"id", "label", …}, "position"}], "edges": [{"data": {"id", "source", "target",
  …}}]}}``). ``cy.add(json.elements)`` loads it as it is, and Cytoscape desktop imports it as
  a ``.cyjs`` file (File → Import → Network from File). Every node and edge attribute travels in
  ``data``, with the colour the pictures use (``colour``) and, up to `plankg.plot.MAX_NODES`
  nodes, the pictures' layout (``position``).
* `render_html(graph)`: one self-contained HTML page (Cytoscape.js shipped inside plankg, nothing
  from the internet) with search, zoom, nodes coloured by district with a legend, edges coloured
  by kind with a legend, and every attribute (quotes whole) in a side panel on click.
"""

from __future__ import annotations

import json
import re
from html import escape
from importlib import resources
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import networkx as nx

REJECTED_COLOUR = "#c0392b"
EDGE_DEFAULT = "#8c8c8c"
SCALE = 600  # layout coordinates [-1, 1] → pixels


def edge_colour(data: dict[str, Any]) -> str:
    """The colour of an edge in pictures and pages: rejected links red, reused wording purple,
    everything else grey (`plankg.plot.EDGE_COLOURS`)."""
    from plankg.plot import EDGE_COLOURS

    if "rejected" in str(data.get("review_status", "")):
        return REJECTED_COLOUR
    return EDGE_COLOURS.get(str(data.get("kind", "")), EDGE_DEFAULT)


def edge_legend(graph: nx.Graph) -> list[tuple[str, str]]:
    """(label, colour) for every edge colour the graph uses, with readable labels."""
    names = {"reusedWording": "reused wording 文字复用", "similarMeasure": "similar 相似措施"}
    seen: dict[str, str] = {}
    for _, _, d in graph.edges(data=True):
        colour = edge_colour(d)
        if colour == REJECTED_COLOUR:
            label = "rejected 已拒绝"
        else:
            kind = str(d.get("kind", "") or graph.graph.get("kind", "link"))
            label = names.get(kind, kind)
        seen.setdefault(colour, label)
        if colour == EDGE_DEFAULT and seen[colour] != label:
            seen[colour] = "link 关联"  # several kinds share the grey
    return sorted(((label, colour) for colour, label in seen.items()), key=lambda p: p[0])


def cytoscape_json(graph: nx.Graph) -> dict[str, Any]:
    """The graph as Cytoscape.js elements JSON (see the module docstring)."""
    from plankg.export import sanitized
    from plankg.plot import MAX_NODES, group_of, layout, node_colours

    g = sanitized(graph)
    colours = node_colours(g)
    pos = layout(g) if 0 < len(g) <= MAX_NODES else {}
    degrees = dict(g.degree())
    nodes = []
    for n, d in g.nodes(data=True):
        data = {
            **d,
            "id": str(n),
            "label": str(d.get("label") or n),
            "group": group_of(d),
            "colour": colours[n],
            "degree": degrees[n],
        }
        node: dict[str, Any] = {"data": data}
        if n in pos:
            x, y = pos[n]
            node["position"] = {"x": round(x * SCALE, 1), "y": round(-y * SCALE, 1)}
        nodes.append(node)
    edges = []
    for i, (u, v, d) in enumerate(g.edges(data=True)):
        data = {**d, "id": f"e{i}", "source": str(u), "target": str(v), "colour": edge_colour(d)}
        if "label" in d:
            data["label"] = str(d["label"])
        edges.append({"data": data})
    return {
        "format_version": "1.0",
        "generated_by": "plankg",
        "target_cytoscapejs_version": "~3.35",
        "data": {**g.graph, "name": str(g.graph.get("name", "plankg"))},
        "directed": g.is_directed(),
        "elements": {"nodes": nodes, "edges": edges},
    }


def _vendor(name: str) -> str:
    return (resources.files("plankg") / "static" / "vendor" / name).read_text(encoding="utf-8")


def _script_json(value: Any) -> str:
    """JSON that is safe inside <script>: no `</`, no HTML comment openers."""
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


def render_html(graph: nx.Graph, *, title: str | None = None) -> str:
    """A self-contained HTML page to explore the graph (see the module docstring)."""
    from plankg.plot import FONT_FAMILY

    data = cytoscape_json(graph)
    kind = graph.graph.get("kind", "graph")
    district = graph.graph.get("district") or ""
    heading = title or (
        f"plankg {kind}{' · ' + district if district else ''} — "
        f"{graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges"
    )
    groups: dict[str, str] = {}
    for node in data["elements"]["nodes"]:
        groups.setdefault(node["data"]["group"] or "—", node["data"]["colour"])
    legend = {"nodes": sorted(groups.items()), "edges": edge_legend(graph)}
    values = {
        "title": escape(heading),
        "font": escape(FONT_FAMILY, quote=False),
        "cytoscape": _vendor("cytoscape.min.js"),
        "data": _script_json(data),
        "legend": _script_json(legend),
    }
    # one pass, so that text inside the values is never taken for a placeholder
    return re.sub(r"\{\{(\w+)\}\}", lambda m: values[m.group(1)], _PAGE)


_PAGE = """<!DOCTYPE html>
<html lang="zh-Hans">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{title}}</title>
<style>
  html, body { margin: 0; height: 100%; font-family: {{font}}; color: #222; }
  body { display: grid; grid-template-columns: 1fr 340px; grid-template-rows: auto 1fr; }
  header { grid-column: 1 / 3; display: flex; gap: 12px; align-items: center;
           padding: 8px 12px; border-bottom: 1px solid #ddd; flex-wrap: wrap; }
  header h1 { font-size: 16px; margin: 0 12px 0 0; }
  #cy { min-height: 0; }
  aside { border-left: 1px solid #ddd; overflow: auto; padding: 8px 12px; font-size: 13px; }
  aside table { border-collapse: collapse; width: 100%; }
  aside td { border-top: 1px solid #eee; padding: 3px 4px; vertical-align: top;
             white-space: pre-wrap; word-break: break-word; }
  aside td:first-child { color: #666; width: 30%; word-break: normal; }
  .legend { display: flex; gap: 10px; flex-wrap: wrap; font-size: 12px; }
  .legend span { display: inline-flex; align-items: center; gap: 4px; }
  .dot { width: 10px; height: 10px; border-radius: 50%; display: inline-block; }
  .bar { width: 18px; height: 3px; display: inline-block; }
  #count { color: #666; font-size: 12px; }
</style>
</head>
<body>
<header>
  <h1>{{title}}</h1>
  <input id="search" type="search" placeholder="search labels 搜索" aria-label="search">
  <button id="fit" type="button">fit 全图</button>
  <button id="zoom-in" type="button">+</button>
  <button id="zoom-out" type="button">−</button>
  <span id="count"></span>
  <div class="legend" id="legend"></div>
</header>
<div id="cy"></div>
<aside id="details"><p>Click a node or an edge to see its attributes and quotes.
点击节点或连线查看属性和原文。</p></aside>
<script>{{cytoscape}}</script>
<script type="application/json" id="graph-data">{{data}}</script>
<script type="application/json" id="legend-data">{{legend}}</script>
<script>
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("graph-data").textContent);
  var legend = JSON.parse(document.getElementById("legend-data").textContent);
  var positioned = data.elements.nodes.length > 0 &&
    data.elements.nodes.every(function (n) { return n.position; });
  var cy = cytoscape({
    container: document.getElementById("cy"),
    elements: data.elements,
    layout: positioned ? { name: "preset" } : { name: "cose", animate: false, randomize: false },
    wheelSensitivity: 0.3,
    style: [
      { selector: "node", style: {
          "background-color": "data(colour)", "label": "data(label)",
          "width": "mapData(degree, 0, 30, 10, 40)", "height": "mapData(degree, 0, 30, 10, 40)",
          "font-size": 11, "text-wrap": "ellipsis", "text-max-width": 160,
          "text-outline-color": "#fff", "text-outline-width": 2,
          "font-family": getComputedStyle(document.body).fontFamily } },
      { selector: "edge", style: {
          "line-color": "data(colour)", "width": 1.5, "opacity": 0.6, "curve-style": "haystack" } },
      { selector: ".faded", style: { "opacity": 0.12 } },
      { selector: ".match", style: { "border-width": 3, "border-color": "#111" } },
      { selector: ":selected", style: { "border-width": 3, "border-color": "#e15759",
          "line-color": "#e15759", "opacity": 1 } }
    ]
  });
  var box = document.getElementById("legend");
  legend.nodes.forEach(function (p) {
    box.insertAdjacentHTML("beforeend", '<span><i class="dot"></i></span>');
    var s = box.lastElementChild; s.firstChild.style.background = p[1];
    s.appendChild(document.createTextNode(p[0]));
  });
  legend.edges.forEach(function (p) {
    box.insertAdjacentHTML("beforeend", '<span><i class="bar"></i></span>');
    var s = box.lastElementChild; s.firstChild.style.background = p[1];
    s.appendChild(document.createTextNode(p[0]));
  });
  document.getElementById("count").textContent =
    cy.nodes().length + " nodes · " + cy.edges().length + " edges";
  function show(ele) {
    var aside = document.getElementById("details");
    var table = document.createElement("table");
    var keys = Object.keys(ele.data()).filter(function (k) {
      var v = ele.data(k);
      return ["colour", "degree", "group"].indexOf(k) < 0 && v !== "" && v !== null; });
    keys.sort(function (a, b) {
      var qa = a.indexOf("quote") >= 0, qb = b.indexOf("quote") >= 0;
      return qa === qb ? 0 : (qa ? 1 : -1); });
    keys.forEach(function (k) {
      var tr = table.insertRow(); tr.insertCell().textContent = k;
      tr.insertCell().textContent = String(ele.data(k));
    });
    aside.replaceChildren(table);
  }
  cy.on("tap", "node, edge", function (evt) { show(evt.target); });
  function search(text) {
    cy.elements().removeClass("faded match");
    text = (text || "").trim();
    if (!text) { return cy.collection(); }
    var hits = cy.nodes().filter(function (n) {
      return String(n.data("label")).indexOf(text) >= 0 || String(n.id()).indexOf(text) >= 0; });
    cy.elements().not(hits.closedNeighborhood()).addClass("faded");
    hits.addClass("match");
    if (hits.length) { cy.fit(hits.closedNeighborhood(), 60); }
    return hits;
  }
  document.getElementById("search").addEventListener("input", function (e) {
    search(e.target.value); });
  document.getElementById("fit").addEventListener("click", function () { cy.fit(undefined, 30); });
  document.getElementById("zoom-in").addEventListener("click", function () {
    cy.zoom({ level: cy.zoom() * 1.25, renderedPosition: { x: cy.width() / 2, y: cy.height() / 2 } }); });
  document.getElementById("zoom-out").addEventListener("click", function () {
    cy.zoom({ level: cy.zoom() / 1.25, renderedPosition: { x: cy.width() / 2, y: cy.height() / 2 } }); });
  window.plankgView = { cy: cy, search: search, show: show };
})();
</script>
</body>
</html>
"""
