"""Measures (plankg.ingest.extract_measures): where they are, what they carry.

Counts per plan are ranges, justified by the plans' structure (see `EXPECTED_COUNTS`); sectors of
a few measures are picked by hand; no measure may come from a background or framework chapter;
every quote is the exact text of its span.
"""

from __future__ import annotations

from functools import cache

import pytest

from plankg.ingest.document import Document, load_plan
from plankg.ingest.extract_measures import (
    extract_measures,
    flatten,
    heading_category,
    keyword_hits,
    keywords,
    rank_concepts,
    task_column,
)
from plankg.ingest.records import Measure
from plankg.vocab import vocabulary
from tests.conftest import PARENT_FILES, PLAN_FILES

# Ranges, from the outline of each plan:
# 000: 89 rows of the appendix task table + ~60 leaf items of chapters 3-6 + ~30 box items + 4
#      safeguards;  001: 21 numbered tasks + 3 safeguards;  002: ~45 run-in paragraphs of the
#      action sections + 15 box items + 4 safeguard sections;  003: ~75 run-in paragraphs of
#      chapter 3 + 5 safeguards (its project tables are projects, not measures);
# 004: 25 numbered tasks + 4 safeguards.
EXPECTED_COUNTS = {
    "000": (150, 220),
    "001": (20, 30),
    "002": (50, 90),
    "003": (60, 120),
    "004": (25, 35),
    "joint": (26, 35),
    "municipal": (60, 140),
}


@cache
def _doc(key: str) -> Document:
    return load_plan({**PLAN_FILES, **PARENT_FILES}[key])


@cache
def _measures(key: str) -> tuple[Measure, ...]:
    return tuple(extract_measures(_doc(key)))


@pytest.mark.parametrize("key", sorted(EXPECTED_COUNTS))
def test_counts(key: str) -> None:
    lo, hi = EXPECTED_COUNTS[key]
    n = len(_measures(key))
    print(f"{key}: {n} measures")
    assert lo <= n <= hi


@pytest.mark.parametrize("key", sorted(EXPECTED_COUNTS))
def test_quotes_are_exact(key: str) -> None:
    doc = _doc(key)
    for m in _measures(key):
        assert m.source.quote == doc.text[m.source.start : m.source.end]
        assert m.text.strip()
        for u in m.units:
            assert m.source.start <= u.source.start and u.source.end <= m.source.end
        for p in m.places:
            assert p.source.quote == p.surface
            assert p.name != doc.metadata.district


@pytest.mark.parametrize("key", sorted(EXPECTED_COUNTS))
def test_no_measure_from_background_or_framework(key: str) -> None:
    doc = _doc(key)
    excluded = [
        s
        for s in doc.outline.walk()
        if s.kind in ("chapter", "section", "item", "part") and heading_category(s.heading)
    ]
    for m in _measures(key):
        for s in excluded:
            assert not (s.start <= m.source.start < s.end), (s.heading, m.label)


def test_no_measure_from_situation_chapter_of_000() -> None:
    doc = _doc("000")
    chapter = next(s for s in doc.outline.children if s.heading == "现状与形势")
    assert heading_category(chapter.heading) == "background"
    assert not [m for m in _measures("000") if chapter.start <= m.source.start < chapter.end]


@pytest.mark.parametrize(
    ("heading", "category"),
    [
        ("现状与形势", "background"),
        ("应对气候变化的基础和形势", "background"),
        ("工作基础与形势分析", "background"),
        ("总体要求", "framework"),
        ("指导思想", "framework"),
        ("基本原则", "framework"),
        ("主要目标", "framework"),
        ("行动目标", "framework"),
        ("重点工程与效益分析", "outcome"),
        ("保障措施", None),
        ("加强城乡基础设施气候韧性", None),
        ("严格控制温室气体排放", None),
    ],
)
def test_heading_category(heading: str, category: str | None) -> None:
    assert heading_category(heading) == category


def test_task_column() -> None:
    assert task_column(("序号", "任务类别", "任务内容", "牵头单位", "责任单位")) == "任务内容"
    assert task_column(("序号", "项目名称", "主要建设内容及规模", "牵头部门")) is None


