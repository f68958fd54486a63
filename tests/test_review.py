"""The review round trip (plankg.review) on a real store: the five district plans, linked.

A sheet is exported, filled the way a reviewer would (accept some links, reject some, leave the
rest), imported, and the decisions must show in `link_statuses` and in the named queries, survive
re-ingest and re-link, and not double when a sheet is imported again. A malformed sheet must be
refused with its row numbers and leave the store exactly as it was.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyoxigraph as ox
import pytest

from plankg import iri
from plankg.link import link_store
from plankg.query import run_named, run_sparql
from plankg.review import (
    COLUMNS,
    ReviewError,
    export_review_sheet,
    import_review_sheet,
    link_statuses,
    parse_decision,
    reviews,
)
from plankg.store import open_store
from tests.conftest import PLAN_FILES

T0 = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
LINK_QUERIES = ("shared-measures", "cross-border")


# --------------------------------------------------------------------------------------------
# Fixtures and helpers


@pytest.fixture(scope="module")
def linked(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with the five district plans ingested and linked, closed; tests work on copies."""
    from plankg.ingest.pipeline import ingest

    path = tmp_path_factory.mktemp("review") / "base"
    s = open_store(path)
    report = ingest(PLAN_FILES.values(), s, jobs=1)
    assert report.ok, report.errors
    link_store(s)
    s.flush()
    del s
    return path


@pytest.fixture
def store(linked: Path, tmp_path: Path) -> ox.Store:
    """A private copy of the linked store (a backup made of hard links: cheap)."""
    base = ox.Store(str(linked))
    base.backup(str(tmp_path / "store"))
    del base
    return ox.Store(str(tmp_path / "store"))


def read_csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))


def write_csv(
    path: Path,
    rows: list[dict[str, str]],
    columns: list[str] | None = None,
    encoding: str = "utf-8-sig",
) -> Path:
    columns = columns or list(rows[0])
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\r\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def quads(store: ox.Store) -> set[ox.Quad]:
    return set(store.quads_for_pattern(None, None, None, None))


def review_count(store: ox.Store) -> int:
    return len(reviews(store))


def fill(
    rows: list[dict[str, str]],
    decisions: dict[int, str],
    *,
    reviewer: str = "张三",
    comment: str = "",
) -> list[dict[str, str]]:
    """Rows with `decisions[i]` written in row i's decision column (others left empty)."""
    out = []
    for i, row in enumerate(rows):
        row = dict(row)
        if i in decisions:
            row.update(decision=decisions[i], reviewer=reviewer, comment=comment)
        out.append(row)
    return out


def validate_reviews(store: ox.Store) -> tuple[bool, str, int]:
    """pySHACL on the reviews graph, with the links graph beside it: RDFS inference makes every
    pk:reviewOf object a pk:Link (the property's range), which LinkShape then checks, so the
    reviews graph alone cannot conform. Returns (conforms, report text, triples in reviews)."""
    from importlib import resources

    import rdflib
    from pyshacl import validate

    from plankg.store import ONTOLOGY_FILES

    def parse(data: bytes, fmt: str) -> rdflib.Graph:
        return rdflib.Graph().parse(data=data, format=fmt)

    ontology_files = resources.files("plankg.ontology")
    shapes = parse((ontology_files / "shapes.ttl").read_bytes(), "turtle")
    ontology = rdflib.Graph()
    for name in ONTOLOGY_FILES:
        ontology.parse(data=(ontology_files / name).read_bytes(), format="turtle")
    dump = {
        g: store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(g))
        for g in (iri.REVIEWS_GRAPH, iri.LINKS_GRAPH)
    }
    reviews_only = parse(dump[iri.REVIEWS_GRAPH], "nt")
    data = parse(dump[iri.REVIEWS_GRAPH] + dump[iri.LINKS_GRAPH], "nt")
    conforms, _, text = validate(
        data, shacl_graph=shapes, ont_graph=ontology, inference="rdfs", allow_warnings=True
    )
    return bool(conforms), str(text), len(reviews_only)


def query_statuses(store: ox.Store, name: str, *, include: bool) -> dict[str, set[str]]:
    """Link → the review_status values a named query shows for it."""
    _, rows = run_named(store, name, include_excluded=include)
    out: dict[str, set[str]] = {}
    for r in rows:
        out.setdefault(r["link"] or "", set()).add(r["review_status"] or "")
    return out


# --------------------------------------------------------------------------------------------
# The vocabulary of decisions (data/review-decisions.csv)


