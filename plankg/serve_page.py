"""The page `plankg serve` shows at `/`: YASGUI (the SPARQL editor and results browser of
@zazuko/yasgui, shipped in plankg/static/vendor/) pointed at this server's `/sparql`, with the
named queries in a list that opens each one in a tab of its own.

Everything the page needs comes from this server: the YASGUI bundle and its stylesheet from
`/static/…` (see `static_file`), the named queries embedded in the page as JSON. YASGUI's only
run-time fetches to the internet (class and property completion from Linked Open Vocabularies,
prefixes from prefix.cc, the DBpedia and Wikidata endpoints of its catalogue) are switched off
in its configuration below, so the page works offline.
"""

from __future__ import annotations

import html
import json
import re
from functools import lru_cache
from importlib import resources
from typing import Any

# Media types of the files the static route serves; any other suffix is not served.
STATIC_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".svg": "image/svg+xml",
    ".json": "application/json; charset=utf-8",
}
_SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,100}$")  # no "..", no hidden files
_MAX_DEPTH = 3

DEFAULT_QUERY = """SELECT ?plan ?title ?district WHERE {
  ?plan a pk:Plan ; dcterms:title ?title ; pk:district/rdfs:label ?district .
  FILTER (lang(?district) = "zh")
}
ORDER BY ?title"""


@lru_cache(maxsize=64)
def static_file(relative: str) -> tuple[bytes, str] | None:
    """A file under plankg/static/ and its media type, or None when `relative` names nothing
    there. Only plain path segments are accepted (letters, digits, `_ . -`, not starting with a
    dot), so `..`, absolute paths, backslashes and percent-escapes never reach the disk."""
    parts = relative.split("/")
    if not 1 <= len(parts) <= _MAX_DEPTH or not all(_SEGMENT.match(p) for p in parts):
        return None
    suffix = "." + parts[-1].rsplit(".", 1)[-1] if "." in parts[-1] else ""
    media = STATIC_TYPES.get(suffix)
    if media is None:
        return None
    node = resources.files("plankg") / "static"
    for part in parts:
        node = node / part
    if not node.is_file():
        return None
    return node.read_bytes(), media


def editor_text(query: dict[str, Any], prefixes: dict[str, str]) -> str:
    """A named query as it opens in a YASGUI tab: a note on where it runs with parameters, the
    PREFIX lines the server predeclares, so that YASGUI's syntax
    check and prefix folding see them, then its own text (with its `#+` header)."""
    names = "&".join(f"{p['name']}=…" for p in query["params"])
    lines = [
        f"# plankg named query {query['name']}: as a table at {query['url']}"
        + (f"?{names} (parameters unbound here: all rows)" if names else ""),
        f"# CSV for spreadsheets: {query['url']}?format=csv",
    ]
    if "#+ exclude:" in query["sparql"]:
        lines.append(
            f"# {query['url']} leaves out the rows its `#+ exclude` lines name "
            "(rejected links); run here, this text keeps them"
        )
    head = "\n".join(f"PREFIX {p}: <{iri}>" for p, iri in prefixes.items())
    text = query["sparql"].strip()
    if not re.search(r"^\s*PREFIX\b", text, flags=re.IGNORECASE | re.MULTILINE):
        text = head + "\n" + text
    return "\n".join(lines) + "\n" + text + "\n"


