"""What a target value means (issue 10, item 2): change vs level, comparators, worded values,
past results, fragments and background headings. Every row is a sentence or a cell from the
failure list of the issue (or a DEV corpus plan) and the record it must yield.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from plankg.ingest.clean import clean
from plankg.ingest.document import Document
from plankg.ingest.extract_targets import extract_targets, is_background_heading, parse_cell
from plankg.ingest.metadata import extract_metadata
from plankg.ingest.segment import outline


def _doc(text: str, issued: date = date(2022, 6, 1)) -> Document:
    cleaned = clean(text)
    metadata = replace(
        extract_metadata(cleaned.text), issued=issued, period_start=2021, period_end=2025
    )
    return Document(
        Path("hand.txt"),
        None,
        cleaned,
        outline(cleaned),  # type: ignore[arg-type]
        metadata,
    )


def _prose(sentence: str) -> list[tuple[object, ...]]:
    doc = _doc("第三章 重点任务\n" + sentence + "\n")
    out = []
    for t in extract_targets(doc):
        assert t.source.quote == doc.text[t.source.start : t.source.end]
        out.append(
            (
                t.indicator_as_printed,
                t.indicator,
                t.target_year,
                t.comparator,
                None if t.value is None else str(t.value),
                t.change,
                t.value_meaning,
            )
        )
    return out


# (sentence, [(indicator as printed, canonical indicator, year, comparator, value, change,
#              value meaning)])
PROSE = [
    # a change is not a level: coal consumption falls by about 10 %, it is not 10 %
    (
        "到2025年，煤炭消费量下降10%左右。",
        [("煤炭消费量", None, 2025, "≈", "10", "decrease", None)],
    ),
    (
        "到2025年，单位地区生产总值二氧化碳排放下降14%。",
        [
            (
                "单位地区生产总值二氧化碳排放",
                "co2IntensityReduction",
                2025,
                "=",
                "14",
                "decrease",
                None,
            )
        ],
    ),
    # 下降到 is a level
    (
        "到2025年，煤炭消费比重下降到60%。",
        [("煤炭消费比重", "coalShare", 2025, "=", "60", None, None)],
    ),
    (
        "到2025年，化肥施用强度（折纯）降到15千克/亩。",
        [("化肥施用强度", None, 2025, "=", "15", None, None)],
    ),
    # upper bounds
    (
        "到2025年，细颗粒物年均浓度控制在30微克/立方米以内。",
        [("细颗粒物年均浓度", "pm25Concentration", 2025, "≤", "30", None, None)],
    ),
    (
        "到2025年，重污染天数比例不得高于7%。",
        [("重污染天数比例", None, 2025, "≤", "7", None, None)],
    ),
    (
        "到2025年，气象灾害损失占地区生产总值的平均比例不超过2%。",
        [("气象灾害损失占地区生产总值的平均比例", None, 2025, "≤", "2", None, None)],
    ),
    (
        "到2025年，能源消费总量不得超过2000万吨标准煤。",
        [("能源消费总量", "energyConsumptionTotal", 2025, "≤", "2000", None, None)],
    ),
    # ≈ and ≥
    (
        "到2025年，数字经济核心产业增加值占地区生产总值比重达到15%左右。",
        [("数字经济核心产业增加值占地区生产总值比重", None, 2025, "≈", "15", None, None)],
    ),
    (
        "到2025年，全省服务业增加值占地区生产总值比重达到60%以上。",
        [("服务业增加值占地区生产总值比重", None, 2025, "≥", "60", None, None)],
    ),
    # a rise is a change too
    (
        "到2025年，研发经费投入强度较2020年提高0.5个百分点。",
        [("研发经费投入强度", None, 2025, "=", "0.5", "increase", None)],
    ),
    # worded values keep their meaning
    (
        "到2025年，森林覆盖率不降低。",
        [("森林覆盖率", "forestCoverage", 2025, "=", None, None, "notBelowBaseline")],
    ),
    (
        "到2025年，城市黑臭水体比例基本消除。",
        [("城市黑臭水体比例", "blackOdorousWater", 2025, "=", None, None, "eliminated")],
    ),
    (
        "到2025年，单位地区生产总值能耗降低完成省下达任务。",
        [
            (
                "单位地区生产总值能耗降低",
                "energyIntensityReduction",
                2025,
                "=",
                None,
                None,
                "higherLevel",
            )
        ],
    ),
    # past results are not targets
    ("到2020年，全省森林覆盖率达到61.2%。", []),
    ("截至2021年底，全市累计建成充电桩3万个。", []),
    ("到2025年，全省森林覆盖率已达到61%，并继续提升。", []),
    ("“十三五”期间，全省单位地区生产总值能耗累计下降17%。", []),
    # fragments are not targets
    ("到2025年，规划新建6个。", []),
]


@pytest.mark.parametrize(("sentence", "expected"), PROSE, ids=[s[:14] for s, _ in PROSE])
def test_prose_meaning(sentence: str, expected: list[tuple[object, ...]]) -> None:
    assert _prose(sentence) == expected


# (cell, value, comparator, set by higher level, meaning, cumulative)
CELLS = [
    ("<27.0", Decimal("27.0"), "<", False, None, False),
    ("【14】", Decimal("14"), "=", False, None, True),
    ("不得高于7", Decimal("7"), "≤", False, None, False),
    ("不低于95", Decimal("95"), "≥", False, None, False),
    ("完成省下达任务", None, "=", True, "higherLevel", False),
    ("以国家下达为准", None, "=", True, "higherLevel", False),
    ("不降低", None, "=", False, "notBelowBaseline", False),
    ("基本消除", None, "=", False, "eliminated", False),
    ("60左右", Decimal("60"), "≈", False, None, False),
    ("95以上", Decimal("95"), "≥", False, None, False),
]


@pytest.mark.parametrize(
    ("cell", "value", "comparator", "higher", "meaning", "cumulative"),
    CELLS,
    ids=[c[0] for c in CELLS],
)
def test_cell_meaning(
    cell: str,
    value: Decimal | None,
    comparator: str,
    higher: bool,
    meaning: str | None,
    cumulative: bool,
) -> None:
    parsed = parse_cell(cell)
    assert (
        parsed.value,
        parsed.comparator,
        parsed.set_by_higher_level,
        parsed.meaning,
        parsed.cumulative,
    ) == (value, comparator, higher, meaning, cumulative)


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        (
            "到2025年，森林覆盖率由2020年的61.5%提高到63%。",
            ("森林覆盖率", 2025, "63", 2020, "61.5"),
        ),
        (
            "到2025年，森林覆盖率从2020年的61.5%提高到2025年的63%。",
            ("森林覆盖率", 2025, "63", 2020, "61.5"),
        ),
        (
            "到2025年，非化石能源消费比重由2020年底的16%提升至20%左右。",
            ("非化石能源消费比重", 2025, "20", 2020, "16"),
        ),
        (
            "到2025年，单位工业增加值能耗较2020年下降16%。",
            ("单位工业增加值能耗", 2025, "16", 2020, None),
        ),
        (
            "到2025年，森林覆盖率达到63%（2020年为61.5%）。",
            ("森林覆盖率", 2025, "63", 2020, "61.5"),
        ),
    ],
)
def test_prose_baseline(sentence: str, expected: tuple[object, ...]) -> None:
    """A baseline printed in the sentence (由2020年的61.5%提高到63%) is the target's baseline,
    not a target of its own."""
    doc = _doc("第三章 重点任务\n" + sentence + "\n")
    got = [
        (
            t.indicator_as_printed,
            t.target_year,
            str(t.value),
            t.baseline_year,
            None if t.baseline_value is None else str(t.baseline_value),
        )
        for t in extract_targets(doc)
    ]
    assert got == [expected]


def test_unit_against_the_indicator_refuses_the_mapping() -> None:
    """An industry's energy use per tonne is not the region's energy intensity (吨标准煤/万元):
    the mapping is refused and the fact flagged, the printed name kept."""
    doc = _doc(
        "第三章 重点任务\n到2025年，单位地区生产总值能耗降至550千克标准煤/吨。\n"
        "到2025年，单位地区生产总值能耗降至0.45吨标准煤/万元。\n"
    )
    got = [(t.indicator_as_printed, t.indicator, t.unit, t.flags) for t in extract_targets(doc)]
    assert got == [
        ("单位地区生产总值能耗", None, "千克标准煤/吨", ("unitMismatch",)),
        ("单位地区生产总值能耗", "energyIntensity", "吨标准煤/万元", ()),
    ]


def test_past_change_with_from_is_no_target() -> None:
    doc = _doc("第三章 重点任务\n森林覆盖率从2015年的50%提升至2020年的61.51%。\n")
    assert list(extract_targets(doc)) == []


@pytest.mark.parametrize(
    ("heading", "background"),
    [
        ("发展基础", True),
        ("现状与形势", True),
        ("应对气候变化工作成效", True),
        ("面临挑战", True),
        ("加快推进低碳基础设施建设", False),  # 基础 inside 基础设施
        ("强化基础设施气候适应能力", False),
        ("夯实协同减排工作基础", False),  # a task, not a background chapter
        ("主要目标", False),
    ],
)
def test_background_heading(heading: str, background: bool) -> None:
    assert is_background_heading(heading) is background


def test_targets_under_infrastructure_heading_are_kept() -> None:
    doc = _doc(
        "第一章 发展基础\n到2025年，森林覆盖率达到51%。\n"
        "第二章 提高能源基础设施气候韧性\n到2025年，新建截洪沟3.7公里。\n"
    )
    assert [(t.indicator_as_printed, str(t.value)) for t in extract_targets(doc)] == [
        ("新建截洪沟", "3.7")
    ]
