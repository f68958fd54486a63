"""Responsible units and their roles: who leads, who is responsible, who cooperates on a task.

Two places name them:

* **inline assignments** at the end of an item, in half- or full-width brackets:
  （牵头单位：区发展改革委；配合单位：区经济信息委、区水利局）, （责任单位：…）, or a line that opens
  with such a label;
* **table columns** named by the same labels (牵头单位, 责任单位, 配合单位, 牵头部门, …).

Every label maps to a role (lead, responsible, cooperating) through `data/assignment-vocab.txt`,
which also says what a label means when it stands alone: a 责任单位 list or column without a lead
label or lead column beside it names the units that carry the task, so they are its *lead* units
(the 责任单位 column of an indicator table, an inline （责任单位：…） on its own). A note inside an
assignment saying that the first unit of each list leads (两省市列首位的为牵头单位) makes the first
unit of every list lead and keeps the label's role for the rest; followed by 下同 it holds for the
rest of the document.

Names are canonicalised with `data/unit-aliases.csv` (see the header of `ontology/unit-types.ttl`):
the level prefix (区/县/市), the administrative names that open a name (重庆市永川区, 江津区) and place
names embedded in it (国网永川供电分公司) are removed before lookup, with the gazetteer saying what
is a place name. Unknown names keep their printed form with canonical "" and type "other", unless
a generic suffix (…领导小组, …公司, …管委会) types them.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from importlib.resources import files
from typing import TYPE_CHECKING

from plankg.ingest.records import Source, UnitMention
from plankg.ingest.segment import Segment

if TYPE_CHECKING:
    from plankg.ingest.document import Document
    from plankg.ingest.places import Gazetteer
    from plankg.vocab import Vocabulary

# Place types whose names are removed from unit names (not regional initiatives: 泸永江… is part
# of a body's proper name).
_ADMIN_PLACE_TYPES = frozenset({"district", "county", "city", "municipality", "province"})
_WHITESPACE = frozenset(" \t\n\r\u3000\xa0")
_OPEN = "（(〔〈［【"
_CLOSE = "）)〕〉］】"
_COLONS = "：:"
_MAX_ASSIGNMENT = 800  # characters an inline assignment may span
_MAX_UNIT_LEN = 30
_NOT_A_NAME = re.compile(r"[\d０-９%％‰.．。：:]")  # 完成期限：持续推进 is no unit
_CJK = re.compile(r"[\u3400-\u9fff]")
_MAX_CLIMB = 4  # levels a tag after the last sub-item may close
_SUFFIX_REMAINDER = 6  # a proper name before a known suffix is at most this long (凤凰湖, 何埂)


# --------------------------------------------------------------------------------------------
# Vocabulary (data/assignment-vocab.txt)


@dataclass(frozen=True)
class AssignmentVocab:
    """The role labels and list conventions read from `data/assignment-vocab.txt`."""

    roles: dict[str, tuple[str, str]]  # label -> (role, role when no lead label stands beside it)
    first_listed_lead: tuple[str, ...]
    same_below: tuple[str, ...]
    open_suffixes: tuple[str, ...]  # longest first
    none_values: frozenset[str]
    level_prefixes: tuple[str, ...]  # longest first
    separators: frozenset[str]
    type_suffixes: tuple[tuple[str, str], ...]  # longest first
    collective_prefixes: tuple[str, ...]  # longest first
    suffix_variants: tuple[tuple[str, str], ...]
    not_in_proper_name: frozenset[str]
    lead_marks: tuple[str, ...] = ()  # （牵头） after a unit inside a list: that unit leads
    role_tails: tuple[tuple[str, str], ...] = ()  # 按职责分工负责 → responsible, longest first

    @property
    def labels(self) -> tuple[str, ...]:
        """Role labels, longest first (so 牵头单位 wins over 牵头)."""
        return tuple(sorted(self.roles, key=len, reverse=True))


def _sections(source: str) -> dict[str, list[list[str]]]:
    out: dict[str, list[list[str]]] = {}
    current: list[list[str]] | None = None
    for raw in source.splitlines():
        line = raw.split("#", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
        if not line:
            continue
        if line.startswith("[") and line.endswith("]"):
            current = out.setdefault(line[1:-1].strip(), [])
        elif current is not None:
            current.append(line.split())
    return out


def _by_len(words: list[str]) -> tuple[str, ...]:
    return tuple(sorted(words, key=len, reverse=True))


@lru_cache(maxsize=1)
def assignment_vocab() -> AssignmentVocab:
    """The packaged assignment vocabulary, read once per process."""
    text = files("plankg.data").joinpath("assignment-vocab.txt").read_text(encoding="utf-8")
    s = _sections(text)
    roles = {f[0]: (f[1], f[2] if len(f) > 2 else f[1]) for f in s.get("role-labels", [])}
    first = [f[0] for f in s.get("first-listed-lead", [])]
    return AssignmentVocab(
        roles=roles,
        first_listed_lead=_by_len(first),
        same_below=_by_len([f[0] for f in s.get("same-below", [])]),
        open_suffixes=_by_len([f[0] for f in s.get("open-list-suffixes", [])]),
        none_values=frozenset(f[0] for f in s.get("none-values", [])),
        level_prefixes=_by_len([f[0] for f in s.get("level-prefixes", [])]),
        separators=frozenset(f[0] for f in s.get("list-separators", [])),
        type_suffixes=tuple(
            sorted(((f[0], f[1]) for f in s.get("type-suffixes", [])), key=lambda p: -len(p[0]))
        ),
        collective_prefixes=_by_len([f[0] for f in s.get("collective-prefixes", [])]),
        suffix_variants=tuple((f[0], f[1]) for f in s.get("suffix-variants", [])),
        not_in_proper_name=frozenset(f[0] for f in s.get("not-in-proper-name", [])),
        lead_marks=_by_len([f[0] for f in s.get("lead-marks", [])]),
        role_tails=tuple(
            sorted(((f[0], f[1]) for f in s.get("role-tails", [])), key=lambda p: -len(p[0]))
        ),
    )


# --------------------------------------------------------------------------------------------
# Canonical names


def _defaults(
    vocab: Vocabulary | None, gazetteer: Gazetteer | None
) -> tuple[Vocabulary, Gazetteer]:
    if vocab is None:
        from plankg.vocab import vocabulary

        vocab = vocabulary()
    if gazetteer is None:
        from plankg.ingest.places import default_gazetteer

        gazetteer = default_gazetteer()
    return vocab, gazetteer


_ALIASES_BY_LEN: dict[int, tuple[str, ...]] = {}


def _aliases_by_len(vocab: Vocabulary) -> tuple[str, ...]:
    key = id(vocab.unit_aliases)
    if key not in _ALIASES_BY_LEN:
        _ALIASES_BY_LEN[key] = tuple(sorted(vocab.unit_aliases, key=len, reverse=True))
    return _ALIASES_BY_LEN[key]


def strip_open_list(name: str) -> tuple[str, bool]:
    """区交通局等 → (区交通局, True); a name that is only a suffix is left as it is."""
    for suffix in assignment_vocab().open_suffixes:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)], True
    return name, False


def _without_level(name: str) -> list[str]:
    av = assignment_vocab()
    out = [name]
    for p in av.level_prefixes:
        if name.startswith(p) and len(name) > len(p) + 1:
            out.append(name[len(p) :])
            break
    for p in av.collective_prefixes:
        if name.startswith(p) and len(name) > len(p) + 1:
            out.append(name[len(p) :])
            break
    return out


def _candidates(name: str, gazetteer: Gazetteer) -> list[str]:
    """Forms of `name` to look up, from the most literal to the most stripped."""
    forms = [name]
    mentions = [m for m in gazetteer.find(name) if m.row.type in _ADMIN_PLACE_TYPES]
    # administrative names that open the name: 重庆市永川区发展改革委 → 发展改革委
    pos = 0
    for m in mentions:
        if m.start != pos:
            break
        pos = m.end
    if 0 < pos < len(name):
        forms.append(name[pos:])
    # place names embedded anywhere: 国网永川供电分公司 → 国网供电分公司
    if mentions:
        kept, last = [], 0
        for m in mentions:
            kept.append(name[last : m.start])
            last = m.end
        kept.append(name[last:])
        embedded = "".join(kept)
        if embedded and embedded not in forms:
            forms.append(embedded)
    out: list[str] = []
    for form in forms:
        for f in _without_level(form):
            if f and f not in out:
                out.append(f)
    return out


# canonical_unit's answers per (vocabulary, gazetteer): the same few hundred names recur in every
# plan. Kept with the objects themselves, so that an id reused by a new object is not mistaken.
_CANONICAL: dict[tuple[int, int], tuple[Vocabulary, Gazetteer, dict[str, tuple[str, str]]]] = {}
_CANONICAL_MAX = 100_000


def canonical_unit(
    name: str, vocab: Vocabulary | None = None, gazetteer: Gazetteer | None = None
) -> tuple[str, str]:
    """(canonical name, unit-type local name) for a printed unit name (see `_canonical_unit`)."""
    vocab, gazetteer = _defaults(vocab, gazetteer)
    entry = _CANONICAL.get((id(vocab), id(gazetteer)))
    if entry is None or entry[0] is not vocab or entry[1] is not gazetteer:
        entry = _CANONICAL[(id(vocab), id(gazetteer))] = (vocab, gazetteer, {})
    memo = entry[2]
    hit = memo.get(name)
    if hit is None:
        if len(memo) >= _CANONICAL_MAX:
            memo.clear()
        hit = memo[name] = _canonical_unit(name, vocab, gazetteer)
    return hit


def _canonical_unit(name: str, vocab: Vocabulary, gazetteer: Gazetteer) -> tuple[str, str]:
    """(canonical name, unit-type local name) for a printed unit name.

    区发展改革委 and 重庆市永川区发展和改革委员会 → ("发展和改革委员会", "developmentReform");
    国网永川供电分公司 → ("国网供电公司", "company"); 各镇街 → ("镇街", "townStreet").
    A name ending in a known alias after a short proper name keeps that name (凤凰湖产业促进中心,
    何埂镇政府 → 何埂镇人民政府). Unknown names give ("", "other") unless a generic suffix of
    `data/assignment-vocab.txt` types them, in which case the stripped name is the canonical one.
    """
    n = "".join(ch for ch in name if ch not in _WHITESPACE)
    n, _ = strip_open_list(n)
    if not n:
        return "", "other"
    av = assignment_vocab()
    aliases = vocab.unit_aliases
    forms = _candidates(n, gazetteer)
    variants = [
        f[: -len(old)] + new
        for f in forms
        for old, new in av.suffix_variants
        if f.endswith(old) and len(f) > len(old) + 1
    ]
    for form in (*forms, *variants):
        hit = aliases.get(form)
        if hit is not None:
            return hit.canonical, hit.unit_type
    base = forms[-1]
    collective = any(n.startswith(p) or base.startswith(p) for p in av.collective_prefixes)
    for alias in _aliases_by_len(vocab):
        remainder = base[: -len(alias)]
        if (
            len(alias) >= 3
            and base.endswith(alias)
            and len(remainder) <= _SUFFIX_REMAINDER
            and not av.not_in_proper_name.intersection(remainder)
        ):
            hit = aliases[alias]
            if collective:
                return hit.canonical, hit.unit_type
            return base[: -len(alias)] + hit.canonical, hit.unit_type
    for suffix, unit_type in av.type_suffixes:
        if base.endswith(suffix):
            return base, unit_type
    return "", "other"


def is_known_unit(
    name: str, vocab: Vocabulary | None = None, gazetteer: Gazetteer | None = None
) -> bool:
    """Does `name` canonicalise to a known unit (an alias or a typed suffix)?"""
    canonical, _ = canonical_unit(name, vocab, gazetteer)
    return bool(canonical)


# --------------------------------------------------------------------------------------------
# Lists of units


Chars = Sequence[tuple[str, int]]  # (character, offset in the cleaned text), whitespace removed


def _chars(text: str, start: int) -> list[tuple[str, int]]:
    return [(ch, start + i) for i, ch in enumerate(text) if ch not in _WHITESPACE]


def _split_list(chars: Chars) -> list[list[tuple[str, int]]]:
    """Split at list separators outside brackets."""
    seps = assignment_vocab().separators
    tokens: list[list[tuple[str, int]]] = [[]]
    depth = 0
    for ch, pos in chars:
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(depth - 1, 0)
        if depth == 0 and ch in seps:
            tokens.append([])
        else:
            tokens[-1].append((ch, pos))
    return [t for t in tokens if t]


def _split_joined(
    token: list[tuple[str, int]], vocab: Vocabulary, gazetteer: Gazetteer
) -> list[list[tuple[str, int]]]:
    """Split names printed one per line in a cell and joined without a separator
    (区能源局区生态环境局 → 区能源局 | 区生态环境局), only when every part is a known unit."""
    text = "".join(ch for ch, _ in token)
    if len(text) < 6 or is_known_unit(text, vocab, gazetteer):
        return [token]

    @cache
    def parts(i: int) -> tuple[int, ...] | None:
        if i == len(text):
            return ()
        for j in range(len(text), i + 2, -1):
            if j - i > _MAX_UNIT_LEN:
                continue
            piece = text[i:j]
            if (j == len(text) and i == 0) or not is_known_unit(piece, vocab, gazetteer):
                continue
            rest = parts(j)
            if rest is not None:
                return (j, *rest)
        return None

    cuts = parts(0)
    if not cuts or len(cuts) < 2:
        return [token]
    out, last = [], 0
    for cut in cuts:
        out.append(token[last:cut])
        last = cut
    return out


def _is_name(text: str) -> bool:
    return (
        2 <= len(text) <= _MAX_UNIT_LEN and not _NOT_A_NAME.search(text) and bool(_CJK.search(text))
    )


def _strip_lead_mark(token: list[tuple[str, int]]) -> tuple[list[tuple[str, int]], bool]:
    """区发展改革委（牵头） → (区发展改革委, True)."""
    text = "".join(ch for ch, _ in token)
    for mark in assignment_vocab().lead_marks:
        if text.endswith(mark) and len(text) > len(mark):
            return token[: len(text) - len(mark)], True
    return token, False


def _parse_chars(
    chars: Chars,
    role: str,
    seg: Segment,
    doc_text: str,
    vocab: Vocabulary | None = None,
    gazetteer: Gazetteer | None = None,
    marked: set[int] | None = None,
) -> list[UnitMention]:
    """The units of a printed list; units marked （牵头） get the lead role and their start in
    `marked`, so that the label's role does not override it."""
    vocab, gazetteer = _defaults(vocab, gazetteer)
    av = assignment_vocab()
    tokens = _split_list(chars)
    lead_at: set[int] = set()
    for k, token in enumerate(tokens):
        stripped, is_lead = _strip_lead_mark(token)
        if is_lead:
            tokens[k] = stripped
            lead_at.add(stripped[0][1] if stripped[0][1] >= 0 else -1 - k)
    open_list = False
    if tokens:
        last = "".join(ch for ch, _ in tokens[-1])
        stripped, open_list = strip_open_list(last)
        if open_list:
            tokens[-1] = tokens[-1][: len(stripped)]
    found: list[tuple[str, int, int]] = []
    for token in tokens:
        text = "".join(ch for ch, _ in token)
        if text in av.none_values or not text.strip("—-－/／ "):
            continue
        for part in _split_joined(token, vocab, gazetteer):
            name = "".join(ch for ch, _ in part)
            name, _ = strip_open_list(name)
            if not _is_name(name):
                continue
            found.append((name, part[0][1], part[len(name) - 1][1] + 1))
    out: list[UnitMention] = []
    for name, s, e in found:
        if s < 0:  # characters not located in the text: the whole segment is the span
            s, e = seg.start, seg.end
        canonical, unit_type = canonical_unit(name, vocab, gazetteer)
        is_lead = s in lead_at
        if is_lead and marked is not None:
            marked.add(s)
        out.append(
            UnitMention(
                name,
                canonical,
                unit_type,
                "lead" if is_lead else role,
                open_list,
                Source.span(doc_text, seg, s, e),
            )
        )
    return out


