"""Projects from project tables and 专栏 project boxes (plankg.ingest.extract_projects).

Value parsing is pinned in tables; the plans are checked for counts, a few exact projects, the
printed 合计 rows, exact quotes, and against the hand-annotated gold set in
`tests/annotations/projects.csv` (all rows of 003 附表1, 附表5 and 附表6, and box items of 000
and 002), whose share found with exact investment is printed (run with ``-s``).
"""

from __future__ import annotations

import csv
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from plankg.ingest.document import Document, load_plan
from plankg.ingest.extract_projects import (
    extract_projects,
    parse_investment,
    parse_period,
    prose_investment,
    prose_period,
    split_item,
)
from plankg.ingest.records import Project
from plankg.ingest.segment import Segment

from .conftest import PLAN_FILES

GOLD = Path(__file__).parent / "annotations" / "projects.csv"
FILE_KEYS = {path.name: key for key, path in PLAN_FILES.items()}


# -- value parsing --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("printed", "unit", "yuan"),
    [
        ("1000", "万元", Decimal("10000000")),
        ("0.5亿元", None, Decimal("50000000")),
        ("0.5", "亿元", Decimal("50000000")),
        ("3000万元", "亿元", Decimal("30000000")),  # the cell's own unit wins over the column's
        ("１２００", "万元", Decimal("12000000")),  # full-width digits
        ("1,200", "万元", Decimal("12000000")),
        ("约800", "万元", Decimal("8000000")),
        ("2000元", None, Decimal("2000")),
        ("46.53", "万元", Decimal("465300")),
        ("1000", None, None),  # no unit anywhere: unknown money
        ("/", "万元", None),
        ("—", "万元", None),
        ("", "万元", None),
        ("1000-2000", "万元", None),  # a range is not one amount
    ],
)
def test_parse_investment(printed: str, unit: str | None, yuan: Decimal | None) -> None:
    assert parse_investment(printed, unit) == yuan


@pytest.mark.parametrize(
    ("printed", "period"),
    [
        ("2022-2025", (2022, 2025)),
        ("2023", (2023, 2023)),
        ("2022—2030年", (2022, 2030)),
        ("2022~2030年", (2022, 2030)),
        ("2022年-2025年", (2022, 2025)),
        ("2022.1-2025.12", (2022, 2025)),
        ("２０２２－２０２５", (2022, 2025)),
        ("/", (None, None)),
        ("", (None, None)),
    ],
)
def test_parse_period(printed: str, period: tuple[int | None, int | None]) -> None:
    assert parse_period(printed) == period


@pytest.mark.parametrize(
    ("text", "printed", "yuan"),
    [
        ("建设储能电站2座，总投资5亿元。", "5亿元", Decimal("500000000")),
        ("新建光伏电站，投资2000万元。", "2000万元", Decimal("20000000")),
        ("项目计划投资约1.2亿元，其中申请资金投资3000万元。", "1.2亿元", Decimal("120000000")),
        ("推进绿色矿山建设。", "", None),
    ],
)
def test_prose_investment(text: str, printed: str, yuan: Decimal | None) -> None:
    assert prose_investment(text) == (printed, yuan)


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("建设期2023—2025年。", (2023, 2025)),
        ("（2022-2025年）实施。", (2022, 2025)),
        ("到2025年，森林覆盖率达到38%。", (None, None)),  # a target year is not a period
    ],
)
def test_prose_period(text: str, period: tuple[int | None, int | None]) -> None:
    assert prose_period(text) == period


@pytest.mark.parametrize(
    ("text", "name", "content"),
    [
        (
            "中幼林抚育项目。对中幼期的人工楠木林进行抚育。",
            "中幼林抚育项目",
            "对中幼期的人工楠木林进行抚育。",
        ),
        ("天然气：建设天然气管道。", "天然气", "建设天然气管道。"),
        (
            "铁路建设工程\n加快推进高铁建设；规划轨道交通。",
            "铁路建设工程",
            "加快推进高铁建设；规划轨道交通。",
        ),
        ("在三镇规划建设80个充电桩。", "在三镇规划建设80个充电桩", ""),
        # a PDF line wrap inside the first sentence is not a heading line
        (
            "页岩气勘探开发项目、页岩气勘探项\n目、LNG 能源项目。",
            "页岩气勘探开发项目、页岩气勘探项目、LNG 能源项目",
            "",
        ),
    ],
)
def test_split_item(text: str, name: str, content: str) -> None:
    assert split_item(text) == (name, content)


# -- a small plan written here, so that nothing depends on the five plans -------------------

