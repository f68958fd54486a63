"""Text for a terminal: control characters and bidi overrides shown, never obeyed.

A plan, a stored literal or a remote server's message can hold ESC sequences (`ESC [2J` clears
the screen, OSC 8 writes links, some terminals answer queries and so type into the shell) or
bidi overrides that make a line read differently from what it holds. Before such text reaches a
terminal, `escape_controls` writes each of these characters as a visible `\\xNN` / `\\uNNNN`
escape; tab and newline stay as they are.
"""

from __future__ import annotations

import re

# C0 (but tab and newline), DEL, C1, the bidi embeddings/overrides/isolates, lone surrogates
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape_controls(text: str) -> str:
    """`text` with every character that could steer a terminal written as an escape."""
    return _UNSAFE.sub(_visible, text)