def parse_unit_list(
    text: str, start: int, role: str, seg: Segment, doc_text: str
) -> list[UnitMention]:
    """The units of a printed list `text`, which begins at offset `start` of `doc_text`.

    Splits at 、，,；;/ (outside brackets); line breaks inside a name are dropped (区住房城乡\\n建委),
    names printed one per line and joined without a separator are split when every part is a
    known unit; "/" or "—" alone means no unit; a trailing 等 marks every unit of the list as an
    open list. Each unit's source span runs from its first to its last printed character.
    """
    return _parse_chars(_chars(text, start), role, seg, doc_text)


# --------------------------------------------------------------------------------------------
# Inline assignments


def _label_at(text: str, i: int, labels: tuple[str, ...]) -> tuple[str, int] | None:
    """The role label at text[i:] followed by a colon: (label, index after the colon). A label
    broken over lines (牵\n头单位：) is still the label."""
    for label in labels:
        j = _match_spaced(text, i, label)
        if j is not None:
            while j < len(text) and text[j] in _WHITESPACE:
                j += 1
            if j < len(text) and text[j] in _COLONS:
                return label, j + 1
    return None


def _match_spaced(text: str, i: int, word: str) -> int | None:
    """The index after `word` printed at text[i:] with line breaks or spaces inside it."""
    j = i
    for k, ch in enumerate(word):
        if k:
            while j < len(text) and text[j] in _WHITESPACE:
                j += 1
        if j >= len(text) or text[j] != ch:
            return None
        j += 1
    return j