def _find(key: str, number: str = "", label: str = "") -> Measure:
    return next(
        m
        for m in _measures(key)
        if (not number or m.number == number) and (not label or m.label == label)
    )


@pytest.mark.parametrize(
    ("key", "number", "label", "sectors"),
    [
        ("004", "1．", "协同开发油气资源", {"energy"}),
        ("004", "16．", "加强金融支持绿色低碳发展", {"financeMarkets"}),
        ("004", "9．", "提高公共交通出行比例", {"transport"}),
        ("002", "", "大力推动绿色建筑发展", {"buildings"}),
        ("002", "", "持续增加生态系统碳汇能力", {"forestrySinks"}),
        ("000", "", "增加林业碳汇", {"forestrySinks"}),
        ("001", "（十七）", "深入打好“蓝天”保卫战", {"pollutionCoControl"}),
    ],
)
def test_sectors(key: str, number: str, label: str, sectors: set[str]) -> None:
    m = _find(key, number, label)
    assert sectors <= set(m.sectors[:2]), m.sectors


def test_measure_carries_its_units_and_number() -> None:
    m = _find("004", "1．")
    assert m.label == "协同开发油气资源"
    assert m.text.startswith("协同开发油气资源。助力共建")
    assert "牵头单位" not in m.text  # the assignment is in the units, the quote keeps it
    assert "牵头单位" in m.source.quote
    assert [(u.role, u.name_as_printed) for u in m.units] == [
        ("lead", "区发展改革委"),
        ("cooperating", "区经济信息委"),
    ]


def test_task_table_rows_are_measures() -> None:
    rows = [m for m in _measures("000") if m.source.segment.kind == "row"]
    assert len(rows) == 89
    m = next(m for m in rows if m.number == "17")
    assert m.text == "加快充电设施建设。推进电动汽车充电基础设施建设。"
    assert m.label == "加快充电设施建设"
    assert [(u.role, u.name_as_printed) for u in m.units] == [
        ("lead", "区交通局"),
        ("lead", "区能源局"),
    ]


def test_places_exclude_own_district() -> None:
    m = _find("004", "8．")
    names = {p.name for p in m.places}
    assert "江津区" not in names
    assert "泸州市" in names


@pytest.mark.parametrize(
    ("text", "scheme", "expected"),
    [
        ("推广新能源汽车，建设充电桩和换电站。", "sector", "transport"),
        ("推进林业碳汇项目开发，探索碳汇交易。", "sector", "forestrySinks"),
        ("完善碳排放权交易，推广绿色信贷和绿色债券。", "instrument", "economic"),
        ("严禁新增钢铁产能，依法查处违法行为。", "instrument", "regulatory"),
        ("开展节能宣传周和全国低碳日宣传教育。", "instrument", "informational"),
    ],
)
def test_keyword_hits(text: str, scheme: str, expected: str) -> None:
    ranked = rank_concepts(keyword_hits(text, vocabulary(), scheme), 3, 3)
    assert ranked[0] == expected


def test_keywords_drop_domain_stop_words() -> None:
    tags = keywords("大力推进页岩气勘探开发，加快建设天然气输气管网，积极推动天然气发电。")
    assert "页岩气" in tags
    assert not {"推进", "加快", "积极", "推动", "大力"} & set(tags)


@pytest.mark.parametrize(
    ("printed", "heading_line", "flat"),
    [
        (
            "加快能源结构调整，全面提高非化石能\n源消费比重。",
            False,
            "加快能源结构调整，全面提高非化石能源消费比重。",
        ),
        ("增加林业碳汇\n牢筑长江上游生态屏障。", True, "增加林业碳汇\n牢筑长江上游生态屏障。"),
        ("严控煤炭消费。\n加快能源结构调整。", False, "严控煤炭消费。\n加快能源结构调整。"),
        ("\t区住房城乡\n\t建委", False, "区住房城乡建委"),
    ],
)
def test_flatten(printed: str, heading_line: bool, flat: str) -> None:
    assert flatten(printed, heading_line) == flat
