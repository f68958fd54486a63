"""Tables rebuilt from cleaned plan text (plankg.ingest.tables).

Each table is found by its caption or header in the cleaned text, never by offset. The span
invariant checked for every printed cell of every row:

* ``"".join(text[s:e] for s, e in row.pieces[col]) == row.cells[col]`` (exact), and
* ``row.spans[col] == (pieces[0][0], pieces[-1][1])`` lies inside ``text[row.start:row.end]``, and
* when the pieces are on consecutive lines, ``text[s:e]`` with every "\\n" and the "\\t" that opens
  a line removed equals the cell.
Carried cells have no span and are listed in ``row.carried``.
"""

from __future__ import annotations

import random
import re
from functools import cache
from itertools import pairwise
from pathlib import Path

import pytest

from plankg.ingest.clean import clean
from plankg.ingest.read import read_plan
from plankg.ingest.tables import Row, Table, looks_like_header, parse_table

ROOT = Path(__file__).resolve().parent.parent
PLANS = ROOT / "data" / "plans"
PARENTS = ROOT.parent / "shared" / "parents"

CLIMATE_000 = "yongchuan-2022-climate-14fyp.txt"
RONGCHANG_002 = "rongchang-2022-climate-14fyp.txt"
ECO_003 = "yongchuan-2022-eco-civilization-demo-zone.txt"


@cache
def cleaned(name: str) -> str:
    return clean(read_plan(PLANS / name).text).text


def find_table(text: str, caption: str, nth: int = 0) -> Table:
    """The table whose header is the first header line after `caption` (nth occurrence)."""
    pos = -1
    for _ in range(nth + 1):
        pos = text.index(caption, pos + 1)
    line_start = text.index("\n", pos) + 1
    while True:
        line_end = text.find("\n", line_start)
        line_end = len(text) if line_end < 0 else line_end
        if looks_like_header(text[line_start:line_end]):
            break
        line_start = line_end + 1
    table = parse_table(text, line_start, len(text))
    assert table is not None, f"no table after {caption!r}"
    return table


def check_spans(text: str, table: Table) -> None:
    for row in table.rows:
        assert row.start < row.end
        for col, span in row.spans.items():
            pieces = row.pieces[col]
            assert "".join(text[s:e] for s, e in pieces) == row.cells[col], (col, row.cells)
            assert span == (pieces[0][0], pieces[-1][1])
            assert row.start <= span[0] < span[1] <= row.end
            between = [text[a[1] : b[0]] for a, b in pairwise(pieces)]
            if all(re.fullmatch(r"\n(?:\n?\t?)?", gap) for gap in between):
                printed = re.sub(r"\n\t?", "", text[span[0] : span[1]])
                assert printed == row.cells[col], (col, row.cells)
            assert col not in row.carried
        for col in row.carried:
            assert col not in row.spans
        assert set(row.cells) == set(table.columns)
    # rows are in document order, do not overlap and lie inside the table
    for above, below in pairwise(table.rows):
        assert above.end <= below.start, (above.cells, below.cells)
    assert all(table.start <= r.start and r.end <= table.end for r in table.rows)


def by_number(table: Table, number: str) -> Row:
    return next(r for r in table.rows if r.cells.get("序号") == number)


# ---------------------------------------------------------------------------------------------
# Which tables, their columns and row counts

TABLES = [
    # (plan, caption, nth, columns, rows)
    (
        CLIMATE_000,
        "表1永川区应对气候变化指标体系",
        0,
        ("类别", "序号", "指标名称", "2020年", "2025年", "指标属性"),
        16,
    ),
    (
        CLIMATE_000,
        "规划重点任务分工表",
        0,
        ("序号", "任务类别", "任务内容", "牵头单位", "责任单位"),
        89,
    ),
    (RONGCHANG_002, "专栏1", 0, ("类别", "序号", "指标名称", "2020年", "2025年", "指标属性"), 16),
    (
        ECO_003,
        "附表1",
        0,
        ("序号", "项目名称", "主要建设内容及规模", "投资估算（万元）", "实施周期", "牵头部门"),
        23,
    ),
    (
        ECO_003,
        "附表2",
        0,
        ("序号", "项目名称", "主要建设内容及规模", "投资估算（万元）", "实施周期", "牵头部门"),
        7,
    ),
    (
        ECO_003,
        "附表3",
        0,
        ("序号", "项目名称", "主要建设内容及规模", "投资估算（万元）", "实施周期", "牵头部门"),
        7,
    ),
    (
        ECO_003,
        "附表4",
        0,
        ("序号", "项目名称", "主要建设内容及规模", "投资估算（万元）", "实施周期", "牵头部门"),
        10,
    ),
    (
        ECO_003,
        "附表5",
        0,
        ("序号", "项目名称", "主要建设内容及规模", "投资估算（万元）", "实施周期", "牵头部门"),
        23,
    ),
    (
        ECO_003,
        "附表6",
        0,
        ("序号", "项目名称", "主要建设内容及规模", "投资估算（万元）", "实施周期", "牵头部门"),
        4,
    ),
    (ECO_003, "表2-2", 0, ("评分情况", "指标类别"), 2),
    (ECO_003, "表2-3", 0, ("难易程度", "指标名称"), 2),
]


