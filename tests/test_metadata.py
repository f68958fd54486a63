"""Plan metadata and the gazetteer: one row per plan or hand-built case."""

from __future__ import annotations

import csv
import datetime
from pathlib import Path

import pytest

from plankg.ingest.clean import clean
from plankg.ingest.metadata import PlanMetadata, extract_metadata
from plankg.ingest.places import Gazetteer, Place, default_gazetteer

PLANS = Path(__file__).parents[1] / "data" / "plans"
PARENTS = Path(__file__).parents[2] / "shared" / "parents"
PLACES_CSV = Path(__file__).parents[1] / "data" / "places.csv"

D = datetime.date
CLIMATE_YC = "重庆市永川区应对气候变化“十四五”规划"
CLIMATE_RC = "重庆市荣昌区应对气候变化“十四五”专项规划"
ECO_YC = "永川区创建重庆市生态文明建设示范区规划"
GREEN_YC = "永川区绿色低碳发展行动实施方案"
ACTION_JJ = "江津区贯彻落实《成渝地区双城经济圈碳达峰碳中和联合行动方案》的行动方案"
JOINT = "成渝地区双城经济圈碳达峰碳中和联合行动方案"
CLIMATE_CQ = "重庆市应对气候变化“十四五”规划"

# file, district, code, title, issuer, doc number, issued, period start, end, derived, level
CORPUS = [
    ("yongchuan-2022-climate-14fyp.txt", "永川区", "500118", CLIMATE_YC, "重庆市永川区人民政府",
     "永川府发〔2022〕18号", D(2022, 10, 12), 2021, 2025, True, "district"),
    ("yongchuan-2022-green-low-carbon-action.txt", "永川区", "500118", GREEN_YC,
     "重庆市永川区人民政府办公室", "永川府办发〔2022〕112号", D(2022, 12, 2), None, None, False,
     "district"),
    ("rongchang-2022-climate-14fyp.txt", "荣昌区", "500153", CLIMATE_RC,
     "重庆市荣昌区人民政府办公室", None, D(2022, 8, 15), 2021, 2025, True, "district"),
    ("yongchuan-2022-eco-civilization-demo-zone.txt", "永川区", "500118", ECO_YC,
     "重庆市永川区人民政府", "永川府发〔2022〕17号", D(2022, 10, 11), 2022, 2030, False,
     "district"),
    ("jiangjin-2022-chengyu-carbon-action.txt", "江津区", "500116", ACTION_JJ,
     "重庆市江津区人民政府办公室", None, D(2022, 4, 16), None, None, False, "district"),
    ("../../../shared/parents/chongqing_municipal_climate_14fyp.txt", None, None, CLIMATE_CQ,
     "重庆市生态环境局", "渝环〔2022〕50号", D(2022, 4, 22), 2021, 2025, False, "municipal"),
    ("../../../shared/parents/chengyu_carbon_joint_action.txt", None, None, JOINT,
     "重庆市人民政府办公厅、四川省人民政府办公厅", "渝府办发〔2022〕22号", D(2022, 2, 15),
     None, None, False, "regional"),
]  # fmt: skip


def _unspace(text: str) -> str:
    return "".join(text.split())


def _read(name: str) -> str:
    path = (PLANS / name).resolve()
    return path.read_text(encoding="utf-8")


def _check(meta: PlanMetadata, text: str, expected: tuple[object, ...]) -> None:
    district, code, title, issuer, doc, issued, start, end, derived, level = expected
    got = (
        meta.district,
        meta.district_code,
        meta.title,
        meta.issuer,
        meta.doc_number,
        meta.issued,
        meta.period_start,
        meta.period_end,
        meta.period_derived,
        meta.level,
    )
    assert got == (district, code, title, issuer, doc, issued, start, end, derived, level)
    _check_spans(meta, text)


def _check_spans(meta: PlanMetadata, text: str) -> None:
    """Every value was read where its span says (line breaks and stray spaces aside)."""
    found = {name: _unspace(text[a:b]) for name, (a, b) in meta.spans.items()}
    if meta.title is not None:
        assert found["title"] == meta.title
    if meta.doc_number is not None:
        assert found["doc_number"] == meta.doc_number
    if meta.issuer is not None:
        assert found["issuer"] == meta.issuer.replace("、", "")
    if meta.district is not None:
        assert meta.district.startswith(found["district"])
    if meta.issued is not None:
        assert found["issued"].endswith("日")
    if meta.period_start is not None:
        assert found["period_start"] == found["period_end"]
        assert meta.period_derived or str(meta.period_start) in found["period_start"]


@pytest.mark.parametrize(("name", "expected"), [(row[0], row[1:]) for row in CORPUS])
def test_plan_metadata_clean_text(name: str, expected: tuple[object, ...]) -> None:
    text = clean(_read(name)).text
    _check(extract_metadata(text), text, expected)


