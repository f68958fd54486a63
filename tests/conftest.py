from __future__ import annotations

from pathlib import Path

import pytest

from .browser import browser  # noqa: F401  (the headless Chromium fixture)

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
def store_dir(tmp_path_factory):
    """An on-disk store with the five plans ingested (not linked), built once per session.
    Tests that write to a store build their own."""
    from plankg.ingest.pipeline import ingest
    from plankg.store import open_store

    path = tmp_path_factory.mktemp("store")
    store = open_store(path)
    report = ingest(list(PLAN_FILES.values()), store, jobs=2)
    assert report.ok, report.errors
    del store
    return path


@pytest.fixture(scope="session")
def linked_store(store_dir, tmp_path_factory):
    """A copy of the shared store with `plankg link` run on it: the directory."""
    import shutil

    from plankg.link import link_store
    from plankg.store import open_store

    path = tmp_path_factory.mktemp("linked") / "store"
    shutil.copytree(store_dir, path)
    store = open_store(path)
    link_store(store)
    store.flush()
    del store
    return path


@pytest.fixture(scope="session")
def store(store_dir):
    """The shared store, opened read-only."""
    from plankg.store import open_store

    return open_store(store_dir, read_only=True)


@pytest.fixture(scope="session")
def docs():
    """Every plan and parent plan, loaded once per test session."""
    from plankg.ingest.document import load_plan

    return {key: load_plan(path) for key, path in {**PLAN_FILES, **PARENT_FILES}.items()}
