"""Readers of published plans: PDF (text layer, ruled tables), .docx, .doc through LibreOffice.

Every file is built here: .docx with python-docx (headings, automatic numbering, a merged-cell
indicator table, a task-division table), PDF and .doc from it with LibreOffice (Debian package
libreoffice-writer-nogui), bad files by hand. The same facts are asserted from the equivalent
plain text.
"""

from __future__ import annotations

import shutil
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from plankg.errors import PlanReadError
from plankg.ingest.document import load_plan
from plankg.ingest.extract_targets import table_targets
from plankg.ingest.readers.base import Limits, MissingToolError, NoTextLayerError
from plankg.ingest.readers.soffice import convert, find_soffice
from plankg.vocab import vocabulary as load_vocabulary

TITLE = "某区应对气候变化“十四五”规划"
PROSE = (
    "深入推进绿色低碳发展，加快形成节约资源和保护环境的空间格局、产业结构、生产方式、"
    "生活方式，推动经济社会发展全面绿色转型，确保如期实现碳达峰目标。"
) * 3
INDICATORS = [  # 类别, 指标, 单位, 2020年, 2025年, 属性
    ("低碳发展", "单位地区生产总值二氧化碳排放降低", "%", "—", "18", "约束性"),
    ("低碳发展", "非化石能源占能源消费总量比重", "%", "15.2", "20", "约束性"),
    ("生态环境", "森林覆盖率", "%", "45.1", "46", "预期性"),
]
TASKS = [  # 序号, 任务内容, 牵头单位, 配合单位
    ("1", "推进工业领域节能降碳改造", "区经济信息化局", "区发展改革委"),
    ("2", "加快既有建筑节能改造", "区住房城乡建设局", "区机关事务管理局"),
]


def _need_soffice() -> str:
    program = find_soffice()
    assert program, (
        "these tests need LibreOffice's soffice (Debian package libreoffice-writer-nogui)"
    )
    return program


def _footer_page_number(section) -> None:  # type: ignore[no-untyped-def]
    """A centred PAGE field in the footer, as Word prints page numbers."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = 1
    paragraph._p.append(
        parse_xml(
            f'<w:fldSimple {nsdecls("w")} w:instr="PAGE"><w:r><w:t>1</w:t></w:r></w:fldSimple>'
        )
    )


def build_docx(path: Path, pages_of_prose: int = 2) -> Path:
    """A plan as a county office would write it in Word."""
    import docx

    d = docx.Document()
    section = d.sections[0]
    section.header.paragraphs[0].text = TITLE  # running header on every page
    _footer_page_number(section)
    d.add_paragraph(TITLE, style="Title")
    d.add_paragraph("为推动全区绿色低碳发展，制定本规划。")
    d.add_heading("第一章 发展基础", 1)
    for _ in range(pages_of_prose * 4):
        d.add_paragraph(PROSE)
    d.add_heading("第二章 主要目标", 1)
    d.add_paragraph("到2025年，全区绿色低碳发展取得显著成效。", style="List Number")
    d.add_paragraph("到2030年，二氧化碳排放达到峰值。", style="List Number")
    d.add_paragraph("表1 主要指标")
    t = d.add_table(rows=1 + len(INDICATORS), cols=6)
    t.style = "Table Grid"
    for i, h in enumerate(["类别", "指标", "单位", "2020年", "2025年", "属性"]):
        t.cell(0, i).text = h
    for r, row in enumerate(INDICATORS, start=1):
        for c, value in enumerate(row):
            if c == 0 and r > 1 and INDICATORS[r - 2][0] == value:
                continue
            t.cell(r, c).text = value
    t.cell(1, 0).merge(t.cell(2, 0))  # vertical merge: one category over two rows
    t.cell(1, 0).text = "低碳发展"
    d.add_heading("第三章 重点任务", 1)
    d.add_paragraph(PROSE)
    d.add_paragraph("表2 任务分工")
    t = d.add_table(rows=1 + len(TASKS), cols=4)
    t.style = "Table Grid"
    for i, h in enumerate(["序号", "任务内容", "牵头单位", "配合单位"]):
        t.cell(0, i).text = h
    for r, row in enumerate(TASKS, start=1):
        for c, value in enumerate(row):
            t.cell(r, c).text = value
    d.add_paragraph(PROSE)
    d.save(str(path))
    return path


def equivalent_text() -> str:
    """The same plan as plain text, tables as Word-export tab cells."""
    lines = [
        TITLE,
        "为推动全区绿色低碳发展，制定本规划。",
        "第一章 发展基础",
        PROSE,
        "第二章 主要目标",
        "1.到2025年，全区绿色低碳发展取得显著成效。",
        "2.到2030年，二氧化碳排放达到峰值。",
        "表1 主要指标",
    ]
    for row in [("类别", "指标", "单位", "2020年", "2025年", "属性"), *INDICATORS]:
        lines += ["\t" + c for c in row] + [""]
    lines += ["第三章 重点任务", PROSE, "表2 任务分工"]
    for row in [("序号", "任务内容", "牵头单位", "配合单位"), *TASKS]:
        lines += ["\t" + c for c in row] + [""]
    lines.append(PROSE)
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The .docx, its PDF and .doc made by LibreOffice, and the equivalent .txt."""
    _need_soffice()
    root = tmp_path_factory.mktemp("readers")
    out = {"docx": build_docx(root / "规划 草案.docx")}
    work = root / "work"
    work.mkdir()
    pdf = convert(out["docx"], "pdf", work, Limits())
    out["pdf"] = Path(shutil.copy(pdf, root / "某区 应对气候变化规划.pdf"))
    (work / "input.pdf").unlink()
    doc = convert(out["docx"], "doc:MS Word 97", work, Limits())
    out["doc"] = Path(shutil.copy(doc, root / "规划 草案.doc"))
    out["txt"] = root / "规划.txt"
    out["txt"].write_text(equivalent_text(), encoding="utf-8")
    return out


