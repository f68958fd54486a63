"""Summaries printed by the main job."""

from __future__ import annotations

import pyoxigraph as ox

from plankg.query import format_rows, run_named


def district_summary(store: ox.Store) -> str:
    """Per district: plans, measures, targets, units, projects and investment, as a table."""
    columns, rows = run_named(store, "district-summary")
    for row in rows:
        if row.get("investment_yuan"):
            row["investment_yuan"] = f"{float(row['investment_yuan']):,.0f}"
    return "Comparison by district\n" + format_rows(columns, rows, "table")
