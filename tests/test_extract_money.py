"""Money (issue 10, item 4): 元, 万元, 亿元, 万亿元 converted exactly with Decimal, the printed
number kept; investment, subsidy, award, cap and fund told apart; rates; a per-unit indicator
such as 万元工业增加值用水量 is not money. Sentences written by hand, one row each."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from plankg.ingest.clean import clean
from plankg.ingest.document import Document
from plankg.ingest.extract_money import extract_money, to_yuan
from plankg.ingest.extract_projects import parse_investment, prose_investment
from plankg.ingest.metadata import extract_metadata
from plankg.ingest.segment import outline


def _money(text: str) -> list[tuple[str, str, Decimal, str, bool, str | None]]:
    cleaned = clean("第一章 支持措施\n" + text + "\n")
    doc = Document(
        Path("hand.txt"),
        None,
        cleaned,
        outline(cleaned),  # type: ignore[arg-type]
        replace(extract_metadata(cleaned.text)),
    )
    out = []
    for a in extract_money(doc):
        assert a.source.quote == doc.text[a.source.start : a.source.end]
        out.append((a.value_as_printed, a.unit_as_printed, a.amount_yuan, a.purpose, a.cap, a.per))
    return out


D = Decimal
ROWS = [
    ("计划总投资604.42亿元。", [("604.42", "亿元", D("60442000000"), "investment", False, None)]),
    (
        "共兑现养殖户退出补偿资金1.767亿元。",
        [("1.767", "亿元", D("176700000"), "subsidy", False, None)],
    ),
    (
        "设立绿色低碳发展基金1.5万亿元。",
        [("1.5", "万亿元", D("1500000000000"), "fund", False, None)],
    ),
    ("对获评的企业，最高奖励50万元。", [("50", "万元", D("500000"), "award", True, None)]),
    (
        "给予一次性补贴10万元，每家企业最高50万元。",
        [
            ("10", "万元", D("100000"), "subsidy", False, None),
            ("50", "万元", D("500000"), "subsidy", True, None),
        ],
    ),
    ("给予15万元补贴。", [("15", "万元", D("150000"), "subsidy", False, None)]),
    (
        "分别给予30万、20万、10万元活动经费补贴。",
        [
            ("30", "万元", D("300000"), "subsidy", False, None),
            ("20", "万元", D("200000"), "subsidy", False, None),
            ("10", "万元", D("100000"), "subsidy", False, None),
        ],
    ),
    ("补贴标准为0.15元/千瓦时。", [("0.15", "元", D("0.15"), "subsidy", False, "千瓦时")]),
    (
        "全省林业投资累计992.36亿元，其中中央资金317.32亿元。",
        [
            ("992.36", "亿元", D("99236000000"), "investment", False, None),
            ("317.32", "亿元", D("31732000000"), "investment", False, None),
        ],
    ),
    ("户均增收1297元。", [("1297", "元", D("1297"), "other", False, None)]),
    ("给予创建单位2\n\n万元补贴。", [("2", "万元", D("20000"), "subsidy", False, None)]),
    (
        "按照每吨标准煤600元的标准给予补助。",
        [("600", "元", D("600"), "subsidy", False, "吨标准煤")],
    ),
    (
        "按照2023年每吨标准煤800元标准给予补助，2024年补助标准予以调整（不超过800元），"
        "补助总额不超过300万元。",
        [
            ("800", "元", D("800"), "subsidy", False, "吨标准煤"),
            ("800", "元", D("800"), "subsidy", True, "吨标准煤"),
            ("300", "万元", D("3000000"), "subsidy", True, None),
        ],
    ),
    ("每家奖励20万元。", [("20", "万元", D("200000"), "award", False, None)]),
    (
        "融资担保公司提供总规模10亿元的担保贷款额度。",
        [("10", "亿元", D("1000000000"), "fund", False, None)],
    ),
    (
        "对设备投资额达1000万元（含）以上的项目给予补助。",
        [("1000", "万元", D("10000000"), "other", False, None)],
    ),
    (
        "按照投资规模予以5万元或8万元补助。",
        [
            ("5", "万元", D("50000"), "subsidy", False, None),
            ("8", "万元", D("80000"), "subsidy", False, None),
        ],
    ),
    # per-unit indicators are not money
    ("万元工业增加值用水量下降到20立方米。", []),
    ("单位地区生产总值能耗降至0.5吨标准煤/万元。", []),
]


@pytest.mark.parametrize(("text", "expected"), ROWS, ids=[r[0][:10] for r in ROWS])
def test_money(text: str, expected: list[tuple[object, ...]]) -> None:
    assert _money(text) == expected


def test_conversion_is_exact() -> None:
    assert to_yuan("1.767", "亿元") == Decimal("176700000")
    assert to_yuan("0.1", "万亿元") == Decimal("100000000000")
    assert to_yuan("1,200", "万元") == Decimal("12000000")
    assert isinstance(to_yuan("2.5", "万元"), Decimal)


def test_projects_read_wan_yi_yuan() -> None:
    """万亿元 must not be read as 亿元 (10^4 too small) in project tables and prose."""
    assert parse_investment("1.2万亿元") == Decimal("1200000000000")
    assert prose_investment("项目总投资1.2万亿元。") == ("1.2万亿元", Decimal("1200000000000"))
    assert parse_investment("3", "亿元") == Decimal("300000000")