def _skip_space(text: str, i: int) -> int:
    while i < len(text) and text[i] in _WHITESPACE:
        i += 1
    return i


def _close_of(text: str, open_at: int) -> int | None:
    depth = 0
    for k in range(open_at, min(len(text), open_at + _MAX_ASSIGNMENT)):
        ch = text[k]
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth -= 1
            if depth == 0:
                return k
    return None


@dataclass(frozen=True)
class _Group:
    label: str | None  # None: a list continuing the previous label (…；四川省能源局、…)
    start: int  # span of the list (after the colon) in the document
    end: int


_FIELD = re.compile(r"[\u4e00-\u9fff]{2,6}[：:]")  # 完成期限：, 完成时限： a field of another kind


def _groups(text: str, lo: int, hi: int, labels: tuple[str, ...]) -> list[_Group | str]:
    """Split an assignment body at top-level ；/; (or at ，/, before a label or another field,
    完成期限：…) into labelled lists, continuation lists and notes (returned as plain strings;
    a field that is no role label is a note)."""
    out: list[_Group | str] = []
    depth, seg_start = 0, lo
    bounds: list[tuple[int, int]] = []
    fields: set[int] = set()  # starts of parts opened by ，完成期限：…
    for k in range(lo, hi):
        ch = text[k]
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(depth - 1, 0)
        elif depth == 0 and ch in "，," and _label_at(text, _skip_space(text, k + 1), labels):
            bounds.append((seg_start, k))
            seg_start = k + 1
        elif depth == 0 and ch in "，," and _FIELD.match(text, _skip_space(text, k + 1)):
            bounds.append((seg_start, k))
            seg_start = k + 1
            fields.add(_skip_space(text, seg_start))
        elif depth == 0 and ch in "；;":
            bounds.append((seg_start, k))
            seg_start = k + 1
    bounds.append((seg_start, hi))
    av = assignment_vocab()
    for s, e in bounds:
        while s < e and text[s] in _WHITESPACE:
            s += 1
        if s >= e:
            continue
        hit = _label_at(text, s, labels)
        if hit is not None:
            out.append(_Group(hit[0], hit[1], e))
            continue
        body = text[s:e]
        if (
            any(c in body for c in av.first_listed_lead)
            or any(body.strip() == w for w in av.same_below)
            or s in fields
        ):
            out.append(body)
        else:
            out.append(_Group(None, s, e))
    return out


