"""`plankg serve` for real: a server process on a free loopback port, queried with SPARQLWrapper
and urllib the way clients nobody wrote for plankg would query it.

Two servers run over one store ingested (and linked) once per session: a roomy one for answers,
and a strict one (1 s per query, 5 rows, 4 KiB requests, one worker) for the limits."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from SPARQLWrapper import (
    CSV,
    JSON,
    POST,
    POSTDIRECTLY,
    TSV,
    TURTLE,
    URLENCODED,
    XML,
)
from SPARQLWrapper import SPARQLWrapper as Wrapper

from tests.conftest import PLANS, ROOT

START_S = 90.0  # spawning workers imports rdflib: slow machines need time
HTTP_S = 30.0  # no single request in these tests may hang longer
PLANS_QUERY = "SELECT ?plan ?title WHERE { ?plan a pk:Plan ; dcterms:title ?title } ORDER BY ?plan"
ENDLESS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


# -- fixtures: a store, and servers over it ------------------------------------------------------
def _plankg(*args: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "plankg.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="session")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The five plans ingested and linked, by the CLI, in a store of their own."""
    path = tmp_path_factory.mktemp("serve") / "store"
    _plankg("ingest", "--quiet", "--store", str(path), *sorted(str(p) for p in PLANS.iterdir()))
    _plankg("link", "--store", str(path))
    return path


def _serve_command(store: Path, options: dict[str, str]) -> list[str]:
    """`plankg serve` over `store` with `--KEY=VALUE` options."""
    flags = [f"--{k}={v}" for k, v in options.items()]
    return [sys.executable, "-m", "plankg.cli", "serve", "--store", str(store), *flags]


class Server:
    """A running server process and its endpoint URL."""

    def __init__(self, process: subprocess.Popen[str], url: str) -> None:
        self.process, self.url = process, url
        self.base = url.rsplit("/", 1)[0]

    def workers(self) -> set[int]:
        """The server's query workers (spawned children, not multiprocessing's resource
        tracker), from /proc."""
        out: set[int] = set()
        for task in Path(f"/proc/{self.process.pid}/task").iterdir():
            for pid in (task / "children").read_text().split():
                with contextlib.suppress(OSError):
                    if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes():
                        out.add(int(pid))
        return out


def _start(store: Path, **options: str) -> Iterator[Server]:
    command = _serve_command(store, {"port": "0", **options})
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    deadline, seen = time.monotonic() + START_S, []
    url = None
    while url is None and time.monotonic() < deadline and process.poll() is None:
        try:
            line = lines.get(timeout=0.5)
        except queue.Empty:
            continue
        seen.append(line)
        match = re.search(r"http://127\.0\.0\.1:\d+/sparql", line)
        url = match.group(0) if match else None
    if url is None:
        process.kill()
        pytest.fail("the server did not start:\n" + "".join(seen))
    try:
        yield Server(process, url)
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


@pytest.fixture(scope="module")
def server(store_dir: Path) -> Iterator[Server]:
    yield from _start(store_dir, timeout="30", workers="2")


@pytest.fixture(scope="module")
def strict(store_dir: Path) -> Iterator[Server]:
    yield from _start(
        store_dir, **{"timeout": "1", "workers": "1", "max-rows": "5", "max-request-bytes": "4096"}
    )


