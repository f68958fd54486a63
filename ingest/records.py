"""The records that extraction yields. Every record keeps where it came from: the segment, the
character span in the cleaned text, and the quote (the text of that span, exactly as printed).

Segments are identified by `(kind, start)` (`SegmentRef`), which is unique within a plan and
stable across runs, so that IRIs minted from it are deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from plankg.ingest.segment import Segment

ROLES = ("lead", "responsible", "cooperating")
COMPARATORS = ("≥", ">", "=", "≤", "<", "≈")


@dataclass(frozen=True)
class SegmentRef:
    kind: str
    start: int

    @classmethod
    def of(cls, seg: Segment) -> SegmentRef:
        return cls(seg.kind, seg.start)


@dataclass(frozen=True)
class Source:
    """Provenance: the segment a fact was found in, its span [start, end) and the quote."""

    segment: SegmentRef
    start: int
    end: int
    quote: str

    @classmethod
    def span(cls, text: str, seg: Segment, start: int, end: int) -> Source:
        return cls(SegmentRef.of(seg), start, end, text[start:end])


@dataclass(frozen=True)
class UnitMention:
    """A responsible unit named for a task, with its role."""

    name_as_printed: str  # e.g. 区发展改革委
    canonical: str  # district-agnostic canonical name, e.g. 发展和改革委员会 ("" if unknown)
    unit_type: str  # local name of a concept in ontology/unit-types.ttl ("other" if unknown)
    role: str  # lead | responsible | cooperating
    open_list: bool  # the printed list ended in 等
    source: Source


@dataclass(frozen=True)
class PlaceMention:
    name: str  # gazetteer name, e.g. 泸州市
    surface: str  # as printed, e.g. 泸州
    place_type: str  # district | county | city | province | municipality | region_initiative
    level: str
    code: str | None
    source: Source


@dataclass(frozen=True)
class Target:
    """A quantified target from an indicator table row or from prose."""

    indicator_as_printed: str
    indicator: str | None  # local name of the canonical indicator concept
    unit: str | None  # unit of measure as printed (%, 万立方米, …)
    value: Decimal | None  # the target value (None when set by a higher level or not numeric)
    target_year: int | None
    comparator: str  # one of COMPARATORS
    value_as_printed: str
    baseline_value: Decimal | None
    baseline_year: int | None
    bindingness: str | None  # binding (约束性) | expected (预期性) | None
    set_by_higher_level: bool  # 市级下达 / 完成市级规定的目标任务
    cumulative: bool  # 【6】: a total over the plan period
    source: Source
    # A change against the baseline (下降14%: "decrease", 增长10%: "increase") rather than a
    # level (下降到60%, 控制在…以内, 不高于: None).
    change: str | None = None
    # What a value printed without a plain number means (data/target-patterns.csv value_phrase):
    # higherLevel (完成省下达任务, 以国家下达为准), notBelowBaseline (不降低), eliminated (基本消除).
    value_meaning: str | None = None
    # Plausibility checks the fact failed (local names of pk:Flag concepts in the ontology); a
    # flagged fact is kept with its flags, not stored as truth.
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class MoneyAmount:
    """An amount of money printed in a plan (see `plankg.ingest.extract_money`)."""

    amount_yuan: Decimal  # exact, converted with Decimal from the printed number and unit
    value_as_printed: str  # the number as printed, e.g. "1.767"
    unit_as_printed: str  # 元 | 万元 | 亿元 | 万亿元
    purpose: str  # investment | subsidy | award | fund | other
    cap: bool  # an upper limit (最高奖励50万元, 不超过100万元)
    source: Source
    per: str | None = None  # a rate: the unit the amount is per (0.15元/千瓦时 → 千瓦时)


@dataclass(frozen=True)
class Project:
    name: str
    content: str
    investment_yuan: Decimal | None
    investment_as_printed: str  # e.g. "1000" in a 投资估算（万元） column, or "5亿元"
    period_start: int | None
    period_end: int | None
    lead_units: tuple[UnitMention, ...]
    sectors: tuple[str, ...]
    source: Source


@dataclass(frozen=True)
class Measure:
    """One actionable item of a plan: a numbered task, an action paragraph, a box item, a task
    table row."""

    number: str
    label: str  # the run-in title or the heading; "" when the item has none
    text: str
    sectors: tuple[str, ...]  # local names in ontology/sectors.ttl
    instrument_types: tuple[str, ...]  # local names in ontology/instruments.ttl
    units: tuple[UnitMention, ...]
    places: tuple[PlaceMention, ...]
    keywords: tuple[str, ...]
    source: Source
