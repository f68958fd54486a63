"""SERVICE and every other outbound fetch by the engine are impossible by construction
(SECURITY-CASES 1–8, issue 11 case 1): the query workers cannot open network sockets, so
whatever spelling gets a SERVICE past the parse check, a real loopback listener sees no
connection."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from tests.test_serve import Server, _start, assert_error, form, request


class Listener:
    """A loopback TCP listener that counts the connections it accepts."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    one = Listener()
    yield one
    one.close()


@pytest.fixture(scope="module")
def server(store_dir: Path) -> Iterator[Server]:
    yield from _start(store_dir, timeout="10", workers="1")


def test_the_listener_sees_an_unguarded_engine(listener: Listener) -> None:
    """The control: Oxigraph outside a worker does call the listener (so the tests below,
    which see no connection, mean something)."""
    before = listener.connections
    with pytest.raises(OSError):
        list(
            ox.Store().query(
                f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{listener.port}/q> {{ ?s ?p ?o }} }}"
            )
        )
    deadline = time.monotonic() + 5
    while listener.connections == before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert listener.connections > before


def _bypasses(port: int) -> list[str]:
    url = f"<http://127.0.0.1:{port}/sparql>"
    return [
        # issue 11: rdflib ends a comment at \n only, Oxigraph also at \r
        f"SELECT ?x WHERE {{ # \r SERVICE {url} {{ ?x ?p ?o }}\n }}",
        f"SELECT ?x WHERE {{ # \u000c SERVICE {url} {{ ?x ?p ?o }}\n }}",
        f"SELECT ?x WHERE {{ # \u0085 SERVICE {url} {{ ?x ?p ?o }}\n }}",
        f"SELECT ?x WHERE {{ # \u2028 SERVICE {url} {{ ?x ?p ?o }}\n }}",
        f"SELECT ?x WHERE {{ #\r\n SERVICE {url} {{ ?x ?p ?o }} }}",
        # codepoint escapes, which SPARQL expands before parsing
        f"SELECT ?x WHERE {{ \\u0053ERVICE {url} {{ ?x ?p ?o }} }}",
        f"SELECT ?x WHERE {{ SERVIC\\U00000045 {url} {{ ?x ?p ?o }} }}",
        # comments and odd white space around the keyword
        f"SELECT ?x WHERE {{ #a\rSERVICE#b\r{url}#c\r{{ ?x ?p ?o }} }}",
        f"SELECT ?x WHERE {{\u000cSERVICE\u000c{url}\u000c{{ ?x ?p ?o }} }}",
        f"SELECT ?x WHERE {{ service silent {url} {{ ?x ?p ?o }} }}",
        # SECURITY-CASES 1, 4, 5, 6: plain, variable endpoint, nested, SILENT
        f"SELECT * {{ SERVICE {url} {{ ?s ?p ?o }} }}",
        f"SELECT * {{ VALUES ?ep {{ {url} }} SERVICE ?ep {{ ?s ?p ?o }} }}",
        f"SELECT * {{ ?s ?p ?o OPTIONAL {{ SERVICE SILENT {url} {{ ?s ?q ?r }} }} }}",
        f"SELECT * {{ ?s ?p ?o MINUS {{ SERVICE {url} {{ ?s ?q ?r }} }} }}",
        f"SELECT * {{ {{ SELECT * {{ SERVICE {url} {{ ?s ?p ?o }} }} }} }}",
        f"SELECT * {{ GRAPH ?g {{ SERVICE {url} {{ ?s ?p ?o }} }} }}",
        f"SELECT * {{ FILTER EXISTS {{ SERVICE {url} {{ ?s ?p ?o }} }} }}",
        f"ASK {{ # \r SERVICE {url} {{ ?s ?p ?o }}\n }}",
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ # \r SERVICE {url} {{ ?s ?p ?o }}\n }}",
    ]


