"""Jurisdictions of every level (issue 10, items 1 and 6): the national gazetteer, each plan's
jurisdiction and level from its own text, parent plans from the administrative hierarchy, and
shared and cross-border commitments named in abbreviated lists.

The corpus tests read the text layer (first 12 pages) of the 26 published PDFs in
../shared/corpus through `pdftotext` (Debian package poppler-utils) into a temporary folder and
compare each plan's jurisdiction and level with the corpus manifest and with the gold of
tests/annotations/corpus-facts (jurisdictions.csv, parents.csv, written by reading the plans).
"""

from __future__ import annotations

import csv
import shutil
import subprocess
from pathlib import Path

import pytest

from plankg import iri
from plankg.ingest.clean import clean
from plankg.ingest.metadata import extract_metadata
from plankg.ingest.places import ADMIN_TYPES, default_gazetteer
from plankg.ingest.rdf import is_cross_border
from tests.conftest import PARENT_FILES, PLAN_FILES

ROOT = Path(__file__).resolve().parents[1]
NATIONAL = ROOT / "data" / "jurisdictions.csv"
CORPUS = ROOT.parent / "shared" / "corpus"


# --- the national gazetteer ------------------------------------------------------------------


def _national() -> list[dict[str, str]]:
    with NATIONAL.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_codes_are_unique_six_digit_gb2260_codes() -> None:
    rows = _national()
    codes = [r["code"] for r in rows if r["code"]]
    assert len(codes) == len(set(codes))
    assert all(len(c) == 6 and c.isdigit() for c in codes)
    assert len({r["name"] for r in rows if not r["code"]}) == len(
        [r for r in rows if not r["code"]]
    )


def test_every_province_and_a_national_count_of_divisions() -> None:
    rows = _national()
    provinces = [r for r in rows if r["type"] in ("province", "municipality")]
    assert len(provinces) == 34
    assert {r["name"] for r in provinces if r["type"] == "municipality"} == {
        "北京市",
        "天津市",
        "上海市",
        "重庆市",
    }
    county_level = [r for r in rows if r["type"] in ("district", "county")]
    assert 2800 <= len(county_level) <= 2900  # 2,844 county-level divisions (2024)
    assert 330 <= len([r for r in rows if r["type"] == "city"]) <= 340


def test_every_county_level_division_has_a_parent_above_it() -> None:
    rows = _national()
    by_code = {r["code"]: r for r in rows if r["code"]}
    for r in rows:
        if r["type"] in ("district", "county"):
            parent = by_code.get(r["parent_code"])
            assert parent is not None, r
            assert parent["type"] in ("city", "province", "municipality"), r
            assert r["code"][:2] == parent["code"][:2], r
        elif r["type"] == "city":
            assert by_code[r["parent_code"]]["type"] == "province", r
        elif r["type"] in ("new_area", "development_zone"):
            assert r["parent_code"] in by_code, r


@pytest.mark.parametrize(("form", "name", "code", "parent"), [
    ("永川", "永川区", "500118", "重庆市"),
    ("江津", "江津区", "500116", "重庆市"),
    ("荣昌", "荣昌区", "500153", "重庆市"),
    ("浙江", "浙江省", "330000", None),
    ("内蒙古", "内蒙古自治区", "150000", None),
    ("宁夏", "宁夏回族自治区", "640000", None),
    ("绍兴", "绍兴市", "330600", "浙江省"),
    ("凉山州", "凉山彝族自治州", "513400", "四川省"),
    ("繁昌", "繁昌区", "340212", "芜湖市"),
    ("黄埔区", "黄埔区", "440112", "广州市"),
    ("仙桃", "仙桃市", "429004", "湖北省"),  # administered by the province directly
    ("南京江北新区", "江北新区", None, "南京市"),
    ("江北区", "江北区", "500105", "重庆市"),  # the curated row wins over Ningbo's 江北区
])  # fmt: skip
def test_short_forms_resolve(form: str, name: str, code: str | None, parent: str | None) -> None:
    g = default_gazetteer()
    place = g.get(form)
    assert place is not None and (place.name, place.code) == (name, code)
    up = g.parent_of(place)
    assert (up.name if up else None) == parent