@pytest.mark.parametrize(("plan", "caption", "nth", "columns", "count"), TABLES)
def test_columns_rows_and_spans(
    plan: str, caption: str, nth: int, columns: tuple[str, ...], count: int
) -> None:
    text = cleaned(plan)
    table = find_table(text, caption, nth)
    assert table.columns == columns
    assert len(table.rows) == count
    check_spans(text, table)
    assert table.start < table.rows[0].start
    assert table.rows[-1].end <= table.end


@pytest.mark.parametrize(
    ("plan", "caption", "numbers"),
    [
        (CLIMATE_000, "表1永川区应对气候变化指标体系", 16),
        (CLIMATE_000, "规划重点任务分工表", 89),
        (RONGCHANG_002, "专栏1", 16),
    ],
)
def test_numbers_run_without_gaps(plan: str, caption: str, numbers: int) -> None:
    table = find_table(cleaned(plan), caption)
    assert [r.cells["序号"] for r in table.rows] == [str(n) for n in range(1, numbers + 1)]


# ---------------------------------------------------------------------------------------------
# Exact cells: (plan, caption, row number, column, value, carried?)

CELLS = [
    # 000 表1: first and last rows, carried and wrapped category, values as printed
    (CLIMATE_000, "表1永川区应对气候变化指标体系", "1", "类别", "综合性指标", False),
    (CLIMATE_000, "表1永川区应对气候变化指标体系", "1", "2020年", "/", False),
    (CLIMATE_000, "表1永川区应对气候变化指标体系", "1", "2025年", "市级下达", False),
    (CLIMATE_000, "表1永川区应对气候变化指标体系", "2", "类别", "综合性指标", True),
    (CLIMATE_000, "表1永川区应对气候变化指标体系", "6", "类别", "重点领域指标", False),
    (CLIMATE_000, "表1永川区应对气候变化指标体系", "11", "2025年", "≥200", False),
    (CLIMATE_000, "表1永川区应对气候变化指标体系", "12", "2025年", "＞51", False),
    (CLIMATE_000, "表1永川区应对气候变化指标体系", "15", "2020年", "0.508", False),
    (CLIMATE_000, "表1永川区应对气候变化指标体系", "15", "类别", "气候适应性指标", False),
    (CLIMATE_000, "表1永川区应对气候变化指标体系", "16", "指标名称", "水土保持率（%）", False),
    (CLIMATE_000, "表1永川区应对气候变化指标体系", "16", "指标属性", "预期性", False),
    # 000 appendix: category wrapped and carried, wrapped unit lists, "/" kept, page breaks
    (CLIMATE_000, "规划重点任务分工表", "1", "任务类别", "约束性指标", False),
    (
        CLIMATE_000,
        "规划重点任务分工表",
        "1",
        "任务内容",
        "到2025年，单位地区生产总值二氧化碳排放下降率完成市级下达目标",
        False,
    ),
    (CLIMATE_000, "规划重点任务分工表", "1", "牵头单位", "区生态环境局", False),
    (CLIMATE_000, "规划重点任务分工表", "1", "责任单位", "/", False),
    (CLIMATE_000, "规划重点任务分工表", "7", "任务类别", "约束性指标", True),
    (CLIMATE_000, "规划重点任务分工表", "8", "任务类别", "推动实施碳排放达峰行动", False),
    (
        CLIMATE_000,
        "规划重点任务分工表",
        "8",
        "责任单位",
        "区能源局、区经济信息委、区林业局、区农业农村委、区住房城乡建委、区生态环境局、区交通局等",
        False,
    ),
    (
        CLIMATE_000,
        "规划重点任务分工表",
        "9",
        "牵头单位",
        "区能源局、区经济信息委、区住房城乡建委、区交通局",
        False,
    ),
    (CLIMATE_000, "规划重点任务分工表", "9", "责任单位", "/", False),
    (
        CLIMATE_000,
        "规划重点任务分工表",
        "12",
        "任务内容",
        "做强生态休闲养生旅游业，实施“旅游+”工程，推动发展全域旅游。重点发展中国西部欢乐城、"
        "黄瓜山乡村旅游区升级等项目。",
        False,
    ),
    (
        CLIMATE_000,
        "规划重点任务分工表",
        "13",
        "责任单位",
        "永川银保监分局、人民银行永川支行",
        False,
    ),
    (CLIMATE_000, "规划重点任务分工表", "17", "牵头单位", "区交通局、区能源局", False),
    (
        CLIMATE_000,
        "规划重点任务分工表",
        "19",
        "责任单位",
        "永川高新区管委会、凤凰湖产业促进中心、港桥产业促进中心、三教产业促进中心",
        False,
    ),
    (CLIMATE_000, "规划重点任务分工表", "22", "责任单位", "区水利局", False),
    (CLIMATE_000, "规划重点任务分工表", "51", "责任单位", "区公安局、有关镇街", False),
    (
        CLIMATE_000,
        "规划重点任务分工表",
        "53",
        "任务内容",
        "强化关闭煤矿环境治理，加快绿色矿山建设。到2025年，完成134个历史遗留和关闭矿山修复治理。",
        False,
    ),
    (CLIMATE_000, "规划重点任务分工表", "66", "责任单位", "各镇街", False),
    (CLIMATE_000, "规划重点任务分工表", "75", "任务类别", "探索气候治理数字化赋能", False),
    (
        CLIMATE_000,
        "规划重点任务分工表",
        "76",
        "任务内容",
        "构建生态环境数字化监测体系，优化环境治理与灾害应急设施支撑。推动人工智能+环保体系在城市"
        "农业、能源、水资源的全域应用研发。",
        False,
    ),
    (
        CLIMATE_000,
        "规划重点任务分工表",
        "85",
        "责任单位",
        "区规划自然资源局、区生态环境局、区水利局",
        False,
    ),
    (
        CLIMATE_000,
        "规划重点任务分工表",
        "88",
        "任务内容",
        "加快区域碳普惠推广，逐步在全区范围内推行碳普惠制度。建立碳普惠平台，丰富碳普惠产品，"
        "强化与其他地区及相关交易平台的互联互认。",
        False,
    ),
    (CLIMATE_000, "规划重点任务分工表", "89", "责任单位", "区商务委", False),
    (CLIMATE_000, "规划重点任务分工表", "89", "任务类别", "推进碳普惠制试点建设", True),
    # 002 专栏1
    (RONGCHANG_002, "专栏1", "1", "类别", "综合性指标", False),
    (RONGCHANG_002, "专栏1", "1", "2020年", "—", False),
    (RONGCHANG_002, "专栏1", "2", "类别", "综合性指标", True),
    (RONGCHANG_002, "专栏1", "11", "类别", "重点领域指标", False),
    (RONGCHANG_002, "专栏1", "12", "2025年", "【6】", False),
    (RONGCHANG_002, "专栏1", "16", "指标名称", "秸秆综合利用率（%）", False),
    (RONGCHANG_002, "专栏1", "16", "类别", "气候适应性指标", True),
    # 003 附表1
    (ECO_003, "附表1", "1", "项目名称", "移动源污染治理", False),
    (ECO_003, "附表1", "1", "投资估算（万元）", "1000", False),
    (ECO_003, "附表1", "2", "项目名称", "移动源污染治理", True),
    (ECO_003, "附表1", "2", "牵头部门", "区公安局、区交通局", False),
    (ECO_003, "附表1", "22", "实施周期", "2022-2025", False),
    (ECO_003, "附表1", "合计", "投资估算（万元）", "152173", False),
]


