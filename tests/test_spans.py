"""The annotation round trip: export spans, correct them by hand, import them as an evaluation
set and get exactly the precision and recall the corrections imply."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from plankg.spans import SpansError, evaluate_spans
from tests.conftest import PLAN_FILES, ROOT


def _plankg(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "plankg.cli", *args],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Yongchuan green low-carbon action plan exported by the CLI, by slug."""
    out = tmp_path_factory.mktemp("spans") / "spans.jsonl"
    done = _plankg("export-spans", PLAN_FILES["001"].stem, "--format", "jsonl", "-o", str(out))
    assert done.returncode == 0, done.stderr
    return out


def test_export_shape(exported: Path) -> None:
    (line,) = exported.read_text(encoding="utf-8").splitlines()
    record = json.loads(line)
    assert set(record) == {"text", "spans", "meta"}
    assert record["meta"]["plan"] == PLAN_FILES["001"].stem
    assert record["meta"]["district"] == "永川区"
    labels = {s["label"] for s in record["spans"]}
    assert {"MEASURE", "TARGET", "LEAD", "RESPONSIBLE", "PLACE"} <= labels
    for s in record["spans"]:
        assert set(s) == {"start", "end", "label", "id"}
        assert 0 <= s["start"] < s["end"] <= len(record["text"])


def test_unedited_file_agrees_fully(exported: Path) -> None:
    evaluation = evaluate_spans(exported)
    total = evaluation.score("ALL")
    assert total.gold == total.predicted == total.correct > 150
    assert total.precision == total.recall == 1.0


def test_hand_edited_file_gives_the_expected_figures(exported: Path, tmp_path: Path) -> None:
    record = json.loads(exported.read_text(encoding="utf-8"))
    spans = record["spans"]
    # spans are compared as (start, end, label): two targets read from one table row are one span
    triples = [(s["start"], s["end"], s["label"]) for s in spans]
    count = {
        label: len({t for t in triples if t[2] == label})
        for label in ("TARGET", "PLACE", "LEAD", "RESPONSIBLE")
    }

    def alone(s: dict) -> bool:
        return triples.count((s["start"], s["end"], s["label"])) == 1

    # 1. remove a target plankg found (a false positive of plankg, as the annotator says)
    removed = next(s for s in spans if s["label"] == "TARGET" and alone(s))
    spans.remove(removed)
    # 2. add a place plankg missed: the first 永川 not already a place span
    text = record["text"]
    taken = {(s["start"], s["end"]) for s in spans if s["label"] == "PLACE"}
    at = next(i for i in range(len(text)) if text.startswith("永川", i) and (i, i + 2) not in taken)
    spans.append({"start": at, "end": at + 2, "label": "PLACE"})
    # 3. a lead unit is in truth a responsible one
    changed = next(
        s
        for s in spans
        if s["label"] == "LEAD"
        and alone(s)
        and (s["start"], s["end"], "RESPONSIBLE") not in triples
    )
    changed["label"] = "RESPONSIBLE"
    edited = tmp_path / "edited.jsonl"
    edited.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")

    ev = evaluate_spans(edited)
    n_t, n_p, n_l, n_r = (count[k] for k in ("TARGET", "PLACE", "LEAD", "RESPONSIBLE"))
    t, p, lead, resp = (ev.score(k) for k in ("TARGET", "PLACE", "LEAD", "RESPONSIBLE"))
    assert (t.gold, t.predicted, t.correct) == (n_t - 1, n_t, n_t - 1)
    assert t.precision == (n_t - 1) / n_t and t.recall == 1.0
    assert (p.gold, p.predicted, p.correct) == (n_p + 1, n_p, n_p)
    assert p.precision == 1.0 and p.recall == n_p / (n_p + 1)
    assert (lead.gold, lead.predicted, lead.correct) == (n_l - 1, n_l, n_l - 1)
    assert lead.precision == (n_l - 1) / n_l and lead.recall == 1.0
    assert (resp.gold, resp.predicted, resp.correct) == (n_r + 1, n_r, n_r)
    assert resp.precision == 1.0 and resp.recall == n_r / (n_r + 1)
    total = ev.score("ALL")
    n = len(set(triples))  # one removed, one added: as many as plankg finds; two disagree
    assert (total.gold, total.predicted, total.correct) == (n, n, n - 2)
    assert total.precision == total.recall == (n - 2) / n

    done = _plankg("import-spans", str(edited), "--format", "csv")
    assert done.returncode == 0, done.stderr
    rows = {
        r.split(",")[0]: r.split(",") for r in done.stdout.strip().lstrip("\ufeff").splitlines()
    }
    assert rows["TARGET"][4] == f"{(n_t - 1) / n_t:.4f}" and rows["TARGET"][5] == "1.0000"
    assert rows["PLACE"][5] == f"{n_p / (n_p + 1):.4f}"


def test_doccano_labels_are_read(exported: Path, tmp_path: Path) -> None:
    record = json.loads(exported.read_text(encoding="utf-8"))
    record["label"] = [[s["start"], s["end"], s["label"]] for s in record.pop("spans")]
    path = tmp_path / "doccano.jsonl"
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    assert evaluate_spans(path).score("ALL").recall == 1.0


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda r: r.update(text=r["text"] + "。"), "the text differs"),
        (
            lambda r: r["spans"].append({"start": 5, "end": 2, "label": "X"}),
            "is not a labelled range",
        ),
        (lambda r: r.update(meta={"plan": "no-such-plan"}), "was not found"),
    ],
)
def test_bad_files_are_refused_in_one_line(exported: Path, tmp_path: Path, edit, message) -> None:
    record = json.loads(exported.read_text(encoding="utf-8"))
    edit(record)
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    with pytest.raises(SpansError, match=message) as info:
        evaluate_spans(path)
    assert "\n" not in str(info.value) and "E081" in str(info.value)


def test_not_json_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text('{"text": "a", "spans": []}\n{oops\n', encoding="utf-8")
    done = _plankg("import-spans", str(path))
    assert done.returncode == 1
    assert "line 2" in done.stderr and "E081" in done.stderr


def test_pieces_cover_the_plan_and_evaluate_alone(tmp_path: Path) -> None:
    """--max-chars: pieces that no fact crosses; all of them agree fully, one piece alone is
    judged only on what it covers."""
    out = tmp_path / "pieces.jsonl"
    done = _plankg("export-spans", str(PLAN_FILES["000"]), "--max-chars", "3000", "-o", str(out))
    assert done.returncode == 0, done.stderr
    records = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert len(records) > 5
    from plankg.ingest.document import load_plan

    doc = load_plan(PLAN_FILES["000"])
    assert "".join(r["text"] for r in records) == doc.text
    for r in records:
        a = r["meta"]["offset"]
        assert doc.text[a : a + len(r["text"])] == r["text"]
        for s in r["spans"]:
            assert 0 <= s["start"] < s["end"] <= len(r["text"])
    whole = evaluate_spans(out).score("ALL")
    assert whole.gold == whole.predicted == whole.correct > 300
    one = tmp_path / "one.jsonl"
    one.write_text(json.dumps(records[2], ensure_ascii=False) + "\n", encoding="utf-8")
    part = evaluate_spans(one).score("ALL")
    distinct = {(s["start"], s["end"], s["label"]) for s in records[2]["spans"]}
    assert part.gold == part.predicted == part.correct == len(distinct) < whole.gold
