"""The named query library (queries/*.rq) against the five plans: every answer is checked against
the plan text or against another query, so that a query that quietly drifts from the data model
fails here. One store is ingested per test session."""

from __future__ import annotations

import re
import time
from collections import Counter, defaultdict
from itertools import combinations

import pyoxigraph as ox
import pytest

from plankg import iri
from plankg.query import named_queries, run_named, run_sparql

from .conftest import PLAN_FILES

# the queries this file covers (the other .rq files have tests of their own)
LIBRARY = [
    "compare-targets",
    "compare-targets-wide",
    "indicator-gaps",
    "targets-by-year",
    "sector-coverage",
    "sector-measures",
    "lead-unit-types-by-sector",
    "unit-collaboration",
    "investment-by-sector",
    "measures-with-parent",
    "provenance",
    "mentions",
    "quality-tasks-without-lead",
    "quality-targets-without-year",
    "quality-targets-without-indicator",
    "units-by-type",
    "unit-workload",
    "plans",
    "keywords-by-district",
]
JIANGJIN_PLAN = iri.plan("jiangjin-2022-chengyu-carbon-action")


@pytest.fixture(scope="session")
def library_store(store):
    """The session's shared store (tests/conftest.py): the five plans, ingested once."""
    return store


@pytest.fixture(scope="session")
def texts():
    """The cleaned text of each plan, by source file name (offsets are into this text)."""
    from plankg.ingest.document import load_plan

    return {p.name: load_plan(p).text for p in PLAN_FILES.values()}


def rows_of(store, name, **params):
    return run_named(store, name, params)[1]


def ask(store, query: str, **bindings: str) -> bool:
    subs = {ox.Variable(k): ox.NamedNode(v) for k, v in bindings.items()}
    return bool(
        store.query(
            "ASK " + query,
            use_default_graph_as_union=True,
            prefixes=iri.PREFIXES,
            substitutions=subs,
        )
    )


# -- the library as a whole -----------------------------------------------------------------------
def test_the_library_has_at_least_fifteen_queries():
    assert set(LIBRARY) <= set(named_queries())
    assert len(named_queries()) >= 15


@pytest.mark.parametrize("name", LIBRARY)
def test_header_and_params_are_result_columns(library_store, name):
    """Oxigraph binds a parameter only through a projected variable, so each must be a column."""
    q = named_queries()[name]
    assert q.title and "/" in q.title, f"{name}: title in English / Chinese"
    assert re.search(r"[\u4e00-\u9fff]", q.title), f"{name}: title needs its Chinese half"
    assert q.description
    columns, _ = run_named(library_store, name)
    for p in q.params:
        assert p.description, f"{name}: parameter {p.name} is undocumented"
        assert p.name in columns, f"{name}: parameter {p.name} is not a result column"


@pytest.mark.parametrize("name", LIBRARY)
def test_every_query_answers_quickly(library_store, name):
    start = time.perf_counter()
    run_named(library_store, name)
    elapsed = time.perf_counter() - start
    print(f"{name}: {elapsed * 1000:.0f} ms")
    assert elapsed < 5, f"{name} took {elapsed:.1f} s"


# -- targets ---------------------------------------------------------------------------------------
def test_compare_targets_forest_coverage(library_store):
    rows = rows_of(library_store, "compare-targets", indicator_concept="森林覆盖率")
    assert rows and {r["indicator_concept"] for r in rows} == {"森林覆盖率"}
    by_district = defaultdict(list)
    for r in rows:
        by_district[r["district"]].append(r)
    # Yongchuan's climate plan, 表1 row 12: 森林覆盖率（%） 51 ＞51 约束性
    table = [r for r in by_district["永川区"] if r["quote"].startswith("12 森林覆盖率")]
    assert len(table) == 1
    t = table[0]
    assert (t["target"], t["comparator"], t["target_year"]) == ("51", ">", "2025")
    assert (t["baseline"], t["baseline_year"], t["bindingness"]) == ("51", "2020", "binding")
    # Rongchang's 专栏1: 36.65 → ≥38, and the prose 森林覆盖率不低于38%
    rc = by_district["荣昌区"]
    assert any(
        r["target"] == "38" and r["comparator"] == "≥" and r["baseline"] == "36.65" for r in rc
    )
    assert any(r["quote"] == "森林覆盖率不低于38%" for r in rc)
    # Jiangjin's plan never mentions forest coverage
    assert "江津区" not in by_district