@pytest.mark.parametrize(("plan", "caption", "number", "column", "value", "carried"), CELLS)
def test_cell(plan: str, caption: str, number: str, column: str, value: str, carried: bool) -> None:
    row = by_number(find_table(cleaned(plan), caption), number)
    assert row.cells[column] == value
    assert (column in row.carried) is carried


def test_header_wrapped_cells_are_joined() -> None:
    text = cleaned(ECO_003)
    assert "投资估算（万元）" in find_table(text, "附表1").columns
    assert find_table(cleaned(RONGCHANG_002), "专栏1").columns[-1] == "指标属性"


@pytest.mark.parametrize(
    ("number", "group"),
    [
        ("1", "一、目标指标"),
        ("7", "一、目标指标"),
        ("8", "二、严格控制温室气体排放"),
        ("33", "三、提高应对气候变化适应能力"),
        ("63", "四、提升应对气候变化治理能力"),
        ("89", "五、积极开展试点示范和重点工程"),
    ],
)
def test_task_table_groups(number: str, group: str) -> None:
    table = find_table(cleaned(CLIMATE_000), "规划重点任务分工表")
    assert by_number(table, number).group == group


def test_indicator_groups_are_categories() -> None:
    table = find_table(cleaned(CLIMATE_000), "表1永川区应对气候变化指标体系")
    assert [r.group for r in table.rows].count("重点领域指标") == 9


