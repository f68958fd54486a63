"""Cytoscape.js elements JSON and the interactive graph page, checked in headless Chromium."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from plankg.cli import main
from plankg.graphs import KINDS, build_graph

from .browser import console_errors, screenshot
from .conftest import ROOT

CYTOSCAPE = ROOT / "plankg" / "static" / "vendor" / "cytoscape.min.js"


def test_cytoscape_json_has_the_shape_cytoscape_expects(linked_store: Path, tmp_path: Path):
    out = tmp_path / "measures.cyjs"
    assert (
        main(
            [
                "export-graph",
                "measures",
                "--format",
                "cytoscape",
                "-o",
                str(out),
                "--store",
                str(linked_store),
            ]
        )
        == 0
    )
    data = json.loads(out.read_text(encoding="utf-8"))
    nodes, edges = data["elements"]["nodes"], data["elements"]["edges"]
    assert nodes and edges
    ids = {n["data"]["id"] for n in nodes}
    assert len(ids) == len(nodes)
    assert all(e["data"]["source"] in ids and e["data"]["target"] in ids for e in edges)
    assert len({e["data"]["id"] for e in edges}) == len(edges)
    assert all(isinstance(n["position"]["x"], float) for n in nodes)
    assert any("quote" in k for e in edges for k in e["data"]) or any(
        "quote" in k for n in nodes for k in n["data"]
    )


def test_cytoscape_js_loads_the_export_as_it_is(
    browser: Any, linked_store: Path, tmp_path: Path
) -> None:
    """The complaint was 'Can not create edge … with unspecified source': load the file with
    the real library in a real browser, with `cy.add(elements)` as a user would."""
    out = tmp_path / "units.cyjs"
    assert (
        main(
            [
                "export-graph",
                "units",
                "--format",
                "cytoscape",
                "-o",
                str(out),
                "--store",
                str(linked_store),
            ]
        )
        == 0
    )
    page = tmp_path / "load.html"
    page.write_text(
        "<!DOCTYPE html><meta charset='utf-8'><div id='cy' style='width:800px;height:600px'>"
        f"</div><script src='{CYTOSCAPE.as_uri()}'></script>"
        "<script>window.cy = cytoscape({container: document.getElementById('cy')});</script>",
        encoding="utf-8",
    )
    browser.get(page.as_uri())
    console_errors(browser)
    data = json.loads(out.read_text(encoding="utf-8"))
    counts = browser.execute_script(
        "var d = arguments[0]; cy.add(d.elements); return [cy.nodes().length, cy.edges().length];",
        data,
    )
    assert counts == [len(data["elements"]["nodes"]), len(data["elements"]["edges"])]
    assert console_errors(browser) == []


@pytest.mark.parametrize("kind", KINDS)
def test_html_view_draws_searches_and_shows_quotes(
    browser: Any, linked_store: Path, tmp_path: Path, kind: str
) -> None:
    from plankg.store import open_store

    graph = build_graph(open_store(linked_store, read_only=True), kind)
    out = tmp_path / f"{kind}.html"
    assert (
        main(
            ["export-graph", kind, "--format", "html", "-o", str(out), "--store", str(linked_store)]
        )
        == 0
    )
    text = out.read_text(encoding="utf-8")
    assert "<script src" not in text and "<link " not in text  # self-contained: works offline
    browser.get(out.as_uri())
    counts = browser.execute_script(
        "return [plankgView.cy.nodes().length, plankgView.cy.edges().length];"
    )
    assert counts == [graph.number_of_nodes(), graph.number_of_edges()]
    # every node is drawn inside the viewport after the initial fit
    inside = browser.execute_script(
        "var cy = plankgView.cy, w = cy.width(), h = cy.height(); return cy.nodes().every("
        "function (n) { var p = n.renderedPosition(); return p.x >= -5 && p.y >= -5 && "
        "p.x <= w + 5 && p.y <= h + 5; });"
    )
    assert inside
    # search: the node with the highest degree is found by its label, the rest faded
    node, data = max(graph.nodes(data=True), key=lambda nd: (graph.degree(nd[0]), str(nd[0])))
    label = str(data["label"])
    hits = browser.execute_script(
        "return plankgView.search(arguments[0]).map(function (n) { return n.id(); });", label
    )
    assert str(node) in hits
    # a click shows the node's attributes, Chinese as printed
    browser.execute_script("plankgView.cy.getElementById(arguments[0]).emit('tap');", str(node))
    details = browser.find_element("id", "details").text
    assert label in details
    if kind in ("measures", "cross-border"):
        u, v, edge = next(iter(graph.edges(data=True)))
        quotes = [str(val) for key, val in edge.items() if "quote" in key and val]
        assert quotes
        eid = browser.execute_script(
            "var a = arguments[0], b = arguments[1]; return plankgView.cy.edges().filter("
            "function (e) { var s = e.data('source'), t = e.data('target'); "
            "return (s === a && t === b) || (s === b && t === a); })[0].id();",
            str(u),
            str(v),
        )
        browser.execute_script("plankgView.cy.getElementById(arguments[0]).emit('tap');", eid)
        shown = browser.find_element("id", "details").text
        assert quotes[0].split("\n")[0][:30] in shown
    legend = browser.find_element("id", "legend").text
    from plankg.plot import group_of

    groups = {group_of(d) or "—" for _, d in graph.nodes(data=True)}
    assert all(g in legend for g in groups), (groups, legend)
    assert console_errors(browser) == []
    shot = screenshot(browser, f"view-{kind}")
    assert shot.stat().st_size > 10_000
