"""The command line, through its public surface: exit codes and output."""

from __future__ import annotations

import json
import subprocess
import sys

from plankg.cli import main

from .conftest import PLAN_FILES


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "plankg.cli", *args], capture_output=True, text=True, check=False
    )


def test_outline_tree(capsys):
    assert main(["outline", str(PLAN_FILES["004"])]) == 0
    out = capsys.readouterr().out
    assert "item 二、 重点任务" in out
    assert "item 1． 协同开发油气资源" in out


def test_outline_json_has_the_documented_shape():
    result = run("outline", str(PLAN_FILES["002"]), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    root = data["outline"]
    assert data["metadata"]["district"] == "荣昌区"
    for key in ("kind", "number", "heading", "start", "end", "children"):
        assert key in root
    rows = [n for n in _walk(root) if n["kind"] == "row"]
    assert rows and all(isinstance(r["cells"], dict) for r in rows)
    assert any(
        r["cells"].get("指标名称", "").startswith("单位地区生产总值二氧化碳排放") for r in rows
    )


def _walk(node):
    yield node
    for child in node["children"]:
        yield from _walk(child)


def test_bad_file_gives_one_line_and_exit_1(tmp_path):
    bad = tmp_path / "empty.txt"
    bad.write_bytes(b"")
    result = run("outline", str(bad))
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0
    assert "empty.txt" in result.stderr and "Traceback" not in result.stderr


def test_outlines_go_on_after_a_bad_file(tmp_path):
    bad = tmp_path / "binary.txt"
    bad.write_bytes(bytes(range(256)) * 4)
    result = run("outlines", str(bad), str(PLAN_FILES["004"]))
    assert result.returncode == 1
    assert "binary.txt" in result.stderr
    assert "1 of 2 plans outlined" in result.stdout


def test_query_list_needs_no_store(tmp_path):
    result = run("query", "--list")
    assert result.returncode == 0
    assert "targets" in result.stdout and "assignments" in result.stdout


def test_query_without_store_says_what_to_do(tmp_path):
    result = run("query", "targets", "--store", str(tmp_path / "nowhere"))
    assert result.returncode == 1
    assert "plankg ingest" in result.stderr


def test_querying_does_not_import_the_nlp_stack():
    code = (
        "import sys; from plankg.cli import main; main(['query', '--list']); "
        "heavy = {'jieba', 'spacy', 'networkx', 'rdflib', 'pyshacl'} & set(sys.modules); "
        "print(sorted(heavy))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip().endswith("[]")