def test_compare_targets_year_parameter_filters_rows(library_store):
    all_rows = rows_of(library_store, "compare-targets")
    rows_2023 = rows_of(library_store, "compare-targets", target_year="2023")
    assert rows_2023 and {r["target_year"] for r in rows_2023} == {"2023"}
    assert len(rows_2023) == sum(r["target_year"] == "2023" for r in all_rows)


def test_compare_targets_wide_carbon_intensity_is_set_by_all_three(library_store):
    rows = rows_of(
        library_store,
        "compare-targets-wide",
        indicator_concept="单位地区生产总值二氧化碳排放下降率",
        target_year="2025",
    )
    assert len(rows) == 1
    assert rows[0]["districts"] == "3"
    # Jiangjin: 二氧化碳排放强度……较2020年降低……18%以上
    assert "江津区：≥18%" in rows[0]["targets"]


def test_indicator_gaps_are_real_gaps(library_store):
    targets = rows_of(library_store, "compare-targets")
    sets = {(r["district"], r["indicator_concept"]) for r in targets}
    gaps = rows_of(library_store, "indicator-gaps", district="荣昌区", other_district="永川区")
    names = {g["indicator_concept"] for g in gaps}
    assert "测土配方施肥覆盖率" in names  # Rongchang: 测土配方施肥覆盖率达到97%
    assert "森林覆盖率" not in names
    for g in rows_of(library_store, "indicator-gaps"):
        assert (g["district"], g["indicator_concept"]) in sets
        assert (g["other_district"], g["indicator_concept"]) not in sets
    # and every indicator a district sets but another does not is listed
    districts = {d for d, _ in sets}
    expected = {(a, b, i) for a, i in sets for b in districts if b != a and (b, i) not in sets}
    got = {
        (g["district"], g["other_district"], g["indicator_concept"])
        for g in rows_of(library_store, "indicator-gaps")
    }
    assert got == expected


def test_targets_by_year_counts_match_the_targets(library_store):
    rows = rows_of(library_store, "targets-by-year")
    assert {r["target_year"] for r in rows} >= {"2025"}
    _, counts = run_sparql(
        library_store,
        """
        SELECT ?y (COUNT(DISTINCT ?t) AS ?n) WHERE { ?t a pk:Target ; pk:targetYear ?y }
        GROUP BY ?y""",
    )
    per_year = Counter()
    for r in rows:
        per_year[r["target_year"]] += int(r["targets"])
    assert per_year == Counter({c["y"]: int(c["n"]) for c in counts})
    only = rows_of(library_store, "targets-by-year", target_year="2025", district="江津区")
    # Jiangjin: 单位地区生产总值能耗和二氧化碳排放强度……分别较2020年降低16%、18%以上
    assert len(only) == 1 and only[0]["targets"] == "2"


# -- sectors and units ------------------------------------------------------------------------------
def test_sector_coverage_is_a_full_matrix(library_store):
    rows = rows_of(library_store, "sector-coverage")
    pairs = [(r["sector"], r["district"]) for r in rows]
    assert len(pairs) == len(set(pairs))
    sectors = {s for s, _ in pairs}
    districts = {d for _, d in pairs}
    assert districts == {"永川区", "荣昌区", "江津区"}
    assert len(rows) == len(sectors) * len(districts)
    assert any(r["measures"] == "0" for r in rows)  # sectors a district leaves out
    measures = rows_of(library_store, "measures", district="江津区")
    energy = sum("能源" in (m["sectors"] or "").split("、") for m in measures)
    cell = [r for r in rows if r["sector"] == "能源" and r["district"] == "江津区"]
    assert cell[0]["measures"] == str(energy) and energy > 0


