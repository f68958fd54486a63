"""Read .doc and .wps plans: LibreOffice (`soffice --headless --convert-to docx`) turns them into
.docx in a private temporary folder, which the .docx reader then reads.

LibreOffice is a program, not a Python package: Debian's `libreoffice-writer-nogui` provides it.
When it is missing the error names the file and the package. Conversion runs with a private
user profile (so that it neither touches nor waits on the user's own LibreOffice) and a time
limit.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import replace
from pathlib import Path

from plankg.ingest.readers import docx as docx_reader
from plankg.ingest.readers.base import (
    Layout,
    Limits,
    MissingToolError,
    PlanFormatError,
    check_file,
)

_PROGRAMS = ("soffice", "libreoffice")


def find_soffice() -> str | None:
    """The path of LibreOffice's `soffice`, or None when it is not installed."""
    explicit = os.environ.get("PLANKG_SOFFICE")
    if explicit:
        return explicit if Path(explicit).exists() else None
    return next((p for name in _PROGRAMS if (p := shutil.which(name))), None)


def convert(path: Path, to: str, out_dir: Path, limits: Limits) -> Path:
    """Convert `path` with LibreOffice into format `to` (docx, pdf, doc) inside `out_dir`."""
    program = find_soffice()
    if program is None:
        raise MissingToolError(
            f"needs LibreOffice to read {path.suffix} files, and `soffice` is not installed "
            "(Debian package libreoffice-writer-nogui)",
            path=path,
        )
    profile = out_dir / "profile"
    # LibreOffice names its output after the input; a copy with a plain name avoids trouble
    # with spaces and non-ASCII characters in the command line and the output name
    source = out_dir / f"input{path.suffix.lower()}"
    shutil.copyfile(path, source)
    command = [
        program,
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
        "--norestore",
        "--convert-to",
        to,
        "--outdir",
        str(out_dir),
        str(source),
    ]
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            timeout=limits.convert_timeout,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        raise PlanFormatError(
            f"LibreOffice did not convert it within {limits.convert_timeout:g} s", path=path
        ) from None
    target = out_dir / f"input.{to.split(':', 1)[0]}"
    if done.returncode != 0 or not target.exists():
        detail = (done.stderr or done.stdout).decode("utf-8", "replace").strip().splitlines()
        raise PlanFormatError(
            "LibreOffice could not convert it" + (f" ({detail[-1]})" if detail else ""), path=path
        )
    return target


def read(path: Path, limits: Limits) -> Layout:
    """Read a .doc or .wps plan through LibreOffice and the .docx reader."""
    check_file(path, limits)
    with tempfile.TemporaryDirectory(prefix="plankg-soffice-") as tmp:
        converted = convert(path, "docx", Path(tmp), limits)
        layout = docx_reader.read(converted, limits)
    return replace(layout, path=path, format=path.suffix.lower().lstrip("."))
