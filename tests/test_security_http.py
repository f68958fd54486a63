"""The endpoint's HTTP layer under attack and load (issue 11 cases 1, 2, 8; SECURITY-CASES 9–24,
34–38): CORS only when asked for, no cross-site POSTs, no request desync, bounded workers (time,
memory, lanes), Retry-After, one-line errors. Real servers on loopback, real sockets."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
import urllib.parse
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.test_serve import ENDLESS, Server, _start, assert_error, form, request

ASK = "ASK { ?p a pk:Plan }"


@pytest.fixture(scope="module")
def server(store_dir: Path) -> Iterator[Server]:
    """Two lanes (one light worker, one heavy), 0.5 s in the light lane, 4 s per query,
    1,024 MiB (an idle worker maps up to about 670 MiB) per worker, 5 rows per answer."""
    yield from _start(
        store_dir,
        **{
            "timeout": "4",
            "workers": "1",
            "heavy-workers": "1",
            "light-seconds": "0.5",
            "worker-memory": "1024",
            "max-rows": "5",
            "max-request-bytes": "65536",
        },
    )


@pytest.fixture(scope="module")
def cors(store_dir: Path) -> Iterator[Server]:
    yield from _start(
        store_dir, **{"workers": "1", "heavy-workers": "0", "cors": "http://app.example"}
    )


def raw(server: Server, data: bytes, *, read_s: float = 10.0) -> bytes:
    """Send bytes on one connection and read until the server closes it (or read_s passes)."""
    port = int(server.base.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=read_s) as sock:
        sock.sendall(data)
        chunks, deadline = [], time.monotonic() + read_s
        while time.monotonic() < deadline:
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)


def statuses(answer: bytes) -> list[int]:
    return [int(code) for code in re.findall(rb"HTTP/1\.[01] (\d{3}) ", answer)]


# -- CORS and CSRF (issue 11 case 1; SECURITY-CASES 34, 35) --------------------------------------
def test_no_cors_headers_by_default(server: Server) -> None:
    status, headers, _ = request(
        server.url + "?query=ASK%7B%7D", headers={"Origin": "http://evil.example"}
    )
    assert status == 200
    assert not any(h.lower().startswith("access-control-") for h in headers)
    answer = raw(
        server,
        b"OPTIONS /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Origin: http://evil.example\r\nAccess-Control-Request-Method: POST\r\n"
        b"Connection: close\r\n\r\n",
    )
    assert statuses(answer) == [204]
    assert b"access-control-allow-origin" not in answer.lower()


def test_cross_site_form_posts_are_refused(server: Server) -> None:
    for extra in (
        {"Origin": "http://evil.example"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Origin": "null"},
    ):
        status, _, body = request(server.url, data=form(ASK), headers=extra)
        assert_error(status, body, 403, "cross-site-refused")
    own = server.base  # http://127.0.0.1:PORT, what a browser on the query page sends
    status, _, body = request(
        server.url, data=form(ASK), headers={"Origin": own, "Sec-Fetch-Site": "same-origin"}
    )
    assert status == 200 and json.loads(body)["boolean"] is True


def test_foreign_host_names_are_refused(server: Server) -> None:
    """DNS rebinding: a page on evil.example whose name now points to 127.0.0.1."""
    status, _, body = request(server.url + "?query=ASK%7B%7D", headers={"Host": "evil.example"})
    assert_error(status, body, 403, "host-refused")
    status, _, _ = request(
        server.url + "?query=ASK%7B%7D",
        headers={"Host": "localhost:" + server.base.rsplit(":", 1)[1]},
    )
    assert status == 200


def test_cors_for_the_named_origin_only(cors: Server) -> None:
    status, headers, _ = request(
        cors.url + "?query=ASK%7B%7D", headers={"Origin": "http://app.example"}
    )
    assert status == 200 and headers["Access-Control-Allow-Origin"] == "http://app.example"
    status, headers, _ = request(
        cors.url + "?query=ASK%7B%7D", headers={"Origin": "http://evil.example"}
    )
    assert "Access-Control-Allow-Origin" not in headers
    status, headers, _ = request(cors.url, data=form(ASK), headers={"Origin": "http://app.example"})
    assert status == 200 and headers["Access-Control-Allow-Origin"] == "http://app.example"
    assert_error(
        *request(cors.url, data=form(ASK), headers={"Origin": "http://evil.example"})[::2],
        403,
        "cross-site-refused",
    )
    answer = raw(
        cors,
        b"OPTIONS /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Origin: http://app.example\r\nConnection: close\r\n\r\n",
    )
    assert b"Access-Control-Allow-Origin: http://app.example" in answer


# -- the body is consumed or refused (issue 11 case 2; SECURITY-CASES 20, 23) ------------------
def test_a_get_with_a_body_is_not_read_as_a_second_request(server: Server) -> None:
    smuggled = b"GET /queries HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    answer = raw(
        server,
        b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Length: " + str(len(smuggled)).encode() + b"\r\n\r\n" + smuggled,
    )
    assert statuses(answer) == [400], answer
    assert b"body-not-allowed" in answer and b"Connection: close" in answer


def test_keep_alive_after_a_post_body(server: Server) -> None:
    """A POST body is consumed whole: the next request on the connection is answered."""
    body = form(ASK)
    one = (
        b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
        b"application/x-www-form-urlencoded\r\nContent-Length: "
        + str(len(body)).encode()
        + b"\r\n\r\n"
        + body
    )
    answer = raw(
        server, one + b"GET /queries HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    assert statuses(answer) == [200, 200]


@pytest.mark.parametrize(
    "head, status",
    [
        (b"Transfer-Encoding: chunked\r\n", 411),
        (b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", 400),
        (b"Content-Length: 5\r\nContent-Length: 6\r\n", 400),
        (b"Content-Length: -1\r\n", 400),
        (b"Content-Length: 10000000\r\n", 413),
    ],
)
def test_bad_framing_closes_the_connection(server: Server, head: bytes, status: int) -> None:
    started = time.monotonic()
    answer = raw(
        server,
        b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
        b"application/sparql-query\r\n" + head + b"\r\nASK {}",
    )
    assert statuses(answer) == [status], answer
    assert b"Connection: close" in answer
    assert time.monotonic() - started < 5  # a 10 MB length is refused without waiting for it


def test_graph_store_writes_are_refused(server: Server) -> None:
    for method in ("PUT", "DELETE", "PATCH"):
        answer = raw(
            server,
            f"{method} /store?default HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Content-Type: text/turtle\r\nContent-Length: 2\r\n"
            "Connection: close\r\n\r\n{{".encode(),
        )
        assert statuses(answer) == [405], answer


# -- protocol errors (SECURITY-CASES 9, 10, 21–24, 36, 38) --------------------------------------
def test_protocol_errors(server: Server) -> None:
    both = urllib.parse.urlencode({"query": ASK, "update": "CLEAR ALL"}).encode()
    assert_error(*request(server.url, data=both)[::2], 400, "bad-request")
    dup = urllib.parse.urlencode([("query", ASK), ("query", ASK)]).encode()
    assert_error(*request(server.url, data=dup)[::2], 400, "missing-query")
    assert_error(*request(server.url + "?query=%ff%fe")[::2], 400, "bad-encoding")
    assert_error(
        *request(
            server.url, data=b"\xff\xfe", headers={"Content-Type": "application/sparql-query"}
        )[::2],
        400,
        "bad-encoding",
    )
    assert_error(
        *request(server.url, data=ASK.encode(), headers={"Content-Type": "text/plain"})[::2],
        415,
        "unsupported-media-type",
    )
    for update in (
        "INSERT DATA { <a:b> <a:c> 'd' }",
        "DELETE WHERE { ?s ?p ?o }",
        "CLEAR ALL",
        "DROP ALL",
    ):
        for data in (form(update), urllib.parse.urlencode({"update": update}).encode()):
            assert_error(*request(server.url, data=data)[::2], 403, "update-refused")
        assert_error(
            *request(server.url + "?" + urllib.parse.urlencode({"update": update}))[::2],
            403,
            "update-refused",
        )
    smuggled = "SELECT * {} ; INSERT DATA { <a:b> <a:c> 'd' }"
    status, _, body = request(server.url, data=form(smuggled))
    assert status in (400, 403) and b"Traceback" not in body


def test_deep_nesting_is_a_short_400(server: Server) -> None:
    for query in (
        "SELECT * WHERE " + "{" * 5000 + "}" * 5000,
        "SELECT * WHERE { FILTER(" + "(" * 5000 + "1" + ")" * 5000 + ") }",
    ):
        started = time.monotonic()
        status, _, body = request(server.url, data=form(query))
        assert status in (400, 503), body
        assert time.monotonic() - started < 10
        assert b"Traceback" not in body and b".py" not in body
    assert request(server.url, data=form(ASK))[0] == 200  # the server is still there


def test_malformed_query_message_is_short(server: Server) -> None:
    error = assert_error(
        *request(server.url, data=form("SELECT ?x WHERE { ?x ?y"))[::2], 400, "malformed-query"
    )
    assert len(error["message"]) < 400 and "/" not in error["message"].split(":", 1)[0]
    assert ".py" not in error["message"] and "site-packages" not in error["message"]


def test_pathological_accept_is_fast(server: Server) -> None:
    accept = ",".join(["text/x-nothing;q=0.1"] * 2500)
    started = time.monotonic()
    status, headers, _ = request(server.url + "?query=ASK%7B%7D", headers={"Accept": accept})
    assert status == 200 and headers["Content-Type"].startswith("application/sparql-results+json")
    assert time.monotonic() - started < 3


def test_extension_functions_are_not_executed(server: Server) -> None:
    query = (
        'SELECT ?x WHERE { BIND(<java:java.lang.Runtime.exec>("touch /tmp/plankg-pwned") AS ?x) }'
    )
    status, _, body = request(server.url, data=form(query))
    assert status in (200, 400), body
    assert not Path("/tmp/plankg-pwned").exists()
    if status == 200:
        assert json.loads(body)["results"]["bindings"] in ([], [{}])


def test_invalid_iri_parameter_is_a_400(server: Server) -> None:
    """SECURITY-CASES 13, 14: a parameter cannot change the query's structure."""
    for value in ("http://x> } ; DROP ALL ; <y", "http://x>}", 'http://a"b'):
        url = f"{server.base}/queries/targets?" + urllib.parse.urlencode({"district": value})
        assert_error(*request(url)[::2], 400, "bad-parameter")
    for value in ('永川区" } ; DROP ALL ; #', "a\\b\n}#"):
        url = f"{server.base}/queries/targets?" + urllib.parse.urlencode({"district": value})
        status, _, body = request(url)
        assert status == 200 and json.loads(body)["rows"] == []


