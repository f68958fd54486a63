"""Linking (plankg.link) on a real store: the five district plans and the two parent plans."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from plankg import iri
from plankg.link import (
    CROSS_BORDER,
    REUSED,
    SAME_INDICATOR,
    SIMILAR,
    compute_links,
    link_iri,
    link_store,
    normalise,
    read_corpus,
    shingles,
)
from tests.conftest import PARENT_FILES, PLAN_FILES

LINKS = f"<{iri.LINKS_GRAPH}>"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory):
    from plankg.ingest.pipeline import ingest
    from plankg.store import open_store

    s = open_store(tmp_path_factory.mktemp("link") / "store")
    report = ingest([*PLAN_FILES.values(), *PARENT_FILES.values()], s, jobs=1)
    assert report.ok, report.errors
    link_store(s)
    return s


def _rows(store, text: str) -> list[dict[str, str | None]]:
    from plankg.query import run_sparql

    return run_sparql(store, text)[1]


def _links(store) -> list[dict[str, str | None]]:
    """Every link with its kind, method and the district (or plan, for parents) of each end."""
    return _rows(
        store,
        f"""
        SELECT DISTINCT ?link ?kind ?method ?a ?b ?ga ?gb ?pa ?pb WHERE {{
          GRAPH {LINKS} {{ ?link pk:linkKind ?k ; pk:method ?method ;
                                 pk:linkSource ?a ; pk:linkTarget ?b . }}
          BIND(STRAFTER(STR(?k), "#") AS ?kind)
          OPTIONAL {{ ?a pk:plan ?pa . OPTIONAL {{ ?pa pk:district ?da }} }}
          OPTIONAL {{ ?b pk:plan ?pb . OPTIONAL {{ ?pb pk:district ?db }} }}
          BIND(COALESCE(?da, ?pa) AS ?ga)
          BIND(COALESCE(?db, ?pb) AS ?gb)
        }}""",
    )


def _link_iris(store) -> list[str]:
    return sorted(
        r["l"] or ""
        for r in _rows(store, f"SELECT ?l WHERE {{ GRAPH {LINKS} {{ ?l a pk:Link }} }}")
    )


# -- text helpers, pinned in tables ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("quote", "expected"),
    [
        (
            "1．协同开发油气资源。积极推进天然气（页岩气）勘探开发。（牵头单位：区发展改革委；配合单位：区经济信息委）",
            "协同开发油气资源。积极推进天然气(页岩气)勘探开发。",
        ),
        ("（三）争取国家支持。抓住\n关键期", "争取国家支持。抓住关键期"),
        ("63\n健全温室气体排放核算体系", "健全温室气体排放核算体系"),
        ("非化石能\n源消费", "非化石能源消费"),
        ("2025年，森林覆盖率达到50%", "2025年,森林覆盖率达到50%"),
    ],
)
def test_normalise(quote: str, expected: str) -> None:
    assert normalise(quote) == expected


def test_shingles_ignore_punctuation() -> None:
    assert shingles("碳达峰、碳中和工作", 4) == shingles("碳达峰碳中和工作", 4)
    assert shingles("短", 8) == frozenset()


def test_link_iri_depends_on_kind_and_ends_only() -> None:
    a, b = (
        "https://w3id.org/plankg/plan/x/measure/1-2",
        "https://w3id.org/plankg/plan/y/measure/3-4",
    )
    assert link_iri(SIMILAR, a, b) == link_iri(SIMILAR, a, b)
    assert link_iri(SIMILAR, a, b) != link_iri(REUSED, a, b)
    assert link_iri(SIMILAR, a, b).startswith(iri.BASE + "link/")


# -- the linked store ---------------------------------------------------------------------------


def test_links_of_every_kind(store) -> None:
    kinds = Counter((r["kind"], r["method"]) for r in _links(store))
    assert kinds[(SAME_INDICATOR, "canonical-indicator")] > 20
    assert kinds[(SIMILAR, "tfidf-cosine")] > 10
    assert kinds[(REUSED, "char-shingle")] > 10
    assert kinds[(CROSS_BORDER, "gazetteer")] > 20
    assert kinds[(CROSS_BORDER, "shared-partner")] + kinds[(CROSS_BORDER, "mutual-mention")] > 0


def test_no_link_within_one_district(store) -> None:
    inside = [r for r in _links(store) if r["gb"] and r["ga"] == r["gb"]]
    assert not inside, inside[:3]


def test_every_link_is_pending_with_a_decimal_score(store) -> None:
    bad = _rows(
        store,
        f"""
        SELECT ?l WHERE {{ GRAPH {LINKS} {{ ?l a pk:Link .
          FILTER NOT EXISTS {{ ?l pk:reviewStatus pk:pending ; pk:score ?s .
                              FILTER(DATATYPE(?s) = xsd:decimal && ?s >= 0 && ?s <= 1) }} }} }}""",
    )
    assert not bad


def test_links_graph_conforms_to_the_shapes(store) -> None:
    from importlib import resources

    import pyoxigraph as ox
    import rdflib
    from pyshacl import validate

    data = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(iri.LINKS_GRAPH))
    graph = rdflib.Graph().parse(data=data, format="nt")
    shapes = rdflib.Graph().parse(
        data=(resources.files("plankg.ontology") / "shapes.ttl").read_bytes(), format="turtle"
    )
    conforms, _, text = validate(graph, shacl_graph=shapes)
    assert conforms, text
    assert len(graph) > 1000


def _cross_border(store, **params: str) -> list[dict[str, str | None]]:
    from plankg.query import run_named

    return run_named(store, "cross-border", params)[1]


def test_cross_border_shale_gas_block(store) -> None:
    # 永川's project list names 中石化永川-荣昌页岩气勘探开发项目; 荣昌 commits to 永川—荣昌区块商业化开发.
    to_rongchang = _cross_border(store, district="永川区", partner="荣昌区")
    assert any("页岩气" in (r["quote"] or "") for r in to_rongchang)
    to_yongchuan = _cross_border(store, district="荣昌区", partner="永川区", method="gazetteer")
    assert any("区块" in (r["quote"] or "") for r in to_yongchuan)
    mutual = _cross_border(store, method="mutual-mention")
    assert any(
        "区块" in (r["quote"] or "") and "页岩气" in (r["other_quote"] or "") for r in mutual
    ), mutual


def test_cross_border_lu_yong_jiang_and_grid(store) -> None:
    lyj = _cross_border(store, partner="泸永江融合发展示范区")
    assert [r["district"] for r in lyj] == ["江津区"]
    assert lyj[0]["partner_level"] == "region_initiative"
    grid = _cross_border(store, partner="川渝电网")
    assert any(r["district"] == "江津区" and "川渝电网" in (r["quote"] or "") for r in grid)
    cities = _cross_border(store, partner_level="city")
    assert {r["partner"] for r in cities} >= {"泸州市"}


def test_cross_border_columns_and_quotes(store) -> None:
    from plankg.query import run_named

    columns, rows = run_named(store, "cross-border")
    assert columns[:6] == ["district", "plan", "measure", "quote", "partner", "partner_level"]
    assert "link" in columns
    assert rows and all(r["quote"] and r["partner"] and r["district"] for r in rows)


def test_shared_measures_columns_and_quotes(store) -> None:
    from plankg.query import run_named

    columns, rows = run_named(store, "shared-measures")
    assert columns[:11] == [
        "district_a",
        "plan_a",
        "measure_a",
        "quote_a",
        "district_b",
        "plan_b",
        "measure_b",
        "quote_b",
        "score",
        "method",
        "common_parent",
    ]
    assert {"link", "kind"} <= set(columns)
    assert rows and all(
        r["quote_a"] and r["quote_b"] and r["district_a"] and r["district_b"] for r in rows
    )


def test_jiangjin_passage_from_the_joint_parent(store) -> None:
    """江津's 加强氛围营造 item is the joint action plan's, nearly word for word."""
    from plankg.query import run_named

    rows = run_named(store, "shared-measures", {"district_a": "江津区", "kind": REUSED})[1]
    hits = [
        r
        for r in rows
        if "加强氛围营造" in (r["quote_a"] or "") and "加强氛围营造" in (r["quote_b"] or "")
    ]
    assert hits, rows[:3]
    assert "联合行动方案" in (hits[0]["common_parent_plan"] or "")
    assert hits[0]["common_parent"] == hits[0]["measure_b"]
    assert float(hits[0]["score"] or 0) > 0.8


def test_district_pairs_sharing_a_parent_say_so(store) -> None:
    rows = _rows(
        store,
        f"""
        SELECT DISTINCT ?l ?p WHERE {{ GRAPH {LINKS} {{ ?l pk:commonParent ?m }}
                                       ?m pk:plan ?p . ?p pk:level ?level .
                                       FILTER(?level != pk:districtLevel) }}""",
    )
    assert rows


def test_relinking_is_idempotent(store) -> None:
    before = _link_iris(store)
    triples = len(list(store.quads_for_pattern(None, None, None, _graph())))
    link_store(store)
    after = _link_iris(store)
    assert after == before
    assert len(after) == len(set(after))
    assert len(list(store.quads_for_pattern(None, None, None, _graph()))) == triples


def test_reingest_keeps_link_iris(store) -> None:
    from plankg.ingest.pipeline import ingest

    before = _link_iris(store)
    ingest([PLAN_FILES["002"]], store, jobs=1)
    link_store(store)
    assert _link_iris(store) == before


def test_top_k_is_respected(store) -> None:
    corpus = read_corpus(store)
    parents = {m.iri for m in corpus.measures if m.parent}
    parents |= {t.iri for t in corpus.targets if t.parent}
    links = compute_links(corpus, top_k=2)
    peer: Counter[tuple[str, str]] = Counter()
    upward: Counter[tuple[str, str]] = Counter()
    for x in links:
        if x.kind in (SIMILAR, REUSED, SAME_INDICATOR) or (x.kind == CROSS_BORDER and x.via_places):
            if x.target in parents or x.source in parents:
                upward[(x.kind, x.source)] += 1
            else:
                peer[(x.kind, x.source)] += 1
                peer[(x.kind, x.target)] += 1
    assert peer and max(peer.values()) <= 2
    assert upward and max(upward.values()) <= 2
    assert len(links) < len(compute_links(corpus, top_k=5))


def _graph():
    import pyoxigraph as ox

    return ox.NamedNode(iri.LINKS_GRAPH)


def test_parent_files_are_read_from_shared() -> None:
    assert all(Path(p).is_file() and "shared" in Path(p).parts for p in PARENT_FILES.values())


# -- the same links as before the scale-out -------------------------------------------------------

GOLDEN = Path(__file__).parent / "golden" / "seed-links.tsv"


def _golden_rows() -> dict[str, set[tuple[str, ...]]]:
    """tests/golden/seed-links.tsv: every link the linker gave on the five plans and the two
    parents before hashed shingles and sparse vectors replaced string sets and dicts (written
    once by the old code), by kind."""
    import csv

    with GOLDEN.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    out: dict[str, set[tuple[str, ...]]] = {}
    for r in rows:
        out.setdefault(r["kind"], set()).add(tuple(r.values()))
    return out


def _as_rows(links) -> dict[str, set[tuple[str, ...]]]:
    out: dict[str, set[tuple[str, ...]]] = {}
    for x in links:
        out.setdefault(x.kind, set()).add(
            (
                x.kind,
                x.method,
                x.source,
                x.target,
                str(x.score),
                x.common_parent or "",
                " ".join(x.via_places),
                x.partner_level or "",
            )
        )
    return out


@pytest.mark.parametrize("kind", [REUSED, SIMILAR, SAME_INDICATOR, CROSS_BORDER])
def test_the_same_links_as_the_string_set_linker(store, kind: str) -> None:
    """Hashed shingles, sparse TF-IDF and partitioned scoring find exactly the links (ends,
    scores, common parents) that the string-set linker found on the seed plans."""
    golden = _golden_rows()[kind]
    got = _as_rows(compute_links(read_corpus(store))).get(kind, set())
    assert len(golden) > 0
    assert got == golden, (sorted(got - golden)[:3], sorted(golden - got)[:3])
