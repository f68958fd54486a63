"""Read a plan file into text, detecting its encoding.

Plans arrive as UTF-8 (with or without BOM), UTF-16 (with BOM) or GB18030/GBK, with LF or CRLF line
ends. Anything else fails with a `PlanReadError` that names the file and says why.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

from plankg.errors import PlanReadError

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Share of control characters (other than tab, CR, LF, FF) above which decoded text is not a plan.
_MAX_CONTROL_SHARE = 0.01


@dataclass(frozen=True)
class RawText:
    """The decoded text of one plan file, line ends normalised to LF."""

    path: Path
    text: str
    encoding: str


def decode(data: bytes, path: str | Path = "<bytes>") -> RawText:
    """Decode the bytes of a plan file; raise `PlanReadError` when they are not text."""
    path = Path(path)
    if not data.strip():
        raise PlanReadError("file is empty", path=path)
    text, encoding = _decode(data, path)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\f")
    if "\x00" in text or controls > _MAX_CONTROL_SHARE * len(text):
        raise PlanReadError(
            f"looks binary ({controls} control characters), not a text plan", path=path
        )
    if not any("\u4e00" <= ch <= "\u9fff" for ch in text):
        raise PlanReadError(f"decoded as {encoding} but holds no Chinese text", path=path)
    return RawText(path=path, text=text, encoding=encoding)


def read_plan(path: str | Path) -> RawText:
    """Read and decode one plan file."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise PlanReadError("no such file", path=path) from None
    except IsADirectoryError:
        raise PlanReadError("is a directory, not a plan file", path=path) from None
    except OSError as exc:
        raise PlanReadError(f"cannot be read: {exc.strerror}", path=path) from None
    return decode(data, path)


def _decode(data: bytes, path: Path) -> tuple[str, str]:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as exc:
                raise PlanReadError(
                    f"starts with a {encoding} byte-order mark but byte {exc.start} is invalid",
                    path=path,
                ) from None
    utf16 = _utf16_without_bom(data)
    if utf16:
        try:
            return data.decode(utf16), utf16
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as utf8_error:
        if b"\x00" in data:
            raise PlanReadError("looks binary (NUL bytes), not a text plan", path=path) from None
        try:
            return data.decode("gb18030"), "gb18030"
        except UnicodeDecodeError:
            raise PlanReadError(
                f"is neither UTF-8 (invalid byte at offset {utf8_error.start}) nor GB18030/GBK",
                path=path,
            ) from None


def _utf16_without_bom(data: bytes) -> str | None:
    """Guess UTF-16 without BOM: line ends, digits and spaces give NUL bytes on one side."""
    sample = data[:4000]
    if len(sample) < 4 or sample.count(0) < len(sample) // 20:
        return None
    even_nuls, odd_nuls = sample[0::2].count(0), sample[1::2].count(0)
    if odd_nuls > 4 * even_nuls:
        return "utf-16-le"
    if even_nuls > 4 * odd_nuls:
        return "utf-16-be"
    return None