def test_ambiguous_names_keep_every_candidate_and_resolve_in_context() -> None:
    g = default_gazetteer()
    assert {p.code for p in g.candidates("鼓楼区")} >= {"320106", "350102"}
    resolved = g.resolve(g.find("福州市鼓楼区人民政府", all_forms=True))
    assert [(m.name, m.row.code) for m in resolved] == [("福州市", "350100"), ("鼓楼区", "350102")]


def test_running_text_uses_no_county_short_forms_or_common_words() -> None:
    g = default_gazetteer()
    # 和平 (和平区), 长安 (长安区) and 城区 (阳泉市城区) are words, not places, in running text
    assert g.find("坚持和平发展，长安久安，推进城区绿化") == []
    assert [m.name for m in g.find("坚持和平发展", all_forms=True)] == ["和平区"]
    assert [m.name for m in g.find("加强与浙江、绍兴和永川的合作")] == [
        "浙江省",
        "绍兴市",
        "永川区",
    ]
    assert g.find("江南区域协调发展") == []  # 江南区 followed by 域 is a region, not the district


@pytest.mark.parametrize(("text", "names"), [
    ("推进示范县建设，提高县城品质", []),  # 范县, 高县: two-character names are fragments
    ("南与泸县、忠县相邻", ["泸县", "忠县"]),  # unless curated
    ("发展贺兰山东麓葡萄酒产业", []),  # not 山东
    ("建设眉山东部新城", ["眉山市"]),
    ("融入南昌都市圈", ["南昌市"]),  # not 昌都市
    ("加强宁南山区生态修复", []),  # a mountain area, not 南山区
    ("与山东、河南合作", ["山东省", "河南省"]),
])  # fmt: skip
def test_running_text_words_that_look_like_places(text: str, names: list[str]) -> None:
    assert [m.name for m in default_gazetteer().find(text)] == names


@pytest.mark.parametrize(("text", "members"), [
    ("推进泸（州）内（江）荣（昌）永（川）大（足）森林城市群建设",
     ["泸州市", "内江市", "荣昌区", "永川区", "大足区"]),
    ("共建成（都）德（阳）眉（山）资（阳）同城化", ["成都市", "德阳市", "眉山市", "资阳市"]),
    ("加强川（四川）渝（重庆）合作", ["四川省", "重庆市"]),
    ("保护长（江）黄（河）生态", None),  # rivers: the units complete to no place
    ("推进泸（州）建设", None),  # one unit is not a list
])  # fmt: skip
def test_abbreviated_lists_name_their_members(text: str, members: list[str] | None) -> None:
    found = default_gazetteer().find_lists(text)
    if members is None:
        assert found == []
        return
    [(whole, parts)] = found
    assert [m.name for m in parts] == members
    assert list(whole.row.members) == members and whole.row.type == "region_initiative"
    assert all(text[m.start : m.end] == m.surface for m in [whole, *parts])
    assert whole.surface == "".join(m.surface for m in parts)


@pytest.mark.parametrize(("name", "own", "jurisdictions", "cross"), [
    ("荣昌区", "永川区", (), True),
    ("重庆市", "永川区", (), False),
    ("永川区", "永川区", (), False),
    ("四川省", "永川区", (), True),
    ("越城区", None, ("330600",), False),  # a city's own district
    ("浙江省", None, ("330600",), False),  # the city's province
    ("宁波市", None, ("330600",), True),
    ("江津区", None, ("成渝地区双城经济圈",), False),  # inside a member of the plan's region
    ("泸永江融合发展示范区", "江津区", (), True),  # a cooperation zone is a partnership
    ("荣昌区", None, (), False),  # no jurisdiction, no border
])  # fmt: skip
def test_cross_border_at_any_level(
    name: str, own: str | None, jurisdictions: tuple[str, ...], cross: bool
) -> None:
    assert is_cross_border(name, own, jurisdictions) is cross


# --- jurisdiction and level from a plan's own text --------------------------------------------

