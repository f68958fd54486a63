"""A synthetic corpus for benchmarks at scale: N jurisdictions whose plans are varied from the
real ones, so that linking and caching cannot find things only because they are byte-identical.

Each jurisdiction gets one to five of the seed plans (`data/plans`), each varied:

* the seed's district is renamed to the jurisdiction (full and short name), the other seed
  districts it names to the jurisdiction's neighbours (the next ones in the list), and units
  printed with the district prefix (区发展改革委) take the jurisdiction's (县发展改革委);
* item lines (the measures: （一）, 1., （1） …) are dropped (10 %), shuffled within a run of
  siblings (30 % of runs), replaced by an item of another seed plan (15 %), and reworded with
  the synonyms of `data/synth-synonyms.csv` (30 %);
* numbers other than years are perturbed (±15 %, same number of decimals).

Names: districts and counties of the national gazetteer first (`data/jurisdictions.csv`; names
that several cities share left out), then names composed
from the rare characters of `data/synth-names.csv` (3 characters + 县, with synthetic codes).
The corpus folder gets a `gazetteer.csv` of its composed jurisdictions; point
$PLANKG_GAZETTEER at it when ingesting so that their plans are read as theirs. Everything is
drawn from one seeded random generator: the same N and seed give the same bytes.
"""

from __future__ import annotations

import csv
import io
import random
import re
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from plankg.errors import PlankgError

DROP = 0.10
SHUFFLE = 0.30
BORROW = 0.15
REWORD = 0.30
PERTURB = 0.15

_ITEM = re.compile(
    r"^(\s*(?:（[一二三四五六七八九十]{1,3}）|[0-9]{1,2}[.．、]|（[0-9]{1,2}）))(\S.*)$"
)
_NUMBER = re.compile(r"(?<![0-9.．])([0-9]+(?:\.[0-9]+)?)(?![0-9.．]|\s*年)")


class SynthError(PlankgError):
    """The synthetic corpus cannot be made."""

    code = "E101"


@dataclass(frozen=True)
class Jurisdiction:
    name: str  # full name, 永川区 or 澄岚澜县
    short: str
    code: str
    parent: str
    composed: bool  # not in the gazetteer: written to the corpus' gazetteer.csv


@dataclass(frozen=True)
class SynthReport:
    jurisdictions: int
    plans: int
    characters: int
    folder: Path
    gazetteer: Path


@dataclass(frozen=True)
class _Seed:
    stem: str  # the file stem without the district slug: 2022-climate-14fyp
    text: str
    district: str
    short: str
    items: tuple[str, ...]  # bodies of item lines


def _data(name: str) -> str:
    return files("plankg.data").joinpath(name).read_text(encoding="utf-8")