def _tables(doc):  # type: ignore[no-untyped-def]
    return [s for s in doc.outline.walk() if s.kind == "table"]


def _rows(table) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    return [dict(r.cells) for r in table.children if r.kind == "row"]


def _facts(doc) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """What every format must agree on."""
    vocab = load_vocabulary()
    tables = _tables(doc)
    targets = sorted(
        (
            t.indicator_as_printed,
            t.target_year,
            t.value_as_printed,
            t.baseline_value and str(t.baseline_value),
            t.bindingness,
        )
        for table in tables
        for t in table_targets(doc.text, table, vocab)
    )
    return {
        "chapters": [s.heading for s in doc.outline.walk() if s.kind == "chapter"],
        "items": [s.number for s in doc.outline.walk() if s.kind == "item" and s.number],
        "captions": [s.number for s in tables],
        "rows": [_rows(t) for t in tables],
        "targets": targets,
    }


def test_docx_gives_the_same_facts_as_the_equivalent_text(files: dict[str, Path]) -> None:
    from_text = _facts(load_plan(files["txt"]))
    from_docx = _facts(load_plan(files["docx"]))
    assert from_text["chapters"] == ["发展基础", "主要目标", "重点任务"]
    assert from_docx == from_text
    indicator_rows = from_docx["rows"][0]
    assert indicator_rows[1]["类别"] == "低碳发展"  # carried down from the vertical merge
    assert [r["牵头单位"] for r in from_docx["rows"][1]] == ["区经济信息化局", "区住房城乡建设局"]
    assert len(from_docx["targets"]) == 3


def test_doc_through_libreoffice_gives_the_same_facts(files: dict[str, Path]) -> None:
    doc = load_plan(files["doc"])
    assert doc.format == "doc"
    assert _facts(doc) == _facts(load_plan(files["txt"]))


def test_wps_through_libreoffice(files: dict[str, Path], tmp_path: Path) -> None:
    """WPS Office saves .wps files in the Word 97 format; LibreOffice reads them by content."""
    path = tmp_path / "县 规划.wps"
    shutil.copy(files["doc"], path)
    doc = load_plan(path)
    assert doc.format == "wps"
    assert _facts(doc) == _facts(load_plan(files["txt"]))