def _innermost(root: Segment, pos: int) -> Segment:
    """The deepest segment (not a paragraph) whose span holds `pos`."""
    best = root
    node = root
    while True:
        child = next((c for c in node.children if c.start <= pos < c.end), None)
        if child is None:
            return best
        node = child
        if child.kind != "paragraph":
            best = child


def _assign_roles(
    lists: list[tuple[str, list[UnitMention]]],
    first_lead: bool,
    marked: set[int] | None = None,
    tailed: dict[int, str] | None = None,
) -> list[UnitMention]:
    """Give each list its role: the label's role, its role-when-alone when no lead label stands
    beside it, lead for a unit marked （牵头）, the role of a tail that closes the unit's part of
    the list (`tailed`: …、省监测中心牵头，财审处配合), and lead for the first unit of each list
    under the first-listed rule."""
    av = assignment_vocab()
    marked = marked or set()
    tailed = tailed or {}
    has_lead = (
        bool(marked)
        or "lead" in tailed.values()
        or any(av.roles[label][0] == "lead" for label, _ in lists)
    )
    out: list[UnitMention] = []
    for label, units in lists:
        role, alone = av.roles[label]
        base = role if has_lead else alone
        for k, unit in enumerate(units):
            if unit.source.start in marked:
                r = "lead"
            elif unit.source.start in tailed:
                r = tailed[unit.source.start]
            elif first_lead:
                r = "lead" if k == 0 else (role if role != "lead" else "responsible")
            else:
                r = base
            out.append(replace(unit, role=r))
    return out


