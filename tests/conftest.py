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


# --- corpus of published PDFs (../shared/corpus): read once per session ------------------------
CORPUS = ROOT.parent / "shared" / "corpus"


class CorpusRun:
    """Each corpus PDF read at most once per session, through the PDF reader and, for the
    comparison, its text layer through the text path (.txt); with the seconds each took."""

    def __init__(self, tmp: Path) -> None:
        assert CORPUS.is_dir() and len(list(CORPUS.glob("*.pdf"))) == 26, (
            f"the corpus of 26 PDFs is missing at {CORPUS}"
        )
        self.tmp = tmp
        self.pdf: dict[str, object] = {}
        self.seconds: dict[str, float] = {}
        self.txt: dict[str, object] = {}

    def files(self) -> list[Path]:
        return sorted(CORPUS.glob("*.pdf"))

    def doc(self, name: str):
        import time

        from plankg.ingest.document import load_plan

        if name not in self.pdf:
            start = time.perf_counter()
            self.pdf[name] = load_plan(CORPUS / name)
            self.seconds[name] = time.perf_counter() - start
        return self.pdf[name]

    def text_doc(self, name: str):
        """The PDF's text layer (pdfium, page after page) written as .txt and read as text."""
        import pypdfium2 as pdfium

        from plankg.ingest.document import load_plan

        if name not in self.txt:
            pdf = pdfium.PdfDocument(str(CORPUS / name))
            pages = [page.get_textpage().get_text_range() for page in pdf]
            pdf.close()
            path = self.tmp / (Path(name).stem + ".txt")
            path.write_text("\n".join(pages).replace("\r\n", "\n"), encoding="utf-8")
            self.txt[name] = load_plan(path)
        return self.txt[name]


@pytest.fixture(scope="session")
def corpus(tmp_path_factory):
    """The corpus reader of this session (fails clearly when the corpus is absent)."""
    return CorpusRun(tmp_path_factory.mktemp("corpus-text"))
