"""Reading: encodings, line ends, and one clear error per bad file."""

from __future__ import annotations

import codecs

import pytest

from plankg.errors import PlanReadError
from plankg.ingest.read import read_plan

SAMPLE = "第一章 总体要求\r\n一、指导思想\r\n到2025年，森林覆盖率不低于38%。\r\n"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (SAMPLE.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + SAMPLE.encode("utf-8"), "utf-8-sig"),
        (SAMPLE.encode("gb18030"), "gb18030"),
        (SAMPLE.encode("gbk"), "gb18030"),
        (SAMPLE.encode("utf-16"), "utf-16"),
        (SAMPLE.encode("utf-16-le"), "utf-16-le"),
        (SAMPLE.encode("utf-16-be"), "utf-16-be"),
    ],
)
def test_encodings_decode_to_the_same_text(tmp_path, data, encoding):
    path = tmp_path / "plan.txt"
    path.write_bytes(data)
    raw = read_plan(path)
    assert raw.encoding == encoding
    assert raw.text == SAMPLE.replace("\r\n", "\n")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"   \n\n", "empty"),
        (bytes(range(256)) * 20, "binary"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "binary"),
        (b"plain ascii text without any Chinese", "no Chinese"),
        (b"\xff\xfe\xfe", "invalid"),
    ],
)
def test_bad_files_fail_with_one_line_naming_the_file(tmp_path, data, reason):
    path = tmp_path / "bad.txt"
    path.write_bytes(data)
    with pytest.raises(PlanReadError) as info:
        read_plan(path)
    message = str(info.value)
    assert "bad.txt" in message and reason in message
    assert "\n" not in message


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(PlanReadError, match="no such file"):
        read_plan(tmp_path / "nope.txt")
    with pytest.raises(PlanReadError, match="directory"):
        read_plan(tmp_path)