def _split_at(chars: Chars, seps: str, keep: bool = False) -> list[list[tuple[str, int]]]:
    """`chars` split at the separators `seps` outside brackets; with `keep`, each separator
    stays at the end of the part it closes."""
    parts: list[list[tuple[str, int]]] = [[]]
    depth = 0
    for ch, pos in chars:
        depth += ch in _OPEN
        depth = max(depth - (ch in _CLOSE), 0)
        if depth == 0 and ch in seps:
            if keep:
                parts[-1].append((ch, pos))
            parts.append([])
        else:
            parts[-1].append((ch, pos))
    return parts


def _tailed_parts(chars: Chars) -> list[tuple[Chars, str | None]]:
    """A labelled list split at ，/； (outside brackets) where a part ends with a role tail
    (责任部门：监测处、省监测中心牵头，财审处配合; …，各县区政府按职责分工负责): each part without its
    tail, with the tail's role (None for a part without one, which keeps the label's role)."""
    av = assignment_vocab()
    out: list[tuple[Chars, str | None]] = []
    # each separator kept at its part's end: the list's own separators still split it
    for part in _split_at(chars, _TAIL_PARTS, keep=True):
        body = [(ch, pos) for ch, pos in part if ch not in _WHITESPACE]
        while body and body[-1][0] in _TAIL_PARTS + "。":
            body.pop()
        text = "".join(ch for ch, _ in body)
        tail = next(((t, r) for t, r in av.role_tails if text.endswith(t)), None)
        if tail is None or len(text) <= len(tail[0]):
            out.append((part, None))
        else:
            out.append((body[: len(text) - len(tail[0])], tail[1]))
    return out