@pytest.mark.parametrize(("name", "expected"), [(row[0], row[1:]) for row in CORPUS])
def test_plan_metadata_raw_text(name: str, expected: tuple[object, ...]) -> None:
    """Uncleaned text (spaces inside dates and 文号, bookmarks, page numbers) reads the same."""
    text = _read(name)
    _check(extract_metadata(text), text, expected)


def test_number_cited_in_the_body_is_not_the_plans_own() -> None:
    text = clean(_read("jiangjin-2022-chengyu-carbon-action.txt")).text
    assert "渝府办发〔2022〕22号" in text
    assert extract_metadata(text).doc_number is None


NOTICE_CN_DATE = """荣昌府发[2023]5号
重庆市荣昌区人民政府
关于印发重庆市荣昌区碳达峰
实施方案的通知
各镇人民政府、街道办事处：
现将《重庆市荣昌区碳达峰实施方案》印发给你们，请认真贯彻执行。
重庆市荣昌区人民政府
二〇二三年十二月三十一日
（此件公开发布）
重庆市荣昌区碳达峰实施方案
一、总体要求
"""

NO_NOTICE_15FYP = """重庆市大足区“十五五”
应对气候变化规划

第一章 总体要求
到2030年，全区单位地区生产总值二氧化碳排放持续下降。
"""

NO_NOTICE_PRINTED_PERIOD = """隆昌市绿色低碳发展规划
(2023-2027年)
一、发展基础
隆昌市地处川南渝西。
"""

UNKNOWN_DISTRICT = """某某区人民政府办公室
关于印发某某区低碳发展规划的通知
各有关单位：
现将《某某区低碳发展规划》印发给你们。
某某区人民政府办公室
2023年1月5日
（此件公开发布）
某某区低碳发展规划
一、总体要求
"""

CITY_TITLE_FROM_NOTICE = """泸州市人民政府办公室关于印发《泸州市应对气候变化
规划（2021—2025 年）》的通知
泸市府办发（2022）9 号
各区县人民政府：
现将《泸州市应对气候变化规划（2021—2025年）》印发给你们。
泸州市人民政府办公室
2022 年 3 月 1 日
第一章 现状与形势
"""

CASES = [
    # name, text, district, code, title, issuer, doc, issued, start, end, derived, level
    ("chinese-numeral-date", NOTICE_CN_DATE, "荣昌区", "500153", "重庆市荣昌区碳达峰实施方案",
     "重庆市荣昌区人民政府", "荣昌府发[2023]5号", D(2023, 12, 31), None, None, False,
     "district"),
    ("no-notice-15fyp", NO_NOTICE_15FYP, "大足区", "500111", "重庆市大足区“十五五”应对气候变化规划",
     None, None, None, 2026, 2030, True, "district"),
    ("no-notice-county-printed-period", NO_NOTICE_PRINTED_PERIOD, "隆昌市", "511083",
     "隆昌市绿色低碳发展规划", None, None, None, 2023, 2027, False, "county"),
    ("unknown-district", UNKNOWN_DISTRICT, None, None, "某某区低碳发展规划",
     "某某区人民政府办公室", None, D(2023, 1, 5), None, None, False, "district"),
    ("city-title-only-in-notice", CITY_TITLE_FROM_NOTICE, None, None, "泸州市应对气候变化规划",
     "泸州市人民政府办公室", "泸市府办发（2022）9号", D(2022, 3, 1), 2021, 2025, False,
     "municipal"),
    ("nothing-known", "一些文字。\n没有标题。\n", None, None, None, None, None, None, None, None,
     False, "unknown"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "expected"), [(c[1], c[2:]) for c in CASES], ids=[str(c[0]) for c in CASES]
)
def test_edge_cases(text: str, expected: tuple[object, ...]) -> None:
    _check(extract_metadata(text), text, expected)


def test_caller_says_there_is_no_notice() -> None:
    meta = extract_metadata(NO_NOTICE_PRINTED_PERIOD, notice_end=0)
    expected = ("隆昌市绿色低碳发展规划", 2023, 2027)
    assert (meta.title, meta.period_start, meta.period_end) == expected


def test_joint_notice_lists_each_issuer() -> None:
    meta = extract_metadata(clean(_read(CORPUS[-1][0])).text)
    assert meta.issuers == ("重庆市人民政府办公厅", "四川省人民政府办公厅")


def test_joint_notice_of_two_districts_is_regional() -> None:
    text = (
        "重庆市永川区人民政府办公室 重庆市江津区人民政府办公室\n"
        "关于印发泸永江融合发展示范区低碳协同方案的通知\n"
        "重庆市永川区人民政府办公室 重庆市江津区人民政府办公室\n"
        "2023年6月1日\n"
        "（此件公开发布）\n"
        "泸永江融合发展示范区低碳协同方案\n"
    )
    meta = extract_metadata(text)
    assert (meta.district, meta.level, meta.issued) == (None, "regional", D(2023, 6, 1))
    assert meta.issuers == ("重庆市永川区人民政府办公室", "重庆市江津区人民政府办公室")


