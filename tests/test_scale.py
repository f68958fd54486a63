"""Ingest at scale: batches under an undo journal, workers that die with their parent, the Dask
executor, the synthetic corpus. Small N only: the figures at scale are benchmarks/bench_scale.py's."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from plankg import iri
from plankg.ingest.pipeline import ingest
from plankg.store import journal_path, open_store, plan_graphs

from .conftest import PLAN_FILES

ROOT = Path(__file__).resolve().parents[1]
PLANKG = [sys.executable, "-m", "plankg.cli"]


def _quads(store) -> set:
    return set(store.quads_for_pattern(None, None, None, None))


def _descendants(pid: int) -> set[int]:
    """Every live process below `pid`, read from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    out, frontier = set(), {pid}
    while frontier:
        frontier = {p for p, pp in parents.items() if pp in frontier} - out
        out |= frontier
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _holders(folder: Path) -> list[int]:
    """Processes with a file of `folder` open."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fds = list((entry / "fd").iterdir())
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(fd).startswith(str(folder)):
                    out.append(int(entry.name))
                    break
            except OSError:
                continue
    return out


def test_batches_give_the_graph_of_one_transaction(tmp_path):
    """Writing plan by plan (a batch of 1 byte) gives exactly the quads of one batch."""
    files = [PLAN_FILES["004"], PLAN_FILES["001"]]
    one = open_store(tmp_path / "one")
    ingest(files, one, jobs=1)
    many = open_store(tmp_path / "many")
    ingest(files, many, jobs=1, batch_bytes=1)
    runs = ox.NamedNode(iri.RUNS_GRAPH)
    assert {q for q in _quads(one) if q.graph_name != runs} == {
        q for q in _quads(many) if q.graph_name != runs
    }
    assert len(plan_graphs(many)) == 2


def test_an_error_in_a_later_batch_rolls_every_batch_back(tmp_path):
    """A batch that fails after others were written: the store is as it was, the journal gone."""
    from plankg.store import write_graphs

    store = open_store(tmp_path / "s")
    ingest([PLAN_FILES["004"]], store, jobs=1)
    before = _quads(store)
    good = tmp_path / "good.nt"
    good.write_text('<urn:a> <urn:p> "1" .\n', encoding="utf-8")
    bad = tmp_path / "bad.nt"
    bad.write_text("<urn:a> <urn:p> not rdf .\n", encoding="utf-8")
    replaced = plan_graphs(store)[0]
    with pytest.raises(SyntaxError):
        write_graphs(
            store,
            [(replaced, good), ("urn:g:new", good), ("urn:g:bad", bad)],
            run="urn:run:x",
            commit=lambda: None,
            journal=tmp_path / "j",
            batch_bytes=1,
        )
    assert _quads(store) == before
    assert not (tmp_path / "j").exists()


KILLED_WRITER = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    from plankg.store import journal_path, open_store, write_graphs
    location = Path(sys.argv[1])
    store = open_store(location)
    new = location.parent / "new.nt"
    new.write_text('<urn:a> <urn:p> "new" .\\n', encoding="utf-8")
    graphs = [(g, new) for g in sys.argv[2:]] + [("urn:g:added", new)]
    # killed after every batch was written and before the run is committed
    write_graphs(store, graphs, run="urn:run:killed", journal=journal_path(location),
                 commit=lambda: os.kill(os.getpid(), signal.SIGKILL), batch_bytes=1)
""")


