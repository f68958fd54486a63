"""Progress on stderr: a bar on a terminal (checked in a real pseudo-terminal), plain lines in a
pipe, nothing with -q; results on stdout either way."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
from pathlib import Path

from .conftest import PLAN_FILES


def _in_terminal(args: list[str], timeout: float = 240.0) -> tuple[int, str]:
    """Run `python -m plankg.cli ARGS` with stderr on a pseudo-terminal; stdout to a pipe."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 120, 0, 0))
    proc = subprocess.Popen(
        [sys.executable, "-m", "plankg.cli", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=follower,
    )
    os.close(follower)
    chunks: list[bytes] = []
    while True:
        ready, _, _ = select.select([leader], [], [], timeout)
        if not ready:
            proc.kill()
            raise AssertionError("no output from the terminal within the time limit")
        try:
            data = os.read(leader, 65536)
        except OSError:  # the follower side closed: the process ended
            break
        if not data:
            break
        chunks.append(data)
    os.close(leader)
    proc.wait(timeout=60)
    assert proc.stdout is not None
    proc.stdout.read()
    return proc.returncode, b"".join(chunks).decode("utf-8", "replace")


def test_ingest_shows_a_bar_on_a_terminal(tmp_path: Path) -> None:
    files = [str(PLAN_FILES["001"]), str(PLAN_FILES["004"])]
    code, screen = _in_terminal(["ingest", *files, "--store", str(tmp_path / "s"), "--jobs", "1"])
    assert code == 0, screen
    assert "ingest: 100%" in screen and "2/2" in screen
    assert "\r" in screen  # redrawn in place
    code, screen = _in_terminal(["link", "--store", str(tmp_path / "s")])
    assert code == 0 and "link: " in screen


def test_ingest_writes_lines_in_a_pipe_and_nothing_with_q(tmp_path: Path) -> None:
    base = [sys.executable, "-m", "plankg.cli", "ingest", str(PLAN_FILES["004"]), "--jobs", "1"]
    piped = subprocess.run(
        [*base, "--store", str(tmp_path / "a")], capture_output=True, text=True, check=True
    )
    assert "jiangjin-2022-chengyu-carbon-action.txt:" in piped.stderr
    assert "\r" not in piped.stderr and "%|" not in piped.stderr
    quiet = subprocess.run(
        [*base, "-q", "--store", str(tmp_path / "b")], capture_output=True, text=True, check=True
    )
    assert quiet.stderr == ""
    assert quiet.stdout.startswith("ingested 1 of 1 plans")
