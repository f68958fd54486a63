"""Link graphs (plankg.graphs), their exports (plankg.export) and pictures (plankg.plot).

One store per session: the five district plans, ingested and linked, with a few reviews written
straight into the reviews graph (the review module is tested on its own). Every kind of graph is
built, exported to every format, reloaded with networkx and compared with the graph it came
from, and the graphs themselves are compared with counts the store gives by SPARQL.
"""

from __future__ import annotations

import csv
import json
import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from plankg import iri
from plankg.errors import PlankgError
from plankg.export import FORMATS, REVIEW_COLUMNS, export_graph
from plankg.graphs import JOIN, KINDS, build_graph, network_figures
from plankg.plot import MAX_LABELS, plot_graph, render_svg
from tests.conftest import PLAN_FILES

LINKS = f"<{iri.LINKS_GRAPH}>"
REVIEWS = f"<{iri.REVIEWS_GRAPH}>"
CJK = re.compile(r"[\u4e00-\u9fff]")
GEXF_NS = "{http://www.gexf.net/1.2draft}"
GRAPHML_NS = "{http://graphml.graphdrawing.org/xmlns}"
EXTRA_ON_RELOAD = {"viz", "id"}  # GEXF adds viz data and edge ids


def _rows(store: Any, text: str) -> list[dict[str, str | None]]:
    from plankg.query import run_sparql

    return run_sparql(store, text)[1]


def _count(store: Any, text: str) -> int:
    return int(_rows(store, text)[0]["n"] or 0)


def _measure_links(store: Any) -> list[str]:
    return [
        r["l"] or ""
        for r in _rows(
            store,
            f"""
        SELECT DISTINCT ?l WHERE {{ GRAPH {LINKS} {{
          ?l pk:linkKind ?k . VALUES ?k {{ pk:similarMeasure pk:reusedWording }} }} }}
        ORDER BY ?l""",
        )
    ]


def _review(link: str, status: str, at: str, n: int) -> str:
    review = f"{iri.BASE}review/test-{n}"
    return (
        f"<{review}> a pk:Review ; pk:reviewOf <{link}> ; pk:reviewStatus pk:{status} ; "
        f'pk:reviewer "tester" ; pk:reviewedAt "{at}"^^xsd:dateTime ; '
        f'rdfs:comment "第{n}条意见" .'
    )