def test_footnote_after_table_is_not_a_row() -> None:
    text = cleaned(CLIMATE_000)
    table = find_table(text, "表1永川区应对气候变化指标体系")
    assert text[table.end :].lstrip().startswith("2 指标2现状数据来自")


def test_repeated_header_is_no_row_and_no_text() -> None:
    text = cleaned(CLIMATE_000)
    table = find_table(text, "规划重点任务分工表")
    for row in table.rows:
        assert "牵头单位" not in "".join(row.cells.values())
    assert table.end == len(text.rstrip())


def test_project_continuation_rows() -> None:
    counts = []
    for n in range(1, 7):
        table = find_table(cleaned(ECO_003), f"附表{n}")
        counts.append(sum(1 for r in table.rows if "项目名称" in r.carried))
        for row in table.rows:
            if row.cells["序号"] != "合计":
                assert row.cells["项目名称"], row.cells
                assert re.fullmatch(r"\d{4}(?:-\d{4})?", row.cells["实施周期"]), row.cells
    assert counts == [11, 2, 3, 4, 11, 0]


def test_project_table_stops_before_note() -> None:
    text = cleaned(ECO_003)
    table = find_table(text, "附表6")
    assert "抄送" not in "".join(table.rows[-1].cells.values())


def test_eco_indicator_table_start() -> None:
    """表2-1: header, the first rows and the carried 领域 (later rows: see the module docs)."""
    text = cleaned(ECO_003)
    table = find_table(text, "表2-1")
    assert len(table.columns) == 12
    assert table.columns[4] == "指标值（A）" and table.columns[-1] == "备注"
    check_spans(text, table)
    first = table.rows[0]
    assert first.cells["领域"] == "基本条件" and first.cells["责任单位"] == "区生态环境局"
    one = by_number(table, "1")
    assert one.cells["领域"] == "生态制度" and one.cells["备注"] == "达标"
    two = by_number(table, "2")
    assert two.cells["领域"] == "生态制度" and "领域" in two.carried
    assert two.cells["2025年目标值"] == "≥24"
    numbered = {r.cells["序号"] for r in table.rows if r.cells["序号"].isdigit()}
    assert {str(n) for n in range(1, 9)} <= numbered


def test_eco_scoring_tables() -> None:
    """表2-2 and 表2-3: two columns; the second is split in two cells in the body rows."""
    text = cleaned(ECO_003)
    scored = find_table(text, "表2-2")
    assert [r.cells["评分情况"] for r in scored.rows] == [
        "已得分指标（87分）",
        "未得分指标（13分）",
    ]
    got = scored.rows[0].cells["指标类别"]
    assert got.startswith("指标1：区县党委政府") and got.endswith("指标38：生态环境教育基地（2分）")
    assert "指标16：依法开展规划环境影响评价（2分）" in got
    assert scored.rows[1].cells["指标类别"].endswith("指标28：城镇人均公园绿地面积（2分）")
    expected = find_table(text, "表2-3")
    assert [r.cells["难易程度"] for r in expected.rows] == [
        "预期得分指标（8分）",
        "重难点指标（5分）",
    ]
    assert expected.rows[1].cells["指标名称"] == (
        "指标9：集中式饮用水水源地水质优良比例（100%）（1分）指标10：生态环境状况指数（≥60）（1分）"
        "指标25：村镇饮用水卫生合格率（≥85）（1分）指标28：城镇人均公园绿地面积（≥15）（2分）"
    )