def test_sector_measures_match_the_coverage_matrix(library_store):
    rows = rows_of(library_store, "sector-measures", sector="能源", district="江津区")
    cell = rows_of(library_store, "sector-coverage", sector="能源", district="江津区")
    assert len(cell) == 1 and len(rows) == int(cell[0]["measures"])
    assert {r["sector"] for r in rows} == {"能源"}
    # 1．协同开发油气资源 (牵头单位：区发展改革委)
    first = [r for r in rows if r["number"] == "1．"]
    assert first and first[0]["quote"].startswith("1．协同开发油气资源")
    assert first[0]["lead_units"] == "发展和改革委员会"


def test_lead_unit_types_agree_with_assignments(library_store):
    rows = rows_of(library_store, "lead-unit-types-by-sector", district="江津区")
    leads = {
        r["unit_canonical"]
        for r in rows_of(library_store, "assignments", district="江津区", role="lead")
    }
    assert rows
    for r in rows:
        assert set(r["unit_names"].split("、")) <= leads
        assert int(r["measures"]) >= 1
    # the transport measures (8．–11．, 24．) are led by 区交通局 more than by any other type
    transport = [r for r in rows if r["sector"] == "交通运输"]
    assert max(transport, key=lambda r: int(r["measures"]))["unit_type"] == "交通"


def test_unit_collaboration_counts_shared_tasks(library_store):
    units_of = defaultdict(set)
    for a in rows_of(library_store, "assignments", district="江津区"):
        units_of[a["measure"]].add(a["unit_canonical"])
    expected = Counter()
    for units in units_of.values():
        for pair in combinations(sorted(units), 2):
            expected[pair] += 1
    rows = rows_of(library_store, "unit-collaboration", district="江津区")
    got = {(r["unit_a"], r["unit_b"]): int(r["shared_tasks"]) for r in rows}
    assert got == dict(expected)
    assert all(int(r["with_a_lead"]) <= int(r["shared_tasks"]) for r in rows)


def test_unit_workload_matches_the_printed_assignments(library_store, texts):
    text = texts[PLAN_FILES["004"].name]
    printed = re.findall(r"（牵头单位：[^）]*）", text)
    coop = sum(bool(re.search(r"配合单位：[^）]*区生态环境局", p)) for p in printed)
    lead = sum(bool(re.search(r"牵头单位：[^；）]*区生态环境局", p)) for p in printed)
    rows = rows_of(library_store, "unit-workload", district="江津区", unit="生态环境局")
    assert len(rows) == 1
    assert (int(rows[0]["lead"]), int(rows[0]["cooperating"])) == (lead, coop)


def test_units_by_type_counts_distinct_units(library_store):
    rows = rows_of(library_store, "units-by-type", district="江津区")
    total = sum(int(r["units"]) for r in rows)
    _, n = run_sparql(
        library_store,
        f"""
        SELECT (COUNT(DISTINCT ?u) AS ?n) WHERE {{
          ?r pk:plan <{JIANGJIN_PLAN}> ; pk:leadUnit|pk:responsibleUnit|pk:cooperatingUnit ?u }}""",
    )
    assert total == int(n[0]["n"])


def test_investment_by_sector_adds_up(library_store):
    rows = rows_of(library_store, "investment-by-sector")
    summary = {r["district"]: r for r in rows_of(library_store, "district-summary")}
    for district in {r["district"] for r in rows}:
        mine = [r for r in rows if r["district"] == district]
        total = float(summary[district]["investment_yuan"] or 0)
        # a project in two sectors counts in both: the sectors add up to at least the total
        assert sum(float(r["investment_yuan"]) for r in mine) >= total
        assert all(int(r["with_investment"]) <= int(r["projects"]) for r in mine)
        assert max(int(r["projects"]) for r in mine) <= int(summary[district]["projects"])


# -- links -------------------------------------------------------------------------------------------
def test_measures_with_parent_is_empty_without_links(library_store):
    columns, rows = run_named(library_store, "measures-with-parent")
    assert rows == [] and "parent_quote" in columns