def jurisdictions(n: int) -> list[Jurisdiction]:
    """N jurisdictions: the gazetteer's districts and counties, then composed names."""
    from collections import Counter

    from plankg.ingest.places import Gazetteer

    real = [p for p in Gazetteer.load() if p.type in ("district", "county")]
    # a name that several cities have (鼓楼区) would make the plan's jurisdiction ambiguous
    times = Counter(p.name for p in real)
    out = [
        Jurisdiction(p.name, p.short_name or p.name[:-1], p.code or "", p.parent or "", False)
        for p in real
        if times[p.name] == 1
    ]
    rows = list(
        csv.DictReader(
            io.StringIO(
                "\n".join(
                    line
                    for line in _data("synth-names.csv").splitlines()
                    if not line.startswith("#")
                )
            )
        )
    )
    first = [r["first"] for r in rows]
    second = [r["second"] for r in rows]
    taken = {j.name for j in out}
    k = 0
    while len(out) < n:
        a, b, c = (
            first[k % len(first)],
            second[(k // len(first)) % len(second)],
            first[(k // (len(first) * len(second))) % len(first)],
        )
        k += 1
        short = a + b + c
        if short + "县" in taken:
            continue
        taken.add(short + "县")
        out.append(Jurisdiction(short + "县", short, f"S{len(out):05d}", "重庆市", True))
        if k > 100 * n:
            raise SynthError(f"cannot compose {n} distinct names from data/synth-names.csv")
    return out[:n]


def _seeds() -> list[_Seed]:
    from plankg.ingest.document import load_plan

    out = []
    folder = Path(str(files("plankg.data") / "plans"))
    for path in sorted(folder.glob("*.txt")):
        doc = load_plan(path)
        district = doc.metadata.district or ""
        text = path.read_text(encoding="utf-8-sig")
        items = tuple(m.group(2) for line in text.splitlines() if (m := _ITEM.match(line)))
        stem = path.stem.split("-", 1)[1] if "-" in path.stem else path.stem
        stem = f"s{len(out)}-{stem}"  # two seeds may share a stem (two districts' climate plans)
        out.append(_Seed(stem, text, district, district[:-1], items))
    return out


def _unit_prefix() -> re.Pattern[str]:
    """区 before a department name of data/unit-aliases.csv (区发展改革委, 区生态环境局)."""
    aliases = {
        r["alias"]
        for r in csv.DictReader(io.StringIO(_data("unit-aliases.csv")))
        if len(r["alias"]) >= 2
    }
    alternatives = "|".join(re.escape(a) for a in sorted(aliases, key=len, reverse=True))
    return re.compile(rf"区(?=(?:{alternatives}))")


def _synonyms() -> list[tuple[str, str]]:
    return [
        (r["word"], r["replacement"])
        for r in csv.DictReader(io.StringIO(_data("synth-synonyms.csv")))
    ]


def _perturb(line: str, rng: random.Random) -> str:
    def one(m: re.Match[str]) -> str:
        text = m.group(1)
        value = float(text)
        if "." not in text and 1900 <= value <= 2100:
            return text  # a year
        new = value * rng.uniform(1 - PERTURB, 1 + PERTURB)
        if "." in text:
            return f"{new:.{len(text.split('.')[1])}f}"
        return str(max(1, round(new))) if value >= 1 else str(round(new))

    return _NUMBER.sub(one, line)


def _reword(body: str, synonyms: list[tuple[str, str]], rng: random.Random) -> str:
    present = [(w, r) for w, r in synonyms if w in body]
    if not present:
        return body
    word, replacement = rng.choice(present)
    return body.replace(word, replacement, 1)


def vary(
    seed: _Seed,
    place: Jurisdiction,
    neighbours: dict[str, Jurisdiction],
    others: list[_Seed],
    rng: random.Random,
) -> str:
    """One seed plan made into a plan of `place`."""
    synonyms = _synonyms()
    lines = seed.text.splitlines()
    out: list[str] = []
    run: list[tuple[str, str]] = []  # (marker, body) of consecutive item lines

    def flush() -> None:
        bodies = [b for _, b in run]
        if len(run) > 1 and rng.random() < SHUFFLE:
            rng.shuffle(bodies)
        for (marker, _), body in zip(run, bodies, strict=True):
            if rng.random() < DROP:
                continue
            if rng.random() < BORROW:
                donor = rng.choice(others)
                if donor.items:
                    body = rng.choice(donor.items)
            if rng.random() < REWORD:
                body = _reword(body, synonyms, rng)
            out.append(marker + body)
        run.clear()

    for line in lines:
        m = _ITEM.match(line)
        if m:
            run.append((m.group(1), m.group(2)))
            continue
        flush()
        out.append(line)
    flush()
    text = "\n".join(_perturb(line, rng) for line in out) + "\n"
    suffix = place.name[-1]
    text = _unit_prefix().sub(suffix, text) if suffix != "区" else text
    # Rename: the seed's district to this place, the other seed districts to its neighbours.
    # Through placeholders, so that a new name containing an old one is not renamed twice.
    renames = [(seed.district, place.name), (seed.short, place.short)]
    for old, new in neighbours.items():
        renames += [(old, new.name), (old[:-1], new.short)]
    renames.sort(key=lambda r: len(r[0]), reverse=True)
    for n, (old, _) in enumerate(renames):
        if old:
            text = text.replace(old, f"\x00{n}\x00")
    for n, (_, new) in enumerate(renames):
        text = text.replace(f"\x00{n}\x00", new)
    return text


def synthesize(n: int, folder: str | Path, *, seed: int = 0, start: int = 0) -> SynthReport:
    """Write the plans of N jurisdictions into `folder` (j0001-2022-climate-14fyp.txt …) and
    the gazetteer rows of the composed ones into `folder/gazetteer.csv`; with `start`, the N
    jurisdictions after the first `start` (numbered from start + 1), e.g. to continue a corpus."""
    if n < 1 or start < 0:
        raise SynthError(f"N must be at least 1 and start at least 0, not {n} and {start}")
    folder = Path(folder).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    seeds = _seeds()
    seed_districts = sorted({s.district for s in seeds if s.district})
    places = jurisdictions(start + n)[start:]
    plans = chars = 0
    for k, place in enumerate(places, start):
        neighbours = {
            d: places[(k - start + 1 + i) % len(places)] for i, d in enumerate(seed_districts)
        }
        chosen = rng.sample(seeds, rng.randint(1, len(seeds)))
        for s in chosen:
            others = [o for o in seeds if o is not s]
            own = {d: j for d, j in neighbours.items() if d != s.district}
            text = vary(s, place, own, others, rng)
            (folder / f"j{k + 1:04d}-{s.stem}.txt").write_text(text, encoding="utf-8")
            plans += 1
            chars += len(text)
    gazetteer = folder / "gazetteer.csv"
    with gazetteer.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["name", "short_name", "en", "type", "level", "parent", "code"])
        for place in places:
            if place.composed:
                w.writerow(
                    [
                        place.name,
                        place.short,
                        f"Synthetic County {place.code}",
                        "county",
                        "county",
                        place.parent,
                        place.code,
                    ]
                )
    return SynthReport(len(places), plans, chars, folder, gazetteer)