@pytest.mark.parametrize(
    ("written", "status"),
    [
        ("accepted", "accepted"),
        ("Accept", "accepted"),
        ("YES", "accepted"),
        ("y", "accepted"),
        ("Ｙｅｓ", "accepted"),
        ("✓", "accepted"),
        ("√", "accepted"),
        ("接受", "accepted"),
        ("通过", "accepted"),
        ("是", "accepted"),
        (" 接受 ", "accepted"),
        ("rejected", "rejected"),
        ("no", "rejected"),
        ("N", "rejected"),
        ("✗", "rejected"),
        ("×", "rejected"),
        ("拒绝", "rejected"),
        ("否", "rejected"),
        ("不通过", "rejected"),
        ("待审", "pending"),
        ("pending", "pending"),
        ("maybe", None),
        ("可能", None),
        ("接", None),
    ],
)
def test_decision_vocabulary(written: str, status: str | None) -> None:
    assert parse_decision(written) == status


# --------------------------------------------------------------------------------------------
# The sheet


def test_csv_sheet_has_bom_columns_and_intact_chinese_quotes(
    store: ox.Store, tmp_path: Path
) -> None:
    path = tmp_path / "sheet.csv"
    n = export_review_sheet(store, path)
    statuses = link_statuses(store)
    assert n == len(statuses) > 100  # every link is pending before any review
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = read_csv(path)
    assert len(rows) == n
    assert tuple(rows[0]) == COLUMNS
    assert {r["link"] for r in rows} == set(statuses)
    assert all(r["decision"] == r["reviewer"] == r["comment"] == "" for r in rows)
    assert all(r["status"] == "pending" for r in rows)
    assert {r["kind"] for r in rows} >= {"sameIndicator", "crossBorderPartner", "similarMeasure"}
    # Quotes are the store's pk:quote, character for character (line breaks included).
    _, quoted = run_sparql(store, "SELECT ?m ?q WHERE { ?m a pk:Measure ; pk:quote ?q }")
    quote_of = {r["m"]: r["q"] for r in quoted}
    measures = [r for r in rows if r["source_type"] == "Measure"]
    assert measures
    for r in measures:
        assert r["source_quote"] == quote_of[r["source"]]
        assert any("\u4e00" <= ch <= "\u9fff" for ch in r["source_quote"])
    similar = [r for r in rows if r["kind"] == "similarMeasure"]
    assert all(r["target_quote"] == quote_of[r["target"]] for r in similar)
    assert all(r["source_district"] and r["target_district"] for r in similar)
    assert all(r["source_district"] != r["target_district"] for r in similar)
    # A place at the end: its name and gazetteer level, no quote.
    places = [r for r in rows if r["target_type"] == "Place"]
    assert places and all(r["target_label"] and r["target_level"] for r in places)
    assert {r["target_level"] for r in places} <= {
        "district",
        "county",
        "city",
        "province",
        "municipality",
        "region_initiative",
        "other",
    }
    # Targets: both ends' indicator labels.
    targets = [r for r in rows if r["kind"] == "sameIndicator"]
    assert targets and all(r["source_label"] and r["target_label"] for r in targets)


def test_json_sheet_matches_csv(store: ox.Store, tmp_path: Path) -> None:
    n_csv = export_review_sheet(store, tmp_path / "sheet.csv")
    n_json = export_review_sheet(store, tmp_path / "sheet.json", "json")
    items = json.loads((tmp_path / "sheet.json").read_text(encoding="utf-8"))
    assert n_json == n_csv == len(items)
    assert list(items[0]) == list(COLUMNS)
    assert isinstance(items[0]["score"], float)
    assert [x["link"] for x in items] == [r["link"] for r in read_csv(tmp_path / "sheet.csv")]


# --------------------------------------------------------------------------------------------
# The round trip, twice