_PAGE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>plankg · SPARQL</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="static/vendor/yasgui.min.css">
<style>
body { font-family: system-ui, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC",
       "WenQuanYi Micro Hei", sans-serif; margin: 0; color: #222; }
header { padding: .6rem 1rem; border-bottom: 1px solid #ddd; }
header h1 { font-size: 1.25rem; margin: 0 0 .3rem; }
header p { margin: .2rem 0; font-size: .9rem; color: #444; }
main { display: flex; align-items: flex-start; }
#queries { flex: 0 0 19rem; max-height: calc(100vh - 6rem); overflow-y: auto;
           border-right: 1px solid #ddd; padding: .5rem .8rem; font-size: .88rem; }
#queries h2 { font-size: 1rem; margin: .3rem 0 .5rem; }
#queries ul { list-style: none; margin: 0; padding: 0; }
#queries li { margin: 0 0 .5rem; }
#queries button { font: inherit; text-align: left; width: 100%; cursor: pointer;
                  background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 4px;
                  padding: .3rem .5rem; }
#queries button:hover { background: #eaeef2; }
#queries small { display: block; color: #555; margin: .15rem .2rem 0; }
#yasgui { flex: 1 1 auto; min-width: 0; }
/* Chinese cells wrap as words, long IRIs break anywhere: no column squeezed to one character */
.yasr .dataTable td { min-width: 6em; max-width: 36em; word-break: keep-all;
                      overflow-wrap: anywhere; }
.yasr .errorResult, .yasr .errorResult pre { color: #b00020; }
</style>
</head>
<body>
<header>
<h1>plankg · SPARQL endpoint</h1>
<p>SPARQL 1.1 Protocol at <code>/sparql</code> (read-only); named queries as JSON at
<code>/queries</code>, one at <code>/queries/NAME?param=value</code> (<code>&amp;format=csv</code>
for CSV). Prefixes predeclared: __PREFIXES__. Limits: __LIMITS__.</p>
</header>
<main>
<nav id="queries"><h2>Named queries · 命名查询</h2><ul id="query-list"></ul></nav>
<div id="yasgui"></div>
</main>
<script type="application/json" id="plankg-config">__CONFIG__</script>
<script src="static/vendor/yasgui.min.js"></script>
<script>
"use strict";
const config = JSON.parse(document.getElementById("plankg-config").textContent);
const endpoint = new URL("sparql", document.baseURI).href;  // same origin, absolute for YASGUI
const yasgui = new Yasgui(document.getElementById("yasgui"), {
  requestConfig: {endpoint: endpoint, method: "POST"},
  copyEndpointOnNewTab: true,
  persistenceId: null,        // the named queries change with plankg: nothing kept in the browser
  populateFromUrl: false,
  autofocus: false,
  tabName: "SPARQL",
  corsProxy: undefined,
  // only this server in the endpoint list (YASGUI's own lists DBpedia and Wikidata)
  endpointCatalogueOptions: {getData: () => [{endpoint: endpoint}], keys: []},
  yasqe: {
    value: config.defaultQuery,
    // no "class"/"property" completion: it asks lov.linkeddata.es; prefixes come bundled
    autocompleters: ["prefixes", "variables"],
    prefixCcApi: null,
    collapsePrefixesOnLoad: true,
    resizeable: true,
    editorHeight: "22rem",
  },
  yasr: {prefixes: config.prefixes, defaultPlugin: "table"},
});
window.plankgYasgui = yasgui;  // for scripts and tests: the YASGUI instance

function openNamed(query) {
  const tab = yasgui.addTab(true, {name: query.title, yasqe: {value: query.editorText}},
                            {avoidDuplicateTabs: true});
  tab.show();
  return tab;
}
window.plankgOpenNamed = name => openNamed(config.queries.find(q => q.name === name));

const list = document.getElementById("query-list");
for (const query of config.queries) {
  const item = document.createElement("li");
  const button = document.createElement("button");
  button.type = "button";
  button.className = "open-query";
  button.dataset.name = query.name;
  button.textContent = query.title;
  button.title = "open " + query.name + " in a tab";
  button.addEventListener("click", () => openNamed(query));
  const note = document.createElement("small");
  note.textContent = query.description;
  item.append(button, note);
  list.appendChild(item);
}
</script>
</body>
</html>
"""


def render_page(listing: list[dict[str, Any]], limits: str = "") -> str:
    """The page, with the named queries (and the text each opens with) embedded as JSON, so it
    needs no second request."""
    from plankg.iri import PREFIXES

    queries = [
        {
            "name": q["name"],
            "title": q["title"],
            "description": q["description"],
            "url": q["url"],
            "editorText": editor_text(q, PREFIXES),
        }
        for q in listing
    ]
    head = "\n".join(f"PREFIX {p}: <{iri}>" for p, iri in PREFIXES.items())
    config = {"queries": queries, "prefixes": PREFIXES, "defaultQuery": head + "\n" + DEFAULT_QUERY}
    embedded = json.dumps(config, ensure_ascii=False).replace("</", "<\\/")
    return (
        _PAGE.replace("__CONFIG__", embedded)
        .replace("__PREFIXES__", html.escape(" ".join(f"{p}:" for p in PREFIXES)))
        .replace("__LIMITS__", html.escape(limits or "see plankg serve --help"))
    )