def inline_assignments(doc_text: str, root: Segment) -> Iterator[tuple[Segment, list[UnitMention]]]:
    """Inline assignments in `doc_text`, each with the innermost segment that holds it."""
    av = assignment_vocab()
    labels = av.labels
    rule_for_rest = False
    i = 0
    n = len(doc_text)
    while i < n:
        ch = doc_text[i]
        body: tuple[int, int] | None = None
        if ch in _OPEN:
            j = i + 1
            while j < n and doc_text[j] in _WHITESPACE:
                j += 1
            if _label_at(doc_text, j, labels) is not None:
                close = _close_of(doc_text, i)
                if close is not None:
                    body = (j, close)
        elif (i == 0 or doc_text[i - 1] == "\n") and _label_at(doc_text, i, labels) is not None:
            eol = doc_text.find("\n", i)
            body = (i, n if eol < 0 else eol)
        if body is None:
            i += 1
            continue
        groups = _groups(doc_text, body[0], body[1], labels)
        notes = [g for g in groups if isinstance(g, str)]
        first_lead = rule_for_rest or any(
            any(c in note for c in av.first_listed_lead) for note in notes
        )
        if first_lead and any(any(w in note for w in av.same_below) for note in notes):
            rule_for_rest = True
        seg = _innermost(root, i)
        lists: list[tuple[str, list[UnitMention]]] = []
        marked: set[int] = set()
        tailed: dict[int, str] = {}
        current: str | None = None
        for g in groups:
            if isinstance(g, str):
                continue
            label = g.label or current
            if label is None:
                continue
            current = label
            role = av.roles[label][0]
            for part, tail_role in _tailed_parts(_chars(doc_text[g.start : g.end], g.start)):
                units = _parse_chars(part, tail_role or role, seg, doc_text, marked=marked)
                if tail_role:
                    tailed.update((u.source.start, tail_role) for u in units)
                lists.append((label, units))
        units = _assign_roles(lists, first_lead, marked, tailed)
        if units:
            yield seg, units
        i = body[1] + 1


# --------------------------------------------------------------------------------------------
# Role tails: 市发展改革委牵头，市经信局、市财政局等按职责分工负责


_TAIL_PARTS = "，,；;"


def _tail_units(doc_text: str, lo: int, hi: int, seg: Segment) -> list[UnitMention]:
    """The units of doc_text[lo:hi] when it consists only of unit lists each closed by a role
    tail (牵头, 配合, 按职责分工负责); [] otherwise, so that ordinary prose never matches."""
    av = assignment_vocab()
    vocab, gazetteer = _defaults(None, None)
    chars = _chars(doc_text[lo:hi], lo)
    while chars and chars[-1][0] in "。；;，,":
        chars.pop()
    out: list[UnitMention] = []
    for part in _split_at(chars, _TAIL_PARTS):
        text = "".join(ch for ch, _ in part)
        if text.startswith("由"):
            part, text = part[1:], text[1:]
        tail = next(((t, r) for t, r in av.role_tails if text.endswith(t)), None)
        if tail is None or len(text) <= len(tail[0]):
            return []
        body = part[: len(text) - len(tail[0])]
        units = _parse_chars(body, tail[1], seg, doc_text, vocab, gazetteer)
        names = [t for t in _split_list(body)]
        if (
            not units
            or len(units) != len(names)
            or not all(is_known_unit(u.name_as_printed, vocab, gazetteer) for u in units)
        ):
            return []
        out.extend(units)
    return out


def tail_assignments(doc_text: str, root: Segment) -> Iterator[tuple[Segment, list[UnitMention]]]:
    """Assignments printed without a label: a bracket or a sentence that holds nothing but units
    and role tails （市发展改革委牵头，市经信局等按职责分工负责）."""
    labels = assignment_vocab().labels
    n = len(doc_text)
    i = 0
    while i < n:
        ch = doc_text[i]
        if ch in _OPEN:
            close = _close_of(doc_text, i)
            if (
                close is not None
                and _label_at(doc_text, _skip_space(doc_text, i + 1), labels) is None
            ):
                units = _tail_units(doc_text, i + 1, close, _innermost(root, i))
                if units:
                    yield _innermost(root, i), units
                    i = close + 1
                    continue
        if ch in "。！？" or i == 0:
            start = i + 1 if ch in "。！？" else i
            end = start
            while end < n and doc_text[end] not in "。！？" and end - start < _MAX_ASSIGNMENT:
                if doc_text[end] in _OPEN:  # brackets are read on their own
                    break
                end += 1
            if end < n and doc_text[end] in "。！？" and end > start:
                units = _tail_units(doc_text, start, end, _innermost(root, start))
                if units:
                    yield _innermost(root, start), units
        i += 1