def test_review_round_trip_twice(store: ox.Store, linked: Path, tmp_path: Path) -> None:
    from plankg.ingest.pipeline import ingest

    # Round 1: accept every third row, reject the next, leave the rest; half of the rows name
    # their reviewer, the other half take it from the argument.
    sheet1 = tmp_path / "round1.csv"
    total = export_review_sheet(store, sheet1)
    rows = read_csv(sheet1)
    # Make sure both link queries get rejections: reject the first shared and cross-border rows.
    first_shared = next(i for i, r in enumerate(rows) if r["kind"] == "similarMeasure")
    first_cross = next(i for i, r in enumerate(rows) if r["kind"] == "crossBorderPartner")
    decisions = {i: ("接受" if i % 3 == 0 else "拒绝") for i in range(len(rows)) if i % 3 != 2}
    decisions[first_shared] = decisions[first_cross] = "✗"
    filled = fill(rows, decisions, comment="表述不同，仅主题相近")
    for i, row in enumerate(filled):
        if i % 2:
            row["reviewer"] = ""  # from the argument
    write_csv(sheet1, filled)
    report = import_review_sheet(store, sheet1, reviewer="李四", now=T0)
    accepted1 = {rows[i]["link"] for i, d in decisions.items() if d == "接受"}
    rejected1 = {rows[i]["link"] for i, d in decisions.items() if d != "接受"}
    assert (report.rows, report.added, report.skipped) == (
        total,
        len(decisions),
        total - len(decisions),
    )
    assert report.statuses == {"accepted": len(accepted1), "rejected": len(rejected1)}
    statuses = link_statuses(store)
    assert {k for k, v in statuses.items() if v == "accepted"} == accepted1
    assert {k for k, v in statuses.items() if v == "rejected"} == rejected1
    assert sum(v == "pending" for v in statuses.values()) == total - len(decisions)
    stored = reviews(store)
    assert {r.reviewer for r in stored} == {"张三", "李四"}
    assert all(r.reviewed_at == T0 and r.comment == "表述不同，仅主题相近" for r in stored)

    # Queries leave rejected links out by default, show them on request, and agree with
    # link_statuses on every row.
    for name in LINK_QUERIES:
        default = query_statuses(store, name, include=False)
        everything = query_statuses(store, name, include=True)
        assert rejected1 & set(everything), name
        assert not rejected1 & set(default), name
        assert set(default) == {k for k in everything if statuses[k] != "rejected"}
        for link, shown in everything.items():
            assert shown == {statuses[link]}, (name, link)

    # The reviews graph conforms to ReviewShape.
    conforms, text, triples = validate_reviews(store)
    assert conforms, text
    assert triples == 6 * len(decisions)

    # Re-ingest one plan and re-link: the link IRIs and every decision stay.
    before = link_statuses(store)
    ingest([PLAN_FILES["002"]], store, jobs=1)
    link_store(store)
    assert link_statuses(store) == before
    assert review_count(store) == len(decisions)

    # Round 2: the new sheet holds only the links still pending.
    sheet2 = tmp_path / "round2.csv"
    pending = total - len(decisions)
    assert export_review_sheet(store, sheet2) == pending
    rows2 = read_csv(sheet2)
    assert {r["link"] for r in rows2} == {k for k, v in before.items() if v == "pending"}
    everything = tmp_path / "all.csv"
    assert export_review_sheet(store, everything, include_reviewed=True) == total
    shown = {r["link"]: r for r in read_csv(everything)}
    assert all(shown[k]["status"] == v for k, v in before.items())
    some_rejected = sorted(rejected1)[0]
    assert shown[some_rejected]["last_reviewer"] in {"张三", "李四"}
    assert shown[some_rejected]["last_reviewed_at"] == "2024-05-01T09:00:00Z"

    # Decide half of the rest, and in the full sheet change one earlier decision.
    later = T0 + timedelta(days=3)
    half = {i: ("yes" if (i // 2) % 2 else "no") for i in range(0, len(rows2), 2)}
    write_csv(sheet2, fill(rows2, half, reviewer="王五"))
    report2 = import_review_sheet(store, sheet2, now=later)
    assert report2.added == len(half)
    flip = dict(shown[some_rejected])
    flip.update(decision="通过", reviewer=flip["last_reviewer"], comment="复核后接受")
    write_csv(everything, [flip])
    report3 = import_review_sheet(store, everything, now=later)
    assert report3.added == 1
    statuses2 = link_statuses(store)
    assert statuses2[some_rejected] == "accepted"
    assert sum(v == "pending" for v in statuses2.values()) == pending - len(half)
    count = review_count(store)
    assert count == len(decisions) + len(half) + 1

    # Importing the first sheet again, days later, neither doubles nor revives its decisions.
    again = import_review_sheet(store, sheet1, reviewer="李四", now=later + timedelta(days=1))
    assert (again.added, again.unchanged) == (0, len(decisions))
    assert review_count(store) == count
    assert link_statuses(store) == statuses2
    # ... nor does the second sheet.
    assert import_review_sheet(store, sheet2, now=later + timedelta(days=2)).added == 0
    assert review_count(store) == count

    # The third export holds what is still pending; the store still validates.
    assert export_review_sheet(store, tmp_path / "round3.csv") == pending - len(half)
    conforms, text, _ = validate_reviews(store)
    assert conforms, text


def test_json_sheet_round_trip(store: ox.Store, tmp_path: Path) -> None:
    path = tmp_path / "sheet.json"
    export_review_sheet(store, path, "json")
    items = json.loads(path.read_text(encoding="utf-8"))
    items[0].update(decision="接受", reviewer="赵六", comment="同一指标")
    items[1].update(decision="拒绝", reviewer="赵六", reviewed_at="2024-06-01T10:00:00+08:00")
    items[2]["decision"] = None
    path.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
    report = import_review_sheet(store, path, now=T0)
    assert (report.added, report.skipped) == (2, len(items) - 2)
    statuses = link_statuses(store)
    assert statuses[items[0]["link"]] == "accepted"
    assert statuses[items[1]["link"]] == "rejected"
    by_link = {r.link: r for r in reviews(store)}
    assert by_link[items[1]["link"]].reviewed_at == datetime(2024, 6, 1, 2, 0, tzinfo=UTC)
    assert by_link[items[0]["link"]].comment == "同一指标"


def test_reviewed_at_as_excel_shows_it_and_latest_review_wins(
    store: ox.Store, tmp_path: Path
) -> None:
    sheet = tmp_path / "sheet.csv"
    export_review_sheet(store, sheet)
    rows = read_csv(sheet)
    link = next(r for r in rows if r["kind"] == "crossBorderPartner")
    columns = [*COLUMNS, "reviewed_at"]
    # Two reviewers in one sheet, the later one (by reviewed_at) accepting: it wins.
    first = {**link, "decision": "拒绝", "reviewer": "甲", "reviewed_at": "2024/5/1 14:30"}
    write_csv(sheet, [first], columns)
    import_review_sheet(store, sheet)
    second = {**link, "decision": "接受", "reviewer": "乙", "reviewed_at": "2024年5月2日"}
    write_csv(sheet, [second], columns)
    import_review_sheet(store, sheet)
    times = sorted(r.reviewed_at for r in reviews(store) if r.reviewed_at)
    assert times == [
        datetime(2024, 5, 1, 6, 30, tzinfo=UTC),
        datetime(2024, 5, 1, 16, 0, tzinfo=UTC),
    ]  # 2024-05-02 00:00 at UTC+8
    assert link_statuses(store)[link["link"]] == "accepted"
    assert query_statuses(store, "cross-border", include=False)[link["link"]] == {"accepted"}
    # An older decision imported afterwards does not override the later one.
    older = {**link, "decision": "拒绝", "reviewer": "丙", "reviewed_at": "2024-04-30"}
    write_csv(sheet, [older], columns)
    import_review_sheet(store, sheet)
    assert link_statuses(store)[link["link"]] == "accepted"
    # The same sheet with its own times imported again writes nothing.
    assert import_review_sheet(store, sheet).added == 0
    # A reviewer may take a decision back: pending again.
    back = {**link, "decision": "待审", "reviewer": "乙", "reviewed_at": "2024-05-03 08:00"}
    write_csv(sheet, [back], columns)
    import_review_sheet(store, sheet)
    assert link_statuses(store)[link["link"]] == "pending"


# --------------------------------------------------------------------------------------------
# Malformed sheets: refused with their rows, nothing written


def _malformed(kind: str, rows: list[dict[str, str]], path: Path) -> tuple[Path, set[int]]:
    """A sheet with good decisions in rows 2–6 and the fault `kind`; the rows at fault."""
    good = fill(rows[:8], {0: "接受", 1: "拒绝", 2: "✓", 3: "否", 4: "通过"})
    columns = list(COLUMNS)
    if kind == "unknown link":
        good[5].update(link=iri.BASE + "link/0000000000000000", decision="接受", reviewer="张三")
        return write_csv(path, good), {7}
    if kind == "bad decision":
        good[2]["decision"] = "也许"
        good[6].update(decision="maybe", reviewer="张三")
        return write_csv(path, good), {4, 8}
    if kind == "missing reviewer":
        good[3]["reviewer"] = ""
        return write_csv(path, good), {5}
    if kind == "bad date":
        for row in good:
            row["reviewed_at"] = ""
        good[1]["reviewed_at"] = "下周一"
        return write_csv(path, good, [*columns, "reviewed_at"]), {3}
    if kind == "missing column":
        return write_csv(path, good, [c for c in columns if c != "decision"]), {1}
    if kind == "conflicting rows":
        good[6] = {**good[0], "decision": "拒绝"}
        good[7] = {**good[0]}  # the same decision again: not a conflict by itself
        return write_csv(path, good), {2, 8, 9}
    if kind == "GBK":
        return write_csv(path, good, encoding="gb18030"), set(range(2, 10))
    if kind == "UTF-16":
        return write_csv(path, good, encoding="utf-16"), set(range(1, 10))
    raise AssertionError(kind)


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        ("unknown link", "unknown link"),
        ("bad decision", "也许"),
        ("missing reviewer", "no reviewer"),
        ("bad date", "下周一"),
        ("missing column", "no decision column"),
        ("conflicting rows", "conflicting decisions"),
        ("GBK", "GBK"),
        ("UTF-16", "UTF-16"),
    ],
)
def test_malformed_sheet_is_refused_with_its_rows(
    store: ox.Store, tmp_path: Path, kind: str, words: str
) -> None:
    sheet = tmp_path / "sheet.csv"
    export_review_sheet(store, sheet)
    rows = read_csv(sheet)
    # A review already in the store: it must stay exactly as it is too.
    write_csv(sheet, fill(rows[-2:], {0: "接受"}))
    import_review_sheet(store, sheet, now=T0)
    before = quads(store)
    path, faulty = _malformed(kind, rows, tmp_path / "bad.csv")
    with pytest.raises(ReviewError) as caught:
        import_review_sheet(store, path, now=T0 + timedelta(hours=1))
    error = caught.value
    assert set(error.rows) == faulty
    message = str(error)
    assert message.startswith(f"[E030] {path}: ")
    assert words in message
    assert "nothing was imported" in message
    assert quads(store) == before


def test_error_lists_row_numbers_as_excel_does(store: ox.Store, tmp_path: Path) -> None:
    """A quote with line breaks is one row in Excel: the numbering counts records, not lines."""
    sheet = tmp_path / "sheet.csv"
    export_review_sheet(store, sheet)
    rows = read_csv(sheet)
    multi = [r for r in rows if "\n" in r["source_quote"] + r["target_quote"]]
    assert multi, "expected quotes with line breaks in the sheet"
    bad = fill(multi[:3], {0: "接受", 1: "接受", 2: "不知道"})
    write_csv(sheet, bad)
    with pytest.raises(ReviewError) as caught:
        import_review_sheet(store, sheet, now=T0)
    assert caught.value.rows == (4,)
    assert "row 4: decision '不知道'" in str(caught.value)


def test_empty_decisions_write_nothing(store: ox.Store, tmp_path: Path) -> None:
    sheet = tmp_path / "sheet.csv"
    n = export_review_sheet(store, sheet)
    before = quads(store)
    report = import_review_sheet(store, sheet)  # nobody filled anything: no reviewer needed
    assert (report.rows, report.skipped, report.added) == (n, n, 0)
    assert quads(store) == before


def test_review_shape_catches_a_review_without_reviewer(store: ox.Store) -> None:
    """The check above is not vacuous: a hand-written review without reviewer and time fails."""
    link = sorted(link_statuses(store))[0]
    store.update(f"""INSERT DATA {{ GRAPH <{iri.REVIEWS_GRAPH}> {{
        <{iri.BASE}review/hand-made> a <{iri.PK}Review> ; <{iri.PK}reviewOf> <{link}> ;
            <{iri.PK}reviewStatus> <{iri.PK}accepted> . }} }}""")
    conforms, text, _ = validate_reviews(store)
    assert not conforms
    assert "reviewer" in text and "reviewedAt" in text


def test_a_filled_edge_csv_from_export_graph_is_a_review_sheet(tmp_path):
    """Reviewers may fill the decision column of `plankg export-graph … --format csv` instead of
    the review sheet; importing it must work, and earlier reviews must not leak into new ones."""
    import csv

    from plankg.export import export_graph
    from plankg.graphs import build_graph
    from plankg.ingest.pipeline import ingest
    from plankg.link import link_store
    from plankg.review import import_review_sheet, link_statuses
    from plankg.store import open_store

    from .conftest import PLAN_FILES

    store = open_store(tmp_path / "s")
    ingest(list(PLAN_FILES.values()), store, jobs=2)
    link_store(store)
    for round_ in range(2):
        sheet = tmp_path / f"edges{round_}.csv"
        export_graph(build_graph(store, "measures"), sheet, "csv")
        rows = list(csv.DictReader(sheet.open(encoding="utf-8-sig")))
        assert rows and "decision" in rows[0] and "reviewer" not in rows[0]
        rows[0]["decision"] = "rejected"
        with sheet.open("w", encoding="utf-8-sig", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
        import_review_sheet(store, sheet, reviewer=f"reviewer {round_}")
        assert link_statuses(store)[rows[0]["link"]] == "rejected"
    assert len(build_graph(store, "measures").edges) == len(rows) - 1
