from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PLANS = ROOT / "data" / "plans"
PARENTS = ROOT.parent / "shared" / "parents"

PLAN_FILES = {
    "000": PLANS / "yongchuan-2022-climate-14fyp.txt",
    "001": PLANS / "yongchuan-2022-green-low-carbon-action.txt",
    "002": PLANS / "rongchang-2022-climate-14fyp.txt",
    "003": PLANS / "yongchuan-2022-eco-civilization-demo-zone.txt",
    "004": PLANS / "jiangjin-2022-chengyu-carbon-action.txt",
}
PARENT_FILES = {
    "municipal": PARENTS / "chongqing_municipal_climate_14fyp.txt",
    "joint": PARENTS / "chengyu_carbon_joint_action.txt",
}


@pytest.fixture(scope="session")
def docs():
    """Every plan and parent plan, loaded once per test session."""
    from plankg.ingest.document import load_plan

    return {key: load_plan(path) for key, path in {**PLAN_FILES, **PARENT_FILES}.items()}
