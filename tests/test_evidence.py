"""Evidence pages: every fact of every seed plan highlighted and anchored, checked in a real
headless Chromium against `plankg serve`; the anchors scroll to their spans; screenshots are kept
under tests/artifacts/."""

from __future__ import annotations

import http.client
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from plankg.evidence import evidence_html, find_plan
from plankg.facts import LABELS, plan_facts
from plankg.ingest.document import load_plan
from tests.browser import IN_VIEWPORT, console_errors
from tests.conftest import PLAN_FILES, PLANS, ROOT
from tests.test_serve import _start

ARTIFACTS = ROOT / "tests" / "artifacts"


@pytest.fixture(scope="module")
def server(store_dir: Path) -> Iterator[str]:
    """`plankg serve` over the session's store, the seed plans as the evidence plans."""
    for running in _start(store_dir, workers="1", plans=str(PLANS)):
        yield running.base


def _get(base: str, path: str) -> tuple[int, str, bytes]:
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    try:
        conn.request("GET", path)
        reply = conn.getresponse()
        return reply.status, reply.getheader("Content-Type", ""), reply.read()
    finally:
        conn.close()


def _fact_to_visit(facts):
    """A fact in the middle of the plan: a target when there is one, else a measure."""
    middle = [f for f in facts if f.label == "target"] or [f for f in facts if f.label == "measure"]
    return middle[len(middle) // 2]


def _anchors(browser) -> list[list]:
    """[id, inside a highlighted token, tooltip] of every fact anchor on the page."""
    return browser.execute_script(
        "return Array.from(document.querySelectorAll('a.anchor'), a => "
        "[a.id, !!a.closest('.tok'), a.title]);"
    )


def _shown_text(browser) -> str:
    """The page's text without the span labels, as a reader sees it."""
    return browser.execute_script(
        "const m = document.querySelector('main').cloneNode(true);"
        "m.querySelectorAll('.label').forEach(e => e.remove());"
        "document.body.appendChild(m); const t = m.innerText; m.remove(); return t;"
    )


@pytest.mark.parametrize("key", sorted(PLAN_FILES))
def test_seed_plan_pages_in_chromium(server: str, browser, docs, key: str) -> None:
    doc = docs[key]
    facts = plan_facts(doc)
    slug = PLAN_FILES[key].stem
    browser.get(f"{server}/evidence/{slug}.html")
    assert browser.title.endswith("evidence · plankg")
    # every fact highlighted: its anchor sits inside a highlighted token, once
    found = _anchors(browser)
    assert sorted(fid for fid, _, _ in found) == sorted(f.id for f in facts)
    assert all(inside for _, inside, _ in found)
    legend = browser.execute_script(
        "return Array.from(document.querySelectorAll('ul.legend li'), li => li.textContent);"
    )
    assert len(legend) == len(LABELS) + 1
    assert browser.execute_script("return document.querySelectorAll('.heading').length;") > 5
    # the text is the plan's cleaned text: nothing inserted between tokens, nothing lost
    shown = _shown_text(browser)
    assert "".join(shown.split()) == "".join(doc.text.split())
    # the anchor opens the page at its span
    fact = _fact_to_visit(facts)
    browser.get(f"{server}/evidence/{slug}.html#{fact.id}")
    where = browser.execute_script(IN_VIEWPORT, fact.id)
    assert where and where["inView"] and where["highlighted"], where
    assert where["scrollY"] > 0 or fact.start < 2000
    assert console_errors(browser) == []
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / f"evidence-{slug}.png"
    assert browser.save_screenshot(str(shot))
    print(f"screenshot: {shot}")


def test_flagged_facts_are_marked(docs) -> None:
    doc = docs["003"]
    facts = plan_facts(doc)
    flagged = [f for f in facts if f.flagged]
    assert flagged, "the eco-civilisation plan has targets without a canonical indicator"
    page = evidence_html(doc, facts)
    assert page.count(">FLAGGED") == len(flagged)
    for f in flagged[:5]:
        tip = re.search(rf'id="{f.id}"[^>]*title="([^"]*)"', page)
        assert tip and "flags" in tip.group(1)


def test_server_refuses_paths_and_unknown_plans(server: str) -> None:
    status, kind, body = _get(server, "/evidence/..%2F..%2F..%2Fetc%2Fpasswd.html")
    assert status == 404 and kind.startswith("application/json")
    assert b"root:" not in body
    status, _, body = _get(server, "/evidence/no-such-plan.html")
    assert status == 404 and json.loads(body)["error"]["code"] == "unknown-plan"
    status, _, _ = _get(server, f"/evidence/{PLAN_FILES['004'].stem}")
    assert status == 404
    status, kind, body = _get(server, f"/evidence/{PLAN_FILES['004'].stem}.html")
    assert status == 200 and kind == "text/html; charset=utf-8" and b"<script" not in body


def test_cli_writes_the_page_by_slug(tmp_path: Path) -> None:
    out = tmp_path / "page.html"
    done = subprocess.run(
        [sys.executable, "-m", "plankg.cli", "evidence", PLAN_FILES["004"].stem, "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    page = out.read_text(encoding="utf-8")
    assert page.count('class="anchor"') == len(plan_facts(load_plan(PLAN_FILES["004"])))
    done = subprocess.run(
        [sys.executable, "-m", "plankg.cli", "evidence", "nope"],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    assert done.returncode == 1 and "E080" in done.stderr


def test_find_plan_without_paths_for_the_server(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("永川区 secret", encoding="utf-8")
    assert find_plan(secret) == secret  # the CLI takes files
    from plankg.evidence import EvidenceError

    with pytest.raises(EvidenceError):
        find_plan(str(secret), [PLANS], allow_path=False)


def test_evidence_path_of_a_record_iri(docs) -> None:
    from plankg.facts import evidence_path, plan_iri

    doc = docs["002"]
    fact = next(f for f in plan_facts(doc) if f.label == "target")
    record = plan_iri(doc) + "/" + fact.id.replace("-", "/", 1)
    assert evidence_path(record) == f"/evidence/{PLAN_FILES['002'].stem}.html#{fact.id}"
    assert evidence_path("https://w3id.org/plankg/unit/500118/abc") is None
    assert evidence_path(plan_iri(doc)) is None


# -- evidence pages of published PDFs (read by the PDF reader, issue 9) -------------------------
CORPUS_PAGES = ["wuhan-co2-peak-assessment-plan.pdf", "meishan-eco-env-14fyp.pdf"]


@pytest.mark.parametrize("name", CORPUS_PAGES)
def test_corpus_pdf_pages_in_chromium(corpus, browser, tmp_path: Path, name: str) -> None:
    """A task plan and an eco-environment plan with indicator tables, as published: every fact
    anchored inside its highlight, the text the cleaned text, each anchor naming its PDF page."""
    doc = corpus.doc(name)
    facts = plan_facts(doc)
    assert len(facts) > 20
    page = tmp_path / (Path(name).stem + ".html")
    page.write_text(evidence_html(doc, facts), encoding="utf-8")
    browser.get(page.as_uri())
    found = _anchors(browser)
    assert sorted(fid for fid, _, _ in found) == sorted(f.id for f in facts)
    assert all(inside for _, inside, _ in found)
    pages = {f.id: doc.page_at(f.start) for f in facts}
    assert all(f"(page {pages[fid]})" in tip for fid, _, tip in found)
    assert len(set(pages.values())) > 1 and max(pages.values()) <= doc.pages
    shown = _shown_text(browser)
    assert "".join(shown.split()) == "".join(doc.text.split())
    fact = _fact_to_visit(facts)
    browser.get(f"{page.as_uri()}#{fact.id}")
    where = browser.execute_script(IN_VIEWPORT, fact.id)
    assert where and where["inView"] and where["highlighted"], where
    assert console_errors(browser) == []
    ARTIFACTS.mkdir(exist_ok=True)
    assert browser.save_screenshot(str(ARTIFACTS / f"evidence-{Path(name).stem}.png"))