SYNTHETIC_PLAN = """某某区绿色发展规划

第一章 重点任务
一、推进清洁能源
加快发展光伏发电。

专栏1 能源保障重点项目
1.储能电站项目。建设储能电站2座，总投资5亿元，建设期2023—2025年。
2.光伏示范工程：在工业园区屋顶建设分布式光伏，投资2000万元。（牵头单位：区发展改革委；配合单位：区经济信息委）

专栏2 主要指标
指标名称为单位地区生产总值能源消耗下降率。

第二章 保障措施
加强组织领导。

附件
附表1  重点项目表（单位：亿元）
\t序号
\t项目名称
\t建设内容
\t总投资
\t建设年限
\t责任单位

\t1
\t垃圾焚烧发电
\t新建焚烧线一条。
\t0.5
\t2022~2030年
\t区城市管理局

\t2

\t扩建渗滤液处理站。
\t3000万元
\t2023
\t区城市管理局、区生态环境局

\t3
\t充电设施建设
\t建设公共充电桩。
\t/
\t/
\t区交通局

\t合计
\t0.8
"""


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> tuple[Document, list[Project]]:
    path = tmp_path_factory.mktemp("plans") / "synthetic.txt"
    path.write_text(SYNTHETIC_PLAN, encoding="utf-8")
    doc = load_plan(path)
    return doc, list(extract_projects(doc))


def test_synthetic_plan(synthetic: tuple[Document, list[Project]]) -> None:
    doc, projects = synthetic
    got = [
        (
            p.name,
            p.content,
            p.investment_as_printed,
            p.investment_yuan,
            p.period_start,
            p.period_end,
            tuple(u.name_as_printed for u in p.lead_units),
        )
        for p in projects
    ]
    assert got == [
        (
            "储能电站项目",
            "建设储能电站2座，总投资5亿元，建设期2023—2025年。",
            "5亿元",
            Decimal("500000000"),
            2023,
            2025,
            (),
        ),
        (
            "光伏示范工程",
            "在工业园区屋顶建设分布式光伏，投资2000万元。（牵头单位：区发展改革委；配合单位：区经济信息委）",
            "2000万元",
            Decimal("20000000"),
            None,
            None,
            ("区发展改革委",),
        ),
        (
            "垃圾焚烧发电",
            "新建焚烧线一条。",
            "0.5",
            Decimal("50000000"),
            2022,
            2030,
            ("区城市管理局",),
        ),
        (
            "垃圾焚烧发电",
            "扩建渗滤液处理站。",
            "3000万元",
            Decimal("30000000"),
            2023,
            2023,
            ("区城市管理局", "区生态环境局"),
        ),
        ("充电设施建设", "建设公共充电桩。", "/", None, None, None, ("区交通局",)),
    ]
    assert all(u.role == "lead" for p in projects for u in p.lead_units)
    assert projects[0].sectors == ("energy",)
    for p in projects:
        assert p.source.quote == doc.text[p.source.start : p.source.end]
        for u in p.lead_units:
            assert u.source.quote == doc.text[u.source.start : u.source.end]


# -- the plans --------------------------------------------------------------------------------


def container(doc: Document, project: Project) -> Segment:
    """The numbered table (附表N) or box (专栏N) a project was found in."""
    found = [
        s
        for s in doc.outline.walk()
        if s.kind in ("table", "box") and s.number and s.start <= project.source.start < s.end
    ]
    assert found, project
    return found[-1]


@pytest.fixture(scope="module")
def projects(docs: dict[str, Document]) -> dict[str, list[Project]]:
    return {key: list(extract_projects(docs[key])) for key in PLAN_FILES}


def test_counts_per_plan(projects: dict[str, list[Project]]) -> None:
    assert {key: len(ps) for key, ps in projects.items()} == {
        "000": 31,
        "001": 0,
        "002": 20,
        "003": 68,
        "004": 0,
    }


def test_quotes_are_exact(docs: dict[str, Document], projects: dict[str, list[Project]]) -> None:
    for key, ps in projects.items():
        text = docs[key].text
        for p in ps:
            assert p.source.quote == text[p.source.start : p.source.end]
            assert p.source.quote.strip() == p.source.quote
            for u in p.lead_units:
                assert u.source.quote == text[u.source.start : u.source.end]


def _by_container(doc: Document, ps: list[Project]) -> dict[str, list[Project]]:
    out: dict[str, list[Project]] = {}
    for p in ps:
        out.setdefault(container(doc, p).number, []).append(p)
    return out


def test_annex_table_counts(docs: dict[str, Document], projects: dict[str, list[Project]]) -> None:
    counts = {k: len(v) for k, v in _by_container(docs["003"], projects["003"]).items()}
    assert counts == {"附表1": 22, "附表2": 6, "附表3": 6, "附表4": 9, "附表5": 22, "附表6": 3}


def test_annex_totals_match_printed(
    docs: dict[str, Document], projects: dict[str, list[Project]]
) -> None:
    """The investments of each 附表 add up to its printed 合计 row (the plan's own arithmetic)."""
    doc = docs["003"]
    by_table = _by_container(doc, projects["003"])
    for table in (s for s in doc.outline.walk() if s.kind == "table" and s.number in by_table):
        total = next(r for r in table.children if r.number == "合计")
        printed = Decimal(total.cells["投资估算（万元）"]) * 10_000
        assert sum(p.investment_yuan or 0 for p in by_table[table.number]) == printed, table.number


