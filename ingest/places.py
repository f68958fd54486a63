"""The gazetteer: place names (districts, counties, cities, provinces, regional initiatives).

The names live in `data/places.csv` (read as package data of `plankg.data`), so that adding a
district or a cooperation zone is a data change. `Gazetteer.find` reports place mentions in a text,
longest match first, with their character spans.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

PLACE_TYPES = frozenset(
    {"district", "county", "city", "province", "municipality", "region_initiative"}
)
# How specific a place type is: a district beats its city, a city beats its province.
_SPECIFICITY = {
    "district": 3,
    "county": 3,
    "city": 2,
    "municipality": 1,
    "province": 1,
    "region_initiative": 0,
}


@dataclass(frozen=True)
class Place:
    """One row of the gazetteer."""

    name: str  # the full official name, e.g. 永川区
    short_name: str | None  # the form used in running text, e.g. 永川
    en: str
    type: str  # district | county | city | province | municipality | region_initiative
    level: str  # district | county | municipal | provincial | regional
    parent: str | None  # name of the enclosing place
    code: str | None  # GB/T 2260 administrative code

    @property
    def specificity(self) -> int:
        """3 for districts and counties, 2 for cities, 1 for provinces, 0 for regions."""
        return _SPECIFICITY.get(self.type, 0)


@dataclass(frozen=True)
class PlaceMention:
    """A place found in a text: `text[start:end] == surface`."""

    name: str  # the gazetteer name of the place (the full name, even if the short one matched)
    surface: str  # the text as it appears
    start: int
    end: int
    row: Place


class GazetteerError(ValueError):
    """The gazetteer file is malformed."""


class Gazetteer:
    """Place names and a longest-match finder over them."""

    def __init__(self, places: Iterable[Place]) -> None:
        self._places: list[Place] = list(places)
        self._by_name: dict[str, Place] = {}
        self._surfaces: dict[str, Place] = {}
        for place in self._places:
            self._by_name.setdefault(place.name, place)
            self._surfaces.setdefault(place.name, place)
        # Short names after all full names: a full name is never shadowed by someone's short name.
        for place in self._places:
            if place.short_name:
                self._surfaces.setdefault(place.short_name, place)
        lengths: dict[str, set[int]] = {}
        for surface in self._surfaces:
            lengths.setdefault(surface[0], set()).add(len(surface))
        self._lengths = {ch: sorted(ls, reverse=True) for ch, ls in lengths.items()}

    @classmethod
    def load(cls, path: str | Path | None = None) -> Gazetteer:
        """Read a gazetteer CSV; by default the packaged `data/places.csv`."""
        if path is None:
            source = files("plankg.data").joinpath("places.csv").read_text(encoding="utf-8")
            where = "plankg.data/places.csv"
        else:
            source = Path(path).read_text(encoding="utf-8-sig")
            where = str(path)
        return cls(_parse(source, where))

    def __len__(self) -> int:
        return len(self._places)

    def __iter__(self) -> Iterator[Place]:
        return iter(self._places)

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def get(self, name: str) -> Place | None:
        """The place with this full name, or with this short name, or None."""
        return self._by_name.get(name) or self._surfaces.get(name)

    def find(self, text: str, start: int = 0, end: int | None = None) -> list[PlaceMention]:
        """Place mentions in `text[start:end]`, in text order, never overlapping.

        Where candidates overlap, the longest wins (川南渝西融合发展试验区 over 川南渝西); between
        equally long ones a full name beats a short name, then the later one wins, because a
        character before a name is more often a verb or affix than part of another name
        (开通川渝 is 川渝, 结合江津 is 江津).
        """
        end = len(text) if end is None else end
        candidates: list[tuple[int, int, Place]] = []
        for i in range(start, end):
            for length in self._lengths.get(text[i], ()):
                if i + length <= end:
                    place = self._surfaces.get(text[i : i + length])
                    if place is not None:
                        candidates.append((i, i + length, place))
        candidates.sort(
            key=lambda c: (c[1] - c[0], text[c[0] : c[1]] == c[2].name, c[0]), reverse=True
        )
        taken: list[tuple[int, int, Place]] = []
        used = bytearray(end - start)
        for s, e, place in candidates:
            if not any(used[s - start : e - start]):
                used[s - start : e - start] = b"\x01" * (e - s)
                taken.append((s, e, place))
        taken.sort(key=lambda c: c[0])
        return [PlaceMention(p.name, text[s:e], s, e, p) for s, e, p in taken]


def _parse(source: str, where: str) -> list[Place]:
    reader = csv.DictReader(io.StringIO(source.lstrip("\ufeff")))
    required = {"name", "short_name", "en", "type", "level", "parent", "code"}
    missing = required - set(reader.fieldnames or ())
    if missing:
        raise GazetteerError(f"{where}: missing columns {sorted(missing)}")
    places: list[Place] = []
    for line, row in enumerate(reader, start=2):
        name = (row["name"] or "").strip()
        kind = (row["type"] or "").strip()
        if not name:
            raise GazetteerError(f"{where}, line {line}: empty name")
        if kind not in PLACE_TYPES:
            raise GazetteerError(
                f"{where}, line {line}: type {kind!r} is not one of {sorted(PLACE_TYPES)}"
            )
        places.append(
            Place(
                name=name,
                short_name=(row["short_name"] or "").strip() or None,
                en=(row["en"] or "").strip(),
                type=kind,
                level=(row["level"] or "").strip(),
                parent=(row["parent"] or "").strip() or None,
                code=(row["code"] or "").strip() or None,
            )
        )
    return places


@lru_cache(maxsize=1)
def default_gazetteer() -> Gazetteer:
    """The packaged gazetteer, loaded once per process, with the rows of the CSV files named in
    $PLANKG_GAZETTEER (separated by os.pathsep) added: e.g. the jurisdictions of a synthetic
    corpus (`plankg synth` writes its gazetteer.csv)."""
    import os

    base = Gazetteer.load()
    extra = [p for p in os.environ.get("PLANKG_GAZETTEER", "").split(os.pathsep) if p]
    if not extra:
        return base
    return Gazetteer([*base, *(place for path in extra for place in Gazetteer.load(path))])