def test_outline_json_of_a_pdf_has_pages(files: dict[str, Path]) -> None:
    import json
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "plankg.cli", "outline", str(files["pdf"]), "--json"],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    data = json.loads(done.stdout)

    def walk(node):  # type: ignore[no-untyped-def]
        yield node
        for child in node["children"]:
            yield from walk(child)

    nodes = list(walk(data["outline"]))[1:]
    assert nodes and all(isinstance(n["page"], int) for n in nodes)
    rows = [n for n in nodes if n["kind"] == "row"]
    assert any(n["cells"].get("指标") == "森林覆盖率" for n in rows)


def test_pdf_pages_headers_paragraphs_and_tables(files: dict[str, Path]) -> None:
    doc = load_plan(files["pdf"])
    assert doc.format == "pdf" and doc.pages is not None and doc.pages >= 3
    # the running header and the page numbers are gone; the title is printed once
    assert doc.text.count(TITLE) == 1
    assert not any(
        line.strip().isdigit() for line in doc.text.split("\n") if not line.startswith("\t")
    )  # (table cells of 序号 hold digits)
    # every prose paragraph came back whole, rejoined from its printed lines
    assert doc.text.count(PROSE) == 10
    facts = _facts(doc)
    assert facts == _facts(load_plan(files["txt"]))
    # pages: every segment has one, they never decrease, and the last chapter is not on page 1
    segments = list(doc.outline.walk())[1:]
    pages = [s.page for s in segments]
    assert all(isinstance(p, int) and 1 <= p <= doc.pages for p in pages)
    assert pages == sorted(pages)
    last_chapter = [s for s in segments if s.kind == "chapter"][-1]
    assert last_chapter.page == doc.page_at(last_chapter.start) and last_chapter.page > 1
    assert doc.page_at(0) == 1


def test_text_plans_have_no_pages(files: dict[str, Path]) -> None:
    doc = load_plan(files["txt"])
    assert doc.page_at(0) is None
    assert all(s.page is None for s in doc.outline.walk())


def test_pdf_pages_reach_the_graph(files: dict[str, Path]) -> None:
    from plankg.ingest.rdf import map_document

    doc = load_plan(files["pdf"])
    vocab = load_vocabulary()
    targets = [t for table in _tables(doc) for t in table_targets(doc.text, table, vocab)]
    graph = map_document(doc, targets=targets)
    pages = [q for q in graph.quads if q.predicate.value.endswith("#page")]
    subjects = {q.subject for q in pages}
    target_subjects = {q.subject for q in graph.quads if q.object.value.endswith("#Target")}
    assert target_subjects and target_subjects <= subjects
    table = _tables(doc)[0]
    assert any(int(q.object.value) == table.page for q in pages)


# --------------------------------------------------------------------------------------------
# bad input: one line naming the file and the problem


def _error(path: Path, limits: Limits | None = None) -> PlanReadError:
    with pytest.raises(PlanReadError) as info:
        load_plan(path, limits) if limits else load_plan(path)
    message = str(info.value)
    assert "\n" not in message and str(path) in message
    return info.value


def test_empty_pdf_and_docx(tmp_path: Path) -> None:
    for name in ("空 文件.pdf", "空.docx", "空.txt"):
        (tmp_path / name).write_bytes(b"")
        assert "empty" in str(_error(tmp_path / name))


def test_html_saved_as_pdf(tmp_path: Path) -> None:
    path = tmp_path / "规划 下载.pdf"
    path.write_text("<!DOCTYPE html><html><body>404 页面不存在</body></html>", encoding="utf-8")
    assert "not a PDF" in str(_error(path)) and "HTML" in str(_error(path))