# first lines of a plan (issuer, title, 文号, body), jurisdiction, its level, code, plan level
CASES = [
    ("浙江省发展和改革委员会 浙江省生态环境厅\n2021年5月31日\n浙江省应对气候变化规划\n",
     "浙江省", "province", "330000", "provincial"),
    ("绍兴市应对气候变化“十四五”规划\n一、现状与形势\n", "绍兴市", "city", "330600", "municipal"),
    ("重庆市永川区人民政府\n关于印发永川区低碳方案的通知\n重庆市永川区人民政府\n2022年1月1日\n",
     "永川区", "district", "500118", "district"),
    ("隆昌市绿色低碳发展规划\n一、发展基础\n", "隆昌市", "county", "511083", "county"),
    ("南京江北新区碳达峰、碳中和行动计划\n一、总体要求\n", "江北新区", "newArea", None,
     "district"),
    ("广州市黄埔区 广州开发区 广州高新区\n促进绿色低碳发展办法\n第一条 目的\n", "黄埔区",
     "district", "440112", "district"),
    ("广州开发区管委会\n关于印发广州开发区低碳办法的通知\n广州开发区管委会\n2022年1月1日\n",
     "广州开发区", "developmentZone", None, "district"),
    ("福州市鼓楼区人民政府\n关于印发鼓楼区低碳方案的通知\n福州市鼓楼区人民政府\n2022年1月1日\n",
     "鼓楼区", "district", "350102", "district"),
    ("四川省生态环境厅 四川省自然资源厅\n2021年1月1日\n四川省农业农村生态环境保护规划\n",
     "四川省", "province", "510000", "provincial"),
    ("繁政办〔2022〕3号\n各镇人民政府：\n现将《繁昌区节能降碳若干支持措施》印发给你们。\n",
     "繁昌区", "district", "340212", "district"),
    ("省生态环境厅2021年度\n推动碳达峰工作计划\n为做好我省应对气候变化工作，组织编制江苏省专项规划。"
     "全省推进江苏省碳达峰，南京市试点。\n", "江苏省", "province", "320000", "provincial"),
    ("2022年7月\n目录\n为推进我省应对气候变化，广东省坚持……广东省各市，广州市……\n",
     "广东省", "province", "440000", "provincial"),
    ("上海市公共机构节能工作联席会议办公室\n2022年1月14日\n上海市公共机构绿色低碳循环发展行动方案\n",
     "上海市", "province", "310000", "municipal"),
    ("重庆市人民政府办公厅 四川省人民政府办公厅\n关于印发成渝地区双城经济圈碳达峰碳中和联合行动方案的通知\n"
     "重庆市人民政府办公厅 四川省人民政府办公厅\n2022年2月15日\n", "成渝地区双城经济圈",
     "region", None, "regional"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "name", "level", "code", "plan_level"),
    CASES,
    ids=[c[1] + "-" + str(i) for i, c in enumerate(CASES)],
)
def test_jurisdiction_from_the_plans_own_text(
    text: str, name: str, level: str, code: str | None, plan_level: str
) -> None:
    meta = extract_metadata(text)
    assert (meta.jurisdiction, meta.jurisdiction_level, meta.jurisdiction_code, meta.level) == (
        name,
        level,
        code,
        plan_level,
    )
    if level in ("district", "county"):
        assert meta.district == name  # the county-level district, as before
    else:
        assert meta.district is None
    span = meta.spans.get("jurisdiction")
    if span is not None:  # where it was read, as printed
        assert name in text[span[0] : span[1]] or text[span[0] : span[1]] in name


# --- the 26 published plans (text layer through pdftotext) --------------------------------------


@pytest.fixture(scope="module")
def corpus_texts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tool = shutil.which("pdftotext")
    assert tool, "pdftotext is missing: install the Debian package poppler-utils"
    assert (CORPUS / "manifest.csv").is_file(), f"{CORPUS} is missing (../shared/corpus)"
    out = tmp_path_factory.mktemp("corpus-text")
    texts: dict[str, Path] = {}
    for pdf in sorted(CORPUS.glob("*.pdf")):
        target = out / (pdf.stem + ".txt")
        # the first pages hold what metadata reads (notice, title, the body it counts places in)
        subprocess.run(
            [tool, "-l", "12", "-enc", "UTF-8", str(pdf), str(target)],
            check=True,
            timeout=120,
            capture_output=True,
        )
        texts[pdf.name] = target
    return texts


