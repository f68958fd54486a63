"""The spaCy components: registered by entry points, the same facts as ingest, spans that survive
DocBin, and the README's example."""

from __future__ import annotations

import re
import subprocess
import sys
from importlib.metadata import entry_points

import pytest

from plankg.facts import GROUPS, plan_facts
from plankg.ingest.document import load_plan, load_text
from tests.conftest import PLAN_FILES, ROOT

COMPONENTS = ("plankg_measures", "plankg_targets", "plankg_units", "plankg_places", "plankg_money")


@pytest.fixture(scope="module")
def nlp():
    import plankg

    return plankg.nlp()


def test_components_are_entry_points() -> None:
    names = {ep.name for ep in entry_points(group="spacy_factories")}
    assert set(COMPONENTS) <= names


def test_add_pipe_by_name_in_a_fresh_process() -> None:
    """Nothing of plankg imported by hand: spaCy finds the factory through the entry point."""
    code = (
        "import spacy\n"
        "nlp = spacy.blank('zh', config={'nlp': {'tokenizer': {'segmenter': 'jieba'}}})\n"
        "nlp.add_pipe('plankg_targets')\n"
        "doc = nlp('到2025年，森林覆盖率不低于38%。')\n"
        "print([(s.text, s._.indicator, s._.value, s._.year) for s in doc.spans['targets']])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd="/"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[('森林覆盖率不低于38%', 'forestCoverage', 38.0, 2025)]"


# One sentence, the spans it must yield: (group, text, label, extension values).
CASES = [
    (
        "到2025年，森林覆盖率不低于38%，单位地区生产总值二氧化碳排放下降18%。",
        "targets",
        [
            (
                "森林覆盖率不低于38%",
                "TARGET",
                {"indicator": "forestCoverage", "value": 38.0, "comparator": "≥", "year": 2025},
            ),
            (
                "单位地区生产总值二氧化碳排放下降18%",
                "TARGET",
                {"indicator": "co2IntensityReduction", "value": 18.0, "year": 2025},
            ),
        ],
    ),
    (
        "（一）推进能源转型\n加快建设光伏电站，深化与泸州市、荣昌区合作。（牵头单位：区发展改革委；"
        "配合单位：区经济信息委、区能源局）",
        "units",
        [
            ("区发展改革委", "LEAD", {"role": "lead", "canonical_unit": "发展和改革委员会"}),
            (
                "区经济信息委",
                "COOPERATING",
                {"role": "cooperating", "canonical_unit": "经济和信息化委员会"},
            ),
            ("区能源局", "COOPERATING", {"role": "cooperating", "canonical_unit": "能源局"}),
        ],
    ),
    (
        "（一）推进能源转型\n加快建设光伏电站，深化与泸州市、荣昌区合作。（牵头单位：区发展改革委）",
        "places",
        [("泸州市", "PLACE", {"place": "泸州市"}), ("荣昌区", "PLACE", {"place": "荣昌区"})],
    ),
    (
        "专栏1 能源重点工程\n1．分布式光伏项目：在工业园区建设屋顶光伏，总投资5亿元。\n"
        "2．天然气管网：新建管网50公里，投资2000万元。",
        "money",
        [
            ("5亿元", "MONEY", {"yuan": 500_000_000.0}),
            ("2000万元", "MONEY", {"yuan": 20_000_000.0}),
        ],
    ),
]


@pytest.mark.parametrize(("text", "group", "expected"), CASES)
def test_sentences(nlp, text: str, group: str, expected: list) -> None:
    doc = nlp(text)
    spans = list(doc.spans[group])
    assert [(s.text, s.label_) for s in spans] == [(t, label) for t, label, _ in expected]
    for span, (_, _, attrs) in zip(spans, expected, strict=True):
        for name, value in attrs.items():
            assert span._.get(name) == value, (span.text, name)
        assert span._.fact_id.startswith(span.label_.lower() if group != "money" else "project")


@pytest.mark.parametrize("key", ["002", "004"])
def test_components_find_what_ingest_finds(nlp, key: str) -> None:
    """A plan file's text through the pipeline: the same fact ids as the facts of the plan as
    ingest loads it, and each span's text is its fact's quote (or holds it, where cleaning
    removed debris inside)."""
    path = PLAN_FILES[key]
    facts = plan_facts(load_plan(path))
    doc = nlp(path.read_text(encoding="utf-8-sig"))
    for group, labels in GROUPS.items():
        expected = {f.id: f for f in facts if f.label in labels}
        spans = {s._.fact_id: s for s in doc.spans[group]}
        assert set(spans) == set(expected), group
        for fid, span in spans.items():
            quote = expected[fid].quote
            assert span.text == quote or (span.text[0] == quote[0] and span.text[-1] == quote[-1])
            assert span.label_ == expected[fid].label.upper()


def test_fact_ids_are_the_record_iris_of_the_graph(docs) -> None:
    """The anchors of the evidence page and the components' fact ids name the graph's records."""
    from plankg import iri
    from plankg.facts import plan_iri
    from plankg.ingest.extract_measures import extract_measures
    from plankg.ingest.extract_projects import extract_projects
    from plankg.ingest.extract_targets import extract_targets
    from plankg.ingest.rdf import map_document

    doc = docs["003"]
    graph = map_document(
        doc,
        measures=list(extract_measures(doc)),
        targets=list(extract_targets(doc)),
        projects=list(extract_projects(doc)),
    )
    plan = plan_iri(doc)
    typed = {
        q.subject.value
        for q in graph.quads
        if q.predicate.value == iri.RDF + "type"
        and q.object.value.removeprefix(iri.PK) in ("Measure", "Target", "PlaceMention", "Project")
    }
    facts = plan_facts(doc)
    records = {
        plan + "/" + f.id.replace("-", "/", 1)
        for f in facts
        if f.label in ("measure", "target", "place", "money")
    }
    assert records <= typed
    assert len(records) > 300


def test_docbin_round_trip(nlp) -> None:
    from spacy.tokens import DocBin

    from plankg.components import EXTENSIONS

    doc = nlp(PLAN_FILES["001"].read_text(encoding="utf-8-sig"))
    assert sum(len(g) for g in doc.spans.values()) > 150
    data = DocBin(store_user_data=True, docs=[doc]).to_bytes()
    back = next(DocBin().from_bytes(data).get_docs(nlp.vocab))
    assert back.text == doc.text
    assert set(back.spans) == set(doc.spans)
    for key, group in doc.spans.items():
        before = [
            (s.start_char, s.end_char, s.label_, *(s._.get(e) for e in EXTENSIONS)) for s in group
        ]
        after = [
            (s.start_char, s.end_char, s.label_, *(s._.get(e) for e in EXTENSIONS))
            for s in back.spans[key]
        ]
        assert after == before, key
    assert any(s._.value is not None for s in back.spans["targets"])
    assert any(s._.canonical_unit for s in back.spans["units"])


def test_token_split_keeps_earlier_groups(nlp) -> None:
    """A fact boundary inside a jieba token splits it; spans set before stay where they were."""
    doc = nlp(PLAN_FILES["001"].read_text(encoding="utf-8-sig"))
    for group in doc.spans.values():
        for span in group:
            assert doc.text[span.start_char : span.end_char] == span.text


def test_load_text_matches_load_plan() -> None:
    path = PLAN_FILES["000"]
    a, b = load_plan(path), load_text(path.read_text(encoding="utf-8"), path.name)
    assert a.text == b.text and a.metadata == b.metadata
    assert [s.start for s in a.outline.walk()] == [s.start for s in b.outline.walk()]


def test_ingest_does_not_import_spacy() -> None:
    code = (
        "import sys; from plankg.ingest.pipeline import process_plan; "
        f"r = process_plan({str(PLAN_FILES['004'])!r}); "
        "print(r.counts['targets'], 'spacy' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True
    )
    count, imported = done.stdout.split()
    assert int(count) > 0 and imported == "False"


def test_readme_example_runs() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(
        r"<!-- readme-example: tests/test_nlp.py runs this block -->\n"
        r"```python\n(.*?)```",
        readme,
        re.S,
    )
    assert block, "the README lost its example"
    code = block.group(1)
    assert len([line for line in code.splitlines() if line.strip()]) <= 5
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    targets, units = done.stdout.strip().splitlines()
    assert "forestCoverage" in targets and "38.0" in targets and "2025" in targets
    assert "区林业局" in units and "LEAD" in units and "COOPERATING" in units