def eco_indicator_table() -> tuple[str, Table]:
    """表2-1 of 003, when the cleaner keeps empty Word cells (a line holding only a tab)."""
    text = cleaned(ECO_003)
    table = find_table(text, "表2-1")
    assert "\n\t\n" in text[table.start : table.end], "empty Word cells must survive cleaning"
    return text, table


def test_eco_indicator_table_rows() -> None:
    """表2-1: 7 基本条件 rows, 38 indicators with their scoring sub-rows, the total row."""
    text, table = eco_indicator_table()
    check_spans(text, table)
    assert len(table.rows) == 68
    numbers = [r.cells["序号"] for r in table.rows if "序号" not in r.carried]
    assert numbers == ["—"] + [str(n) for n in range(1, 39)] + [""]
    assert [r.group for r in table.rows].count("基本条件") == 7
    assert sum(1 for r in table.rows if r.group == "生态人居") == 17


# (row index in the table, column, value, carried?)
ECO_ROWS = [
    (0, "领域", "基本条件", False),
    (0, "序号", "—", False),
    (
        0,
        "指标名称",
        "重庆市生态文明建设示范区县创建规划正式发布实施且实施2年以上，并报市生态环境局备案",
        False,
    ),
    (0, "2021年现状值", "制定了规划，待区政府审议后印发实施。", False),
    (0, "评分", "—", False),
    (0, "备注", "暂不满足", False),
    (1, "领域", "基本条件", True),
    (1, "序号", "—", True),
    (1, "责任单位", "区审计局、区规划自然资源局、区生态环境局", False),
    (6, "2023年目标值", "名列前茅", False),
    (7, "领域", "生态制度", False),  # vertical text, one character a line
    (7, "序号", "1", False),
    (7, "单位", "—", False),
    (7, "指标值（A）", "有效开展", False),
    (8, "2025年目标值", "≥24", False),
    (11, "领域", "生态环境", False),
    (11, "评分", "6", False),
    (12, "序号", "5", True),  # PM2.5: a scoring sub-row of indicator 5
    (12, "指标名称", "环境空气质量", True),
    (12, "单位", "μg/m3", False),
    (12, "指标值（A）", "PM2.5浓度≤37", False),
    (12, "评分", "", False),
    (12, "备注", "达标", False),
    (19, "2021年现状值", "", False),
    (19, "2023年目标值", "城区100，乡镇100", False),
    (20, "2021年现状值", "城区100，乡镇96，完成上级考核", False),
    (21, "2025年目标值", "＞60", False),
    (24, "指标名称", "森林覆盖率丘陵地区", False),  # a name split over two cells
    (24, "单位", "%", False),
    (24, "2021年现状值", "51", False),
    (24, "责任单位", "区林业局", False),
    (25, "指标值（A）", "40＞A≥35", False),
    (25, "分值", "1", False),
    (26, "指标名称", "自然生态空间1.生态保护红线2.自然保护地", False),  # wrapped cell
    (26, "2021年现状值", "1.划定并遵守2.划定并遵守", False),
    (50, "2021年现状值", "城区97.68、乡镇88.12", False),
    (61, "责任单位", "区委组织部、区生态环境局", False),
    (66, "序号", "38", False),
    (66, "指标名称", "生态环境教育基地", False),
    (66, "单位", "个", False),
    (66, "2025年目标值", "≥3", False),
    (66, "责任单位", "区教委、区生态环境局", False),
    (66, "备注", "达标", False),
    (67, "领域", "合计得分", False),
    (67, "评分", "87", False),  # the total goes under the column it sums
    (67, "分值", "", False),
]


@pytest.mark.parametrize(("index", "column", "value", "carried"), ECO_ROWS)
def test_eco_indicator_cell(index: int, column: str, value: str, carried: bool) -> None:
    _, table = eco_indicator_table()
    row = table.rows[index]
    assert row.cells[column] == value, row.cells
    assert (column in row.carried) is carried


