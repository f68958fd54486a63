"""Domain errors. Library code raises these; only the CLI turns them into messages and exit codes."""

from __future__ import annotations

from pathlib import Path


class PlankgError(Exception):
    """Base of every error plankg reports to a user. `code` is stable and documented."""

    code = "E000"

    def __init__(self, message: str, *, path: str | Path | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = Path(path) if path is not None else None

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path is not None else ""
        return f"[{self.code}] {where}{self.message}"


class PlanReadError(PlankgError):
    """A plan file cannot be read as text: missing, empty, binary or in an unknown encoding."""

    code = "E001"
