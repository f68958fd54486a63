"""The same plan gives the same graph in every process: nothing may depend on the order of a set
or dict of strings, which Python randomises per process (PYTHONHASHSEED). Ingest runs plans in
worker processes and a remote and an embedded store were filled by different workers, so an
order-dependent tie (two indicator labels of equal length in one name) gave different graphs."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys

from tests.conftest import PARENT_FILES, PLAN_FILES

SCRIPT = """
import hashlib, sys
from plankg.ingest.pipeline import process_plan
for path in sys.argv[1:]:
    lines = sorted(process_plan(path).triples.splitlines())
    print(hashlib.sha256("\\n".join(lines).encode("utf-8")).hexdigest(), path)
"""


def _digests(seed: str) -> list[str]:
    files = [str(p) for p in [*PLAN_FILES.values(), *PARENT_FILES.values()]]
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, *files],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PYTHONHASHSEED": seed},
        check=True,
    )
    return done.stdout.splitlines()


def test_every_plan_gives_the_same_triples_under_any_hash_seed() -> None:
    first, second, third = _digests("1"), _digests("2"), _digests("3")
    assert len(first) == len(PLAN_FILES) + len(PARENT_FILES)
    assert first == second == third
    assert len({hashlib.sha256(line.encode()).hexdigest() for line in first}) == len(first)
