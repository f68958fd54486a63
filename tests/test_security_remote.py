"""The remote-store client against a hostile endpoint (issue 11 case 3; SECURITY-CASES 29–33):
a real HTTP server on loopback that redirects, trickles, floods, nests, lies and throttles."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from plankg.remote import USER_AGENT, RemoteError, RemoteStore
from tests.conftest import ROOT
from tests.test_security_service import Listener

GOOD = b'{"head": {"vars": ["x"]}, "results": {"bindings": [{"x": {"type": "literal", "value": "1"}}]}}'
XXE = (
    b'<?xml version="1.0"?>\n<!DOCTYPE sparql [<!ENTITY x SYSTEM "file:///etc/passwd">'
    b'<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n'
    b'<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head><variable name="x"/>'
    b'</head><results><result><binding name="x"><literal>&x;&b;</literal></binding>'
    b"</result></results></sparql>"
)


class Hostile(BaseHTTPRequestHandler):
    """Each path is one misbehaviour."""

    protocol_version = "HTTP/1.1"
    calls: ClassVar[dict[str, int]] = {}
    agents: ClassVar[list[str]] = []
    other_port = 0

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _answer(
        self,
        status: int,
        body: bytes,
        ctype: str = "application/sparql-results+json",
        **headers: str,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        path = self.path
        Hostile.calls[path] = Hostile.calls.get(path, 0) + 1
        Hostile.agents.append(self.headers.get("User-Agent", ""))
        n = Hostile.calls[path]
        if path == "/good":
            self._answer(200, GOOD)
        elif path == "/redirect-away":
            self._answer(302, b"", Location=f"http://localhost:{Hostile.other_port}/sparql")
        elif path == "/redirect-here":
            self._answer(307, b"", Location="/good")
        elif path == "/redirect-loop":
            self._answer(307, b"", Location="/redirect-loop")
        elif path == "/slow":
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            for _ in range(30):  # bounded: 30 s at most
                try:
                    self.wfile.write(b" ")
                    self.wfile.flush()
                except OSError:
                    return
                time.sleep(1)
        elif path == "/huge-announced":
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.send_header("Content-Length", str(1 << 30))
            self.end_headers()
            self.wfile.write(b"{" * 1024)
        elif path == "/huge":
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.send_header("Connection", "close")
            self.end_headers()
            block = b" " * 65536
            for _ in range(16 * 1024):  # bounded: 1 GiB at most
                try:
                    self.wfile.write(block)
                except OSError:
                    return
        elif path == "/deep":
            self._answer(
                200, b'{"head": {"vars": []}, "results": ' + b"[" * 200_000 + b"]" * 200_000 + b"}"
            )
        elif path == "/bad-iri":
            self._answer(
                200,
                b'{"head": {"vars": ["x"]}, "results": {"bindings": [{"x": '
                b'{"type": "uri", "value": "http://x> } ; DROP ALL"}}]}}',
            )
        elif path == "/head-1":
            self._answer(200, b'{"head": 1}')
        elif path == "/no-bindings":
            self._answer(200, b'{"head": {"vars": ["x"]}, "results": {"bindings": 7}}')
        elif path == "/xml":
            self._answer(200, XXE, "application/sparql-results+xml")
        elif path == "/throttle":
            if n <= 2:
                self._answer(429, b"slow down", "text/plain", Retry_After="1")
            else:
                self._answer(200, GOOD)
        elif path == "/throttle-forever":
            self._answer(429, b"slow down", "text/plain", Retry_After="1")
        else:
            self._answer(404, b"no")


@pytest.fixture(scope="module")
def other() -> Iterator[Listener]:
    one = Listener()
    yield one
    one.close()


@pytest.fixture(scope="module")
def hostile(other: Listener) -> Iterator[str]:
    Hostile.other_port = other.port
    server = ThreadingHTTPServer(("127.0.0.1", 0), Hostile)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def one_line_error(store: RemoteStore, match: str, within_s: float = 10.0) -> str:
    started = time.monotonic()
    with pytest.raises(RemoteError, match=match) as info:
        store.query("SELECT ?x WHERE { ?x ?p ?o }")
    assert time.monotonic() - started < within_s
    message = str(info.value)
    assert "\n" not in message and "Traceback" not in message
    return message


def test_a_good_answer_and_our_user_agent(hostile: str) -> None:
    rows = list(RemoteStore(hostile + "/good").query("SELECT ?x {}"))
    assert rows[0]["x"].value == "1"
    assert Hostile.agents[-1] == USER_AGENT and USER_AGENT.startswith("plankg/")


def test_no_redirect_to_another_host(hostile: str, other: Listener) -> None:
    one_line_error(RemoteStore(hostile + "/redirect-away"), "redirected to .*another host")
    time.sleep(0.2)
    assert other.connections == 0


def test_same_host_redirects_are_followed_a_bounded_number_of_times(hostile: str) -> None:
    assert list(RemoteStore(hostile + "/redirect-here").query("SELECT ?x {}"))
    one_line_error(RemoteStore(hostile + "/redirect-loop"), "redirected more than 3 times")


def test_slow_loris_fails_at_the_overall_deadline(hostile: str) -> None:
    started = time.monotonic()
    one_line_error(RemoteStore(hostile + "/slow", timeout_s=3), "within the deadline", 8)
    assert time.monotonic() - started >= 2.5


def test_oversized_answers_are_cut_at_the_byte_cap(hostile: str) -> None:
    one_line_error(RemoteStore(hostile + "/huge-announced", max_bytes=1 << 20), "announced")
    one_line_error(RemoteStore(hostile + "/huge", max_bytes=1 << 20), "more than 1048576 bytes")


@pytest.mark.parametrize(
    "path, match",
    [
        ("/deep", "nested too deeply"),
        ("/bad-iri", "malformed answer: a term is not valid RDF"),
        ("/head-1", "malformed answer"),
        ("/no-bindings", "malformed answer"),
    ],
)
def test_malformed_answers_are_one_line(hostile: str, path: str, match: str) -> None:
    one_line_error(RemoteStore(hostile + path), match)


def test_xml_answers_are_never_parsed(hostile: str) -> None:
    message = one_line_error(RemoteStore(hostile + "/xml"), "sent XML")
    assert "time limit" not in message and "root:" not in message


def test_retry_after_is_honoured_a_bounded_number_of_times(hostile: str) -> None:
    started = time.monotonic()
    assert list(RemoteStore(hostile + "/throttle").query("SELECT ?x {}"))
    assert Hostile.calls["/throttle"] == 3 and time.monotonic() - started >= 2
    one_line_error(RemoteStore(hostile + "/throttle-forever"), "429", 10)
    assert Hostile.calls["/throttle-forever"] == 4  # the first try and three retries


def test_the_cli_reports_a_hostile_endpoint_in_one_line(hostile: str) -> None:
    for path in ("/bad-iri", "/deep", "/xml"):
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "plankg.cli",
                "sparql",
                "--endpoint",
                hostile + path,
                "SELECT ?x WHERE { ?x ?p ?o }",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode != 0
        assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_the_cli_refuses_an_invalid_iri_parameter_in_one_line(store_dir) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "plankg.cli",
            "query",
            "targets",
            "--store",
            str(store_dir),
            "-p",
            "district=http://x> } ; DROP ALL ; <y",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "Traceback" not in done.stderr and "not a valid IRI" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