# -- helpers -----------------------------------------------------------------------------------
def request(
    url: str,
    *,
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and body of one HTTP request; error statuses are answers too."""
    req = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=HTTP_S) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def form(query: str, **extra: str) -> bytes:
    return urllib.parse.urlencode({"query": query, **extra}).encode()


def assert_error(status: int, body: bytes, expected_status: int, code: str) -> dict[str, Any]:
    """The one error shape: {"error": {"code", "message", "status"}}, no stack trace."""
    assert status == expected_status, body
    doc = json.loads(body)
    assert set(doc) == {"error"}
    assert set(doc["error"]) == {"code", "message", "status"}
    assert doc["error"]["status"] == expected_status
    assert doc["error"]["code"] == code, doc
    assert doc["error"]["message"]
    assert "Traceback" not in body.decode()
    return doc["error"]


def wrapper(server: Server, query: str, fmt: str = JSON) -> Any:
    client = Wrapper(server.url)
    client.setQuery(query)
    client.setReturnFormat(fmt)
    client.setTimeout(int(HTTP_S))
    return client


def titles(bindings: list[dict[str, Any]]) -> list[str]:
    return [b["title"]["value"] for b in bindings]


@pytest.fixture(scope="module")
def expected_titles(store_dir: Path) -> list[str]:
    """The plans' titles, from the store directly (read-only, beside the servers)."""
    store = ox.Store.read_only(str(store_dir))
    return [
        str(s["title"].value)
        for s in store.query(PLANS_QUERY, prefixes=_prefixes(), use_default_graph_as_union=True)
    ]


def _prefixes() -> dict[str, str]:
    from plankg.iri import PREFIXES

    return PREFIXES


# -- answers ---------------------------------------------------------------------------------
def test_select_json_and_xml_with_sparqlwrapper(server: Server, expected_titles: list[str]) -> None:
    assert len(expected_titles) == 5
    result = wrapper(server, PLANS_QUERY, JSON).query().convert()
    assert result["head"]["vars"] == ["plan", "title"]
    assert titles(result["results"]["bindings"]) == expected_titles
    document = wrapper(server, PLANS_QUERY, XML).query().convert()
    literals = [n.firstChild.data for n in document.getElementsByTagName("literal")]
    assert literals == expected_titles


@pytest.mark.parametrize(
    "fmt, media, sep", [(CSV, "text/csv", ","), (TSV, "text/tab-separated-values", "\t")]
)
def test_csv_and_tsv_by_accept(
    server: Server, expected_titles: list[str], fmt: str, media: str, sep: str
) -> None:
    status, headers, body = request(
        server.url + "?" + urllib.parse.urlencode({"query": PLANS_QUERY}), headers={"Accept": media}
    )
    assert status == 200 and headers["Content-Type"].startswith(media)
    text = body.decode("utf-8")
    assert text.startswith("\ufeff") == (sep == ",")  # CSV for humans carries a BOM (Excel)
    assert text.removeprefix("\ufeff").splitlines()[0] == (
        "plan,title" if sep == "," else "?plan\t?title"
    )
    assert all(t in text for t in expected_titles)
    assert wrapper(server, PLANS_QUERY, fmt).query().convert().decode("utf-8") == text


def test_ask(server: Server) -> None:
    assert wrapper(server, "ASK { ?p a pk:Plan }").query().convert()["boolean"] is True
    assert wrapper(server, "ASK { ?p a pk:NoSuchClass }").query().convert()["boolean"] is False


def test_construct_as_turtle_and_ntriples(server: Server) -> None:
    query = "CONSTRUCT { ?p dcterms:title ?t } WHERE { ?p a pk:Plan ; dcterms:title ?t }"
    turtle = wrapper(server, query, TURTLE).query().convert()
    triples = list(ox.parse(turtle, format=ox.RdfFormat.TURTLE))
    assert len(triples) == 5
    status, headers, body = request(server.url + "?format=nt", data=form(query))
    assert status == 200 and headers["Content-Type"].startswith("application/n-triples")
    assert set(ox.parse(body, format=ox.RdfFormat.N_TRIPLES)) == set(triples)


def test_get_and_both_posts_agree(server: Server) -> None:
    answers = []
    for method, request_method in (("GET", None), (POST, URLENCODED), (POST, POSTDIRECTLY)):
        client = wrapper(server, PLANS_QUERY)
        if request_method:
            client.setMethod(method)
            client.setRequestMethod(request_method)
        answers.append(client.query().convert())
    assert answers[0] == answers[1] == answers[2]


def test_dataset_of_this_store(server: Server) -> None:
    graph = "https://w3id.org/plankg/graph/ontology"
    query = f"SELECT (COUNT(*) AS ?n) FROM <{graph}> WHERE {{ ?s ?p ?o }}"
    result = wrapper(server, query).query().convert()
    assert int(result["results"]["bindings"][0]["n"]["value"]) > 0
    status, _, body = request(
        server.url,
        data=form("SELECT (COUNT(*) AS ?n) WHERE { ?s a pk:Plan }", **{"default-graph-uri": graph}),
    )
    assert status == 200
    assert json.loads(body)["results"]["bindings"][0]["n"]["value"] == "0"


def test_every_named_query_matches_the_store(server: Server, store_dir: Path) -> None:
    from plankg.query import named_queries, run_named

    store = ox.Store.read_only(str(store_dir))
    for name in named_queries():
        columns, rows = run_named(store, name)
        status, _, body = request(f"{server.base}/queries/{name}")
        assert status == 200, body
        answer = json.loads(body)
        assert answer["columns"] == columns and answer["truncated"] is None
        assert answer["rows"] == rows, name


def test_named_query_with_a_parameter(server: Server, store_dir: Path) -> None:
    from plankg.query import run_named

    expected = run_named(ox.Store.read_only(str(store_dir)), "plans", {"district": "永川区"})[1]
    url = f"{server.base}/queries/plans?" + urllib.parse.urlencode({"district": "永川区"})
    status, _, body = request(url)
    assert status == 200 and json.loads(body)["rows"] == expected
    assert expected and all(r["district"] == "永川区" for r in expected)
    status, headers, body = request(url + "&format=csv")
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    assert "永川区" in body.decode("utf-8-sig")
    assert_error(*request(f"{server.base}/queries/plans?nope=1")[::2], 400, "bad-parameter")
    assert_error(*request(f"{server.base}/queries/no-such-query")[::2], 404, "unknown-query")


def test_queries_listing_and_page(server: Server) -> None:
    from plankg.query import named_queries

    queries = named_queries()
    status, _, body = request(f"{server.base}/queries")
    listing = json.loads(body)
    assert status == 200 and [q["name"] for q in listing] == list(queries)
    assert all({"title", "description", "params", "url"} <= set(q) for q in listing)
    status, headers, body = request(server.base + "/")
    page = body.decode("utf-8")
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert all(q.title in page for q in queries.values())
    assert "目标指标" in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)  # nothing from elsewhere


