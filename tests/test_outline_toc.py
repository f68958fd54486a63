"""Outline (issue 10, item 5): tables of contents, with or without dot leaders, never become
headings; a heading broken over lines keeps its title. Texts written by hand after the corpus
plans' layouts (pdftotext -layout)."""

from __future__ import annotations

import pytest

from plankg.ingest.clean import clean
from plankg.ingest.headings import match_marker, parse_ordinal
from plankg.ingest.segment import outline


def _headings(text: str) -> list[tuple[str, str, str]]:
    cleaned = clean(text)
    return [
        (s.kind, s.number, s.heading)
        for s in outline(cleaned).walk()
        if s.kind in ("part", "chapter", "section", "item")
    ]


BODY = "第一章 总则\n为了推进工作，制定本规划。\n第二章 重点任务\n一、能源\n推进能源转型，建设光伏电站。\n"
WANT = [("chapter", "第一章", "总则"), ("chapter", "第二章", "重点任务"), ("item", "一、", "能源")]

TOCS = [
    # dot leaders and page numbers
    "目 录\n第一章 总则..................3\n第二章 重点任务..............5\n",
    # middle-dot leaders
    "目录\n第一章    总则·······························3\n第二章    重点任务····················5\n",
    # page numbers without leaders
    "目  录\n第一章 总则 3\n第二章 重点任务 5\n一、能源 6\n",
    # neither leaders nor page numbers: the entries end where the body repeats the first one
    "目录\n第一章 总则\n第二章 重点任务\n一、能源\n",
    # no 目录 title, no leaders: a run of headings with page numbers
    "第一章 总则 3\n第二章 重点任务 5\n一、能源 6\n",
]


@pytest.mark.parametrize("toc", TOCS, ids=range(len(TOCS)))
def test_table_of_contents_never_becomes_headings(toc: str) -> None:
    assert _headings(toc + BODY) == WANT


def test_body_headings_with_numbers_are_not_a_toc() -> None:
    """Three headings in the body that end in a number are not a table of contents when their
    numbers go back (they are not page numbers)."""
    text = (
        "第一章 目标 2025\n到2025年，森林覆盖率达到52%。\n第二章 任务 10\n推进工作。\n"
        "第三章 保障 3\n加强领导。\n"
    )
    assert [h[1] for h in _headings(text)] == ["第一章", "第二章", "第三章"]


@pytest.mark.parametrize(
    ("text", "want"),
    [
        # the marker alone, the title on the next line
        (
            "第一章\n总体要求\n坚持绿色发展，推进工作。\n第二章\n重点任务\n推进工作，加快转型。\n",
            [("chapter", "第一章", "总体要求"), ("chapter", "第二章", "重点任务")],
        ),
        # a long title wrapped in the middle
        (
            "第三章 推动碳排放稳步达峰，打造绿色低碳\n发展广元样板\n推进工作，加快转型。\n第四章 保障措施\n加强领导。\n",
            [
                ("chapter", "第三章", "推动碳排放稳步达峰，打造绿色低碳发展广元样板"),
                ("chapter", "第四章", "保障措施"),
            ],
        ),
        (
            "（一）降碳控温和“能耗双控”成效显著，完成“十三五”\n目标\n“十三五”以来，碳减排压力得到缓解。\n",
            [("item", "（一）", "降碳控温和“能耗双控”成效显著，完成“十三五”目标")],
        ),
        # a run-in title ended by 。 does not take the next line
        (
            "（二）区域产业绿色低碳转型行动。\n推进工作\n加快转型，建设项目。\n",
            [("item", "（二）", "区域产业绿色低碳转型行动")],
        ),
        # the next line is a sentence: not part of the title
        ("第五章 保障措施\n加强组织领导，落实责任。\n", [("chapter", "第五章", "保障措施")]),
        # a short title is whole: the first, unpunctuated line of the body stays in the body
        ("第一章 支持措施\n给予创建单位2\n万元补贴。\n", [("chapter", "第一章", "支持措施")]),
    ],
)
def test_heading_broken_over_lines_keeps_its_title(
    text: str, want: list[tuple[str, str, str]]
) -> None:
    assert _headings(text) == want


def test_circled_numbers_are_ordinals() -> None:
    # '①'.isdigit() is True in Python: the circled digits must not reach int()
    assert parse_ordinal("①") == 1 and parse_ordinal("⑫") == 12 and parse_ordinal("１２") == 12


def test_decimal_headings_nest_under_chapters() -> None:
    text = (
        "第三章 规划总则\n3.1 指导思想\n坚持生态优先。\n3.2 目标指标\n到2025年，森林覆盖率达到30%。\n"
        "第四章 重点任务\n4.1 大气环境质量改善主要任务\n4.1.1 持续推进产业结构调整\n淘汰落后产能。\n"
        "4.1.2 推进能源结构调整\n4.2 水环境质量改善主要任务\n保护优良水体。\n"
    )
    cleaned = clean(text)
    tree = outline(cleaned)
    chapters = [s for s in tree.walk() if s.kind == "chapter"]
    assert [[c.number for c in ch.children if c.kind == "item"] for ch in chapters] == [
        ["3.1", "3.2"],
        ["4.1", "4.2"],
    ]
    first = next(c for c in chapters[1].children if c.number == "4.1")
    assert [c.number for c in first.children if c.kind == "item"] == ["4.1.1", "4.1.2"]


@pytest.mark.parametrize(
    "line",
    [
        "25.2 个百分点，导致单位能源消费碳排放高达2.29吨。",
        "53.9 万立方米/日。",
        "2.5 万吨",
        "1.5倍",
    ],
)
def test_a_line_that_starts_with_a_decimal_number_is_not_a_heading(line: str) -> None:
    assert match_marker(line) is None