@pytest.mark.parametrize("index", range(len(_bypasses(1))))
def test_no_spelling_of_service_reaches_the_network(
    server: Server, listener: Listener, index: int
) -> None:
    query = _bypasses(listener.port)[index]
    before = listener.connections
    for data in (form(query), None):  # a form POST and a GET
        url = server.url if data else server.url + "?" + urllib.parse.urlencode({"query": query})
        status, _, body = request(url, data=data)
        # refused, or (where both parsers read the keyword as a comment) an empty answer
        assert status in (200, 400, 403), body
        assert b"Traceback" not in body
    time.sleep(0.2)
    assert listener.connections == before


def test_the_comment_bypass_is_stopped_by_the_sandbox(server: Server, listener: Listener) -> None:
    """The `# \\r SERVICE` query passes the parse check; the engine's own connection attempt is
    what fails, inside the worker, and the client gets the 403."""
    query = (
        f"SELECT ?x WHERE {{ # \r SERVICE <http://127.0.0.1:{listener.port}/> {{ ?x ?p ?o }}\n }}"
    )
    assert_error(*request(server.url, data=form(query))[::2], 403, "service-refused")


@pytest.mark.parametrize(
    "target",
    [
        "http://169.254.169.254/latest/meta-data/",
        "file:///etc/passwd",
        "ftp://127.0.0.1/x",
        "http://10.0.0.1/",
    ],
)
def test_other_targets_are_refused(server: Server, target: str) -> None:
    for query in (
        f"SELECT * {{ SERVICE <{target}> {{ ?s ?p ?o }} }}",
        f"SELECT * {{ # \r SERVICE <{target}> {{ ?s ?p ?o }}\n }}",
    ):
        status, _, body = request(server.url, data=form(query))
        assert status in (400, 403), body
        assert b"Traceback" not in body and b"root:" not in body


def test_from_and_load_cause_no_fetch(server: Server, listener: Listener) -> None:
    """SECURITY-CASES 7 and 8: FROM / FROM NAMED naming a remote graph, LOAD in any form."""
    url = f"http://127.0.0.1:{listener.port}/x.rdf"
    before = listener.connections
    for query, code in (
        (f"SELECT * FROM <{url}> WHERE {{ ?s ?p ?o }}", "remote-graph-refused"),
        (
            f"SELECT * FROM NAMED <{url}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
            "remote-graph-refused",
        ),
        (f"LOAD <{url}>", "update-refused"),
        ("LOAD <file:///etc/passwd>", "update-refused"),
    ):
        assert_error(*request(server.url, data=form(query))[::2], 403, code)
    assert_error(
        *request(server.url, data=urllib.parse.urlencode({"update": f"LOAD <{url}>"}).encode())[
            ::2
        ],
        403,
        "update-refused",
    )
    time.sleep(0.2)
    assert listener.connections == before


def test_a_worker_cannot_open_a_socket(listener: Listener) -> None:
    """The sandbox itself, in a fresh process: TCP and UDP refused, AF_UNIX still works."""
    code = f"""
import socket
from plankg.sandbox import isolate
print(isolate())
for family, kind in ((socket.AF_INET, socket.SOCK_STREAM), (socket.AF_INET6, socket.SOCK_STREAM),
                     (socket.AF_INET, socket.SOCK_DGRAM)):
    try:
        socket.socket(family, kind)
        print("opened", family)
    except OSError:
        pass
a, b = socket.socketpair()
a.send(b"ok")
print(b.recv(2).decode())
import pyoxigraph as ox
try:
    list(ox.Store().query("SELECT * {{ SERVICE <http://127.0.0.1:{listener.port}/> {{ ?s ?p ?o }} }}"))
except OSError as exc:
    print("engine:", type(exc).__name__)
"""
    before = listener.connections
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "seccomp" in done.stdout or "netns" in done.stdout
    assert "opened" not in done.stdout
    assert "ok" in done.stdout and "engine: PermissionError" in done.stdout
    time.sleep(0.2)
    assert listener.connections == before
