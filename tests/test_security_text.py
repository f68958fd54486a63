"""Text hygiene (issue 11 case 5; SECURITY-CASES 39): control characters leave a plan at clean
time and are counted; what is stored serialises as valid RDF/XML and SPARQL XML; terminal output
shows escapes, never raw control or bidi characters."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from plankg.ingest.clean import clean
from plankg.terminal import escape_controls
from tests.conftest import PLAN_FILES, ROOT

BELL, ESC, CSI_C1, NUL = "\x07", "\x1b", "\x9b", "\x00"
RLO = "\u202e"


@pytest.mark.parametrize(
    "raw, text, count",
    [
        ("碳达峰\x07行动", "碳达峰行动", 1),
        ("\x1b[31m红色\x1b[0m", "[31m红色[0m", 2),
        ("a\x00b\x9bc\x7fd", "abcd", 3),
        ("lone\ud800surrogate", "lonesurrogate", 1),
        ("表1\t指标\n2025年", "表1\t指标\n2025年", 0),  # tab and newline stay
        ("第一行\r\n第二行\r第三行", "第一行\n第二行\n第三行", 0),  # CR is a line break
    ],
)
def test_clean_removes_and_counts_controls(raw: str, text: str, count: int) -> None:
    cleaned = clean(raw)
    assert cleaned.text == text
    assert cleaned.stats["control_chars"] == count


def test_escape_controls_table() -> None:
    assert escape_controls(f"a{ESC}[2Jb") == "a\\x1b[2Jb"
    assert escape_controls(f"{CSI_C1}6n") == "\\x9b6n"
    assert escape_controls(f"x{RLO}y") == "x\\u202ey"
    assert escape_controls("永川区\t2025\n") == "永川区\t2025\n"


@pytest.fixture(scope="module")
def dirty(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A seed plan with a bell, escape sequences (C0 and C1) and a bidi override in its prose,
    ingested into a store of its own."""
    from plankg.ingest.pipeline import ingest
    from plankg.store import open_store

    base = tmp_path_factory.mktemp("dirty")
    source = PLAN_FILES["004"].read_text(encoding="utf-8")
    lines = source.split("\n")
    for i in range(5, len(lines), 7):
        lines[i] = lines[i][:3] + BELL + ESC + "[2J" + CSI_C1 + RLO + lines[i][3:]
    plan = base / "jiangjin-dirty.txt"
    plan.write_text("\n".join(lines), encoding="utf-8")
    store = open_store(base / "store")
    report = ingest([plan], store, jobs=1)
    assert report.ok, report.errors
    del store
    return plan, base / "store"


def test_ingested_text_serialises_as_valid_xml(dirty: tuple[Path, Path]) -> None:
    _, path = dirty
    store = ox.Store.read_only(str(path))
    triples = [
        ox.Triple(q.subject, q.predicate, q.object)
        for q in store.quads_for_pattern(None, None, None, None)
    ]
    literals = [t.object.value for t in triples if isinstance(t.object, ox.Literal)]
    assert not any(c in v for v in literals for c in (BELL, ESC, CSI_C1))
    assert any(RLO in v for v in literals)  # printable text stays exactly as printed
    rdfxml = ox.serialize(triples, format=ox.RdfFormat.RDF_XML)
    assert len(list(ox.parse(rdfxml, format=ox.RdfFormat.RDF_XML))) == len(set(triples))
    results = store.query("SELECT ?o WHERE { GRAPH ?g { ?s ?p ?o } FILTER(isLiteral(?o)) }")
    xml = results.serialize(format=ox.QueryResultsFormat.XML)
    assert len(list(ox.parse_query_results(xml, format=ox.QueryResultsFormat.XML))) == len(
        [t for t in triples if isinstance(t.object, ox.Literal)]
    )


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "plankg.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_outline_output_is_escaped(dirty: tuple[Path, Path]) -> None:
    plan, _ = dirty
    done = _run("outline", str(plan), "--rows")
    assert done.returncode == 0, done.stderr
    assert ESC not in done.stdout and RLO not in done.stdout and BELL not in done.stdout
    assert "\\u202e" in done.stdout


def test_sparql_and_query_tables_are_escaped(dirty: tuple[Path, Path]) -> None:
    _, store = dirty
    done = _run(
        "sparql",
        "--store",
        str(store),
        'SELECT ?x WHERE { BIND("\\u001B]8;;http://evil/\\u001B\\\\\\u009B6n\\u202Ex" AS ?x) }',
    )
    assert done.returncode == 0, done.stderr
    assert not any(c in done.stdout for c in (ESC, CSI_C1, RLO))
    assert "\\x1b]8;;http://evil/" in done.stdout
    done = _run("query", "plans", "--store", str(store))
    assert done.returncode == 0, done.stderr
    assert not any(c in done.stdout for c in (ESC, CSI_C1, RLO, BELL))


def test_a_plan_with_nul_bytes_is_refused_in_one_line(tmp_path: Path) -> None:
    plan = tmp_path / "nul.txt"
    plan.write_text("碳达峰" + NUL + "行动\n", encoding="utf-8")
    done = _run("outline", str(plan))
    assert done.returncode == 1 and "looks binary" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_error_messages_are_escaped(tmp_path: Path) -> None:
    done = _run("sparql", "--store", str(tmp_path / "none"), f"SELECT {ESC}[2J")
    assert ESC not in done.stderr
