"""Cleaning: debris goes, Chinese text stays as printed, offsets map back to original lines."""

from __future__ import annotations

import re

import pytest

from plankg.ingest.clean import clean

from .conftest import PARENT_FILES, PLAN_FILES


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("[bookmark: _Toc13522]第一章  工作基础", "第一章  工作基础"),
        ("[bookmark: _Hlk114164402][bookmark: _Hlk114220970]二、以碳达峰", "二、以碳达峰"),
        ("到 2025 年，森林覆盖率达到 38%。", "到2025年，森林覆盖率达到38%。"),
        ("2022 年 10 月 12 日", "2022年10月12日"),
        ("2022 年4 月22 日", "2022年4月22日"),
        ("永川府发〔2022〕18 号", "永川府发〔2022〕18号"),
        ("自 1850-1900 年以来", "自1850-1900年以来"),
        ("平均气温上升约 1℃", "平均气温上升约1℃"),
        # footnote marks glued to a year go, dates stay
        ("类别 序号 指标名称 2020年 2025年2 指标", "类别 序号 指标名称 2020年 2025年 指标"),
        ("常年（1981～2010 年1）年平均", "常年（1981～2010年）年平均"),
        ("2022年2月15日", "2022年2月15日"),
        # spaces that separate table columns stay
        (
            "2 单位地区生产总值能源消费下降率（%） 22.2 14.5 约束性",
            "2 单位地区生产总值能源消费下降率（%） 22.2 14.5 约束性",
        ),
        ("11 森林蓄积量（万立方米） 200 ≥200 约束性", "11 森林蓄积量（万立方米） 200 ≥200 约束性"),
        ("费比重 23% 区能源局 /", "费比重 23% 区能源局 /"),
        # Word table cells keep one leading tab as the cell mark
        ("\t\t单位地区生产总值", "\t单位地区生产总值"),
    ],
)
def test_line_cleaning(raw, expected):
    assert clean(raw).text == expected


def test_page_numbers_and_toc_are_removed():
    raw = "目  录\n第一章 总体要求 ........ 1\n第二章 重点任务 ........ 5\n— 2 —\n第一章 总体要求\n- 5 -\n正文。"
    cleaned = clean(raw)
    assert cleaned.text == "第一章 总体要求\n正文。"
    assert cleaned.stats["toc_lines"] == 3 and cleaned.stats["page_numbers"] == 2


def _wrapped(paragraphs: list[str], width: int = 28) -> str:
    lines = []
    for p in paragraphs:
        lines += [p[i : i + width] for i in range(0, len(p), width)]
    return "\n\n".join(lines)


def test_pdf_lines_broken_at_the_margin_are_rejoined():
    p1 = "由于人类活动过多排放温室气体引起的以全球变暖为主要特征的全球气候变化已经成为人类面临的最大环境生态威胁之一，非化石能源消费比重持续提高。"
    p2 = "重庆属东亚内陆季风区，加之盆地周围山脉阻挡，地形起伏，植被分布不均，地形条件复杂，局地异常气候发生率高，各区域气候敏感性差异较大。"
    paragraphs = [p1, "（一）总体背景", p2] * 12
    cleaned = clean(_wrapped(paragraphs))
    assert cleaned.wrapped
    assert cleaned.text.split("\n") == paragraphs


def test_word_exports_are_not_rejoined():
    text = "\n".join(["这是一个很长的段落，" * 8 + "。"] * 30)
    assert not clean(text).wrapped


@pytest.mark.parametrize(
    "path", [*PLAN_FILES.values(), *PARENT_FILES.values()], ids=lambda p: p.stem
)
def test_no_debris_left_in_any_plan(path):
    from plankg.ingest.read import read_plan

    cleaned = clean(read_plan(path).text)
    text = cleaned.text
    assert "[bookmark:" not in text
    assert not re.search(r"^\s*[-—–]\s*\d+\s*[-—–]\s*$", text, re.M)
    assert not re.search(r"\.{6,}|…{3,}", text)
    assert not re.search(r"[\u4e00-\u9fff] \d+ [\u4e00-\u9fff]", text)
    assert not re.search(r"\d{4}年\d(?=\s|$)", text, re.M)


def test_source_lines_point_into_the_original_file():
    from plankg.ingest.read import read_plan

    raw = read_plan(PLAN_FILES["000"]).text
    original = raw.split("\n")
    cleaned = clean(raw)
    for needle in (
        "第三章 严格控制温室气体排放",
        "永川区应对气候变化“十四五”规划重点任务分工表",
        "源消费",
    ):
        offset = cleaned.text.index(needle)
        line = original[cleaned.source_line(offset) - 1]
        assert needle[:3] in line.replace(" ", "")


def test_a_rejoined_sentence_reads_whole():
    from plankg.ingest.read import read_plan

    text = clean(read_plan(PLAN_FILES["000"]).text).text
    assert "非化石能源消费" in text
    assert "约1℃，从未来20年的平均温度变化来看" in text