def _encrypted_pdf(path: Path) -> Path:
    """A PDF whose trailer points at a standard security handler: opening it needs a password
    (the keys do not match the empty user password, as in a protected download)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        b"<< /Filter /Standard /V 1 /R 2 /O <"
        + b"11" * 32
        + b"> /U <"
        + b"22" * 32
        + b"> /P -44 >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Encrypt 4 0 R "
        f"/ID [<{'ab' * 16}> <{'ab' * 16}>] >>\nstartxref\n{xref}\n%%EOF\n"
    ).encode()
    path.write_bytes(bytes(out))
    return path


def test_encrypted_pdf(tmp_path: Path) -> None:
    assert "encrypted" in str(_error(_encrypted_pdf(tmp_path / "加密 规划.pdf")))


def test_pdf_without_text_layer(tmp_path: Path) -> None:
    """A scan: pages with a picture and no text."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as c

    pdf = pdfium.PdfDocument.new()
    for _ in range(3):
        page = pdf.new_page(595, 842)
        rect = c.FPDFPageObj_CreateNewRect(50, 50, 495, 742)
        c.FPDFPageObj_SetFillColor(rect, 120, 120, 120, 255)
        c.FPDFPath_SetDrawMode(rect, 1, 0)
        c.FPDFPage_InsertObject(page.raw, rect)
        assert c.FPDFPage_GenerateContent(page.raw)
    path = tmp_path / "扫描 件.pdf"
    pdf.save(str(path))
    error = _error(path)
    assert isinstance(error, NoTextLayerError) and "no text layer" in str(error)


