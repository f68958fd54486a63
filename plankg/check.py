"""`plankg check`: the facts of each plan that failed a plausibility check.

Extraction flags a doubtful fact instead of storing it as truth (`pk:flag`, concepts of
`pk:FlagScheme` in the ontology): an indicator name that runs into other cells, a value whose
unit contradicts its indicator, a year outside the plan period, a target without a year, two
different values for one indicator and year in one plan, one unit list shared by many tasks, one
unit in two roles. This module reads them back from the store with the named query
`quality-flags` and groups them per plan; the CLI prints the result.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pyoxigraph as ox

from plankg.query import format_rows, run_named


@dataclass(frozen=True)
class Doubt:
    """One flagged fact."""

    flag: str  # local name of the flag concept, e.g. unitMismatch
    label_zh: str
    label_en: str
    kind: str  # Target, Measure, …
    quote: str
    resource: str
    indicator_as_printed: str = ""
    target_year: str = ""
    value_as_printed: str = ""


@dataclass
class PlanCheck:
    """The doubts of one plan."""

    plan: str
    doubts: list[Doubt] = field(default_factory=list)

    @property
    def counts(self) -> Counter[str]:
        return Counter(d.flag for d in self.doubts)


def check_store(store: ox.Store, plan: str = "", flag: str = "") -> list[PlanCheck]:
    """The flagged facts per plan (only plans with doubts), in plan-title order; `plan` and
    `flag` keep one plan (its title) or one flag (its local name)."""
    _, rows = run_named(store, "quality-flags", {"plan": plan, "flag": flag})
    by_plan: dict[str, PlanCheck] = {}
    for r in rows:
        title = r.get("plan") or ""
        by_plan.setdefault(title, PlanCheck(title)).doubts.append(
            Doubt(
                flag=r.get("flag") or "",
                label_zh=r.get("flag_zh") or "",
                label_en=r.get("flag_en") or "",
                kind=r.get("kind") or "",
                quote=r.get("quote") or "",
                resource=r.get("resource") or "",
                indicator_as_printed=r.get("indicator_as_printed") or "",
                target_year=r.get("target_year") or "",
                value_as_printed=r.get("value_as_printed") or "",
            )
        )
    return [by_plan[k] for k in sorted(by_plan)]


def format_checks(checks: list[PlanCheck], fmt: str = "table") -> str:
    """A summary line per plan and flag, then one row per doubt (table); csv/json: rows only."""
    columns = [
        "plan",
        "flag",
        "flag_zh",
        "kind",
        "indicator_as_printed",
        "target_year",
        "value_as_printed",
        "quote",
    ]
    rows = [
        {
            "plan": c.plan,
            "flag": d.flag,
            "flag_zh": d.label_zh,
            "kind": d.kind,
            "indicator_as_printed": d.indicator_as_printed,
            "target_year": d.target_year,
            "value_as_printed": d.value_as_printed,
            "quote": d.quote,
        }
        for c in checks
        for d in c.doubts
    ]
    if fmt != "table":
        return format_rows(columns, rows, fmt)  # type: ignore[arg-type]
    if not checks:
        return "no doubtful facts\n"
    lines = []
    for c in checks:
        summary = ", ".join(f"{flag} {n}" for flag, n in sorted(c.counts.items()))
        lines.append(f"{c.plan}: {len(c.doubts)} doubtful facts ({summary})")
    return "\n".join(lines) + "\n\n" + format_rows(columns, rows, "table")  # type: ignore[arg-type]


__all__ = ["Doubt", "PlanCheck", "check_store", "format_checks"]