def test_measures_with_parent_reads_the_links_model():
    """A hand-made graph: a district measure linked straight to a municipal measure, and two
    district measures that share a municipal segment (pk:commonParent)."""
    pk = iri.PK
    links = ox.NamedNode(iri.LINKS_GRAPH)
    g = ox.NamedNode(iri.PLAN_GRAPH_PREFIX + "x")
    store = ox.Store()

    def add(s, p, o, graph=g):
        o = o if isinstance(o, ox.Literal | ox.NamedNode) else ox.NamedNode(o)
        store.add(ox.Quad(ox.NamedNode(s), ox.NamedNode(p), o, graph))

    rdf_type, title = iri.RDF + "type", iri.DCTERMS + "title"
    for plan, level, name in [
        ("http://ex/d1", "districtLevel", "区规划"),
        ("http://ex/d2", "districtLevel", "另一区规划"),
        ("http://ex/city", "municipalLevel", "市规划"),
    ]:
        add(plan, rdf_type, pk + "Plan")
        add(plan, pk + "level", pk + level)
        add(plan, title, ox.Literal(name))
    add("http://ex/d1", pk + "district", "http://ex/district1")
    add("http://ex/district1", iri.RDFS + "label", ox.Literal("甲区", language="zh"))
    for m, plan, quote in [
        ("http://ex/m1", "http://ex/d1", "推进光伏建设"),
        ("http://ex/m2", "http://ex/d2", "推进光伏建设。"),
        ("http://ex/cm", "http://ex/city", "大力推进光伏建设"),
    ]:
        add(m, rdf_type, pk + "Measure")
        add(m, pk + "plan", plan)
        add(m, pk + "quote", ox.Literal(quote))
    add("http://ex/seg", rdf_type, pk + "Segment")
    add("http://ex/seg", pk + "plan", "http://ex/city")
    add("http://ex/seg", pk + "text", ox.Literal("（一）大力推进光伏建设"))
    add("http://ex/l1", rdf_type, pk + "Link", links)
    add("http://ex/l1", pk + "linkSource", "http://ex/cm", links)
    add("http://ex/l1", pk + "linkTarget", "http://ex/m1", links)
    add(
        "http://ex/l1",
        pk + "score",
        ox.Literal("0.9", datatype=ox.NamedNode(iri.XSD + "decimal")),
        links,
    )
    add("http://ex/l2", rdf_type, pk + "Link", links)
    add("http://ex/l2", pk + "linkSource", "http://ex/m1", links)
    add("http://ex/l2", pk + "linkTarget", "http://ex/m2", links)
    add("http://ex/l2", pk + "commonParent", "http://ex/seg", links)
    rows = run_named(store, "measures-with-parent")[1]
    got = {(r["measure"], r["parent"], r["via"], r["parent_level"]) for r in rows}
    assert got == {
        ("http://ex/m1", "http://ex/cm", "direct", "municipal"),
        ("http://ex/m1", "http://ex/seg", "common parent", "municipal"),
        ("http://ex/m2", "http://ex/seg", "common parent", "municipal"),
    }
    direct = next(r for r in rows if r["via"] == "direct")
    assert (direct["district"], direct["parent_quote"], direct["score"]) == (
        "甲区",
        "大力推进光伏建设",
        "0.9",
    )
    assert len(run_named(store, "measures-with-parent", {"district": "甲区"})[1]) == 2


# -- provenance ----------------------------------------------------------------------------------------
def test_provenance_of_a_measure_is_its_text_span(library_store, texts):
    _, found = run_sparql(
        library_store,
        f"""
        SELECT ?m WHERE {{ ?m a pk:Measure ; pk:plan <{JIANGJIN_PLAN}> ; pk:number "1．" }}""",
    )
    measure = found[0]["m"]
    rows = rows_of(library_store, "provenance", resource=measure)
    assert len(rows) == 1
    r = rows[0]
    assert (r["type"], r["district"], r["source_file"]) == (
        "Measure",
        "江津区",
        PLAN_FILES["004"].name,
    )
    assert r["quote"] == texts[r["source_file"]][int(r["begin"]) : int(r["end"])]
    assert r["quote"].startswith("1．协同开发油气资源")
    assert r["segment_number"] == "1．"
    # a segment is its own source
    seg = rows_of(library_store, "provenance", resource=r["segment"])
    assert len(seg) == 1 and seg[0]["type"] == "Segment" and seg[0]["segment"] == r["segment"]
    assert r["quote"] in seg[0]["quote"]