def test_truncated_pdf(files: dict[str, Path], tmp_path: Path) -> None:
    data = files["pdf"].read_bytes()
    path = tmp_path / "截断 规划.pdf"
    path.write_bytes(data[: len(data) // 2])
    assert "truncated" in str(_error(path))


def test_docx_that_is_not_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "不是 压缩包.docx"
    path.write_text("这是一个文本文件，不是Word文档。", encoding="utf-8")
    assert "not a .docx" in str(_error(path))


def test_docx_zip_bomb_refused_by_declared_size(tmp_path: Path) -> None:
    """A member that declares 6 GB uncompressed: refused before anything is unpacked. (The file
    is made small by writing the declared size into the zip headers, as a bomb's maker does.)"""
    import struct

    path = tmp_path / "炸弹 规划.docx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "\0" * 1000)
    data = bytearray(path.read_bytes())
    name = b"word/document.xml"
    central = data.index(b"PK\x01\x02" + data[4:4], data.index(b"PK\x01\x02"))
    while data[central + 46 : central + 46 + len(name)] != name:
        central = data.index(b"PK\x01\x02", central + 4)
    data[central + 24 : central + 28] = struct.pack("<I", 0xFFFFFFF0)  # uncompressed size
    path.write_bytes(bytes(data))
    with zipfile.ZipFile(path) as z:
        assert sum(i.file_size for i in z.infolist()) > 4 * 10**9
    tracemalloc.start()
    error = _error(path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert "zip bomb" in str(error) and peak < 20 * (1 << 20)


def test_limits_are_configurable(files: dict[str, Path]) -> None:
    assert "pages" in str(_error(files["pdf"], Limits(max_pages=1)))
    assert "characters" in str(_error(files["pdf"], Limits(max_chars=100)))
    assert "bytes" in str(_error(files["pdf"], Limits(max_bytes=1000)))


def test_missing_libreoffice_named(
    files: dict[str, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Without soffice a .doc fails naming the file, the tool and its Debian package."""
    monkeypatch.setenv("PLANKG_SOFFICE", str(tmp_path / "no-such-soffice"))
    error = _error(files["doc"])
    assert isinstance(error, MissingToolError)
    assert "soffice" in str(error) and "libreoffice-writer-nogui" in str(error)


def test_500_page_pdf_works_with_bounded_memory(files: dict[str, Path], tmp_path: Path) -> None:
    """500 pages (the prose page over and over, the table pages once) read in a child process
    whose peak memory is measured by the system."""
    import subprocess
    import sys

    import pypdfium2 as pdfium

    source = pdfium.PdfDocument(str(files["pdf"]))
    big = pdfium.PdfDocument.new()
    n = len(source)
    big.import_pages(source, list(range(n)))
    while len(big) < 500:
        big.import_pages(source, [0] * min(50, 500 - len(big)))
    path = tmp_path / "五百页 规划.pdf"
    big.save(str(path))
    big.close()
    source.close()
    script = (
        "import json, re, sys\n"
        "from plankg.ingest.document import load_plan\n"
        "doc = load_plan(sys.argv[1])\n"
        "tables = [s for s in doc.outline.walk() if s.kind == 'table']\n"
        "print(json.dumps({'pages': doc.pages, 'last': doc.page_at(len(doc.text) - 1),\n"
        "    'tables': len(tables), 'chars': len(doc.text),\n"
        # VmHWM, not ru_maxrss: Linux carries the forking parent's peak (pytest's) into
        # ru_maxrss across exec, while VmHWM belongs to this process's own memory map
        "    'rss_mb': int(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read())"
        ".group(1)) / 1024}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(path)],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    import json

    result = json.loads(done.stdout)
    assert result["pages"] == 500 and result["last"] == 500
    assert result["tables"] == 2
    assert result["chars"] > 450 * len(PROSE)
    assert result["rss_mb"] < 500, f"peak memory {result['rss_mb']:.0f} MB"


def test_cli_ingests_a_folder_of_mixed_formats_and_reports_bad_files(
    files: dict[str, Path], tmp_path: Path
) -> None:
    """`plankg ingest FOLDER`: the PDF, the .docx and the text plan go in; an HTML page saved
    as .pdf is one error line naming it, and is not stored; segments and records carry pages."""
    import subprocess
    import sys

    import pyoxigraph as ox

    folder = tmp_path / "规划 文件夹"
    folder.mkdir()
    for key in ("pdf", "docx", "txt"):
        shutil.copy(files[key], folder / files[key].name)
    bad = folder / "网页 另存.pdf"
    bad.write_text("<html><body>页面不存在</body></html>", encoding="utf-8")
    store_dir = tmp_path / "store"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "plankg.cli",
            "ingest",
            "--store",
            str(store_dir),
            "--quiet",
            str(folder),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(errors) == 1 and str(bad) in errors[0] and "not a PDF" in errors[0]
    assert "ingested 3 of 4 plans" in done.stdout
    store = ox.Store.read_only(str(store_dir))
    files_in = {
        str(r["f"].value)
        for r in store.query(
            "SELECT ?f WHERE { GRAPH ?g { ?p <https://w3id.org/plankg/ontology#sourceFile> ?f } }"
        )
    }
    assert files_in == {files["pdf"].name, files["docx"].name, files["txt"].name}
    pages = list(
        store.query(
            "PREFIX pk: <https://w3id.org/plankg/ontology#> SELECT ?kind (MAX(?page) AS ?last) "
            "WHERE { GRAPH ?g { ?s pk:page ?page ; a ?kind } } GROUP BY ?kind"
        )
    )
    kinds = {str(r["kind"].value).rsplit("#", 1)[-1]: int(r["last"].value) for r in pages}
    assert kinds.get("Segment", 0) >= 3 and "Target" in kinds


@pytest.mark.parametrize(
    ("rows", "carried", "expected"),
    [
        # a title cell over two columns, then their names with units; 序号 merged down
        (
            [
                ("序号", "地区", "2021年投资目标", "2021年投资目标"),
                ("序号", "地区", "总量（亿元）", "比增（%）"),
                ("1", "甲区", "21", "9"),
            ],
            {(0, 3), (1, 0), (1, 1)},
            2,
        ),
        # an indicator row with its unit in brackets is a body row
        (
            [
                ("指标", "2020年", "2025年"),
                ("森林覆盖率（%）", "40", "45"),
                ("湿地保护率（%）", "50", "55"),
            ],
            set(),
            1,
        ),
    ],
)
def test_header_rows(
    rows: list[tuple[str, ...]], carried: set[tuple[int, int]], expected: int
) -> None:
    from plankg.ingest.readers.pdf import header_rows

    assert header_rows(rows, carried, set()) == expected