_LEAD_IN_SENTENCE = re.compile(r"牵\s*头")
_CLAUSE_STOP = "，,。；;：:！？（(）)"


def sentence_leads(doc_text: str, root: Segment) -> Iterator[tuple[Segment, list[UnitMention]]]:
    """Leads stated in a sentence, without a tag: 由市发改委、市统计局牵头负责…, …之前，
    市生态环境局、市发改委牵头组建…. The clause before 牵头 must be nothing but known units."""
    vocab, gazetteer = _defaults(None, None)
    for m in _LEAD_IN_SENTENCE.finditer(doc_text):
        j = m.start()
        while j > 0 and doc_text[j - 1] not in _CLAUSE_STOP and m.start() - j < _MAX_UNIT_LEN * 3:
            j -= 1
        chars = _chars(doc_text[j : m.start()], j)
        if chars and chars[0][0] == "由":
            chars = chars[1:]
        if not chars:
            continue
        seg = _innermost(root, m.start())
        units = _parse_chars(chars, "lead", seg, doc_text, vocab, gazetteer)
        if (
            units
            and len(units) == len(_split_list(chars))
            and all(is_known_unit(u.name_as_printed, vocab, gazetteer) for u in units)
        ):
            yield seg, units


# --------------------------------------------------------------------------------------------
# Table columns


def _column_label(column: str, labels: tuple[str, ...]) -> str | None:
    compact = "".join(ch for ch in column if ch not in _WHITESPACE)
    return next((label for label in labels if label in compact and len(label) >= 4), None)


@lru_cache(maxsize=4)  # every cell of a row searches the same span: build it once per row
def _span_chars(doc_text: str, lo: int, hi: int) -> tuple[list[tuple[str, int]], str, list[int]]:
    chars = _chars(doc_text[lo:hi], lo)
    return chars, "".join(ch for ch, _ in chars), [pos for _, pos in chars]


def _locate(doc_text: str, lo: int, hi: int, needle: str, cursor: int) -> list[tuple[str, int]]:
    """The characters of `needle` (whitespace ignored) in doc_text[lo:hi], searching from
    `cursor` first; [] when it is not printed contiguously there."""
    chars, hay, positions = _span_chars(doc_text, lo, hi)
    target = "".join(ch for ch in needle if ch not in _WHITESPACE)
    if not target:
        return []
    from_k = bisect.bisect_left(positions, cursor)
    k = hay.find(target, from_k)
    if k < 0:
        k = hay.find(target)
    if k < 0:
        return []
    return chars[k : k + len(target)]


def _table_rows(doc_text: str, table: Segment) -> dict[int, dict[str, tuple[tuple[int, int], ...]]]:
    """Printed pieces of every cell, by row start, from re-reading the table."""
    from plankg.ingest.tables import looks_like_header, parse_table

    pos = table.start
    while pos < table.end:
        eol = doc_text.find("\n", pos)
        eol = table.end if eol < 0 or eol > table.end else eol
        if looks_like_header(doc_text[pos:eol]):
            parsed = parse_table(doc_text, pos, table.end)
            if parsed is None:
                return {}
            return {row.start: row.pieces for row in parsed.rows}
        pos = eol + 1
    return {}


def table_assignments(doc_text: str, table: Segment) -> Iterator[tuple[Segment, list[UnitMention]]]:
    """Units named in the role columns of `table`, row by row."""
    av = assignment_vocab()
    columns = {c: lab for c in table.columns if (lab := _column_label(c, av.labels))}
    if not columns:
        return
    pieces_by_row: dict[int, dict[str, tuple[tuple[int, int], ...]]] | None = None
    for row in table.children:
        if row.kind != "row" or not row.cells:
            continue
        lists: list[tuple[str, list[UnitMention]]] = []
        marked: set[int] = set()
        cursor = row.start
        for col in table.columns:  # long text cells first move the cursor past them
            value = row.cells.get(col, "")
            if col not in columns and len(value) >= 8:
                hit = _locate(doc_text, row.start, row.end, value, cursor)
                if hit:
                    cursor = max(cursor, hit[-1][1] + 1)
        for col, label in columns.items():
            value = row.cells.get(col, "")
            if not value.strip():
                continue
            role = av.roles[label][0]
            if pieces_by_row is None:
                pieces_by_row = _table_rows(doc_text, table)
            pieces = pieces_by_row.get(row.start, {}).get(col)
            chars: list[tuple[str, int]] = []
            if pieces:
                for s, e in pieces:
                    chars.extend(_chars(doc_text[s:e], s))
            if "".join(ch for ch, _ in chars) != "".join(
                ch for ch in value if ch not in _WHITESPACE
            ):
                chars = _locate(doc_text, row.start, row.end, value, cursor)
            if chars:
                cursor = max(cursor, chars[-1][1] + 1)
            else:  # not printed contiguously: the units get the row's span
                chars = [(ch, -1) for ch in value if ch not in _WHITESPACE]
            lists.append((label, _parse_chars(chars, role, row, doc_text, marked=marked)))
        units = _assign_roles(lists, first_lead=False, marked=marked)
        if units:
            yield row, units