def test_word_table_by_position() -> None:
    """A hand-made Word table with empty cells ("\t" lines): merged, split and wrapped cells."""
    text = (
        "\t领域\n\t序号\n\t指标名称\n\t单位\n\t目标值\n\n"
        "\t生\n态\n\t1\n\t森林覆盖率\n\t%\n\t≥50\n\n"
        "\t\n\t\n\t\n\t个\n\t3\n\n"
        "\t\n\t2\n\t空气\n\t质量\n\t%\n\t≥90\n\n"
        "\t合计\n\t\n\t93\n\n正文。"
    )
    table = parse_table(text, 0, len(text))
    assert table is not None and table.layout == "tab"
    check_spans(text, table)
    assert [r.cells for r in table.rows] == [
        {"领域": "生态", "序号": "1", "指标名称": "森林覆盖率", "单位": "%", "目标值": "≥50"},
        {"领域": "生态", "序号": "1", "指标名称": "森林覆盖率", "单位": "个", "目标值": "3"},
        {"领域": "生态", "序号": "2", "指标名称": "空气质量", "单位": "%", "目标值": "≥90"},
        {"领域": "合计", "序号": "", "指标名称": "", "单位": "", "目标值": "93"},
    ]
    assert table.rows[1].carried == {"领域", "序号", "指标名称"}
    assert text[table.end :].strip() == "正文。"


# ---------------------------------------------------------------------------------------------
# Headers, parents and garbage


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("类别 序号 指标名称 2020年 2025年 指标", True),
        ("序号 任务内容 牵头单位 责任单位", True),
        ("\t序号", True),
        ("\t领域", True),
        ("序号", True),
        ("序号是按照顺序排列的", False),
        ("类别繁多", False),
        ("一、目标指标", False),
        ("", False),
    ],
)
def test_looks_like_header(line: str, expected: bool) -> None:
    assert looks_like_header(line) is expected


def parent_text(name: str) -> str:
    path = PARENTS / name
    return clean(path.read_text(encoding="utf-8")).text


def test_municipal_indicator_table() -> None:
    text = parent_text("chongqing_municipal_climate_14fyp.txt")
    table = find_table(text, "“十四五”应对气候变化工作主要指标")
    assert table.columns == ("类别", "序号", "指标名称", "2020年", "2025年", "指标属性")
    assert [r.cells["序号"] for r in table.rows] == [str(n) for n in range(1, 17)]
    check_spans(text, table)
    assert table.rows[0].cells["类别"] == "综合性指标"
    assert by_number(table, "12").cells["2025年"] == "≥57"
    assert by_number(table, "11").cells["指标名称"] == "森林蓄积量（亿立方米）"
    # a value wrapped over two lines is one cell, and the value before it keeps its column
    assert by_number(table, "5").cells["2020年"] == "3.5"
    assert by_number(table, "5").cells["2025年"] == "以国家下达为准"
    assert by_number(table, "1").cells["2020年"] == ""
    assert by_number(table, "1").cells["2025年"] == "以国家下达为准"
    assert "类别" in by_number(table, "2").carried


@pytest.mark.parametrize(
    "name", ["chongqing_municipal_climate_14fyp.txt", "chengyu_carbon_joint_action.txt"]
)
def test_parents_every_header_line(name: str) -> None:
    text = parent_text(name)
    pos = 0
    for line in text.split("\n"):
        if looks_like_header(line):
            table = parse_table(text, pos, len(text))
            if table is not None:
                check_spans(text, table)
        pos += len(line) + 1


def test_garbage_never_raises() -> None:
    rng = random.Random(7)
    alphabet = "序号 类别\t\n123区局委/、。指标属性（）—"
    for _ in range(500):
        junk = "".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 300)))
        start, end = rng.randrange(-5, 310), rng.randrange(-5, 400)
        table = parse_table(junk, start, end)
        if table is not None:
            check_spans(junk, table)
    assert parse_table("", 0, 0) is None
    assert parse_table("正文一行。\n", 0, 6) is None
    text = cleaned(CLIMATE_000)
    start = text.index("序号 任务内容")
    cut = parse_table(text, start, start + 40)  # a table cut short by `end`: fewer rows
    assert cut is None or (len(cut.rows) <= 2 and cut.end <= start + 40)