def _manifest() -> list[dict[str, str]]:
    with (CORPUS / "manifest.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


# manifest level (of the plan's jurisdiction) → jurisdiction levels that state it
_MANIFEST_LEVEL = {
    "province": {"province"},
    "city": {"city"},
    "district": {"district", "county", "newArea", "developmentZone"},
}


def test_every_corpus_plan_gets_its_jurisdiction_and_level(corpus_texts) -> None:
    from plankg.ingest.read import read_plan

    manifest = _manifest()
    assert len(manifest) == 26
    wrong = []
    for row in manifest:
        text = clean(read_plan(corpus_texts[row["file"]]).text).text
        meta = extract_metadata(text)
        # the manifest prints a district with its city (广州市黄埔区, 芜湖市繁昌区)
        ok_name = bool(meta.jurisdiction) and row["jurisdiction"].endswith(meta.jurisdiction)
        ok_level = meta.jurisdiction_level in _MANIFEST_LEVEL[row["level"]]
        if not (ok_name and ok_level):
            wrong.append(
                (
                    row["file"],
                    row["jurisdiction"],
                    row["level"],
                    meta.jurisdiction,
                    meta.jurisdiction_level,
                    meta.jurisdiction_source,
                )
            )
    assert not wrong, wrong


def test_seed_and_parent_plans_get_their_jurisdictions() -> None:
    from plankg.ingest.read import read_plan

    expected = {
        "000": ("永川区", "district"),
        "001": ("永川区", "district"),
        "002": ("荣昌区", "district"),
        "003": ("永川区", "district"),
        "004": ("江津区", "district"),
        "municipal": ("重庆市", "province"),
        "joint": ("成渝地区双城经济圈", "region"),
    }
    got = {}
    for key, path in {**PLAN_FILES, **PARENT_FILES}.items():
        meta = extract_metadata(clean(read_plan(path).text).text)
        got[key] = (meta.jurisdiction, meta.jurisdiction_level)
    assert got == expected


# --- parent plans by hierarchy, on an ingested store ------------------------------------------

SHARED = (
    "加快构建清洁低碳安全高效的能源体系，大力发展光伏发电和风电，推进分布式光伏在工业园区、"
    "公共建筑屋顶全覆盖，有序推进整县屋顶分布式光伏开发试点，提高非化石能源消费比重。"
)
PLAN_TEXTS = {
    "zj-province": "浙江省应对气候变化规划\n一、重点任务\n（一）发展光伏。" + SHARED + "\n",
    "sx-city": "绍兴市应对气候变化规划\n一、重点任务\n（一）发展光伏。" + SHARED + "\n",
    "yc-district": "越城区应对气候变化规划\n一、重点任务\n（一）发展光伏。" + SHARED + "\n",
    "qd-city": "青岛市应对气候变化规划\n一、重点任务\n（一）发展光伏。" + SHARED + "\n",
}


@pytest.fixture(scope="module")
def hierarchy_store(tmp_path_factory: pytest.TempPathFactory):
    return linked_store(tmp_path_factory.mktemp("hierarchy"), PLAN_TEXTS)


def linked_store(folder, texts: dict[str, str]):  # type: ignore[no-untyped-def]
    """A store in `folder` holding the plans `texts` (file stem -> text), ingested and linked."""
    from plankg.ingest.pipeline import ingest
    from plankg.link import link_store
    from plankg.store import open_store

    paths = []
    for stem, text in texts.items():
        (folder / f"{stem}.txt").write_text(text, encoding="utf-8")
        paths.append(folder / f"{stem}.txt")
    store = open_store(folder / "store")
    report = ingest(paths, store, jobs=1)
    assert report.ok, report.errors
    link_store(store)
    return store


def _slug(plan: str | None) -> str:
    return (plan or "").removeprefix(iri.BASE + "plan/")


def test_parent_plans_follow_the_administrative_hierarchy(hierarchy_store) -> None:
    from plankg.query import run_sparql

    rows = run_sparql(
        hierarchy_store,
        f"""
        SELECT ?c ?p WHERE {{ GRAPH <{iri.LINKS_GRAPH}> {{ ?c pk:parentPlan ?p }} }}""",
    )[1]
    pairs = {(_slug(r["c"]), _slug(r["p"])) for r in rows}
    assert pairs == {
        ("sx-city", "zj-province"),
        ("yc-district", "sx-city"),
        ("yc-district", "zj-province"),
    }  # Qingdao is nobody's child or parent


def test_shared_measures_tell_parents_from_peers(hierarchy_store) -> None:
    from plankg.query import run_named

    rows = run_named(hierarchy_store, "shared-measures")[1]
    ends = {
        (r["jurisdiction_a"], r["jurisdiction_b"], r["common_parent"] == r["measure_b"])
        for r in rows
    }
    # 越城区 copies 绍兴市 and 浙江省 (parents); 青岛市 shares the text as a peer of all three
    assert ("越城区", "绍兴市", True) in ends
    assert ("绍兴市", "浙江省", True) in ends
    assert not any(a == "浙江省" and b in ("绍兴市", "越城区") for a, b, _ in ends)
    peers = {frozenset((a, b)) for a, b, parent in ends if not parent}
    assert frozenset(("青岛市", "浙江省")) in peers or frozenset(("浙江省", "青岛市")) in peers
    assert frozenset(("越城区", "绍兴市")) not in peers


def test_district_summary_names_every_jurisdiction(hierarchy_store) -> None:
    from plankg.query import run_named

    rows = run_named(hierarchy_store, "district-summary")[1]
    assert {r["district"] for r in rows} == {"浙江省", "绍兴市", "越城区", "青岛市"}


# --- the seed plans: the forest-city cluster and the shale-gas block --------------------------


@pytest.fixture(scope="module")
def seed_store(tmp_path_factory: pytest.TempPathFactory):
    from plankg.ingest.pipeline import ingest
    from plankg.link import link_store
    from plankg.store import open_store

    store = open_store(tmp_path_factory.mktemp("seeds") / "store")
    report = ingest([PLAN_FILES["000"], PLAN_FILES["002"], PLAN_FILES["003"]], store, jobs=1)
    assert report.ok, report.errors
    link_store(store)
    return store


def test_forest_city_cluster_is_found_in_both_plans(seed_store) -> None:
    from plankg.query import run_named

    rows = run_named(seed_store, "cross-border", {"method": "gazetteer"})[1]
    cluster = "泸（州）内（江）荣（昌）永（川）大（足）"
    named = {r["district"] for r in rows if r["partner"] == cluster}
    assert named == {"荣昌区", "永川区"}
    members = {(r["district"], r["partner"]) for r in rows if "森林城市群" in (r["quote"] or "")}
    assert {
        ("荣昌区", "永川区"),
        ("永川区", "荣昌区"),
        ("永川区", "内江市"),
        ("荣昌区", "大足区"),
    } <= members
    shared = run_named(seed_store, "shared-measures", {"kind": "crossBorderPartner"})[1]
    assert any(
        "森林城市群" in (r["quote_a"] or "")
        and "森林城市群" in (r["quote_b"] or "")
        and {r["district_a"], r["district_b"]} == {"荣昌区", "永川区"}
        for r in shared
    )


def test_shale_gas_block_is_a_shared_measure(seed_store) -> None:
    from plankg.query import run_named

    shared = run_named(seed_store, "shared-measures", {"kind": "crossBorderPartner"})[1]
    hits = [
        r
        for r in shared
        if {r["district_a"], r["district_b"]} == {"荣昌区", "永川区"}
        and any("页岩气" in (q or "") for q in (r["quote_a"], r["quote_b"]))
        and any("区块" in (q or "") for q in (r["quote_a"], r["quote_b"]))
    ]
    assert hits and all(r["method"] == "mutual-mention" for r in hits)


def test_admin_types_cover_the_national_list() -> None:
    assert {r["type"] for r in _national()} <= ADMIN_TYPES


# --- against the gold of tests/annotations/corpus-facts (jurisdictions.csv, parents.csv) -------

# gold level → the jurisdiction level plankg states
_GOLD_LEVEL = {
    "province": "province",
    "city": "city",
    "district": "district",
    "county": "county",
    "new-area": "newArea",
    "development-zone": "developmentZone",
    "region": "region",
}


def _gold_texts(corpus_texts: dict[str, Path]) -> dict[str, str]:
    """Cleaned text of every plan the gold names: corpus PDFs' text layers, seeds, parents."""
    from plankg.ingest.read import read_plan
    from tests.corpus_facts import load, plan_path

    out = {}
    for row in load("jurisdictions"):
        name = row["file"]
        path = corpus_texts[name] if name.endswith(".pdf") else plan_path(name)
        out[name] = clean(read_plan(path).text).text
    return out


def _as_gold(meta) -> tuple[str | None, str | None, str, str]:
    """(jurisdiction, level, code, parent) the way the gold writes them: a new area takes the
    code of the division it sits in, a region the codes of its members, a province the country
    as parent."""
    g = default_gazetteer()
    place = g.by_code(meta.jurisdiction_code) if meta.jurisdiction_code else None
    place = place or (g.get(meta.jurisdiction) if meta.jurisdiction else None)
    if place is None:
        return meta.jurisdiction, meta.jurisdiction_level, "", ""
    parent = g.parent_of(place) if place.type != "region_initiative" else None
    if place.code:
        code = place.code
    elif place.type == "region_initiative":
        code = ";".join(sorted(m.code or "" for m in g.members_of(place)))
    else:
        code = parent.code if parent else ""
    return (
        meta.jurisdiction,
        meta.jurisdiction_level,
        code,
        parent.name if parent else "中华人民共和国",
    )


def test_jurisdiction_level_code_and_parent_match_the_gold_for_all_33_plans(corpus_texts) -> None:
    from tests.corpus_facts import load

    gold = load("jurisdictions")
    assert len(gold) == 33
    texts = _gold_texts(corpus_texts)
    wrong = []
    for row in gold:
        name, level, code, parent = _as_gold(extract_metadata(texts[row["file"]]))
        ok = (
            bool(name)
            and row["jurisdiction"].endswith(name)
            and level == _GOLD_LEVEL[row["level"]]
            and code == ";".join(sorted(row["gb_code"].split(";")))
            and parent == row["parent_jurisdiction"]
        )
        if not ok:
            wrong.append(
                (
                    row["file"],
                    row["jurisdiction"],
                    row["level"],
                    row["gb_code"],
                    row["parent_jurisdiction"],
                    name,
                    level,
                    code,
                    parent,
                )
            )
    assert not wrong, wrong  # 33 of 33: jurisdiction and level 100 %


def test_parent_plans_match_the_gold(corpus_texts) -> None:
    """The hierarchy plankg link uses (`plan_hierarchy`), fed with each plan's jurisdiction,
    its members and the places above them, and the titles it cites; the nearest parent plans
    are the gold's direct, ancestor and implements pairs."""
    from plankg.ingest.rdf import cited_titles
    from plankg.link import plan_hierarchy
    from tests.corpus_facts import load

    g = default_gazetteer()
    texts = _gold_texts(corpus_texts)
    scope, above, levels, titles, cited = {}, {}, {}, {}, {}
    level_iri = {
        "district": "districtLevel",
        "county": "districtLevel",
        "municipal": "municipalLevel",
        "provincial": "provincialLevel",
        "regional": "regionalLevel",
    }
    for name, text in texts.items():
        meta = extract_metadata(text)
        places = [g.by_code(k) or g.get(k) for k in meta.jurisdictions]
        members = [m for p in places if p for m in g.members_of(p)]
        scope[name] = frozenset(p.key for p in [*places, *members] if p)
        above[name] = frozenset(a.key for p in [*places, *members] if p for a in g.ancestors(p))
        levels[name] = level_iri.get(meta.level, "districtLevel")
        titles[name] = meta.title
        cited[name] = set(cited_titles(text))
    cites = {c: frozenset(p for p in texts if p != c and titles[p] in cited[c]) for c in texts}
    h = plan_hierarchy(scope, above, levels, cites)
    nearest = {
        (c, p)
        for c, ps in h.parents_of.items()
        for p in ps
        if not any(h.is_parent(p, q) for q in ps if q != p)
    }
    gold = {(r["child_file"], r["parent_file"]) for r in load("parents")}
    assert nearest == gold


# --- a joint programme named by run-together abbreviations ----------------------------------

LYJ = (
    "共建泸永江融合发展示范区，联合开展生态环境共保共治，推进跨界河流联防联控，"
    "共建绿色低碳产业园区和清洁能源输送通道。"
)


@pytest.fixture(scope="module")
def programme_store(tmp_path_factory: pytest.TempPathFactory):
    from plankg.ingest.pipeline import ingest
    from plankg.link import link_store
    from plankg.store import open_store

    folder = tmp_path_factory.mktemp("programme")
    texts = {
        "yc": "重庆市永川区低碳发展方案\n一、重点任务\n（一）区域合作。" + LYJ + "\n",
        "jj": "重庆市江津区低碳发展方案\n一、重点任务\n（一）区域合作。"
        + LYJ.replace("泸永江融合发展示范区", "泸永江示范区")
        + "\n",
    }
    for stem, text in texts.items():
        (folder / f"{stem}.txt").write_text(text, encoding="utf-8")
    store = open_store(folder / "store")
    assert ingest([folder / "yc.txt", folder / "jj.txt"], store, jobs=1).ok
    link_store(store)
    return store


def test_a_joint_programme_names_its_members(programme_store) -> None:
    from plankg.query import run_named

    rows = run_named(programme_store, "cross-border")[1]
    gazetteer = {(r["district"], r["partner"]) for r in rows if r["method"] == "gazetteer"}
    assert {("永川区", "泸永江融合发展示范区"), ("江津区", "泸永江融合发展示范区")} <= gazetteer
    mutual = [r for r in rows if r["method"] == "mutual-mention"]
    assert mutual and {mutual[0]["district"], mutual[0]["other_district"]} == {"永川区", "江津区"}
    shared = run_named(programme_store, "shared-measures", {"kind": "crossBorderPartner"})[1]
    assert {(r["district_a"], r["district_b"]) for r in shared} in (
        {("永川区", "江津区")},
        {("江津区", "永川区")},
    )


@pytest.mark.parametrize(("text", "near", "code"), [
    ("推进江北区绿色发展", "宁波市", "330205"),
    ("推进江北区绿色发展", "永川区", "500105"),
    ("推进鼓楼区绿色发展", "福州市", "350102"),
    ("推进鼓楼区绿色发展", "南京市", "320106"),
])  # fmt: skip
def test_an_ambiguous_place_in_running_text_is_the_one_near_the_plan(
    text: str, near: str, code: str
) -> None:
    g = default_gazetteer()
    [m] = g.find(text)
    assert g.nearest(m, g.get(near)).row.code == code


def test_a_city_plan_naming_its_own_district_is_not_cross_border() -> None:
    # 江北区 of 宁波市 inside a 宁波市 plan; Chongqing's 江北区 would be across the border
    assert is_cross_border("江北区", None, ("330200",), "330205") is False
    assert is_cross_border("江北区", None, ("330200",), "500105") is True


def test_every_place_type_is_a_partner_level_the_shapes_allow() -> None:
    import rdflib

    from plankg.ingest.places import PLACE_TYPES

    shapes = rdflib.Graph().parse(ROOT / "ontology" / "shapes.ttl", format="turtle")
    rows = shapes.query("""
        PREFIX sh: <http://www.w3.org/ns/shacl#>
        PREFIX pk: <https://w3id.org/plankg/ontology#>
        PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
        SELECT ?v WHERE { ?p sh:path pk:partnerLevel ; sh:in/rdf:rest*/rdf:first ?v }""")
    allowed = {str(r[0]) for r in rows}
    assert PLACE_TYPES | {"other"} <= allowed