# --------------------------------------------------------------------------------------------
# Public entry point


def extract_assignments(doc: Document) -> Iterator[tuple[Segment, list[UnitMention]]]:
    """Every assignment of units to a segment: inline ones (at the end of items) and the role
    columns of tables (task tables, indicator tables' 责任单位, project tables' 牵头部门), in
    document order of their segments."""
    found: list[tuple[Segment, list[UnitMention]]] = list(inline_assignments(doc.text, doc.outline))
    found.extend(tail_assignments(doc.text, doc.outline))
    # a lead named in a sentence counts only where no tag names the units of the segment
    tagged = {(seg.kind, seg.start) for seg, _ in found}
    tag_spans = [(u.source.start, u.source.end) for _, us in found for u in us]
    found.extend(
        (seg, units)
        for seg, units in sentence_leads(doc.text, doc.outline)
        if (seg.kind, seg.start) not in tagged
        and not any(s <= units[0].source.start < e for s, e in tag_spans)
    )
    for seg in doc.outline.walk():
        if seg.kind == "table" and seg.columns:
            found.extend(table_assignments(doc.text, seg))
    found.sort(key=lambda p: p[1][0].source.start if p[1] else p[0].start)
    yield from found


@dataclass(frozen=True)
class TaskAssignment:
    """The units of one tag with the span of text it closes: from the end of the previous tag
    in the same segment (or the segment's start) to the tag. A paragraph with three
    （责任部门：…） tags holds three tasks, each with its own units; a table row is one task."""

    segment: Segment
    start: int
    end: int
    units: tuple[UnitMention, ...]


def _closing_parents(root: Segment, tagged: set[tuple[str, int]]) -> dict[tuple[str, int], Segment]:
    """Items whose tag stands at the end of their last sub-item, no other sub-item carrying one:
    （三）对建设充电设施项目的… （1）… （2）…（责任单位：…） closes （三）, not (2)."""
    out: dict[tuple[str, int], Segment] = {}

    def visit(seg: Segment) -> None:
        items = [c for c in seg.children if c.kind != "paragraph"]
        if (
            seg.kind == "item"
            and items
            and (items[-1].kind, items[-1].start) in tagged
            and not any((c.kind, c.start) in tagged for c in items[:-1])
        ):
            out[(items[-1].kind, items[-1].start)] = seg
        for child in seg.children:
            visit(child)

    visit(root)
    return out


def task_assignments(doc: Document) -> list[TaskAssignment]:
    """Every tag of `doc` as a task with its own units (see `TaskAssignment`)."""
    out: list[TaskAssignment] = []
    last_end: dict[tuple[str, int], int] = {}
    found = list(extract_assignments(doc))
    counts: dict[tuple[str, int], int] = {}
    for seg, _ in found:
        counts[(seg.kind, seg.start)] = counts.get((seg.kind, seg.start), 0) + 1
    single = {k for k, n in counts.items() if n == 1}
    parents: dict[tuple[str, int], Segment] = {}
    for _ in range(_MAX_CLIMB):  # （三） > 2. > （3）（责任单位：…）: up as far as it closes
        step = _closing_parents(doc.outline, single)
        new = {k: v for k, v in step.items() if k not in parents}
        if not new:
            break
        parents.update(new)
        single |= {(v.kind, v.start) for v in new.values()}
    for seg, units in found:
        while (seg.kind, seg.start) in parents:
            seg = parents[(seg.kind, seg.start)]
        if not units:
            continue
        hi = max(u.source.end for u in units)
        if seg.kind == "row":
            out.append(TaskAssignment(seg, seg.start, seg.end, tuple(units)))
            continue
        key = (seg.kind, seg.start)
        start = max(seg.start, last_end.get(key, seg.start))
        out.append(TaskAssignment(seg, start, hi, tuple(units)))
        close = hi
        while close < seg.end and doc.text[close] not in _CLOSE and close - hi < 40:
            close += 1
        last_end[key] = close + 1
    return out
