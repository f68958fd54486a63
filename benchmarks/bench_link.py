"""Linking time as the number of measures grows, on a synthetic corpus made from the real plans.

The five district plans (data/plans) and the two parent plans (../shared/parents) are ingested
once. Each scale ×N then holds N copies of the three districts: copy c is the district plans'
N-Triples with the plan slugs, district and unit IRIs and the districts' names (in every literal,
quotes included) replaced, so that each copy is three further districts whose texts are the real
ones with other names, all implementing the same two parent plans (which are not copied). Writing
the copies' RDF directly keeps the set-up cheap; linking then runs on the store as `plankg link`
would. Not a test: it prints a table and the growth exponent (slope of log time against log
measures; 1 is linear) and never fails.

    .venv/bin/python benchmarks/bench_link.py [--scales 1 10 30] [--budget 900]

A scale is skipped when the time of the previous one, extrapolated linearly, would exceed the
budget in seconds.
"""

from __future__ import annotations

import argparse
import itertools
import math
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PLANS = ROOT / "data" / "plans"
PARENTS = ROOT.parent / "shared" / "parents"
_FIRST = "安宁平和兴宝康泰丰华德顺嘉福盛祥瑞新清广"
_SECOND = "川江山河溪湖峰源林阳"


def _name(c: int, k: int) -> str:
    """A two-character district name, different for every copy c and district k."""
    n = c * 3 + k
    return (
        _FIRST[n % len(_FIRST)]
        + _SECOND[(n // len(_FIRST)) % len(_SECOND)]
        + (_FIRST[n // (len(_FIRST) * len(_SECOND))] if n >= len(_FIRST) * len(_SECOND) else "")
    )


def _base_store(path: Path):
    """The real plans and parents, ingested once; returns the store, district graphs and names."""
    from plankg.ingest.pipeline import ingest
    from plankg.query import run_sparql
    from plankg.store import open_store

    store = open_store(path)
    report = ingest([*sorted(PLANS.glob("*.txt")), *sorted(PARENTS.glob("*.txt"))], store, jobs=2)
    if not report.ok:
        raise RuntimeError(report.errors)
    rows = run_sparql(
        store,
        """
        SELECT DISTINCT ?g ?plan ?district ?name WHERE {
          GRAPH ?g { ?plan a pk:Plan ; pk:district ?district }
          ?district rdfs:label ?l . FILTER(LANG(?l) = "zh") BIND(STR(?l) AS ?name) }""",
    )[1]
    return store, rows


def _copies(store, rows: list[dict[str, str | None]], copies: int) -> Iterator[tuple[str, str]]:
    """(graph, N-Triples) of the district plans under `copies` - 1 new sets of district names."""
    import pyoxigraph as ox

    from plankg.ingest.places import default_gazetteer

    gazetteer = default_gazetteer()
    districts = sorted({r["name"] or "" for r in rows})
    short = {d: (gazetteer.get(d).short_name or d) if gazetteer.get(d) else d for d in districts}
    texts = {
        r["g"] or "": store.dump(
            format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(r["g"] or "")
        ).decode("utf-8")
        for r in rows
    }
    for c in range(1, copies):
        names = {d: _name(c, k) for k, d in enumerate(districts)}
        for r in rows:
            graph, plan, district = r["g"] or "", r["plan"] or "", r["district"] or ""
            text = texts[graph].replace(plan, f"{plan}-c{c}").replace(district, f"{district}-c{c}")
            key = district.rsplit("/", 1)[-1]
            text = text.replace(f"/unit/{key}/", f"/unit/{key}-c{c}/")
            for d in districts:
                text = text.replace(d, names[d] + "区").replace(short[d], names[d])
            yield f"{graph}-c{c}", text


def _measure(scale: int, base: Path, rows_cache: list) -> dict[str, float]:
    from plankg.link import link_store
    from plankg.store import open_store, replace_graphs

    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "store"
        import shutil

        shutil.copytree(base, copy)
        store = open_store(copy)
        started = time.perf_counter()
        for graph, text in _copies(store, rows_cache, scale):  # one graph per update: cheaper
            replace_graphs(store, {graph: text})
        setup = time.perf_counter() - started
        started = time.perf_counter()
        report = link_store(store)
        seconds = time.perf_counter() - started
        del store
    return {
        "scale": scale,
        "measures": report.measures,
        "links": report.total,
        "seconds": seconds,
        "setup": setup,
        **{f"t_{k}": v for k, v in report.timings.items()},
        "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _slope(xs: list[float], ys: list[float]) -> float:
    lx, ly = [math.log(x) for x in xs], [math.log(y) for y in ys]
    mx, my = sum(lx) / len(lx), sum(ly) / len(ly)
    num = sum((a - mx) * (b - my) for a, b in zip(lx, ly, strict=True))
    den = sum((a - mx) ** 2 for a in lx)
    return num / den if den else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 10, 30])
    parser.add_argument(
        "--budget",
        type=float,
        default=900.0,
        help="skip a scale whose extrapolated linking time exceeds this (s)",
    )
    args = parser.parse_args()

    from plankg.link import tokens

    tokens("预热词典")  # jieba's dictionary load is paid once, outside the timings
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "base"
        store, rows = _base_store(base)
        del store
        results: list[dict[str, float]] = []
        for scale in sorted(args.scales):
            if results:
                last = results[-1]
                predicted = last["seconds"] * scale / last["scale"]
                if predicted > args.budget:
                    print(
                        f"×{scale}: skipped (about {predicted:.0f} s predicted, budget "
                        f"{args.budget:.0f} s)"
                    )
                    continue
            r = _measure(scale, base, rows)
            results.append(r)
            print(
                f"×{scale:<4} {int(r['measures']):>6} measures  {int(r['links']):>6} links  "
                f"link {r['seconds']:7.2f} s  ({1000 * r['seconds'] / r['measures']:.2f} ms "
                f"per measure; read {r['t_read']:.2f}, features {r['t_features']:.2f}, "
                f"measures {r['t_measures']:.2f}, write {r['t_write']:.2f})  "
                f"set-up {r['setup']:.1f} s  max RSS {r['max_rss_mb']:.0f} MB",
                flush=True,
            )
    for before, after in itertools.pairwise(results):
        k = _slope([before["measures"], after["measures"]], [before["seconds"], after["seconds"]])
        print(f"×{before['scale']:.0f} → ×{after['scale']:.0f}: k = {k:.2f}")
    if len(results) > 1:
        xs = [r["measures"] for r in results]
        print(
            f"growth exponent (link time ~ measures^k): k = "
            f"{_slope(xs, [r['seconds'] for r in results]):.2f}; "
            f"without reading and writing the store: k = "
            f"{_slope(xs, [r['seconds'] - r['t_read'] - r['t_write'] for r in results]):.2f}"
        )


if __name__ == "__main__":
    main()