@pytest.fixture(scope="session")
def graph_store(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The five plans, linked; link 0 rejected then accepted (accepted), link 1 accepted then
    rejected (rejected, with the later review in an earlier time zone's clock), link 2 rejected."""
    from plankg.ingest.pipeline import ingest
    from plankg.link import link_store
    from plankg.store import open_store

    store = open_store(tmp_path_factory.mktemp("graphs") / "store")
    report = ingest(list(PLAN_FILES.values()), store, jobs=1)
    assert report.ok, report.errors
    link_store(store)
    links = _measure_links(store)
    assert len(links) >= 3, "the plans should give at least three similar or reused measures"
    reviews = [
        _review(links[0], "rejected", "2024-01-01T10:00:00Z", 1),
        _review(links[0], "accepted", "2024-01-02T10:00:00Z", 2),
        _review(links[1], "accepted", "2024-01-01T10:00:00Z", 3),
        # later than review 3 although its clock reads earlier: 09:00 at UTC-5 is 14:00 UTC
        _review(links[1], "rejected", "2024-01-01T09:00:00-05:00", 4),
        _review(links[2], "rejected", "2024-01-03T10:00:00Z", 5),
    ]
    prefixes = "".join(f"PREFIX {k}: <{v}>\n" for k, v in iri.PREFIXES.items())
    store.update(prefixes + f"INSERT DATA {{ GRAPH {REVIEWS} {{ {' '.join(reviews)} }} }}")
    return store


@pytest.fixture(scope="session")
def graphs(graph_store: Any) -> dict[str, Any]:
    return {kind: build_graph(graph_store, kind) for kind in KINDS}


def _districts(store: Any) -> list[str]:
    return sorted(
        r["name"] or ""
        for r in _rows(
            store,
            """
        SELECT DISTINCT ?name WHERE { ?p a pk:Plan ; pk:district/rdfs:label ?l .
                                      FILTER(LANG(?l) = "zh") BIND(STR(?l) AS ?name) }""",
        )
    )


# -- the graphs against the store ---------------------------------------------------------------

# effective status in SPARQL, independently of plankg.graphs: no later review of the same link
_NOT_REJECTED = f"""
  FILTER NOT EXISTS {{
    GRAPH {REVIEWS} {{ ?r pk:reviewOf ?l ; pk:reviewStatus pk:rejected ; pk:reviewedAt ?t .
      FILTER NOT EXISTS {{ ?r2 pk:reviewOf ?l ; pk:reviewedAt ?t2 . FILTER(?t2 > ?t) }} }}
  }}"""


def test_measures_graph_has_one_edge_per_link_not_rejected(graph_store: Any, graphs: Any) -> None:
    g = graphs["measures"]
    expected = _count(
        graph_store,
        f"""
        SELECT (COUNT(DISTINCT ?l) AS ?n) WHERE {{
          GRAPH {LINKS} {{ ?l pk:linkKind ?k . VALUES ?k {{ pk:similarMeasure pk:reusedWording }} }}
          {_NOT_REJECTED} }}""",
    )
    assert g.number_of_edges() == expected
    everything = build_graph(graph_store, "measures", include_rejected=True)
    assert everything.number_of_edges() == len(_measure_links(graph_store)) == expected + 2
    links = _measure_links(graph_store)
    status = {d["link"]: d["review_status"] for _, _, d in everything.edges(data=True)}
    assert status[links[0]] == "accepted"
    assert status[links[1]] == "rejected"
    assert status[links[2]] == "rejected"
    assert {d["link"] for _, _, d in g.edges(data=True)} == set(links) - {links[1], links[2]}


def test_measure_nodes_and_edges_carry_the_store_values(graph_store: Any, graphs: Any) -> None:
    g = graphs["measures"]
    for u, v, d in g.edges(data=True):
        row = _rows(
            graph_store,
            f"""
            SELECT ?score ?method ?a ?b WHERE {{ GRAPH {LINKS} {{
              <{d["link"]}> pk:score ?score ; pk:method ?method ;
                            pk:linkSource ?a ; pk:linkTarget ?b }} }}""",
        )[0]
        assert math.isclose(d["score"], float(row["score"] or "nan"))
        assert d["method"] == row["method"]
        assert {u, v} == {row["a"], row["b"]}
        assert d["review_status"] in ("pending", "accepted")
    for n, d in g.nodes(data=True):
        quote = _rows(graph_store, f"SELECT DISTINCT ?q WHERE {{ <{n}> pk:quote ?q }}")[0]["q"]
        assert d["quote"] == quote
        assert d["district"] and d["plan"] and d["iri"] == n
        assert CJK.search(d["label"])


def test_units_edges_weigh_shared_tasks(graph_store: Any, graphs: Any) -> None:
    g = graphs["units"]
    assert g.number_of_edges() > 0
    for u, v, d in list(g.edges(data=True))[:25]:
        shared = _count(
            graph_store,
            f"""
            SELECT (COUNT(DISTINCT ?t) AS ?n) WHERE {{
              ?t pk:leadUnit|pk:responsibleUnit|pk:cooperatingUnit <{u}> ;
                 pk:leadUnit|pk:responsibleUnit|pk:cooperatingUnit <{v}> . }}""",
        )
        assert d["weight"] == d["shared_tasks"] == shared
        assert g.nodes[u]["district"] == g.nodes[v]["district"] == d["districts"]
    units = _count(
        graph_store,
        """SELECT (COUNT(DISTINCT ?u) AS ?n) WHERE {
        ?t pk:leadUnit|pk:responsibleUnit|pk:cooperatingUnit ?u }""",
    )
    assert g.number_of_nodes() == units
    for _, d in g.nodes(data=True):
        assert d["canonical_name"] and d["names_as_printed"] and d["unit_type_en"]


def test_units_per_district_is_the_district_part_of_the_combined_graph(
    graph_store: Any, graphs: Any
) -> None:
    combined = graphs["units"]
    for name in _districts(graph_store):
        one = build_graph(graph_store, "units", district=name)
        mine = [n for n, d in combined.nodes(data=True) if d["district"] == name]
        assert set(one.nodes) == set(mine)
        assert set(map(frozenset, one.edges)) == set(map(frozenset, combined.subgraph(mine).edges))


def test_cross_border_weights_count_measures(graph_store: Any, graphs: Any) -> None:
    g = graphs["cross-border"]
    assert g.is_directed()
    pairs = _count(
        graph_store,
        f"""
        SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?m ?place WHERE {{ GRAPH {LINKS} {{
          ?l pk:linkKind pk:crossBorderPartner ; pk:method "gazetteer" ;
             pk:linkSource ?m ; pk:linkTarget ?place }} }} }}""",
    )
    assert sum(d["weight"] for _, _, d in g.edges(data=True)) == pairs
    for u, _, d in g.edges(data=True):
        assert g.nodes[u]["node_type"] == "district"
        assert len(d["measure_iris"].split()) == d["weight"]
        assert d["quotes"] and CJK.search(d["quotes"])


def test_indicator_edges_hold_the_targets(graph_store: Any, graphs: Any) -> None:
    g = graphs["indicators"]
    targets = _count(
        graph_store,
        """SELECT (COUNT(DISTINCT ?t) AS ?n) WHERE {
        ?t a pk:Target ; pk:indicator ?i ; pk:plan/pk:district ?d }""",
    )
    assert sum(d["targets_count"] for _, _, d in g.edges(data=True)) == targets
    for u, v, d in g.edges(data=True):
        assert g.nodes[u]["node_type"] == "district" and g.nodes[v]["node_type"] == "indicator"
        row = _rows(
            graph_store,
            f"""SELECT DISTINCT ?value ?year ?i WHERE {{
            <{d["headline_target"]}> pk:indicator ?i . OPTIONAL {{ <{d["headline_target"]}> pk:value ?value }}
            OPTIONAL {{ <{d["headline_target"]}> pk:targetYear ?year }} }}""",
        )[0]
        assert row["i"] == v
        if row["value"] is not None:
            assert math.isclose(d["value"], float(row["value"]))
        if row["year"] is not None:
            assert d["target_year"] == int(row["year"])


def test_keywords_cooccurrence(graph_store: Any, graphs: Any) -> None:
    g = graphs["keywords"]
    assert 0 < g.number_of_edges() <= g.graph["max_edges"]
    for a, b, d in list(g.edges(data=True))[:25]:
        assert d["weight"] >= g.graph["min_weight"]
        both = _count(
            graph_store,
            f"""SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE {{
            ?m a pk:Measure ; pk:keyword {json.dumps(a, ensure_ascii=False)} ,
                                         {json.dumps(b, ensure_ascii=False)} . }}""",
        )
        assert d["weight"] == both
    small = build_graph(graph_store, "keywords", min_weight=1, max_edges=10)
    assert small.number_of_edges() == 10
    weights = sorted((d["weight"] for _, _, d in g.edges(data=True)), reverse=True)
    assert min(d["weight"] for _, _, d in small.edges(data=True)) >= weights[9]


def test_unknown_kind_and_district_are_errors(graph_store: Any) -> None:
    with pytest.raises(PlankgError, match="kind"):
        build_graph(graph_store, "nope")
    with pytest.raises(PlankgError, match="district"):
        build_graph(graph_store, "units", district="不存在区")


# -- exports reloaded ---------------------------------------------------------------------------


def _same_value(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return math.isclose(float(a), float(b), rel_tol=1e-9)
    return a == b


def _assert_attrs(original: dict[str, Any], reloaded: dict[str, Any], where: str) -> None:
    extra = set(reloaded) - set(original) - EXTRA_ON_RELOAD
    assert not extra, f"{where}: unexpected attributes {extra}"
    for key, value in original.items():
        assert key in reloaded, f"{where}: {key} lost"
        assert _same_value(value, reloaded[key]), f"{where}: {key} {value!r} ≠ {reloaded[key]!r}"


def _assert_same_graph(g: Any, h: Any) -> None:
    assert set(g.nodes) == set(h.nodes)
    assert g.is_directed() == h.is_directed()
    if g.is_directed():
        assert set(g.edges) == set(h.edges)
    else:
        assert set(map(frozenset, g.edges)) == set(map(frozenset, h.edges))
    assert g.number_of_edges() == h.number_of_edges()
    for n, data in g.nodes(data=True):
        _assert_attrs(data, h.nodes[n], f"node {n}")
    for u, v, data in g.edges(data=True):
        _assert_attrs(data, h.edges[u, v], f"edge {u} {v}")


def _csv_cell(value: Any) -> str:
    from plankg.sheets import neutralise

    return neutralise(str(value))  # formula-looking cells carry a leading apostrophe


def _from_cytoscape(data: dict[str, Any], directed: bool) -> Any:
    """Cytoscape.js elements JSON back into networkx, without the drawing's own data fields."""
    h = nx.DiGraph() if directed else nx.Graph()
    h.graph.update(data["data"])
    drawn = {"id", "colour", "degree", "group"}
    for node in data["elements"]["nodes"]:
        h.add_node(node["data"]["id"], **{k: v for k, v in node["data"].items() if k not in drawn})
    for edge in data["elements"]["edges"]:
        d = edge["data"]
        h.add_edge(
            d["source"],
            d["target"],
            **{k: v for k, v in d.items() if k not in drawn | {"source", "target"}},
        )
    return h


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("fmt", FORMATS)
def test_export_reloads_with_networkx(graphs: Any, kind: str, fmt: str, tmp_path: Path) -> None:
    g = graphs[kind]
    path = tmp_path / f"{kind}.{fmt}"
    export_graph(g, path, fmt)
    raw = path.read_bytes()
    if fmt == "csv":
        assert raw.startswith(b"\xef\xbb\xbf")
        with path.open(encoding="utf-8-sig", newline="") as f:
            rows = list(csv.DictReader(f))
        header = list(rows[0])
        assert header[-2:] == list(REVIEW_COLUMNS)
        assert all(r["decision"] == "" and r["comment"] == "" for r in rows)
        assert len(rows) == g.number_of_edges()
        for row in rows:
            data = g.edges[row["source"], row["target"]]
            assert row["source_label"] == g.nodes[row["source"]]["label"]
            for key, value in data.items():
                assert row[key] == _csv_cell(value), key
        return
    if fmt == "graphml":
        h = nx.read_graphml(path)
    elif fmt == "gexf":
        h = nx.read_gexf(path)
    elif fmt in ("cytoscape", "html"):
        text = raw.decode("utf-8")
        if fmt == "html":  # the page carries the same elements JSON in a script element
            start = text.index('<script type="application/json" id="graph-data">')
            text = text[text.index(">", start) + 1 : text.index("</script>", start)]
        h = _from_cytoscape(json.loads(text), g.is_directed())
    else:
        h = nx.node_link_graph(json.loads(raw.decode("utf-8")), edges="edges")
        assert h.graph["kind"] == kind
    _assert_same_graph(g, h)
    # Chinese written as text, not escaped, and read back as printed
    labels = [d["label"] for _, d in g.nodes(data=True) if CJK.search(d["label"])]
    assert labels
    text = raw.decode("utf-8")
    assert all(label.replace("&", "&amp;") in text or label in text for label in labels[:20])
    assert [h.nodes[n]["label"] for n in g.nodes][:20] == [g.nodes[n]["label"] for n in g.nodes][
        :20
    ]


def test_export_leaves_no_lists_or_nones(tmp_path: Path) -> None:
    g = nx.Graph(kind="test")
    g.add_node("a", label="甲", tags=["x", "y"], missing=None)
    g.add_node("b", label="乙", tags={"z"})
    g.add_edge("a", "b", quotes=("一", "二"), weight=2)
    export_graph(g, tmp_path / "t.graphml", "graphml")
    h = nx.read_graphml(tmp_path / "t.graphml")
    assert h.nodes["a"] == {"label": "甲", "tags": "x；y"}
    assert h.edges["a", "b"]["quotes"] == "一；二"
    assert g.nodes["a"]["tags"] == ["x", "y"]  # the graph itself is left as it was
    with pytest.raises(PlankgError, match="format"):
        export_graph(g, tmp_path / "t.xls", "xls")


_GEXF_TYPES = {
    "integer",
    "long",
    "float",
    "double",
    "boolean",
    "string",
    "liststring",
    "anyURI",
    "date",
    "byte",
    "short",
}


def _check_gexf(path: Path) -> None:
    """The parts of the GEXF 1.2 schema (gexf.xsd, data.xsd, viz.xsd) that Gephi relies on."""
    root = ET.parse(path).getroot()
    assert root.tag == GEXF_NS + "gexf" and root.get("version") == "1.2"
    graph = root.find(GEXF_NS + "graph")
    assert graph is not None
    assert graph.get("defaultedgetype") in ("directed", "undirected", "mutual")
    assert graph.get("mode") in (None, "static", "dynamic")
    declared: dict[tuple[str, str], str] = {}
    for attrs in graph.findall(GEXF_NS + "attributes"):
        cls = attrs.get("class")
        assert cls in ("node", "edge")
        for a in attrs.findall(GEXF_NS + "attribute"):
            assert a.get("id") and a.get("title")
            assert a.get("type") in _GEXF_TYPES, a.get("type")
            declared[cls or "", a.get("id") or ""] = a.get("type") or ""

    def check_values(element: ET.Element, cls: str) -> None:
        values = element.find(GEXF_NS + "attvalues")
        for v in [] if values is None else values.findall(GEXF_NS + "attvalue"):
            kind = declared[cls, v.get("for") or ""]
            value = v.get("value")
            assert value is not None
            if kind in ("integer", "long"):
                int(value)
            elif kind in ("float", "double"):
                float(value)
            elif kind == "boolean":
                assert value in ("true", "false")

    nodes = graph.find(GEXF_NS + "nodes")
    edges = graph.find(GEXF_NS + "edges")
    assert nodes is not None and edges is not None
    ids = set()
    for node in nodes.findall(GEXF_NS + "node"):
        assert node.get("id") and node.get("label") is not None
        ids.add(node.get("id"))
        check_values(node, "node")
    assert len(ids) == len(nodes.findall(GEXF_NS + "node"))
    edge_ids = set()
    for edge in edges.findall(GEXF_NS + "edge"):
        assert edge.get("source") in ids and edge.get("target") in ids
        edge_ids.add(edge.get("id"))
        if edge.get("weight") is not None:
            float(edge.get("weight") or "")
        check_values(edge, "edge")
    assert len(edge_ids) == len(edges.findall(GEXF_NS + "edge"))


@pytest.mark.parametrize("kind", KINDS)
def test_gexf_follows_the_schema(graphs: Any, kind: str, tmp_path: Path) -> None:
    path = tmp_path / f"{kind}.gexf"
    export_graph(graphs[kind], path, "gexf")
    first_line = path.read_bytes().split(b"\n", 1)[0].lower()
    assert b"encoding='utf-8'" in first_line or b'encoding="utf-8"' in first_line
    _check_gexf(path)


def test_gexf_check_fails_on_a_broken_file(graphs: Any, tmp_path: Path) -> None:
    path = tmp_path / "m.gexf"
    export_graph(graphs["measures"], path, "gexf")
    text = path.read_text(encoding="utf-8")
    broken = tmp_path / "broken.gexf"
    broken.write_text(
        re.sub(r'source="[^"]+"', 'source="nowhere"', text, count=1), encoding="utf-8"
    )
    with pytest.raises(AssertionError):
        _check_gexf(broken)


@pytest.mark.parametrize("kind", KINDS)
def test_graphml_keys_are_declared_and_typed(graphs: Any, kind: str, tmp_path: Path) -> None:
    path = tmp_path / f"{kind}.graphml"
    export_graph(graphs[kind], path, "graphml")
    root = ET.parse(path).getroot()
    keys = {k.get("id"): k for k in root.findall(GRAPHML_NS + "key")}
    for k in keys.values():
        assert k.get("attr.type") in ("boolean", "int", "long", "float", "double", "string")
        assert k.get("for") in ("node", "edge", "graph", "all")
    for data in root.iter(GRAPHML_NS + "data"):
        assert data.get("key") in keys
    label_keys = [k for k in keys.values() if k.get("attr.name") == "label"]
    assert {k.get("for") for k in label_keys} >= {"node"}


# -- pictures and figures -----------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_svg_keeps_chinese_labels_as_text(graphs: Any, kind: str, tmp_path: Path) -> None:
    g = graphs[kind]
    path = tmp_path / f"{kind}.svg"
    plot_graph(g, path)
    root = ET.parse(path).getroot()
    assert "sans-serif" in (root.get("font-family") or "")
    texts = [t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text")]
    labels = root.find("{http://www.w3.org/2000/svg}g[@id='labels']")
    assert labels is not None
    placed = [t.text or "" for t in labels]
    assert placed and len(placed) <= MAX_LABELS
    assert any(CJK.search(t) for t in placed)
    node_labels = {str(d["label"]) for _, d in g.nodes(data=True)}
    assert all(t in node_labels or t.endswith("…") for t in placed)
    legend = {t for t in texts if t in {str(d.get("district")) for _, d in g.nodes(data=True)}}
    assert legend  # the districts are named in the legend
    circles = root.findall(".//{http://www.w3.org/2000/svg}circle")
    assert len(circles) >= g.number_of_nodes()


def test_svg_of_a_big_graph_draws_the_central_part(tmp_path: Path) -> None:
    from plankg.plot import MAX_NODES

    g = nx.barabasi_albert_graph(MAX_NODES + 50, 2, seed=1)
    nx.set_node_attributes(g, {n: f"节点{n}" for n in g}, "label")
    svg = render_svg(g)
    assert "most connected" in svg
    assert svg.count("<circle") >= MAX_NODES


def test_png_renders(graphs: Any, tmp_path: Path) -> None:
    pytest.importorskip("resvg_py")
    path = tmp_path / "units.png"
    plot_graph(graphs["units"], path)
    assert path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    with pytest.raises(PlankgError, match=r"\.svg or \.png"):
        plot_graph(graphs["units"], tmp_path / "units.pdf")


@pytest.mark.parametrize("kind", KINDS)
def test_network_figures(graphs: Any, kind: str) -> None:
    g = graphs[kind]
    figures = network_figures(g)
    whole = figures[0]
    undirected = g.to_undirected()
    assert whole["district"] == "(all)"
    assert whole["components"] == nx.number_connected_components(undirected)
    assert whole["nodes"] == g.number_of_nodes()
    assert math.isclose(whole["density"], round(nx.density(undirected), 4))
    for f in figures:
        assert 0.0 <= f["density"] <= 1.0
        assert 1 <= len(f["top_degree"]) <= 5 and len(f["top_betweenness"]) <= 5
        assert f["nodes"] <= whole["nodes"] and f["largest_component"] <= f["nodes"]
        values = [t["value"] for t in f["top_degree"]]
        assert values == sorted(values, reverse=True)
    districts = {f["district"] for f in figures[1:]}
    edge_districts = {d for _, _, data in g.edges(data=True) for d in data["districts"].split(JOIN)}
    assert districts >= edge_districts


def test_network_figures_per_district_match_networkx(graph_store: Any, graphs: Any) -> None:
    g = graphs["units"]
    for f in network_figures(g)[1:]:
        sub = g.subgraph(n for n, d in g.nodes(data=True) if d["district"] == f["district"])
        assert f["components"] == nx.number_connected_components(sub)
        assert math.isclose(f["density"], round(nx.density(sub), 4))
        best = max(dict(sub.degree()).values())
        assert f["top_degree"][0]["value"] == round(best / (len(sub) - 1), 4)


def _dark_pixels(png: bytes) -> int:
    import io

    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("L")
    return sum(image.histogram()[:100])


@pytest.mark.parametrize("kind", ["measures", "units"])
def test_svg_labels_show_in_a_second_renderer(graphs: Any, kind: str, tmp_path: Path) -> None:
    """rsvg-convert (librsvg, Debian) draws the labels as dark text: the halo is its own element
    under the text, so a renderer that ignores `paint-order` (CairoSVG) cannot paint it over."""
    import shutil
    import subprocess

    rsvg = shutil.which("rsvg-convert")
    assert rsvg, "this test needs rsvg-convert: apt-get install librsvg2-bin"
    path = tmp_path / f"{kind}.svg"
    plot_graph(graphs[kind], path)
    svg = path.read_text(encoding="utf-8")
    assert "paint-order" not in svg
    start = svg.index('<g id="labels"')
    bare = svg[:start] + svg[svg.index("</g>", start) + 4 :]

    def render(text: str) -> bytes:
        return subprocess.run(
            [rsvg, "-f", "png"],
            input=text.encode("utf-8"),
            capture_output=True,
            check=True,
            timeout=60,
        ).stdout

    with_labels, without = _dark_pixels(render(svg)), _dark_pixels(render(bare))
    assert with_labels > without + 2000, (with_labels, without)


def test_every_colour_of_a_picture_is_in_its_legend(graphs: Any, tmp_path: Path) -> None:
    path = tmp_path / "measures.svg"
    plot_graph(graphs["measures"], path)
    root = ET.parse(path).getroot()
    ns = "{http://www.w3.org/2000/svg}"
    used = {e.get("stroke") for e in root.find(f"{ns}g[@id='edges']")}
    used |= {e.get("fill") for e in root.find(f"{ns}g[@id='nodes']")}
    legend = root.find(f"{ns}g[@id='legend']")
    shown = {e.get("fill") for e in legend if e.tag in (f"{ns}circle", f"{ns}rect")}
    assert used and used <= shown, used - shown


# -- plans of other levels: each in its own jurisdiction's group --------------------------------

_SHARED_TEXT = (
    "加快构建清洁低碳安全高效的能源体系，大力发展光伏发电和风电，推进分布式光伏在工业园区、"
    "公共建筑屋顶全覆盖，有序推进整县屋顶分布式光伏开发试点，提高非化石能源消费比重。"
)
_OTHER_LEVELS = {
    "zj-province": "浙江省应对气候变化规划\n一、重点任务\n（一）发展光伏。" + _SHARED_TEXT + "\n",
    "sx-city": "绍兴市应对气候变化规划\n一、重点任务\n（一）发展光伏。" + _SHARED_TEXT + "\n",
}


@pytest.fixture(scope="module")
def province_city_store(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A province's plan and a city's, no pk:district on either; linked (the city copies the
    province)."""
    from tests.test_jurisdictions import linked_store

    return linked_store(tmp_path_factory.mktemp("levels"), _OTHER_LEVELS)


def test_plans_of_any_level_are_grouped_by_their_jurisdiction(province_city_store: Any) -> None:
    g = build_graph(province_city_store, "measures")
    groups = {
        d["plan_iri"].rsplit("/", 1)[-1]: (
            d["district"],
            d["jurisdiction"],
            d["jurisdiction_level"],
        )
        for _, d in g.nodes(data=True)
    }
    assert groups == {
        "zj-province": ("浙江省", "浙江省", "province"),
        "sx-city": ("绍兴市", "绍兴市", "city"),
    }
    assert {d["district_iri"] for _, d in g.nodes(data=True)} == {
        iri.district("330000"),
        iri.district("330600"),
    }
    assert [set(d["districts"].split(JOIN)) for _, _, d in g.edges(data=True)] == [
        {"浙江省", "绍兴市"}
    ]
    assert [f["district"] for f in network_figures(g)] == ["(all)", "浙江省", "绍兴市"]


@pytest.mark.parametrize("name", ["绍兴市", "330600", iri.district("330600")])
def test_the_district_filter_takes_any_jurisdiction(province_city_store: Any, name: str) -> None:
    g = build_graph(province_city_store, "measures", district=name)
    assert g.graph["district"] == "绍兴市"
    assert g.number_of_edges() == 1  # the city's measure and the province's it shares
    with pytest.raises(PlankgError, match="浙江省、绍兴市"):
        build_graph(province_city_store, "units", district="杭州市")
