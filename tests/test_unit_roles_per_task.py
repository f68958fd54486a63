"""Units per task (issue 10, item 3): a tag belongs to the text it closes; 责任单位 means
responsible; （牵头） marks the lead; 〔…〕 brackets, labels broken over lines, 按职责分工负责
tails; department types of every level of government. Segments built by hand."""

from __future__ import annotations

import pytest

from plankg.ingest.extract_units import canonical_unit, inline_assignments, tail_assignments
from plankg.ingest.segment import Segment


def _roles(text: str) -> list[tuple[str, str]]:
    root = Segment("document", "", "", 0, len(text), 0)
    found = [*inline_assignments(text, root), *tail_assignments(text, root)]
    found.sort(key=lambda p: p[1][0].source.start)
    out = []
    for _, units in found:
        for u in units:
            assert u.source.quote == text[u.source.start : u.source.end]
            out.append((u.role, u.name_as_printed))
    return out


ROWS = [
    # 责任单位 alone is responsible, as printed
    (
        "做好补贴发放。（责任单位：区发展改革局、工业和信息化局）",
        [("responsible", "区发展改革局"), ("responsible", "工业和信息化局")],
    ),
    # a （牵头） mark inside a list makes that unit the lead, not part of its name
    (
        "推进建筑节能。（责任单位：市城建局（牵头）、市房管局、市发改委）",
        [("lead", "市城建局"), ("responsible", "市房管局"), ("responsible", "市发改委")],
    ),
    # 〔…〕 brackets
    (
        "完善统计制度。〔责任单位：省统计局、省发展改革委〕",
        [("responsible", "省统计局"), ("responsible", "省发展改革委")],
    ),
    # a label broken over lines
    (
        "编制专项报告。（牵\n头单位：市城建局；责任\n单位：市自然资源规划局、市房管局）",
        [("lead", "市城建局"), ("responsible", "市自然资源规划局"), ("responsible", "市房管局")],
    ),
    # a bracket inside a unit's name stays in the name
    (
        "开展区级评估。（责任单位：各区人民政府〈含开发区、风景区管委会〉）",
        [("responsible", "各区人民政府〈含开发区、风景区管委会〉")],
    ),
    # the last unit after a ，
    (
        "发展绿色金融。（牵头单位：市地方金融局；责任单位：市发改委、市财政局，人行武汉分行营业管理部）",
        [
            ("lead", "市地方金融局"),
            ("responsible", "市发改委"),
            ("responsible", "市财政局"),
            ("responsible", "人行武汉分行营业管理部"),
        ],
    ),
    # lists split by province with ；
    (
        "共建电网。（牵头单位：重庆市能源局；四川省能源局）",
        [("lead", "重庆市能源局"), ("lead", "四川省能源局")],
    ),
    # role tails without a label
    (
        "加快充电设施建设。市发展改革委牵头，市经信局、市财政局等按职责分工负责。",
        [("lead", "市发展改革委"), ("responsible", "市经信局"), ("responsible", "市财政局")],
    ),
    (
        "推进碳汇交易。（省林业局牵头，省生态环境厅配合）",
        [("lead", "省林业局"), ("cooperating", "省生态环境厅")],
    ),
    # ordinary prose that names units is not an assignment
    ("由市生态环境局、市发改委牵头负责编制市级评估报告。", []),
    ("配合省发展改革委制定实施意见。", []),
]


@pytest.mark.parametrize(("text", "expected"), ROWS, ids=[r[0][:10] for r in ROWS])
def test_roles(text: str, expected: list[tuple[str, str]]) -> None:
    assert _roles(text) == expected


def test_each_tag_closes_its_own_task() -> None:
    """Three tags in one item: each task gets the units of its own tag, not all three."""
    from dataclasses import replace
    from pathlib import Path

    from plankg.ingest.clean import clean
    from plankg.ingest.document import Document
    from plankg.ingest.extract_units import task_assignments
    from plankg.ingest.metadata import extract_metadata
    from plankg.ingest.segment import outline

    text = (
        "一、重点任务\n（一）推动制订方案。组织编制专项规划。（责任部门：气候处，完成期限：6月底）"
        "配合制定实施意见。（责任部门：综合处，完成期限：7月底）\n"
    )
    cleaned = clean(text)
    doc = Document(
        Path("hand.txt"),
        None,
        cleaned,
        outline(cleaned),  # type: ignore[arg-type]
        replace(extract_metadata(cleaned.text)),
    )
    tasks = task_assignments(doc)
    got = [
        (doc.text[t.start : t.end].replace("\n", ""), [u.name_as_printed for u in t.units])
        for t in tasks
    ]
    assert len(got) == 2
    assert "组织编制专项规划" in got[0][0] and got[0][1] == ["气候处"]
    assert "配合制定实施意见" in got[1][0] and "组织编制" not in got[1][0]
    assert got[1][1] == ["综合处"]


@pytest.mark.parametrize(
    ("name", "unit_type"),
    [
        # ministries
        ("国家发展改革委", "developmentReform"),
        ("生态环境部", "ecologyEnvironment"),
        ("工业和信息化部", "economyInformatization"),
        ("住房和城乡建设部", "housingConstruction"),
        ("财政部", "finance"),
        ("交通运输部", "transport"),
        ("国家能源局", "energy"),
        ("中国人民银行", "financialServices"),
        # provincial departments (厅, 委)
        ("省生态环境厅", "ecologyEnvironment"),
        ("省工业和信息化厅", "economyInformatization"),
        ("省住房城乡建设厅", "housingConstruction"),
        ("省科技厅", "scienceTechnology"),
        ("自治区发展改革委", "developmentReform"),
        ("省经济信息化委", "economyInformatization"),
        ("省自然资源厅", "planningNaturalResources"),
        # city and district bureaus and commissions (局, 委)
        ("市经济信息化委", "economyInformatization"),
        ("市城建局", "housingConstruction"),
        ("市自然资源规划局", "planningNaturalResources"),
        ("市房管局", "housingConstruction"),
        ("市城管执法委", "urbanManagement"),
        ("市地方金融局", "financialServices"),
        ("市政务服务大数据局", "bigData"),
        ("区发展改革局", "developmentReform"),
        ("县自然资源和规划局", "planningNaturalResources"),
        ("区科技创新局", "scienceTechnology"),
        # divisions and institutions of a department
        ("气候处", "internalDivision"),
        ("省评估中心", "publicInstitution"),
        ("人行武汉分行营业管理部", "financialServices"),
    ],
)
def test_unit_types_of_every_level(name: str, unit_type: str) -> None:
    assert canonical_unit(name)[1] == unit_type