def test_annex1_exact(docs: dict[str, Document], projects: dict[str, list[Project]]) -> None:
    annex1 = _by_container(docs["003"], projects["003"])["附表1"]
    first, second, last = annex1[0], annex1[1], annex1[-1]
    assert (
        first.name,
        first.content,
        first.investment_as_printed,
        first.investment_yuan,
        first.period_start,
        first.period_end,
    ) == (
        "移动源污染治理",
        "完成市级下达的老旧车淘汰任务。",
        "1000",
        Decimal("10000000"),
        2022,
        2025,
    )
    assert [u.name_as_printed for u in first.lead_units] == ["区公安局"]
    assert all(u.role == "lead" for u in first.lead_units)
    # a continuation row: the name cell is empty and carries 移动源污染治理 down
    assert second.name == "移动源污染治理"
    assert second.content.startswith("完成市级下达的重型柴油车改造治理任务")
    assert second.investment_yuan == Decimal("2000000")
    assert [u.name_as_printed for u in second.lead_units] == ["区公安局", "区交通局"]
    assert (
        last.name,
        last.investment_as_printed,
        last.investment_yuan,
        last.period_start,
        last.period_end,
    ) == ("危险废物处理处置", "69700", Decimal("697000000"), 2022, 2025)
    assert last.content.startswith("重庆中明港桥环保有限责任公司100吨/天回转窑废物处置项目")
    assert "transport" in second.sectors


def test_box_counts(docs: dict[str, Document], projects: dict[str, list[Project]]) -> None:
    assert Counter(container(docs["000"], p).number for p in projects["000"]) == {
        "专栏1": 6,
        "专栏2": 5,
        "专栏3": 4,
        "专栏4": 5,
        "专栏5": 7,
        "专栏6": 4,
    }
    # 专栏1 of 002 is an indicator table: no projects
    assert Counter(container(docs["002"], p).number for p in projects["002"]) == {
        "专栏2": 1,
        "专栏3": 1,
        "专栏4": 1,
        "专栏5": 6,
        "专栏6": 6,
        "专栏7": 5,
    }


@pytest.mark.parametrize(
    ("key", "index", "name", "content_start"),
    [
        ("000", 0, "启动建设永川港桥园区“上大压小”热电联产项目（一期和二期）", ""),
        ("000", 5, "实施来苏-港桥园区页岩气管道工程", "推进永川-泸州成品油管道建设。"),
        ("000", 11, "铁路建设工程", "加快推进渝昆高铁建设"),
        ("000", 15, "“两岸青山•千里林带”建设工程", "在松溉、朱沱实施"),
        (
            "002",
            0,
            "碳达峰实施方案重点工程",
            "系统分析全区碳排放历史趋势和现状",
        ),  # one unnumbered block
        ("002", 3, "工业领域温室气体排放控制工程", "推动高耗能行业淘汰落后产能"),
        ("002", 19, "应对气候变化宣传项目", "开展系列应对气候变化宣传项目"),
    ],
)
def test_box_projects_exact(
    projects: dict[str, list[Project]], key: str, index: int, name: str, content_start: str
) -> None:
    p = projects[key][index]
    assert p.name == name
    assert p.content.startswith(content_start)
    if not content_start:
        assert p.content == ""


# -- against the hand-annotated gold set -------------------------------------------------------


def _gold() -> list[dict[str, str]]:
    with GOLD.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_gold_share_with_exact_investment(
    docs: dict[str, Document], projects: dict[str, list[Project]]
) -> None:
    """Share of gold projects found with exact name, investment (printed and in yuan), period
    and lead units; each extracted project answers at most one gold row."""
    gold = _gold()
    assert len(gold) >= 22 + 22 + 20
    unused = {key: list(ps) for key, ps in projects.items()}
    found = exact = 0
    misses: list[str] = []
    for row in gold:
        key = FILE_KEYS[row["plan"]]
        doc = docs[key]
        match = next(
            (
                p
                for p in unused[key]
                if p.name == row["name"] and container(doc, p).number == row["container"]
            ),
            None,
        )
        if match is None:
            misses.append(f"not found: {row}")
            continue
        unused[key].remove(match)
        found += 1
        want_yuan = Decimal(row["investment_yuan"]) if row["investment_yuan"] else None
        start, end = parse_period(row["period"])
        leads = [u.name_as_printed for u in match.lead_units]
        want_leads = row["lead_units"].split("、") if row["lead_units"] else []
        if (
            match.investment_as_printed,
            match.investment_yuan,
            match.period_start,
            match.period_end,
            leads,
        ) == (row["investment_as_printed"], want_yuan, start, end, want_leads):
            exact += 1
        else:
            misses.append(f"inexact: {row} vs {match}")
    share = exact / len(gold)
    print(
        f"\nprojects gold: {len(gold)} rows, found {found}, exact investment/period/lead "
        f"{exact} ({share:.1%})"
    )
    for miss in misses:
        print("  ", miss)
    assert share >= 0.97
