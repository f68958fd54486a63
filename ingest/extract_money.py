"""Amounts of money printed in a plan: investments, subsidies, awards (and their caps), funds.

Every amount printed with a money unit (元, 万元, 亿元, 万亿元) is read with its number exactly as
printed and converted to yuan with `Decimal` (no float anywhere), so 1.767亿元 is 176 700 000
yuan. A list that prints the unit once (30万、20万、10万元) gives each number the unit. What the
amount is for comes from the words before it in its clause (补贴 → subsidy, 奖励 → award, 投资 →
investment, 基金/资金 → fund, else other); 最高 / 不超过 make it a cap. A 万元 that is the
denominator of a per-unit indicator (万元工业增加值用水量, 吨标准煤/万元, 万元GDP能耗) is not money;
a rate (0.15元/千瓦时, 500元/吨标准煤) is money per that unit (`per`).
All the words live in `data/money-vocab.csv`.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib import resources

from plankg.ingest.document import Document
from plankg.ingest.records import MoneyAmount, Source
from plankg.ingest.segment import Segment

_FULLWIDTH = str.maketrans("０１２３４５６７８９．，", "0123456789.,")
_SPACE = set(" \t\n\r\u3000\xa0")
_CLAUSE = "，,；;。！？：:\n"
_LOOKBACK = 60  # characters of the clause read for the purpose
_AFTER = 20  # characters after an amount read for its purpose (给予15万元补贴)
_NUMBER = r"\d+(?:,\d{3})*(?:\.\d+)?"


@dataclass(frozen=True)
class MoneyVocab:
    units: dict[str, Decimal]
    purposes: tuple[tuple[str, str], ...]  # (word, purpose), longest first
    priority: dict[str, int]
    caps: tuple[str, ...]
    per_unit_after: tuple[str, ...]
    per_units: tuple[str, ...]  # denominators of rates (元/千瓦时), longest first
    thresholds: tuple[str, ...]  # words after an amount that make it a condition (（含）以上的)
    rate_words: tuple[str, ...]  # words naming a rate (补助标准): the amount keeps the rate's unit
    amount: re.Pattern[str]
    list_tail: re.Pattern[str]  # the rest of a list of amounts (或20万元、30万元)


@cache
def money_vocab() -> MoneyVocab:
    """The money vocabulary shipped in `data/money-vocab.csv`, loaded once per process."""
    text = (resources.files("plankg.data") / "money-vocab.csv").read_text(encoding="utf-8-sig")
    rows: dict[str, list[tuple[str, str]]] = {}
    for row in csv.DictReader(line for line in text.splitlines() if not line.startswith("#")):
        rows.setdefault(row["kind"].strip(), []).append(
            ((row["term"] or "").strip(), (row["value"] or "").strip())
        )
    units = {t: Decimal(v) for t, v in rows.get("unit", [])}
    unit_re = "|".join(re.escape(u) for u in sorted(units, key=len, reverse=True))
    # a number, optionally a list of numbers that share the unit printed after the last one
    amount = re.compile(
        rf"(?<![\d.])(?P<num>{_NUMBER})\s*(?P<unit>{unit_re}|万(?=\s*[、和及至到~～-]))"
    )
    return MoneyVocab(
        units=units,
        purposes=tuple(sorted(rows.get("purpose", []), key=lambda p: -len(p[0]))),
        priority={t: int(v) for t, v in rows.get("priority", [])},
        caps=tuple(t for t, _ in rows.get("cap", [])),
        per_unit_after=tuple(t for t, _ in rows.get("per_unit_after", [])),
        per_units=tuple(sorted((t for t, _ in rows.get("per_unit", [])), key=len, reverse=True)),
        thresholds=tuple(t for t, _ in rows.get("threshold_after", [])),
        rate_words=tuple(t for t, _ in rows.get("rate_word", [])),
        amount=amount,
        list_tail=re.compile(rf"(?:[、，,或和及与至到~～-]{{1,2}}{_NUMBER}(?:{unit_re}|万)?)*"),
    )


def to_yuan(number: str, unit: str) -> Decimal | None:
    """The exact amount in yuan of a printed number and money unit (1.767, 亿元 → 176700000)."""
    vocab = money_vocab()
    try:
        value = Decimal(number.translate(_FULLWIDTH).replace(",", ""))
    except InvalidOperation:
        return None
    factor = vocab.units.get(unit)
    return None if factor is None else value * factor


def _compact(text: str, start: int, end: int) -> tuple[str, list[int]]:
    """text[start:end] without whitespace (PDF lines break inside numbers and words), with the
    offset of every kept character."""
    chars, offsets = [], []
    for i in range(start, end):
        if text[i] not in _SPACE:
            chars.append(text[i].translate(_FULLWIDTH))
            offsets.append(i)
    return "".join(chars), offsets


def _purpose(before: str, vocab: MoneyVocab) -> str:
    """The purpose the words of `before` name. A word inside a longer one found first does not
    count (the 融资 of 融资担保 is no investment)."""
    found = []
    for word, purpose in vocab.purposes:  # longest first
        if word in before:
            found.append(purpose)
            before = before.replace(word, "\0")
    best = min(found, key=lambda p: vocab.priority.get(p, 99)) if found else "other"
    return "other" if best == "none" else best


def _purpose_right_after(view: str, end: int, vocab: MoneyVocab) -> str | None:
    """The purpose of a word printed right after an amount or the rest of its list (予以10万元
    或20万元补助): it names the amount more surely than the words of the clause before it."""
    tail = vocab.list_tail.match(view, end)
    rest = view[tail.end() if tail else end :]
    word = next((w for w, _ in vocab.purposes if rest.startswith(w)), None)
    return None if word is None else _purpose(word, vocab)


def _rate_before(view: str, start: int, vocab: MoneyVocab) -> str | None:
    """The unit of a rate printed before its amount: 每吨标准煤500元 is 500 元 per 吨标准煤."""
    return next(
        (u for u in vocab.per_units if view.endswith("每" + u, 0, start)),
        None,
    )


def money_in(text: str, start: int, end: int, segment_ref: object) -> Iterator[MoneyAmount]:
    """The amounts printed in text[start:end] (one segment's span)."""
    view, offsets = _compact(text, start, end)
    yield from _money_in_view(text, view, offsets, segment_ref)


def _money_in_view(
    text: str, view: str, offsets: list[int] | tuple[int, ...], segment_ref: object
) -> Iterator[MoneyAmount]:
    """The amounts in `view` (text without whitespace; offsets[i] is where view[i] is)."""
    from plankg.ingest.records import SegmentRef

    assert isinstance(segment_ref, SegmentRef)
    vocab = money_vocab()
    matches = list(vocab.amount.finditer(view))
    purposes: list[tuple[int, str]] = []  # (position, purpose) of the amounts read so far
    rates: list[tuple[int, str, str]] = []  # (position, unit, per) of the rates read so far
    for k, m in enumerate(matches):
        unit = m.group("unit")
        if unit == "万":  # 30万、20万、10万元: the unit printed after the last number
            later = next(
                (n.group("unit") for n in matches[k + 1 :] if n.group("unit") != "万"), None
            )
            if later is None or not later.startswith("万"):
                continue
            unit = later
        after = view[m.end() : m.end() + 8]
        before_unit = view[max(0, m.start() - 1) : m.start()]
        if after.startswith(vocab.per_unit_after) or before_unit in ("/", "每"):
            continue  # 万元工业增加值用水量, 吨标准煤/万元: the denominator of an indicator
        per = _rate_before(view, m.start(), vocab)
        if after.startswith("/"):  # 500元/吨标准煤, 0.15元/千瓦时: a rate per that unit
            per = next((u for u in vocab.per_units if after[1:].startswith(u)), None)
            if per is None:
                continue
        clause = m.start()
        while clause > 0 and view[clause - 1] not in _CLAUSE and m.start() - clause < _LOOKBACK:
            clause -= 1
        before = view[clause : m.start()]
        near = view[max(clause, matches[k - 1].end() if k else 0) : m.start()]
        purpose = _purpose_right_after(view, m.end(), vocab) or _purpose(near, vocab)
        # 中央资金317亿元、国内贷款投资262亿元: each its own
        if purpose == "other":  # 给予15万元补贴, 30万、20万、10万元活动经费补贴, 10元/吨予以补贴:
            tail = m.end()  # the words after the amount (and after the rest of its list)
            while tail < len(view) and view[tail] not in _CLAUSE and tail - m.end() < _AFTER:
                tail += 1
            purpose = _purpose(view[m.end() : tail], vocab)
        if purpose == "other":  # 分别给予补贴20万元、10万元: the list shares the clause's word
            purpose = _purpose(before, vocab)
        if purpose == "other":  # 每家企业最高50万元: the purpose of the sentence
            sentence = m.start()
            while (
                sentence > 0
                and view[sentence - 1] not in "。！？\n"
                and m.start() - sentence < _LOOKBACK * 2
            ):
                sentence -= 1
            if any(c in before for c in vocab.caps):
                purpose = _purpose(view[sentence : m.start()], vocab)
        sentence = m.start()
        while sentence > 0 and view[sentence - 1] not in "。！？\n；;":
            sentence -= 1
        earlier = [(pos, p) for pos, p in purposes if pos >= sentence]
        breakdown = view.rfind("其中", sentence, m.start())
        if breakdown >= 0:  # 林业投资992亿元，其中中央资金317亿元: parts of that investment
            whole = [p for pos, p in earlier if pos < breakdown]
            if whole:
                purpose = whole[-1]
        elif earlier and re.search(r"(?:较|比|与)[^，。；]*$", near):
            purpose = earlier[-1][1]  # 较“十二五”时期的200亿元: the same kind as the amount before
        if view.startswith(vocab.thresholds, m.end()):  # 投资额达500万元（含）以上的项目
            purpose = "other"  # a condition to qualify, not money spent or given
        purposes.append((m.start(), purpose))
        if per is None and any(w in before for w in vocab.rate_words):
            # 每吨标准煤900元…，2023年补助标准…（不超过900元）: the same rate, restated
            per = next((r for pos, u, r in reversed(rates) if pos >= sentence and u == unit), None)
        if per is not None:
            rates.append((m.start(), unit, per))
        cap = any(c in before for c in vocab.caps)  # 分别不超过500万元、300万元: every one
        yuan = to_yuan(m.group("num"), unit)
        if yuan is None:
            continue
        first = max(clause, matches[k - 1].end() if k else 0)
        while first < m.start() and view[first] in "、，和及与":
            first += 1
        s, e = offsets[first if first < m.start() else m.start()], offsets[m.end() - 1] + 1
        yield MoneyAmount(
            amount_yuan=yuan,
            value_as_printed=m.group("num"),
            unit_as_printed=unit,
            purpose=purpose,
            cap=cap,
            source=Source(segment_ref, s, e, text[s:e]),
            per=per,
        )


def extract_money(doc: Document) -> Iterator[MoneyAmount]:
    """Every amount of money in the plan, in document order: in prose (paragraphs joined where
    a PDF line break split a sentence, so that 给予创建单位 2 / 万元补贴 is one amount) and in the
    money columns of tables (投资（亿元）, a 单位：万元 caption)."""
    from plankg.ingest.extract_targets import _units, patterns
    from plankg.ingest.records import SegmentRef

    seen: set[tuple[int, int]] = set()
    found: list[MoneyAmount] = []
    for unit in _units(doc.outline, doc.text, patterns(), ()):
        found.extend(_money_in_view(doc.text, unit.view, unit.offsets, SegmentRef.of(unit.segment)))
    for seg in doc.outline.walk():
        if seg.kind == "table" and seg.columns:
            found.extend(_table_money(doc, seg))
    for amount in sorted(found, key=lambda a: a.source.start):
        key = (amount.source.start, amount.source.end)
        if key not in seen:
            seen.add(key)
            yield amount


_HEADER_UNIT = re.compile(r"(万亿元|亿元|万元|元)")
_CELL_NUMBER = re.compile(rf"^\s*(?P<num>{_NUMBER})\s*$")


def _table_money(doc: Document, table: Segment) -> Iterator[MoneyAmount]:
    """Amounts in the columns of a table whose header (or caption, 单位：亿元) prints the money
    unit: each plain number in such a column is an amount in that unit; the header says what
    for (投资 → investment, 补贴 → subsidy)."""
    from plankg.ingest.records import SegmentRef

    vocab = money_vocab()
    caption_unit = _HEADER_UNIT.search(re.sub(r"\s", "", table.heading or ""))
    columns = {}
    for c in table.columns:
        m = _HEADER_UNIT.search(re.sub(r"\s", "", c))
        if m and not any(w in c for w in vocab.per_unit_after):
            columns[c] = m.group(1)
        elif caption_unit and any(w in c for w, _ in vocab.purposes):
            columns[c] = caption_unit.group(1)
    if not columns:
        return
    for row in table.children:
        if row.kind != "row" or not row.cells:
            continue
        for column, unit in columns.items():
            cell = (row.cells.get(column) or "").translate(_FULLWIDTH)
            m = _CELL_NUMBER.match(cell)
            yuan = to_yuan(m.group("num"), unit) if m else None
            if yuan is None:
                continue
            number = m.group("num")  # type: ignore[union-attr]
            k = doc.text.find(number, row.start, row.end)
            s, e = (k, k + len(number)) if k >= 0 else (row.start, row.end)
            yield MoneyAmount(
                amount_yuan=yuan,
                value_as_printed=number,
                unit_as_printed=unit,
                purpose=_purpose(column, vocab),
                cap=any(c in column for c in vocab.caps),
                source=Source(SegmentRef.of(row), s, e, doc.text[s:e]),
            )


__all__ = ["MoneyVocab", "extract_money", "money_in", "money_vocab", "to_yuan"]
