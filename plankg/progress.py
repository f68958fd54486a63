"""Progress of long commands on stderr: a tqdm bar on a terminal, plain lines otherwise.

On a terminal, `Progress` draws one bar (plans ingested, graphs validated) and prints warnings
and errors above it; a `phase` with no known length shows the elapsed time, refreshed twice a
second, so that linking a big store is never silent. When stderr is not a terminal (a log, a
pipe, CI) the same calls write one plain line per step, as before; with ``quiet`` (``-q``)
nothing but warnings and errors is written.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO


def is_terminal(stream: TextIO | None = None) -> bool:
    stream = stream or sys.stderr
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _columns(stream: TextIO) -> int:
    """The terminal's width; 100 when it says 0 (a terminal that was never given a size)."""
    import os

    try:
        return os.get_terminal_size(stream.fileno()).columns or 100
    except (OSError, ValueError, AttributeError):
        return 100


class Progress:
    """Steps of one command. `message(text)` is the callback the library functions take
    (`plankg.ingest.pipeline.ingest(progress=…)`, `plankg.validate.validate_store(progress=…)`):
    a line starting with ``warning:`` or ``error:`` is always shown, any other line is one
    step done."""

    def __init__(
        self,
        total: int | None,
        desc: str,
        *,
        quiet: bool = False,
        stream: TextIO | None = None,
        bar: bool | None = None,
    ) -> None:
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.errors_shown: set[str] = set()  # `error:` lines written, so a summary says them once
        self.bar: Any = None
        if (is_terminal(self.stream) if bar is None else bar) and not quiet:
            from tqdm import tqdm

            self.bar = tqdm(
                total=total,
                desc=desc,
                unit="",
                file=self.stream,
                leave=True,
                ncols=_columns(self.stream),
            )

    def message(self, text: str) -> None:
        if text.startswith("error: "):
            self.errors_shown.add(text.removeprefix("error: "))
        notable = text.startswith(("warning:", "error:"))
        if self.bar is not None:
            if notable:
                self.bar.write(text, file=self.stream)
            if not text.startswith("warning:"):
                self.bar.update(1)
                self.bar.set_postfix_str(text.split(":", 1)[0][:40], refresh=True)
        elif notable or not self.quiet:
            print(text, file=self.stream, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextmanager
def phase(
    desc: str, *, quiet: bool = False, stream: TextIO | None = None, bar: bool | None = None
) -> Iterator[None]:
    """A step of unknown length: on a terminal, a bar that shows the elapsed time until the
    block ends; otherwise one line when it starts (unless quiet)."""
    stream = stream or sys.stderr
    if quiet:
        yield
        return
    if not (is_terminal(stream) if bar is None else bar):
        print(f"{desc} …", file=stream, flush=True)
        yield
        return
    from tqdm import tqdm

    done = threading.Event()
    with tqdm(
        total=None,
        desc=desc,
        bar_format="{desc}: {elapsed}",
        file=stream,
        leave=True,
        ncols=_columns(stream),
    ) as shown:

        def tick() -> None:
            while not done.wait(0.5):
                shown.refresh()

        ticker = threading.Thread(target=tick, daemon=True)
        ticker.start()
        try:
            yield
        finally:
            done.set()
            ticker.join()