def test_a_killed_run_is_rolled_back_when_the_store_is_next_opened(tmp_path):
    location = tmp_path / "s"
    store = open_store(location)
    ingest([PLAN_FILES["004"], PLAN_FILES["001"]], store, jobs=1)
    before = _quads(store)
    graphs = plan_graphs(store)
    del store
    result = subprocess.run(
        [sys.executable, "-c", KILLED_WRITER, str(location), *graphs],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == -signal.SIGKILL, result.stderr
    assert (journal_path(location) / "manifest.json").exists()
    reader = open_store(location, read_only=True)  # a reader first: it rolls back too
    assert _quads(reader) == before
    assert not journal_path(location).exists()


def test_ingest_workers_end_when_the_parent_is_killed(tmp_path):
    """SIGKILL of `plankg ingest`: its spawned workers go too, and nothing holds the store."""
    plans = tmp_path / "plans"
    plans.mkdir()
    for n in range(16):  # enough work that the kill lands while the workers are busy
        (plans / f"plan-{n:02d}.txt").write_bytes(PLAN_FILES["003"].read_bytes())
    location = tmp_path / "store"
    store = open_store(location)
    ingest([PLAN_FILES["004"]], store, jobs=1)
    before = _quads(store)
    del store
    proc = subprocess.Popen(
        [*PLANKG, "ingest", str(plans), "--jobs", "2", "--store", str(location)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    deadline = time.monotonic() + 60
    workers: set[int] = set()
    while time.monotonic() < deadline:
        workers = _descendants(proc.pid)
        if len(workers) >= 2:
            break
        time.sleep(0.2)
    assert len(workers) >= 2, "the ingest started no worker processes"
    time.sleep(2)  # let the workers get into their plans
    assert proc.poll() is None, "the ingest finished before it could be killed"
    proc.kill()
    proc.wait(timeout=10)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(w) for w in workers):
        time.sleep(0.1)
    assert not [w for w in workers if _alive(w)], "workers outlived the killed ingest"
    assert not _holders(location), "a process still holds the store's files"
    store = open_store(location)  # the lock is free, and the store is as it was
    assert _quads(store) == before


# -- the synthetic corpus -------------------------------------------------------------------------


def test_synth_varies_the_real_plans_under_new_names(tmp_path):
    from plankg.synth import jurisdictions

    out = tmp_path / "corpus"
    result = subprocess.run(
        [*PLANKG, "synth", "3", "-o", str(out)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    files = sorted(out.glob("*.txt"))
    assert len(files) >= 3 and {f.name[:5] for f in files} == {"j0001", "j0002", "j0003"}
    seeds = {p.read_bytes() for p in PLAN_FILES.values()}
    texts = [f.read_bytes() for f in files]
    assert not seeds & set(texts), "a synthetic plan is a byte-identical copy of a seed"
    again = tmp_path / "again"
    subprocess.run(
        [*PLANKG, "synth", "3", "-o", str(again)], check=True, cwd=ROOT, capture_output=True
    )
    assert [f.read_bytes() for f in sorted(again.glob("*.txt"))] == texts  # deterministic
    names = [j.name for j in jurisdictions(3)]
    for f in files:
        text = f.read_text(encoding="utf-8")
        own = names[int(f.name[1:5]) - 1]
        assert own in text and "永川区" not in text and "荣昌区" not in text
    # past the gazetteer's districts and counties: composed names, in the corpus' gazetteer
    real = sum(1 for j in jurisdictions(4000) if not j.composed)
    assert real > 2000  # the national gazetteer's districts and counties
    many = jurisdictions(real + 20)
    assert len({j.name for j in many}) == real + 20 and many[-1].composed


def test_synthetic_plans_are_read_as_their_jurisdictions(tmp_path, monkeypatch):
    from plankg.ingest.places import default_gazetteer
    from plankg.query import run_named
    from plankg.synth import jurisdictions, synthesize

    real = sum(1 for j in jurisdictions(4000) if not j.composed)
    composed = jurisdictions(real + 1)[-1]
    assert composed.composed
    corpus = synthesize(3, tmp_path / "corpus", seed=1)
    store = open_store(tmp_path / "s")
    report = ingest(sorted(corpus.folder.glob("*.txt")), store, jobs=1)
    assert report.ok, report.errors
    _, rows = run_named(store, "plans")
    assert {r["district"] for r in rows} == {j.name for j in jurisdictions(3)}
    # a composed name is read through $PLANKG_GAZETTEER
    big = synthesize(1, tmp_path / "big", seed=2, start=real)
    plan = sorted(big.folder.glob(f"j{real + 1:04d}-*.txt"))[0]
    monkeypatch.setenv("PLANKG_GAZETTEER", str(big.gazetteer))
    default_gazetteer.cache_clear()
    try:
        from plankg.ingest.document import load_plan

        assert load_plan(plan).metadata.district == composed.name
    finally:
        monkeypatch.delenv("PLANKG_GAZETTEER")
        default_gazetteer.cache_clear()


# -- the Dask executor ----------------------------------------------------------------------------


def test_dask_cluster_gives_the_graph_of_the_local_pool(tmp_path):
    """A real LocalCluster with two worker processes: the same plan graphs and the same links
    as the local process pool."""
    from distributed import LocalCluster

    from plankg.link import link_store

    files = [PLAN_FILES["004"], PLAN_FILES["001"], PLAN_FILES["002"]]
    local = open_store(tmp_path / "local")
    ingest(files, local, jobs=2)
    link_store(local, jobs=2, chunk=100)  # several partitions of measures
    runs = ox.NamedNode(iri.RUNS_GRAPH)
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        remote = open_store(tmp_path / "dask")
        report = ingest(files, remote, executor="dask", scheduler=cluster.scheduler_address)
        assert report.ok and len(report.results) == 3
        link_store(remote, executor="dask", scheduler=cluster.scheduler_address, chunk=100)
        workers = cluster.scheduler_info["workers"]
        assert len(workers) == 2
    expected = {q for q in _quads(local) if q.graph_name != runs}
    assert len(expected) > 10_000
    links = ox.NamedNode(iri.LINKS_GRAPH)
    assert sum(1 for q in expected if q.graph_name == links) > 100
    assert {q for q in _quads(remote) if q.graph_name != runs} == expected


def test_an_unknown_executor_is_an_error(tmp_path):
    from plankg.ingest.pipeline import ExecutorError

    with pytest.raises(ExecutorError, match="unknown executor"):
        ingest([PLAN_FILES["004"]], open_store(tmp_path / "s"), executor="ray")
