"""Responsible units and roles (plankg.ingest.extract_units).

Tables of hand-written sentences and cells with the units and roles they must yield, name
canonicalisation pairs, and a gold set annotated by hand from the plan texts
(tests/annotations/assignments.csv) against which exact-match precision and recall per role are
measured (print them with ``pytest -s``).
"""

from __future__ import annotations

import csv
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

from plankg.ingest.document import Document, load_plan
from plankg.ingest.extract_units import (
    canonical_unit,
    extract_assignments,
    inline_assignments,
    parse_unit_list,
)
from plankg.ingest.segment import Segment
from tests.conftest import PARENTS, PLANS

GOLD = Path(__file__).parent / "annotations" / "assignments.csv"


def _item(text: str) -> tuple[Segment, Segment]:
    item = Segment("item", "1．", "", 0, len(text), 0)
    root = Segment("document", "", "", 0, len(text), 0, (item,))
    return root, item


# -- canonical names ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("printed", "canonical", "unit_type"),
    [
        ("区发展改革委", "发展和改革委员会", "developmentReform"),
        ("区发展和改革委员会", "发展和改革委员会", "developmentReform"),
        ("重庆市永川区发展和改革委员会", "发展和改革委员会", "developmentReform"),
        ("区经济信息委", "经济和信息化委员会", "economyInformatization"),
        ("区经济信息局", "经济和信息化委员会", "economyInformatization"),  # slip
        ("江津区规划和自然资源局", "规划和自然资源局", "planningNaturalResources"),
        ("区规划自然资源局", "规划和自然资源局", "planningNaturalResources"),
        ("江津区市场监管局", "市场监督管理局", "marketRegulation"),
        ("国网永川供电分公司", "国网供电公司", "company"),
        ("人行江津中心支行", "中国人民银行中心支行", "financialServices"),
        ("永川高新区管委会", "高新技术产业开发区管理委员会", "developmentZone"),
        ("科学城江津管委会", "科学城管理委员会", "developmentZone"),
        ("各镇街", "镇街", "townStreet"),
        ("各镇人民政府", "镇街", "townStreet"),
        ("有关镇街", "镇街", "townStreet"),
        ("何埂镇政府", "何埂镇人民政府", "townStreet"),
        ("区碳达峰碳中和工作领导小组", "碳达峰碳中和工作领导小组", "leadingGroup"),
        ("区委宣传部", "党委宣传部", "partyOrgan"),
        ("区委组织部", "党委组织部", "partyOrgan"),
        ("市邮政管理局六分局", "邮政管理局", "transport"),
        ("区交通局等", "交通局", "transport"),
        ("四川省能源局", "能源局", "energy"),
        ("公安厅", "公安局", "publicSecurity"),  # a form of another level
        ("凤凰湖产业促进中心", "凤凰湖产业促进中心", "developmentZone"),
        ("某某协会", "", "other"),
    ],
)
def test_canonical_unit(printed: str, canonical: str, unit_type: str) -> None:
    assert canonical_unit(printed) == (canonical, unit_type)


# -- printed lists -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("printed", "names", "open_list"),
    [
        ("区发展改革委、区经济信息委", ["区发展改革委", "区经济信息委"], False),
        ("区能源局、区经济\n信息委、区林业局等", ["区能源局", "区经济信息委", "区林业局"], True),
        ("区能源局\n区生态环境局", ["区能源局", "区生态环境局"], False),  # one per line, joined
        ("区规划自然资源\n局\n区应急局", ["区规划自然资源局", "区应急局"], False),
        ("区交通局，各镇街", ["区交通局", "各镇街"], False),
        ("各镇人民政府、街道办事处", ["各镇人民政府", "街道办事处"], False),
        ("/", [], False),
        ("—", [], False),
        ("79.2", [], False),
    ],
)
def test_parse_unit_list(printed: str, names: list[str], open_list: bool) -> None:
    text = "（" + printed + "）"
    _, seg = _item(text)
    units = parse_unit_list(printed, 1, "lead", seg, text)
    assert [u.name_as_printed for u in units] == names
    assert all(u.open_list is open_list for u in units)
    for u in units:  # the span holds the printed name, line breaks aside
        assert u.source.quote.replace("\n", "") == u.name_as_printed
        assert u.source.quote == text[u.source.start : u.source.end]