def test_district_comes_from_the_gazetteer_passed_in() -> None:
    only_rongchang = Gazetteer(
        [Place("荣昌区", "荣昌", "Rongchang District", "district", "district", None, "500153")]
    )
    meta = extract_metadata(NO_NOTICE_15FYP, places=only_rongchang)
    assert (meta.district, meta.district_code) == (None, None)


# --- gazetteer -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("积极参与在川南渝西融合发展试验区等跨区",
         [("川南渝西融合发展试验区", "川南渝西融合发展试验区")]),
        ("推进川南渝西合作", [("川南渝西", "川南渝西融合发展试验区")]),
        ("协同推进与泸州、宜宾等周边市", [("泸州", "泸州市"), ("宜宾", "宜宾市")]),
        ("南与四川省合江县、泸县接壤",
         [("四川省", "四川省"), ("合江县", "合江县"), ("泸县", "泸县")]),
        ("研究新开通川渝毗邻地区跨省城际公交", [("川渝毗邻地区", "川渝毗邻地区")]),
        ("重庆市永川区人民政府", [("重庆市", "重庆市"), ("永川区", "永川区")]),
        ("成渝地区双城经济圈建设规划纲要", [("成渝地区双城经济圈建设", "成渝地区双城经济圈建设")]),
        ("打造泸永江融合发展示范区", [("泸永江融合发展示范区", "泸永江融合发展示范区")]),
        ("没有地名的句子", []),
    ],
)  # fmt: skip
def test_gazetteer_find(text: str, expected: list[tuple[str, str]]) -> None:
    mentions = default_gazetteer().find(text)
    assert [(m.surface, m.name) for m in mentions] == expected
    for m in mentions:
        assert text[m.start : m.end] == m.surface
        assert m.row.name == m.name


def test_gazetteer_spans_with_offset() -> None:
    text = "前言。永川、荣昌和江津"
    mentions = default_gazetteer().find(text, start=3)
    assert [(m.start, m.end, m.row.code) for m in mentions] == [
        (3, 5, "500118"),
        (6, 8, "500153"),
        (9, 11, "500116"),
    ]


def _rows() -> list[dict[str, str]]:
    with PLACES_CSV.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_places_csv_is_consistent() -> None:
    rows = _rows()
    names = [r["name"] for r in rows]
    assert len(names) == len(set(names))
    codes = [r["code"] for r in rows if r["code"]]
    assert len(codes) == len(set(codes))
    assert all(len(c) == 6 and c.isdigit() for c in codes)
    surfaces = names + [r["short_name"] for r in rows if r["short_name"]]
    assert len(surfaces) == len(set(surfaces)), "a short name repeats a name or short name"
    for r in rows:
        assert r["type"] in {"district", "county", "city", "province", "municipality",
                             "region_initiative"}  # fmt: skip
        assert r["short_name"] == "" or len(r["short_name"]) >= 2
        assert r["parent"] == "" or r["parent"] in names
        if r["type"] == "region_initiative":
            assert (r["level"], r["code"]) == ("regional", "")


def test_places_csv_covers_chongqing_and_the_corpus_districts() -> None:
    rows = {r["name"]: r for r in _rows()}
    chongqing = [r for r in rows.values() if r["parent"] == "重庆市" and r["code"]]
    assert len(chongqing) == 38
    assert rows["渝中区"]["code"] == "500103"
    assert rows["彭水苗族土家族自治县"]["code"] == "500243"
    assert {n: rows[n]["code"] for n in ("江津区", "永川区", "荣昌区")} == {
        "江津区": "500116",
        "永川区": "500118",
        "荣昌区": "500153",
    }
    assert (rows["重庆市"]["code"], rows["四川省"]["code"], rows["成都市"]["code"]) == (
        "500000",
        "510000",
        "510100",
    )
    sichuan_cities = [r for r in rows.values() if r["parent"] == "四川省" and r["type"] == "city"]
    assert len(sichuan_cities) == 21
    luzhou = {r["name"] for r in rows.values() if r["parent"] == "泸州市"}
    assert luzhou == {"江阳区", "纳溪区", "龙马潭区", "泸县", "合江县", "叙永县", "古蔺县"}


def test_title_quoted_on_a_page_that_publishes_the_plan() -> None:
    """黑龙江省发布《关于…实施方案》: the title is the quoted one, with the period it prints."""
    text = "黑龙江省发布《关于2021-2023年度推动碳达峰工作滚动实施方案》\n各有关单位：\n为推动工作，制定本方案。\n"
    md = extract_metadata(clean(text).text)
    assert (md.title, md.period_start, md.period_end) == (
        "关于2021-2023年度推动碳达峰工作滚动实施方案",
        2021,
        2023,
    )
    start, end = md.spans["title"]
    assert clean(text).text[start:end] == md.title
