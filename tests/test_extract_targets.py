"""Targets from indicator tables and prose (`plankg.ingest.extract_targets`).

Table-driven rows pin the reading of single cells and sentences; per-plan checks pin the
indicator tables; a hand-annotated gold set (`tests/annotations/targets.csv`, written by reading
the plans) measures table exactness and prose recall and precision (`pytest -s` prints them).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from plankg.ingest.clean import clean
from plankg.ingest.document import Document, load_plan
from plankg.ingest.extract_targets import (
    check_targets,
    extract_targets,
    is_indicator_table,
    parse_cell,
    prose_targets,
    table_targets,
)
from plankg.ingest.metadata import extract_metadata
from plankg.ingest.records import Target
from plankg.ingest.segment import Segment, outline
from plankg.vocab import vocabulary
from tests.conftest import PLAN_FILES, PLANS

GOLD = Path(__file__).parent / "annotations" / "targets.csv"
TABLE_AIM = 0.98
RECALL_AIM = 0.85
PRECISION_AIM = 0.90
EIGHT_PLAN = "yongchuan-2022-eco-civilization-demo-zone.txt"  # 表2-1: the hardest table


# ------------------------------------------------------------------------------------------
# Cells


@pytest.mark.parametrize(
    ("cell", "value", "comparator", "cumulative", "higher"),
    [
        ("22.2", Decimal("22.2"), "=", False, False),
        ("≥200", Decimal("200"), "≥", False, False),
        ("＞51", Decimal("51"), ">", False, False),
        ("≤0.3", Decimal("0.3"), "≤", False, False),
        ("<28", Decimal("28"), "<", False, False),
        ("约5", Decimal("5"), "≈", False, False),
        ("5左右", Decimal("5"), "≈", False, False),
        ("【6】", Decimal("6"), "=", True, False),
        ("【＜28】", Decimal("28"), "<", True, False),
        ("市级下达", None, "=", False, True),
        ("完成市级下达目标", None, "=", False, True),
        ("完成市级规定的目标任务", None, "=", False, True),
        ("100，完成市级规定的目标任务", Decimal("100"), "=", False, True),
        ("开展", None, "=", False, False),
    ],
)
def test_parse_cell(
    cell: str, value: Decimal | None, comparator: str, cumulative: bool, higher: bool
) -> None:
    parsed = parse_cell(cell)
    assert (parsed.value, parsed.comparator, parsed.cumulative, parsed.set_by_higher_level) == (
        value,
        comparator,
        cumulative,
        higher,
    )


# ------------------------------------------------------------------------------------------
# A table row and prose sentences built by hand


def _doc(text: str) -> Document:
    """A Document from a text, as `load_plan` would build it from a file."""
    cleaned = clean(text)
    metadata = replace(extract_metadata(cleaned.text), issued=date(2022, 6, 1))
    return Document(
        Path("hand.txt"),
        None,
        cleaned,
        outline(cleaned),  # type: ignore[arg-type]
        metadata,
    )


def test_table_row_by_hand() -> None:
    text = "森林蓄积量（万立方米）\t200\t≥200\t约束性"
    row = Segment(
        "row",
        "11",
        "森林蓄积量（万立方米）",
        0,
        len(text),
        0,
        cells={
            "类别": "重点领域指标",
            "序号": "11",
            "指标名称": "森林蓄积量（万立方米）",
            "2020年": "200",
            "2025年": "≥200",
            "指标属性": "约束性",
        },
    )
    table = Segment(
        "table",
        "表1",
        "指标体系",
        0,
        len(text),
        0,
        (row,),
        columns=("类别", "序号", "指标名称", "2020年", "2025年", "指标属性"),
    )
    assert is_indicator_table(table)
    (target,) = table_targets(text, table, vocabulary())
    assert (
        target.indicator_as_printed,
        target.indicator,
        target.unit,
        target.value,
        target.target_year,
        target.comparator,
        target.value_as_printed,
        target.baseline_value,
        target.baseline_year,
        target.bindingness,
        target.set_by_higher_level,
        target.cumulative,
    ) == (
        "森林蓄积量（万立方米）",
        "forestStock",
        "万立方米",
        Decimal("200"),
        2025,
        "≥",
        "≥200",
        Decimal("200"),
        2020,
        "binding",
        False,
        False,
    )
    assert target.source.quote == text


def test_name_run_into_the_cells_is_flagged_and_not_mapped() -> None:
    """A name cell that holds the row's values and 约束性 (the columns ran together): the
    indicator it names is a guess among words of other cells, so the target keeps its printed
    name and the flag, and no canonical indicator; the same name printed alone maps."""
    run_on = "森林蓄积量（万立方米） 200 ≥200 约束性"
    targets = []
    for name in (run_on, "森林蓄积量（万立方米）"):
        text = f"{name}\t200\t≥200\t约束性"
        cells = {"指标名称": name, "2020年": "200", "2025年": "≥200", "指标属性": "约束性"}
        row = Segment("row", "1", name, 0, len(text), 0, cells=cells)
        table = Segment("table", "表1", "", 0, len(text), 0, (row,), columns=tuple(cells))
        targets += table_targets(text, table, vocabulary())
    assert [t.indicator for t in targets] == ["forestStock", "forestStock"]  # before the check
    checked = check_targets(targets, vocabulary(), 2021, 2025)
    assert [(t.indicator_as_printed, t.indicator, t.flags) for t in checked] == [
        (run_on, None, ("nameRunsIntoCells",)),
        ("森林蓄积量（万立方米）", "forestStock", ()),
    ]
    assert [t.value for t in checked] == [Decimal("200"), Decimal("200")]


def test_table_with_two_target_years_and_unit_column() -> None:
    text = "生态环境教育基地 个 ≥1 2 ≥2 ≥3"
    columns = (
        "领域",
        "序号",
        "指标名称",
        "单位",
        "指标值（A）",
        "2021年现状值",
        "2023年目标值",
        "2025年目标值",
        "责任单位",
    )
    row = Segment(
        "row",
        "38",
        "生态环境教育基地",
        0,
        len(text),
        0,
        cells={
            "领域": "生态文化",
            "序号": "38",
            "指标名称": "生态环境教育基地",
            "单位": "个",
            "指标值（A）": "≥1",
            "2021年现状值": "2",
            "2023年目标值": "≥2",
            "2025年目标值": "≥3",
            "责任单位": "区教委",
        },
    )
    table = Segment("table", "表2-1", "", 0, len(text), 0, (row,), columns=columns)
    got = [
        (t.target_year, t.value, t.comparator, t.unit, t.baseline_value, t.baseline_year)
        for t in table_targets(text, table, vocabulary())
    ]
    assert got == [
        (2023, Decimal("2"), "≥", "个", Decimal("2"), 2021),
        (2025, Decimal("3"), "≥", "个", Decimal("2"), 2021),
    ]


def test_task_table_is_not_an_indicator_table() -> None:
    table = Segment("table", "", "", 0, 0, 0, columns=("序号", "任务内容", "牵头单位", "责任单位"))
    assert not is_indicator_table(table)


@dataclass(frozen=True)
class Expect:
    indicator_as_printed: str
    target_year: int
    comparator: str
    value: str | None  # Decimal as text; None when set by a higher level
    baseline_year: int | None = None
    indicator: str | None = None


PROSE = [
    (
        "到2025年，森林蓄积量达90万立方米、森林覆盖率不低于38%。",
        [
            Expect("森林蓄积量", 2025, "=", "90", indicator="forestStock"),
            Expect("森林覆盖率", 2025, "≥", "38", indicator="forestCoverage"),
        ],
    ),
    (
        "到2025年，单位地区生产总值能耗和二氧化碳排放强度持续降低，分别较2020年降低16%、18%以上。",
        [
            Expect("单位地区生产总值能耗", 2025, "≥", "16", 2020, "energyIntensityReduction"),
            Expect("二氧化碳排放强度", 2025, "≥", "18", 2020, "co2IntensityReduction"),
        ],
    ),
    (
        "到2025年，细颗粒物年均浓度控制在30.3微克/立方米以内。",
        [Expect("细颗粒物年均浓度", 2025, "≤", "30.3")],
    ),
    (
        "到2025年，城镇绿色建筑占新建建筑比例达到100%。",
        [Expect("城镇绿色建筑占新建建筑比例", 2025, "=", "100")],
    ),
    (
        "力争到2025年，单位GDP能耗强度较2020年下降14.5%。",
        [Expect("单位GDP能耗强度", 2025, "=", "14.5", 2020, "energyIntensityReduction")],
    ),
    (
        "到2025年，单位地区生产总值二氧化碳排放下降完成上级下达目标。",
        [
            Expect(
                "单位地区生产总值二氧化碳排放下降",
                2025,
                "=",
                None,
                indicator="co2IntensityReduction",
            )
        ],
    ),
    (
        "到2023年，完成市级下达的单位地区生产总值用水量考核要求。",
        [Expect("单位地区生产总值用水量", 2023, "=", None)],
    ),
    ("“十四五”期间，全区新增光伏装机10万千瓦以上。", [Expect("新增光伏装机", 2025, "≥", "10")]),
    (
        "农膜回收率到2023年、2025年分别达到88%、90%以上。",
        [Expect("农膜回收率", 2023, "≥", "88"), Expect("农膜回收率", 2025, "≥", "90")],
    ),
    (
        "到2030年，非化石能源消费比重达到25%左右。",
        [Expect("非化石能源消费比重", 2030, "≈", "25", indicator="nonFossilShare")],
    ),
    (
        "力争到2025年，全区创建1个低碳产业示范园区、5个低碳社区试点。",
        [Expect("创建低碳产业示范园区", 2025, "=", "1"), Expect("低碳社区试点", 2025, "=", "5")],
    ),
    # a past year that qualifies a noun (2005年前建成的) does not switch targets off
    (
        "到2025年，基本完成2005年前建成的老旧小区改造，既有建筑节能改造完成500万平方米。",
        [Expect("既有建筑节能改造完成", 2025, "=", "500")],
    ),
    # the deadline in a task's tag is the year of a sentence that prints none
    (
        "全省新增光伏装机30万千瓦(责任部门：气候处，完成期限：2024年四季度)。",
        [Expect("新增光伏装机", 2024, "=", "30")],
    ),
    ("到2025年，森林覆盖率完成省定目标。", [Expect("森林覆盖率", 2025, "=", None)]),
    # an investment to complete is a target; money to spend or give is not
    ("到2025年，完成技改投资100亿元以上。", [Expect("完成技改投资", 2025, "≥", "100")]),
    (
        "“十四五”期间，建设煤矿瓦斯治理示范井5处。",
        [Expect("建设煤矿瓦斯治理示范井", 2025, "=", "5")],
    ),
    # values in a sentence that pays a subsidy are conditions to qualify
    ("到2025年，对年节能量达到300吨标准煤以上的项目，按照每吨标准煤500元的标准补助。", []),
    # background: past years and earlier periods state facts, not targets
    ("“十三五”期间，全区单位地区生产总值能耗降低16%。", []),
    ("2020年，森林覆盖率达到51%，较2015年提高6.7个百分点。", []),
    # no target year: a project output, not a target
    ("实施中小河流治理项目10个。", []),
    # a milestone without a number is not a target here
    ("力争2030年前实现碳达峰、2060年前实现碳中和。", []),
]


@pytest.mark.parametrize(("sentence", "expected"), PROSE, ids=[s[:12] for s, _ in PROSE])
def test_prose_sentence(sentence: str, expected: list[Expect]) -> None:
    text = "第三章 重点任务\n" + sentence + "\n"
    doc = _doc(text)
    got = [t for t in extract_targets(doc) if t.source.segment.kind != "row"]
    assert [
        (
            t.indicator_as_printed,
            t.target_year,
            t.comparator,
            None if t.set_by_higher_level else str(t.value),
            t.baseline_year,
        )
        for t in got
    ] == [
        (e.indicator_as_printed, e.target_year, e.comparator, e.value, e.baseline_year)
        for e in expected
    ]
    for t, e in zip(got, expected, strict=True):
        if e.indicator:
            assert t.indicator == e.indicator
        assert t.source.quote == doc.text[t.source.start : t.source.end]
        assert t.source.quote.replace("\n", "") in sentence


def test_range_is_kept_as_printed() -> None:
    """建成3—5个: both ends as printed, no single value, meaning pk:range."""
    doc = _doc("第三章 重点任务\n到2025年，建成3—5个近零碳排放示范区。\n")
    (t,) = [t for t in extract_targets(doc) if t.source.segment.kind != "row"]
    assert (t.value, t.value_as_printed, t.value_meaning, t.target_year) == (
        None,
        "3—5个",
        "range",
        2025,
    )


def test_background_heading_is_skipped() -> None:
    doc = _doc(
        "第一章 发展基础\n到2025年，森林覆盖率达到51%。\n第二章 主要目标\n"
        "到2025年，森林覆盖率达到52%。\n"
    )
    assert [t.value for t in extract_targets(doc)] == [Decimal("52")]


def test_prose_quote_is_the_clause() -> None:
    doc = _doc("第三章 重点任务\n到2025年，森林蓄积量达90万立方米、森林覆盖率不低于38%。\n")
    quotes = [t.source.quote for t in extract_targets(doc)]
    assert quotes == ["森林蓄积量达90万立方米", "森林覆盖率不低于38%"]


def test_prose_function_alone() -> None:
    """`prose_targets` reads one unit without a document around it."""
    doc = _doc("第三章 重点任务\n到2025年，测土配方施肥覆盖率达到97%。\n")
    assert callable(prose_targets)
    assert [str(t.value) for t in extract_targets(doc)] == ["97"]


# ------------------------------------------------------------------------------------------
# The plans


@pytest.fixture(scope="module")
def extracted() -> dict[str, tuple[Document, list[Target]]]:
    out = {}
    for path in sorted(PLANS.glob("*.txt")):
        doc = load_plan(path)
        out[path.name] = (doc, list(extract_targets(doc)))
    return out


def test_every_quote_is_its_span(extracted: dict[str, tuple[Document, list[Target]]]) -> None:
    for doc, targets in extracted.values():
        for t in targets:
            assert t.source.quote == doc.text[t.source.start : t.source.end]
            assert 0 <= t.source.start < t.source.end <= len(doc.text)


def test_yongchuan_table_1(extracted: dict[str, tuple[Document, list[Target]]]) -> None:
    _, targets = extracted[PLAN_FILES["000"].name]
    rows = [t for t in targets if t.bindingness is not None]
    assert len(rows) == 16  # 16 rows, one target year (2025) each
    by_name = {t.indicator_as_printed: t for t in rows}
    t = by_name["单位地区生产总值能源消费下降率（%）"]
    assert (t.value, t.baseline_value, t.baseline_year, t.bindingness, t.indicator) == (
        Decimal("14.5"),
        Decimal("22.2"),
        2020,
        "binding",
        "energyIntensityReduction",
    )
    t = by_name["森林覆盖率（%）"]
    assert (t.comparator, t.value, t.value_as_printed) == (">", Decimal("51"), "＞51")
    t = by_name["单位地区生产总值二氧化碳排放下降（%）"]
    assert (t.value, t.set_by_higher_level, t.baseline_value) == (None, True, None)
    t = by_name["农业灌溉用水有效利用系数"]
    assert (t.unit, t.value, t.bindingness) == (None, Decimal("0.515"), "expected")
    assert sum(t.set_by_higher_level for t in rows) == 6


def test_rongchang_box_1(extracted: dict[str, tuple[Document, list[Target]]]) -> None:
    _, targets = extracted[PLAN_FILES["002"].name]
    rows = {t.indicator_as_printed: t for t in targets if t.bindingness is not None}
    assert len(rows) == 16
    t = rows["公共机构人均能耗下降（%）"]
    assert (t.value, t.cumulative, t.value_as_printed) == (Decimal("6"), True, "【6】")
    t = rows["森林蓄积量（万立方米）"]
    assert (t.value, t.baseline_value, t.unit) == (Decimal("90"), Decimal("84.08"), "万立方米")


def test_eco_table_two_years(extracted: dict[str, tuple[Document, list[Target]]]) -> None:
    _, targets = extracted[PLAN_FILES["003"].name]
    rows = [t for t in targets if t.indicator_as_printed == "生态环境教育基地"]
    assert [(t.target_year, t.value_as_printed) for t in rows] == [(2023, "≥2"), (2025, "≥3")]


# ------------------------------------------------------------------------------------------
# The gold set


@dataclass(frozen=True)
class Gold:
    plan: str
    indicator_as_printed: str
    target_year: int
    comparator: str
    value_as_printed: str
    value: Decimal | None
    baseline_value: Decimal | None
    baseline_year: int | None
    source_kind: str
    set_by_higher_level: bool


def _gold() -> list[Gold]:
    with GOLD.open(encoding="utf-8") as f:
        return [
            Gold(
                r["plan"],
                r["indicator_as_printed"],
                int(r["target_year"]),
                r["comparator"],
                r["value_as_printed"],
                Decimal(r["value"]) if r["value"] else None,
                Decimal(r["baseline_value"]) if r["baseline_value"] else None,
                int(r["baseline_year"]) if r["baseline_year"] else None,
                r["source_kind"],
                r["set_by_higher_level"] == "1",
            )
            for r in csv.DictReader(f)
        ]


_NORM = re.compile(r"[\s（(][^（()）]*[）)]\s*$|\s")


def _norm(name: str) -> str:
    return _NORM.sub("", name)


def _overlap(a: str, b: str) -> bool:
    """Names overlap when one contains the other or they share 4 consecutive characters."""
    a, b = _norm(a), _norm(b)
    if a in b or b in a:
        return True
    return any(a[i : i + 4] in b for i in range(len(a) - 3))


def _same_value(g: Gold, t: Target) -> bool:
    if g.set_by_higher_level:
        return t.set_by_higher_level and (g.value is None or t.value == g.value)
    return t.value is not None and t.value == g.value


def _table_exact(g: Gold, t: Target) -> bool:
    return (
        t.value_as_printed == g.value_as_printed
        and t.value == g.value
        and t.comparator == g.comparator
        and t.baseline_value == g.baseline_value
        and t.baseline_year == g.baseline_year
        and t.set_by_higher_level == g.set_by_higher_level
    )


def _table_targets(doc: Document, targets: list[Target]) -> list[Target]:
    rows = {
        row.start
        for seg in doc.outline.walk()
        if seg.kind == "table" and is_indicator_table(seg)
        for row in seg.children
    }
    return [t for t in targets if t.source.segment.kind == "row" and t.source.segment.start in rows]


def test_gold_set(extracted: dict[str, tuple[Document, list[Target]]]) -> None:
    gold = _gold()
    table_gold = [g for g in gold if g.source_kind == "table"]
    prose_gold = [g for g in gold if g.source_kind == "prose"]
    assert len({g.plan for g in prose_gold}) == 5 and len(prose_gold) >= 40

    def table_found(g: Gold) -> bool:
        doc, targets = extracted[g.plan]
        return any(
            t.target_year == g.target_year
            and _norm(g.indicator_as_printed) in _norm(t.indicator_as_printed)
            and _table_exact(g, t)
            for t in _table_targets(doc, targets)
        )

    main = [g for g in table_gold if g.plan != EIGHT_PLAN]
    eco = [g for g in table_gold if g.plan == EIGHT_PLAN]
    main_ok = [table_found(g) for g in main]
    eco_ok = [table_found(g) for g in eco]

    prose: list[tuple[str, Target]] = []
    for name, (doc, targets) in extracted.items():
        table = {id(t) for t in _table_targets(doc, targets)}
        prose += [(name, t) for t in targets if id(t) not in table]

    def matches(g: Gold, plan: str, t: Target) -> bool:
        return (
            plan == g.plan
            and t.target_year == g.target_year
            and _same_value(g, t)
            and _overlap(g.indicator_as_printed, t.indicator_as_printed)
        )

    recalled = [any(matches(g, p, t) for p, t in prose) for g in prose_gold]
    correct = [any(matches(g, p, t) for g in prose_gold) for p, t in prose]
    comparators = [
        any(matches(g, p, t) and g.comparator == t.comparator for p, t in prose) for g in prose_gold
    ]
    table_rate = sum(main_ok) / len(main_ok)
    eco_rate = sum(eco_ok) / len(eco_ok)
    recall = sum(recalled) / len(prose_gold)
    precision = sum(correct) / len(prose)
    print(
        f"\n[targets] indicator-table targets exact (000 表1, 002 专栏1): "
        f"{sum(main_ok)}/{len(main_ok)} = {table_rate:.1%}"
    )
    print(
        f"[targets] indicator-table targets exact (003 表2-1): "
        f"{sum(eco_ok)}/{len(eco_ok)} = {eco_rate:.1%}"
    )
    print(
        f"[targets] prose recall {sum(recalled)}/{len(prose_gold)} = {recall:.1%}, "
        f"precision {sum(correct)}/{len(prose)} = {precision:.1%}, "
        f"comparator agrees on {sum(comparators)}/{sum(recalled)} recalled"
    )
    for g, ok in zip(prose_gold, recalled, strict=True):
        if not ok:
            print(
                f"[targets]   missed: {g.plan} {g.indicator_as_printed} {g.target_year} "
                f"{g.value_as_printed}"
            )
    for (p, t), ok in zip(prose, correct, strict=True):
        if not ok:
            print(
                f"[targets]   extra: {p} {t.indicator_as_printed} {t.target_year} "
                f"{t.value_as_printed}"
            )
    for g, ok in zip(main + eco, main_ok + eco_ok, strict=True):
        if not ok:
            print(
                f"[targets]   table row wrong: {g.plan} {g.indicator_as_printed} "
                f"{g.target_year} {g.value_as_printed}"
            )
    assert table_rate >= TABLE_AIM
    assert recall >= RECALL_AIM
    assert precision >= PRECISION_AIM
