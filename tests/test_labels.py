"""Every concept a picture, a page or a table shows has a Chinese and an English label: no node
or row may fall back to an IRI's local name (such as "ecoEnvironment")."""

from __future__ import annotations

import re

import pytest

from plankg.graphs import KINDS, build_graph
from plankg.query import run_sparql

LOCAL_NAME = re.compile(r"^[a-z][A-Za-z0-9]*$|^https?://")
CONCEPT_PROPERTIES = ("pk:indicator", "pk:sector", "pk:instrumentType", "pk:unitType")


@pytest.mark.parametrize("kind", KINDS)
def test_no_graph_node_shows_a_local_name(linked_store, kind: str) -> None:
    from plankg.store import open_store

    graph = build_graph(open_store(linked_store, read_only=True), kind)
    assert graph.number_of_nodes() > 0
    bad = [
        (n, d.get("label"))
        for n, d in graph.nodes(data=True)
        if not d.get("label")
        or LOCAL_NAME.match(str(d["label"]))
        or (str(n).startswith("http") and str(d["label"]) == str(n).rsplit("/", 1)[-1])
    ]
    assert bad == []


@pytest.mark.parametrize("prop", CONCEPT_PROPERTIES)
def test_every_concept_in_the_data_has_zh_and_en_labels(store, prop: str) -> None:
    _, rows = run_sparql(
        store,
        f"""
        SELECT DISTINCT ?c WHERE {{
          ?x {prop} ?c .
          FILTER NOT EXISTS {{ ?c skos:prefLabel ?zh . FILTER(LANG(?zh) = "zh") }}
        }}""",
    )
    assert rows == []
    _, rows = run_sparql(
        store,
        f"""
        SELECT DISTINCT ?c WHERE {{
          ?x {prop} ?c .
          FILTER NOT EXISTS {{ ?c skos:prefLabel ?en . FILTER(LANG(?en) = "en") }}
        }}""",
    )
    assert rows == []
