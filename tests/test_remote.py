"""Remote stores: a real `oxigraph serve` on loopback, loaded through plankg, must give the same
answers as the embedded store for the whole query library and the link graphs."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from plankg.ingest.pipeline import ingest
from plankg.link import link_store
from plankg.query import named_queries, run_named
from plankg.remote import RemoteError, RemoteStore
from plankg.store import open_store, plan_graphs

from .conftest import PLAN_FILES

OXIGRAPH = Path(sys.executable).with_name("oxigraph")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_oxigraph(location: Path, *extra: str) -> tuple[subprocess.Popen, str]:
    """Start a real Oxigraph server on a free loopback port and wait until it answers."""
    port = _free_port()
    proc = subprocess.Popen(
        [str(OXIGRAPH), "serve", "-l", str(location), "-b", f"127.0.0.1:{port}", *extra],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            urllib.request.urlopen(base + "/", timeout=1).read()
            return proc, base
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError(
                    f"oxigraph serve did not start: {proc.stderr.read()!r}"
                ) from None
            time.sleep(0.1)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A real Oxigraph server (the PyPI package `oxigraph`, installed by the project's setup)."""
    proc, base = _start_oxigraph(tmp_path_factory.mktemp("ox"))
    yield base
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def both(server, tmp_path_factory):
    remote = RemoteStore(server + "/query", server + "/update")
    local = open_store(tmp_path_factory.mktemp("embedded"))
    plans = list(PLAN_FILES.values())
    for store in (remote, local):
        report = ingest(plans, store, jobs=2)
        assert report.ok, report.errors
        link_store(store)
    return local, remote


def test_the_same_graphs_are_loaded(both):
    local, remote = both
    assert plan_graphs(remote) == plan_graphs(local)


@pytest.mark.parametrize("name", sorted(named_queries()))
def test_every_named_query_answers_the_same(both, name):
    local, remote = both
    columns_l, rows_l = run_named(local, name)
    columns_r, rows_r = run_named(remote, name)
    assert columns_r == columns_l
    key = lambda rows: sorted(tuple(r[c] or "" for c in columns_l) for r in rows)  # noqa: E731
    assert key(rows_r) == key(rows_l)


def test_parameters_work_remotely(both):
    local, remote = both
    _, rows = run_named(remote, "targets", {"district": "荣昌区", "target_year": "2025"})
    assert rows and {(r["district"], r["target_year"]) for r in rows} == {("荣昌区", "2025")}
    assert len(rows) == len(
        run_named(local, "targets", {"district": "荣昌区", "target_year": "2025"})[1]
    )


def test_graph_exports_are_the_same(both):
    from plankg.graphs import build_graph

    local, remote = both
    for kind in ("measures", "units"):
        g_l, g_r = build_graph(local, kind), build_graph(remote, kind)
        assert set(g_l.nodes) == set(g_r.nodes)
        assert set(g_l.edges) == set(g_r.edges)


def test_server_errors_are_reported_clearly(server):
    remote = RemoteStore(server + "/query")
    with pytest.raises(RemoteError, match=r"refused the request: QueryBadFormed.*error at") as info:
        remote.query("SELECT WHERE {")
    assert "\n" not in str(info.value)
    dead = RemoteStore(f"http://127.0.0.1:{_free_port()}/query", timeout_s=2)
    with pytest.raises(RemoteError, match="cannot reach"):
        dead.query("SELECT * WHERE { ?s ?p ?o } LIMIT 1")


def test_cli_query_against_the_endpoint(both, server):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "plankg.cli",
            "query",
            "district-summary",
            "--endpoint",
            server + "/query",
            "--format",
            "csv",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "永川区" in result.stdout


def test_a_server_timeout_is_reported_not_mistaken_for_results(tmp_path):
    """`oxigraph serve --timeout-s` has already sent 200 when it fires: the body is cut-off JSON."""
    proc, base = _start_oxigraph(tmp_path / "ox", "--timeout-s", "1")
    try:
        remote = RemoteStore(base + "/query", timeout_s=30)
        remote.update(
            "INSERT DATA { "
            + " ".join(f"<http://example.org/{i}> <http://example.org/p> {i} ." for i in range(300))
            + " }"
        )
        with pytest.raises(RemoteError, match="incomplete results"):
            remote.query(
                "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f . ?g ?s ?h }"
            )
    finally:
        proc.terminate()
        proc.wait(timeout=10)