def test_provenance_of_every_record_matches_the_text(library_store, texts):
    rows = rows_of(library_store, "provenance")
    assert len(rows) > 1000
    for r in rows:
        assert r["quote"] == texts[r["source_file"]][int(r["begin"]) : int(r["end"])], r["resource"]


def test_mentions_of_a_sector(library_store):
    energy = iri.SECTOR + "energy"
    rows = rows_of(library_store, "mentions", resource=energy, property="sector")
    _, n = run_sparql(
        library_store, f"SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE {{ ?r pk:sector <{energy}> }}"
    )
    assert len(rows) == int(n[0]["n"]) > 0
    assert {r["property"] for r in rows} == {"sector"}


# -- quality checks ------------------------------------------------------------------------------------
def test_tasks_without_lead_really_lack_one(library_store):
    rows = rows_of(library_store, "quality-tasks-without-lead")
    assert rows
    for r in rows:
        assert not ask(library_store, "{ ?m pk:leadUnit ?u }", m=r["measure"])
    # Jiangjin's 三、保障措施 （一）–（四） name no lead unit; its 25 numbered tasks all do
    jj = rows_of(library_store, "quality-tasks-without-lead", district="江津区")
    assert [r["number"] for r in jj] == ["（一）", "（二）", "（三）", "（四）"]
    assert all("牵头" not in r["quote"] for r in jj)
    assert {r["plan_assigns_units"] for r in jj} == {"true"}
    # Rongchang's plan assigns no units at all
    rc = rows_of(library_store, "quality-tasks-without-lead", district="荣昌区")
    assert rc and {r["plan_assigns_units"] for r in rc} == {"false"}


def test_targets_without_year_or_value_really_lack_them(library_store):
    rows = rows_of(library_store, "quality-targets-without-year")
    assert rows
    for r in rows:
        has_year = ask(library_store, "{ ?t pk:targetYear ?y }", t=r["resource"])
        has_value = ask(library_store, "{ ?t pk:value ?v }", t=r["resource"])
        assert (
            r["missing"]
            == {(False, False): "year and value", (False, True): "year", (True, False): "value"}[
                (has_year, has_value)
            ]
        )
    # 单位地区生产总值二氧化碳排放下降率完成市级下达目标: no figure, set by the municipality
    assert any(r["set_by_higher_level"] == "true" and "市级下达" in r["quote"] for r in rows)


def test_targets_without_indicator_have_none(library_store):
    rows = rows_of(library_store, "quality-targets-without-indicator")
    for r in rows:
        assert not ask(library_store, "{ ?t pk:indicator ?c }", t=r["resource"])
    assert {r["district"] for r in rows} <= {"永川区", "荣昌区", "江津区"}


# -- plans and keywords ------------------------------------------------------------------------------
def test_plans_lists_every_plan_with_its_metadata(library_store):
    rows = rows_of(library_store, "plans")
    assert len(rows) == len(PLAN_FILES)
    by_file = {r["source_file"]: r for r in rows}
    climate = by_file[PLAN_FILES["000"].name]
    assert climate["identifier"] == "永川府发〔2022〕18号"
    assert (climate["district"], climate["admin_code"]) == ("永川区", "500118")
    assert climate["district_en"].startswith("Yongchuan")
    summary = {r["district"]: r for r in rows_of(library_store, "district-summary")}
    for district in summary:
        mine = [r for r in rows if r["district"] == district]
        assert sum(int(r["measures"]) for r in mine) == int(summary[district]["measures"])


def test_keywords_by_district(library_store):
    rows = rows_of(library_store, "keywords-by-district", keyword="碳达峰")
    assert {r["district"] for r in rows} == {"永川区", "荣昌区", "江津区"}
    for r in rows_of(library_store, "keywords-by-district", district="江津区"):
        assert int(r["measures"]) >= 2 and r["district"] == "江津区"