# -- refusals ------------------------------------------------------------------------------------
INSERT = "INSERT DATA { <http://example.org/a> <http://example.org/b> 'c' }"


@pytest.mark.parametrize(
    "data, headers, code",
    [
        (urllib.parse.urlencode({"update": INSERT}).encode(), {}, "update-refused"),
        (INSERT.encode(), {"Content-Type": "application/sparql-update"}, "update-refused"),
        (INSERT.encode(), {"Content-Type": "application/sparql-query"}, "update-refused"),
        (form(INSERT), {}, "update-refused"),
        (form("LOAD <http://example.org/data.ttl>"), {}, "update-refused"),
        (
            urllib.parse.urlencode({"update": "LOAD <http://example.org/d.ttl>"}).encode(),
            {},
            "update-refused",
        ),
        (form("DELETE WHERE { ?s ?p ?o }"), {}, "update-refused"),
        (
            form("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"),
            {},
            "service-refused",
        ),
        (
            form(
                "SELECT * WHERE { ?s ?p ?o OPTIONAL { SERVICE SILENT <http://127.0.0.1:1/> "
                "{ ?s ?q ?r } } }"
            ),
            {},
            "service-refused",
        ),
        (
            form("SELECT * WHERE { FILTER EXISTS { SERVICE <http://example.org/> { ?s ?p ?o } } }"),
            {},
            "service-refused",
        ),
        (
            form("SELECT * FROM <http://example.org/remote.ttl> WHERE { ?s ?p ?o }"),
            {},
            "remote-graph-refused",
        ),
        (
            form("SELECT * FROM NAMED <http://example.org/g> WHERE { GRAPH ?g { ?s ?p ?o } }"),
            {},
            "remote-graph-refused",
        ),
        (
            form("SELECT * WHERE { ?s ?p ?o }", **{"default-graph-uri": "http://example.org/g"}),
            {},
            "remote-graph-refused",
        ),
    ],
)
def test_refusals(server: Server, data: bytes, headers: dict[str, str], code: str) -> None:
    status, _, body = request(server.url, data=data, headers=headers)
    assert_error(status, body, 403, code)


