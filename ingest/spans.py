"""Find the mentions that fall inside a span without scanning them all.

Extractors ask, for each of their spans, which unit mentions of the plan lie inside it. Scanning
every mention for every span costs spans × mentions, which grows with the square of the plan's
size; `SpanIndex` answers each question with a binary search instead, and in the order the
mentions were given (so results do not change).
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import Generic, Protocol, TypeVar


class _Located(Protocol):
    @property
    def source(self) -> _Span: ...


class _Span(Protocol):
    start: int
    end: int


T = TypeVar("T", bound=_Located)


class SpanIndex(Generic[T]):
    """Mentions (anything with `.source.start` / `.source.end`) indexed by start offset."""

    def __init__(self, mentions: Sequence[T]) -> None:
        self._items = list(mentions)
        self._order = sorted(range(len(self._items)), key=lambda k: self._items[k].source.start)
        self._starts = [self._items[k].source.start for k in self._order]

    def _starting(self, start: int, end: int, *, inclusive: bool) -> list[int]:
        lo = bisect.bisect_left(self._starts, start)
        hi = (bisect.bisect_right if inclusive else bisect.bisect_left)(self._starts, end)
        return sorted(self._order[lo:hi])

    def within(self, start: int, end: int) -> tuple[T, ...]:
        """Mentions with start <= m.start and m.end <= end, in the given order."""
        return tuple(
            self._items[k]
            for k in self._starting(start, end, inclusive=True)
            if self._items[k].source.end <= end
        )

    def starting_in(self, start: int, end: int) -> list[T]:
        """Mentions with start <= m.start < end, in the given order."""
        return [self._items[k] for k in self._starting(start, end, inclusive=False)]
