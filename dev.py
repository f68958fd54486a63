#!/usr/bin/env python3
"""Set up plankg in a local virtual environment and run a task. Needs only python3.

python3 dev.py demo    # create .venv, install plankg, outline every plan in data/plans
python3 dev.py test    # create .venv, install plankg with test tools, lint and run the tests
python3 dev.py bench   # run the benchmarks
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def run(*cmd: str | Path) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], cwd=ROOT, check=True)


def setup() -> None:
    """Create .venv and install plankg editable with its dev extras, again only when pyproject changes."""
    stamp = VENV / ".plankg-installed"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    if not (BIN / "python").exists():
        venv.EnvBuilder(with_pip=True).create(VENV)
    quiet(BIN / "python", "-m", "pip", "install", "-q", "--upgrade", "pip")
    quiet(BIN / "python", "-m", "pip", "install", "-q", "-e", ".[dev]")
    stamp.write_text(digest)
    print("plankg and its dev tools are installed in .venv", flush=True)


def quiet(*cmd: str | Path) -> None:
    """Run a setup step and show its output only when it fails: setuptools prints notes about
    every editable install (the package-dir mapping needs a meta path finder) that say nothing
    the user can act on."""
    print("+", " ".join(str(c) for c in cmd), flush=True)
    done = subprocess.run([str(c) for c in cmd], cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        sys.stdout.write(done.stdout)
        sys.stderr.write(done.stderr)
        raise SystemExit(done.returncode)


def main(argv: list[str]) -> int:
    task = argv[0] if argv else "test"
    setup()
    try:
        if task == "demo":
            run(BIN / "plankg", "demo", *argv[1:])
        elif task == "test":
            run(BIN / "ruff", "check", ".")
            run(BIN / "ruff", "format", "--check", ".")
            run(BIN / "python", "-m", "pytest", *argv[1:])
        elif task == "bench":
            for script in sorted((ROOT / "benchmarks").glob("bench_*.py")):
                run(BIN / "python", script)
        elif task == "setup":
            pass
        else:
            print(f"unknown task {task!r}: use demo, test, bench or setup", file=sys.stderr)
            return 2
    except subprocess.CalledProcessError as exc:
        return exc.returncode or 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
