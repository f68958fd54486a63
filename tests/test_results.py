"""Typed results in the Python API and readable terminal tables, through the public surface."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from decimal import Decimal

from plankg.query import Result, compact, format_rows, query, sparql


def test_named_query_values_are_typed(store):
    rows = query(store, "targets", district="永川区")
    assert isinstance(rows, Result) and rows
    years = {type(r["target_year"]) for r in rows if r["target_year"] is not None}
    assert years == {int}
    values = [r["target"] for r in rows if r["target"] is not None]
    assert values and all(isinstance(v, Decimal) for v in values)
    assert {type(r["set_by_higher_level"]) for r in rows} <= {bool, type(None)}
    assert all(isinstance(r["quote"], str) for r in rows)
    assert rows.columns[0] == "district"


def test_iris_are_strings_and_dates_are_dates(store):
    rows = sparql(store, "SELECT ?p ?issued WHERE { ?p a pk:Plan ; dcterms:issued ?issued }")
    assert rows
    assert all(isinstance(r["p"], str) and r["p"].startswith("https://") for r in rows)
    assert all(isinstance(r["issued"], dt.date) for r in rows)


def test_counts_are_ints_and_ask_is_a_bool(store):
    (row,) = sparql(store, "SELECT (COUNT(*) AS ?n) WHERE { ?t a pk:Target }")
    assert isinstance(row["n"], int) and row["n"] > 100
    assert sparql(store, "ASK { ?t a pk:Target }")[0]["ask"] is True


def test_to_dataframe_keeps_the_column_order_and_types(store):
    import pandas  # a dev dependency: plankg itself does not need it

    rows = query(store, "district-summary")
    frame = rows.to_dataframe()
    assert isinstance(frame, pandas.DataFrame)
    assert list(frame.columns) == rows.columns
    assert len(frame) == len(rows) == 3


def test_rejected_rows_are_left_out_unless_asked(store):
    # the shared store has no reviews: nothing is rejected, so both give the same rows
    assert len(query(store, "shared-measures")) == len(
        query(store, "shared-measures", include_rejected=True)
    )


def test_compact_uses_prefixes_and_leaves_text_alone():
    assert compact("https://w3id.org/plankg/plan/x/measure/1-2") == "plan:x/measure/1-2"
    assert compact("https://w3id.org/plankg/ontology#Target") == "pk:Target"
    assert compact("https://w3id.org/plankg/indicator/forestCover") == "indicator:forestCover"
    assert (
        compact("永川区 https://w3id.org/plankg/plan/x") == "永川区 https://w3id.org/plankg/plan/x"
    )
    assert compact("http://example.org/other") == "http://example.org/other"


def test_table_shortens_iris_counts_chinese_width_and_says_row_once():
    iri = "https://w3id.org/plankg/plan/yongchuan-2022-climate-14fyp/measure/1200-1300"
    text = format_rows(
        ["measure", "label"], [{"measure": iri, "label": "推进能源结构调整"}], "table"
    )
    lines = text.splitlines()
    assert "plan:yongchuan-2022-climate-14fyp/measure/1200-1300" in lines[2]
    assert lines[-1] == "(1 row)"
    # the Chinese label is 8 characters, 16 columns wide: the rule under it is as wide
    assert lines[1].split("  ")[-1] == "-" * 16
    two = format_rows(["a"], [{"a": "x"}, {"a": "y"}], "table")
    assert two.splitlines()[-1] == "(2 rows)"


def test_wide_keeps_long_cells_whole():
    long = "到2025年" + "单位地区生产总值二氧化碳排放下降" * 5
    clipped = format_rows(["q"], [{"q": long}], "table")
    assert long not in clipped and "…" in clipped
    assert long in format_rows(["q"], [{"q": long}], "table", wide=True)


def test_cli_table_shows_prefixed_names_not_cut_iris(store_dir):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "plankg.cli",
            "sparql",
            "--store",
            str(store_dir),
            "SELECT ?m WHERE { ?m a pk:Measure } ORDER BY ?m LIMIT 3",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert all(line.startswith("plan:") and "…" not in line for line in lines[2:5]), lines
    assert lines[-1] == "(3 rows)"