def test_construct_is_capped(server: Server) -> None:
    status, headers, body = request(
        server.url,
        data=form("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"),
        headers={"Accept": "application/n-triples"},
    )
    assert status == 200 and headers["X-Plankg-Truncated"] == "max_rows=5"
    assert len(body.decode().strip().splitlines()) == 5


# -- time, memory and lanes (issue 11 case 8; SECURITY-CASES 15–18, 37) --------------------------
def _wait_ready(server: Server) -> None:
    """Until every worker of both lanes is idle and the spare is ready (GET /status)."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        status, _, body = request(server.base + "/status")
        doc = json.loads(body) if status == 200 else {}
        if (
            doc
            and all(doc[lane]["idle"] == doc[lane]["workers"] for lane in ("light", "heavy"))
            and doc["spares"]["ready"] == doc["spares"]["wanted"]
        ):
            return
        time.sleep(0.2)
    pytest.fail("the server did not come back")


@pytest.mark.parametrize(
    "query",
    [
        ENDLESS,
        "SELECT (COUNT(*) AS ?n) WHERE { ?s (pk:partOf|^pk:partOf|rdf:type|^rdf:type)* ?o }",
        "SELECT (COUNT(*) AS ?n) WHERE { ?s ((rdf:type*)*)* ?o . ?o ?p ?x }",
        "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f "
        'FILTER(regex(CONCAT(STR(?c), STR(?f), "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab"), "(a+)+$")) }',
        "SELECT ?c ?f WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f",
        "SELECT ?c (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f } GROUP BY ?c",
    ],
)
def test_runaway_queries_are_bounded(server: Server, query: str) -> None:
    started = time.monotonic()
    status, headers, body = request(server.url, data=form(query))
    assert time.monotonic() - started < 4 + 3
    if status == 200:  # finished inside the limits, cut to the row cap
        assert len(json.loads(body)["results"]["bindings"]) <= 5
    else:
        error = assert_error(status, body, 503, json.loads(body)["error"]["code"])
        assert error["code"] in ("timeout", "out-of-memory", "busy")
        assert headers["Retry-After"].isdigit()
    _wait_ready(server)


def test_a_memory_hog_gets_a_clean_503_and_its_worker_is_replaced(server: Server) -> None:
    _wait_ready(server)
    query = "SELECT ?a ?d WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f LIMIT 1"
    status, headers, body = request(server.url, data=form(query))
    assert_error(status, body, 503, "out-of-memory")
    assert headers["Retry-After"].isdigit()
    _wait_ready(server)


def test_light_queries_are_not_starved_by_heavy_ones(server: Server) -> None:
    """Heavy queries hold the heavy lane; light ones keep answering quickly in theirs."""
    _wait_ready(server)
    heavy_answers: list[int] = []

    def heavy() -> None:
        heavy_answers.append(request(server.url, data=form(ENDLESS))[0])

    threads = [threading.Thread(target=heavy) for _ in range(3)]
    for t in threads:
        t.start()
        time.sleep(0.1)
    time.sleep(1.0)  # the heavy ones have left the light lane by now
    times = []
    for _ in range(10):
        started = time.monotonic()
        status, _, _ = request(server.url, data=form(ASK))
        times.append(time.monotonic() - started)
        assert status == 200
    for t in threads:
        t.join(30)
    assert max(times) < 1.5, times
    assert set(heavy_answers) == {503}


def test_fifty_parallel_slow_queries_are_absorbed(server: Server) -> None:
    """SECURITY-CASES 37: a bounded pool answers 503 with Retry-After; health stays green."""
    _wait_ready(server)

    def slow(i: int) -> tuple[int, str]:
        status, headers, _ = request(server.url, data=form(ENDLESS + f" # {i}"))
        return status, headers.get("Retry-After", "")

    with ThreadPoolExecutor(50) as pool:
        futures = [pool.submit(slow, i) for i in range(50)]
        time.sleep(1.0)
        started = time.monotonic()
        status, _, _ = request(server.base + "/queries")
        health_s = time.monotonic() - started
        answers = [f.result(timeout=120) for f in futures]
    assert status == 200 and health_s < 1.0
    assert all(s == 503 and r.isdigit() for s, r in answers)
    _wait_ready(server)


# -- answers written by pyoxigraph; CSV for humans on every route --------------------------------
def test_csv_has_a_bom_and_no_live_formula_on_every_route(server: Server) -> None:
    query = 'SELECT ?x ?y WHERE { VALUES (?x ?y) { ("=1+1" "-3") ("@SUM(A1)" "永川区") } }'
    status, headers, body = request(server.url + "?format=csv", data=form(query))
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    text = body.decode("utf-8")
    assert text.startswith("\ufeff")
    assert text.removeprefix("\ufeff").splitlines() == ["x,y", "'=1+1,-3", "'@SUM(A1),永川区"]
    status, headers, body = request(f"{server.base}/queries/plans?format=csv")
    assert status == 200 and body.startswith("\ufeff".encode())


def test_every_results_format_parses_back(server: Server) -> None:
    import pyoxigraph as ox

    query = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
    for name, fmt in (
        ("json", ox.QueryResultsFormat.JSON),
        ("xml", ox.QueryResultsFormat.XML),
        ("tsv", ox.QueryResultsFormat.TSV),
    ):
        status, headers, body = request(server.url + f"?format={name}", data=form(query))
        assert status == 200, body
        rows = list(ox.parse_query_results(body, format=fmt))
        assert len(rows) == 5 and headers["X-Plankg-Truncated"] == "max_rows=5"
    for name in ("json", "xml", "csv", "tsv"):
        status, _, body = request(server.url + f"?format={name}", data=form(ASK))
        assert status == 200 and b"true" in body


def test_static_route_never_leaves_its_folder(server: Server) -> None:
    for path in (
        "/static/../serve.py",
        "/static/..%2Fserve.py",
        "/static/.hidden",
        "/static//etc/passwd",
        "/static/nothing.js",
    ):
        answer = raw(
            server, f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode()
        )
        assert statuses(answer) == [404], (path, answer)
        assert b"import " not in answer and b"root:" not in answer