# -- inline assignments ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        (
            "推进天然气勘探开发。（牵头单位：区发展改革委；配合单位：区经济信息委）",
            [("lead", "区发展改革委"), ("cooperating", "区经济信息委")],
        ),
        (
            "推进勘探开发。(牵头单位:区发展改革委;配合单位:区经济信息委、区水利局)",
            [
                ("lead", "区发展改革委"),
                ("cooperating", "区经济信息委"),
                ("cooperating", "区水利局"),
            ],
        ),
        (
            "优化公交线路。（牵头单位：区交通局；责任单位：区住房城乡建委、区公安局）",
            [("lead", "区交通局"), ("responsible", "区住房城乡建委"), ("responsible", "区公安局")],
        ),
        (
            "完善政策体系。（牵头单位：区碳达峰碳中和工作领导小组，责任单位：区发展改革委、区生态环境局等）",
            [
                ("lead", "区碳达峰碳中和工作领导小组"),
                ("responsible", "区发展改革委"),
                ("responsible", "区生态环境局"),
            ],
        ),
        (
            "加强宣传。（牵头部门：区委宣传部；参与单位：区教委）",
            [("lead", "区委宣传部"), ("cooperating", "区教委")],
        ),
        # 责任单位 means responsible, as printed, also when it stands alone (issue 10)
        (
            "强化考核。（责任单位：区生态环境局、区发展改革委）",
            [("responsible", "区生态环境局"), ("responsible", "区发展改革委")],
        ),
        # the first-listed rule of joint plans
        (
            "协同开发。（责任单位：重庆市能源局、市经济信息委；四川省能源局、经济和信息化厅；"
            "两省市列首位的为牵头单位，下同）",
            [
                ("lead", "重庆市能源局"),
                ("responsible", "市经济信息委"),
                ("lead", "四川省能源局"),
                ("responsible", "经济和信息化厅"),
            ],
        ),
        # role tails inside a labelled list give their part its role
        (
            "开展监测(责任部门：监测处、省监测中心牵头，财审处、气候处配合)。",
            [
                ("lead", "监测处"),
                ("lead", "省监测中心"),
                ("cooperating", "财审处"),
                ("cooperating", "气候处"),
            ],
        ),
        (
            "构建新格局。（责任单位：市发展改革委、市商务局，各县区政府、高新区管委会按职责分工负责）",
            [
                ("responsible", "市发展改革委"),
                ("responsible", "市商务局"),
                ("responsible", "各县区政府"),
                ("responsible", "高新区管委会"),
            ],
        ),
        # a field of another kind after the units is no unit list
        (
            "制定方案(责任部门：气候处，完成期限：根据省委、省政府工作安排)。",
            [("responsible", "气候处")],
        ),
        ("开展研究（2020年）。", []),
    ],
)
def test_inline_assignments(sentence: str, expected: list[tuple[str, str]]) -> None:
    root, item = _item(sentence)
    found = [u for seg, units in inline_assignments(sentence, root) for u in units if seg == item]
    assert [(u.role, u.name_as_printed) for u in found] == expected


def test_first_listed_rule_holds_below() -> None:
    text = (
        "1．甲。（责任单位：重庆市能源局、市水利局；四川省能源局；两省市列首位的为牵头单位，下同）\n"
        "2．乙。（责任单位：重庆市交通局、市公安局）"
    )
    root = Segment("document", "", "", 0, len(text), 0)
    roles = [(u.role, u.name_as_printed) for _, us in inline_assignments(text, root) for u in us]
    assert roles[-2:] == [("lead", "重庆市交通局"), ("responsible", "市公安局")]


def test_open_list_is_per_list() -> None:
    text = "（牵头单位：区交通局；配合单位：区公安局、区城市管理局等）"
    root, _ = _item(text)
    units = [u for _, us in inline_assignments(text, root) for u in us]
    assert [(u.name_as_printed, u.open_list) for u in units] == [
        ("区交通局", False),
        ("区公安局", True),
        ("区城市管理局", True),
    ]


# -- the hand-annotated gold set --------------------------------------------------------------------
def _norm_number(number: str) -> str:
    return number.translate(str.maketrans("０１２３４５６７８９", "0123456789")).strip("．.、 ")


@cache
def _doc(name: str) -> Document:
    path = PLANS / name if (PLANS / name).exists() else PARENTS / name
    return load_plan(path)


def _where(doc: Document, seg: Segment) -> str:
    """The caption a row sits under (its table's number, else its appendix's); "" inline."""
    if seg.kind != "row":
        return ""
    chain: list[Segment] = []

    def find(node: Segment, path: list[Segment]) -> bool:
        if node is seg:
            chain.extend(path)
            return True
        return any(find(c, [*path, node]) for c in node.children)

    find(doc.outline, [])
    return next(
        (a.number for a in reversed(chain) if a.kind in ("table", "appendix") and a.number), ""
    )


def _gold() -> set[tuple[str, str, str, str, str]]:
    with GOLD.open(encoding="utf-8") as f:
        rows = csv.DictReader(line for line in f if not line.startswith("#"))
        return {
            (r["plan"], r["where"], _norm_number(r["number"]), r["role"], r["unit"]) for r in rows
        }


def _predicted(keys: set[tuple[str, str, str]]) -> set[tuple[str, str, str, str, str]]:
    out = set()
    for plan in {k[0] for k in keys}:
        doc = _doc(plan)
        for seg, units in extract_assignments(doc):
            key = (plan, _where(doc, seg), _norm_number(seg.number))
            if key in keys:
                out.update((*key, u.role, u.name_as_printed) for u in units)
    return out


def test_gold_precision_recall() -> None:
    gold = _gold()
    predicted = _predicted({g[:3] for g in gold})
    tp = Counter(g[3] for g in gold & predicted)
    n_gold = Counter(g[3] for g in gold)
    n_pred = Counter(p[3] for p in predicted)
    print(f"\nassignment gold set: {len(gold)} annotations")
    for role in ("lead", "responsible", "cooperating"):
        p = tp[role] / n_pred[role] if n_pred[role] else 1.0
        r = tp[role] / n_gold[role] if n_gold[role] else 1.0
        print(
            f"  {role:12} gold {n_gold[role]:4}  predicted {n_pred[role]:4}  "
            f"precision {p:.3f}  recall {r:.3f}"
        )
    missed = sorted(gold - predicted)
    extra = sorted(predicted - gold)
    for role in ("lead", "cooperating"):
        assert tp[role] / max(n_pred[role], 1) >= 0.97, (missed, extra)
        assert tp[role] / max(n_gold[role], 1) >= 0.97, (missed, extra)
    assert tp["responsible"] / max(n_gold["responsible"], 1) >= 0.9, (missed, extra)


def test_every_unit_span_is_exact() -> None:
    for name in (
        "jiangjin-2022-chengyu-carbon-action.txt",
        "yongchuan-2022-climate-14fyp.txt",
        "yongchuan-2022-eco-civilization-demo-zone.txt",
    ):
        doc = _doc(name)
        for _, units in extract_assignments(doc):
            for u in units:
                assert u.source.quote == doc.text[u.source.start : u.source.end]
                assert u.role in ("lead", "responsible", "cooperating")
