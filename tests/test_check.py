"""Doubtful facts (issue 10, item 7): flags in the graph, `plankg check`, the named query,
the SHACL warnings, the flagged count in the district summary and in the indicators graph."""

from __future__ import annotations

from decimal import Decimal

import pyoxigraph as ox
import pytest

from plankg.cli import main
from plankg.ingest.pipeline import ingest
from plankg.query import run_named
from plankg.validate import validate_store

# A hand-written plan (2021–2025) whose targets fail the checks: a value in 万千瓦 for a share
# (unit against indicator), a target for 2035 (outside the period), two values for one
# indicator and year, and one that passes.
PLAN = """\
某市应对气候变化“十四五”规划
（2021—2025年）
第一章 主要目标
到2025年，森林覆盖率达到52%。
到2025年，非化石能源占一次能源消费比重达到300万千瓦。
到2035年，森林蓄积量达到100万立方米。
第二章 重点任务
一、能源
到2025年，森林覆盖率达到55%。
推进光伏发电，给予项目投资方补助，单个项目补助最高200万元，总投资5亿元。（责任单位：市发展改革委）
"""


@pytest.fixture(scope="module")
def flagged_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[ox.Store, str]:
    folder = tmp_path_factory.mktemp("check")
    plan = folder / "mouzhen-2022-climate-14fyp.txt"
    plan.write_text(PLAN, encoding="utf-8")
    store_dir = folder / "store"
    store = ox.Store(str(store_dir))
    report = ingest([plan], store, jobs=1)
    assert report.ok, report.errors
    store.flush()
    return store, str(store_dir)


def _flags(store: ox.Store) -> set[tuple[str, str, str]]:
    _, rows = run_named(store, "quality-flags")
    return {
        (r["flag"] or "", r["indicator_as_printed"] or "", r["target_year"] or "") for r in rows
    }


def test_flags_are_in_the_graph(flagged_store: tuple[ox.Store, str]) -> None:
    store, _ = flagged_store
    flags = _flags(store)
    assert ("unitMismatch", "非化石能源占一次能源消费比重", "2025") in flags
    assert ("yearOutsidePeriod", "森林蓄积量", "2035") in flags
    assert ("conflictingValues", "森林覆盖率", "2025") in flags
    # the mapping of the mismatched value was refused: no indicator on that target
    rows = list(
        store.query(
            'SELECT ?i WHERE { ?t pk:indicatorAsPrinted "非化石能源占一次能源消费比重" . '
            "OPTIONAL { ?t pk:indicator ?i } }",
            use_default_graph_as_union=True,
            prefixes={"pk": "https://w3id.org/plankg/ontology#"},
        )
    )
    assert rows and all(r["i"] is None for r in rows)


def test_money_is_in_the_graph(flagged_store: tuple[ox.Store, str]) -> None:
    store, _ = flagged_store
    rows = list(
        store.query(
            "SELECT ?y ?p ?purpose ?cap WHERE { ?m a pk:MoneyAmount ; pk:amountYuan ?y ; "
            "pk:amountAsPrinted ?p ; pk:moneyPurpose ?purpose ; pk:cap ?cap } ORDER BY ?y",
            use_default_graph_as_union=True,
            prefixes={"pk": "https://w3id.org/plankg/ontology#"},
        )
    )
    got = [
        (Decimal(r["y"].value), r["p"].value, r["purpose"].value.rsplit("#", 1)[1], r["cap"].value)
        for r in rows
    ]
    assert got == [
        (Decimal("2000000"), "200", "subsidy", "true"),
        (Decimal("500000000"), "5", "investment", "false"),
    ]