def test_refusal_by_get(server: Server) -> None:
    url = server.url + "?" + urllib.parse.urlencode({"update": INSERT})
    assert_error(*request(url)[::2], 403, "update-refused")
    count = "SELECT (COUNT(*) AS ?n) WHERE { <http://example.org/a> ?p ?o }"
    assert (
        json.loads(request(server.url, data=form(count))[2])["results"]["bindings"][0]["n"]["value"]
        == "0"
    )  # and nothing was written


def test_service_in_comments_and_strings_is_fine(server: Server) -> None:
    query = (
        "SELECT ?s WHERE {  # SERVICE <http://example.org/sparql> { ?s ?p ?o }\n"
        '  ?s rdfs:label "SERVICE <http://example.org/sparql> { }" .\n'
        "  FILTER(?s != <http://example.org/SERVICE>)\n}"
    )
    status, _, body = request(server.url, data=form(query))
    assert status == 200, body
    assert json.loads(body)["results"]["bindings"] == []


def test_malformed_query(server: Server) -> None:
    assert_error(*request(server.url, data=form("SELECT WHERE {"))[::2], 400, "malformed-query")
    assert_error(*request(server.url)[::2], 400, "missing-query")
    assert_error(*request(server.base + "/nowhere")[::2], 404, "not-found")


def test_too_long_a_query_is_stopped(strict: Server) -> None:
    assert Path("/proc").is_dir(), "the test reads /proc to see that the worker was killed"
    before = strict.workers()
    assert len(before) == 1
    started = time.monotonic()
    status, _, body = request(strict.url, data=form(ENDLESS))
    assert time.monotonic() - started < 5
    assert_error(status, body, 503, "timeout")
    # the worker was killed, not left computing
    deadline = time.monotonic() + 5
    while any(Path(f"/proc/{pid}").exists() for pid in before) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(Path(f"/proc/{pid}").exists() for pid in before)
    # and the server keeps answering, with a fresh worker
    deadline = time.monotonic() + START_S
    while True:
        status, _, body = request(strict.url, data=form("ASK { ?p a pk:Plan }"))
        if status == 200 or time.monotonic() > deadline:
            break
    assert status == 200 and json.loads(body)["boolean"] is True


def test_oversize_requests(strict: Server) -> None:
    padding = "# " + "x" * 5000 + "\n"
    assert_error(*request(strict.url, data=form(padding + "ASK {}"))[::2], 413, "request-too-large")
    url = strict.url + "?" + urllib.parse.urlencode({"query": padding + "ASK {}"})
    assert_error(*request(url)[::2], 413, "request-too-large")


def test_rows_are_capped(strict: Server) -> None:
    status, headers, body = request(strict.url, data=form("SELECT * WHERE { ?s ?p ?o }"))
    assert status == 200 and headers["X-Plankg-Truncated"] == "max_rows=5"
    assert len(json.loads(body)["results"]["bindings"]) == 5


def test_eight_concurrent_clients(server: Server, expected_titles: list[str]) -> None:
    def one(i: int) -> list[str]:
        query = PLANS_QUERY if i % 2 else PLANS_QUERY.replace("ORDER BY", f"# client {i}\nORDER BY")
        return titles(wrapper(server, query).query().convert()["results"]["bindings"])

    started = time.monotonic()
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(one, range(8), timeout=HTTP_S * 2))
    assert answers == [expected_titles] * 8
    assert time.monotonic() - started < HTTP_S


def test_listens_on_loopback_only(server: Server) -> None:
    assert server.url.startswith("http://127.0.0.1:")
    assert os.path.exists(f"/proc/{server.process.pid}")