def test_plankg_check_lists_doubts_per_plan(
    flagged_store: tuple[ox.Store, str], capsys: pytest.CaptureFixture[str]
) -> None:
    store, path = flagged_store
    del store
    assert main(["check", "--store", path]) == 0
    out = capsys.readouterr().out
    assert "某市应对气候变化“十四五”规划" in out
    assert "unitMismatch 1" in out and "yearOutsidePeriod 1" in out
    assert "conflictingValues 2" in out
    assert main(["check", "--store", path, "--strict"]) == 1
    capsys.readouterr()
    assert main(["check", "--store", path, "--flag", "yearOutsidePeriod", "--format", "csv"]) == 0
    csv_out = capsys.readouterr().out
    assert csv_out.startswith("\ufeffplan,flag")
    assert "森林蓄积量" in csv_out and "非化石能源" not in csv_out


def test_shacl_warns_but_conforms(flagged_store: tuple[ox.Store, str]) -> None:
    store, _ = flagged_store
    reports = validate_store(store)
    assert reports and all(r.conforms for r in reports), [r.text for r in reports]


def test_district_summary_counts_flagged(flagged_store: tuple[ox.Store, str]) -> None:
    store, _ = flagged_store
    _, rows = run_named(store, "district-summary")
    assert sum(int(r["flagged"] or 0) for r in rows) == 4


def test_indicators_graph_carries_flags(flagged_store: tuple[ox.Store, str]) -> None:
    from plankg.graphs import build_graph

    store, _ = flagged_store
    g = build_graph(store, "indicators")
    edges = [d for _, _, d in g.edges(data=True)]
    forest = [d for d in edges if d["indicator"] == "森林覆盖率"]
    assert forest and forest[0]["flagged_count"] == 2
    assert "conflictingValues" in forest[0]["flags"]


def test_shapes_reject_a_bad_money_unit() -> None:
    import rdflib
    from pyshacl import validate

    from plankg.store import ONTOLOGY_FILES

    pk = "https://w3id.org/plankg/ontology#"
    data = f"""
    @prefix pk: <{pk}> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
    <urn:plan> a pk:Plan .
    <urn:m> a pk:MoneyAmount ; pk:plan <urn:plan> ; pk:quote "投资5美元" ;
        pk:amountYuan "5"^^xsd:decimal ; pk:amountAsPrinted "5" ; pk:moneyUnit "美元" ;
        pk:moneyPurpose pk:investment .
    """
    from importlib import resources

    shapes = rdflib.Graph().parse(
        data=(resources.files("plankg.ontology") / "shapes.ttl").read_bytes(), format="turtle"
    )
    ontology = rdflib.Graph()
    for name in ONTOLOGY_FILES:
        ontology.parse(
            data=(resources.files("plankg.ontology") / name).read_bytes(), format="turtle"
        )
    conforms, _, text = validate(
        rdflib.Graph().parse(data=data, format="turtle"),
        shacl_graph=shapes,
        ont_graph=ontology,
        inference="none",
    )
    assert not conforms and "moneyUnit" in str(text)


def test_measure_flags_shared_list_and_two_roles() -> None:
    """One printed unit list attached to two measures (a tag pooled over a section) and one unit
    both lead and cooperating on a measure are flagged."""
    from plankg.ingest.rdf import _measure_flags
    from plankg.ingest.records import Measure, SegmentRef, Source, UnitMention

    def unit(name: str, role: str, start: int) -> UnitMention:
        return UnitMention(
            name,
            name,
            "other",
            role,
            False,
            Source(SegmentRef("item", 0), start, start + len(name), name),
        )

    def measure(start: int, units: tuple[UnitMention, ...]) -> Measure:
        return Measure(
            "",
            "",
            "任务",
            (),
            (),
            units,
            (),
            (),
            Source(SegmentRef("item", start), start, start + 10, "任务"),
        )

    shared = unit("市发展改革委", "lead", 100)
    a = measure(0, (shared,))
    b = measure(20, (shared,))
    c = measure(40, (unit("市生态环境局", "lead", 200), unit("市生态环境局", "cooperating", 210)))
    d = measure(60, (unit("市财政局", "lead", 300),))
    flags = _measure_flags([a, b, c, d])
    assert flags[id(a)] == ("sharedUnitList",) and flags[id(b)] == ("sharedUnitList",)
    assert flags[id(c)] == ("conflictingRoles",)
    assert id(d) not in flags
