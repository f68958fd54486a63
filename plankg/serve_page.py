"""The page `plankg serve` shows at `/`: the named queries and a SPARQL editor, in one HTML file
with a little inline JavaScript (nothing is loaded from the internet)."""

from __future__ import annotations

import html
import json
from typing import Any

_PAGE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>plankg · SPARQL</title>
<style>
body { font-family: system-ui, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif;
       margin: 0 auto; max-width: 80rem; padding: 1rem; color: #222; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 1.5rem; }
.query { border: 1px solid #ddd; border-radius: 4px; padding: .5rem .8rem; margin: .4rem 0; }
.query h3 { font-size: 1rem; margin: .2rem 0; } .query p { margin: .2rem 0; color: #555; }
.query label { margin-right: .8rem; font-size: .9rem; }
textarea { width: 100%; height: 16rem; font-family: ui-monospace, monospace; font-size: .9rem; }
table { border-collapse: collapse; font-size: .85rem; margin-top: .5rem; }
th, td { border: 1px solid #ccc; padding: .2rem .4rem; vertical-align: top; text-align: left; }
th { background: #f3f3f3; position: sticky; top: 0; }
#status { margin: .5rem 0; color: #555; } .error { color: #b00020; }
details summary { cursor: pointer; }
</style>
</head>
<body>
<h1>plankg · SPARQL endpoint</h1>
<p>SPARQL 1.1 Protocol at <code>/sparql</code> (read-only). Named queries as JSON at
<code>/queries</code>; run one at <code>/queries/NAME?param=value</code>
(<code>&amp;format=csv</code> for CSV). Limits: __LIMITS__.</p>
<h2>SPARQL</h2>
<textarea id="sparql" spellcheck="false">SELECT ?plan ?title WHERE {
  ?plan a pk:Plan ; dcterms:title ?title .
}
ORDER BY ?title</textarea>
<p><button id="run">Run</button>
<small>Prefixes predeclared: __PREFIXES__</small></p>
<div id="status"></div>
<div id="results"></div>
<h2>Named queries</h2>
<div id="queries"></div>
<script type="application/json" id="listing">__LISTING__</script>
<script>
"use strict";
const listing = JSON.parse(document.getElementById("listing").textContent);
const statusBox = document.getElementById("status");
const resultsBox = document.getElementById("results");

function el(tag, text, attrs) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = text;
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  return node;
}

function showTable(columns, rows) {
  resultsBox.replaceChildren();
  const table = el("table"), head = el("tr");
  columns.forEach(c => head.appendChild(el("th", c)));
  table.appendChild(head);
  rows.forEach(r => {
    const tr = el("tr");
    columns.forEach(c => tr.appendChild(el("td", r[c] === null || r[c] === undefined ? "" : r[c])));
    table.appendChild(tr);
  });
  resultsBox.appendChild(table);
}

async function fetchAnswer(url, options) {
  statusBox.className = ""; statusBox.textContent = "running…";
  const started = performance.now();
  let response;
  try { response = await fetch(url, options); }
  catch (e) { statusBox.className = "error"; statusBox.textContent = String(e); return null; }
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  const type = response.headers.get("Content-Type") || "";
  const cut = response.headers.get("X-Plankg-Truncated");
  if (!response.ok) {
    let message = response.status + " " + response.statusText;
    if (type.includes("json")) { const e = (await response.json()).error; message = e.status + " " + e.code + ": " + e.message; }
    statusBox.className = "error"; statusBox.textContent = message; resultsBox.replaceChildren();
    return null;
  }
  return {response, type, seconds, cut};
}

function status(count, answer) {
  statusBox.textContent = count + " rows in " + answer.seconds + " s" +
    (answer.cut ? " — cut at " + answer.cut : "");
}

async function runSparql() {
  const body = new URLSearchParams({query: document.getElementById("sparql").value});
  const answer = await fetchAnswer("sparql", {method: "POST", body,
    headers: {"Accept": "application/sparql-results+json, text/turtle;q=0.9"}});
  if (!answer) return;
  if (!answer.type.includes("json")) {
    resultsBox.replaceChildren(el("pre", await answer.response.text()));
    statusBox.textContent = "graph in " + answer.seconds + " s" + (answer.cut ? " — cut at " + answer.cut : "");
    return;
  }
  const data = await answer.response.json();
  if ("boolean" in data) { showTable(["ask"], [{ask: String(data.boolean)}]); status(1, answer); return; }
  const columns = data.head.vars;
  const rows = data.results.bindings.map(b => Object.fromEntries(columns.map(c => [c, b[c] ? b[c].value : ""])));
  showTable(columns, rows); status(rows.length, answer);
}

async function runNamed(query, form) {
  const params = new URLSearchParams();
  query.params.forEach(p => { const v = form.elements[p.name].value.trim(); if (v) params.set(p.name, v); });
  if (form.elements.include_rejected.checked) params.set("include_rejected", "1");
  const answer = await fetchAnswer(query.url.replace(/^\\//, "") + "?" + params.toString(), {});
  if (!answer) return;
  const data = await answer.response.json();
  showTable(data.columns, data.rows); status(data.rows.length, answer);
  statusBox.scrollIntoView();
}

const box = document.getElementById("queries");
listing.forEach(q => {
  const card = el("div", null, {class: "query"});
  card.appendChild(el("h3", q.title));
  card.appendChild(el("p", q.description));
  const form = el("form");
  q.params.forEach(p => {
    const label = el("label", p.name + " ", {title: p.description});
    label.appendChild(el("input", null, {name: p.name, value: p.default, placeholder: p.description, size: "14"}));
    form.appendChild(label);
  });
  const rejected = el("label", " include rejected links", {});
  rejected.prepend(el("input", null, {type: "checkbox", name: "include_rejected"}));
  form.appendChild(rejected);
  form.appendChild(el("button", "Run", {type: "submit"}));
  const edit = el("button", "Edit SPARQL", {type: "button"});
  edit.addEventListener("click", () => {
    document.getElementById("sparql").value = q.sparql; window.scrollTo(0, 0);
  });
  form.appendChild(document.createTextNode(" ")); form.appendChild(edit);
  form.appendChild(el("small", "  /queries/" + q.name));
  form.addEventListener("submit", e => { e.preventDefault(); runNamed(q, form); });
  card.appendChild(form);
  box.appendChild(card);
});
document.getElementById("run").addEventListener("click", runSparql);
</script>
</body>
</html>
"""


def render_page(listing: list[dict[str, Any]], limits: str = "") -> str:
    """The page, with the named queries embedded as JSON (so it needs no second request)."""
    from plankg.iri import PREFIXES

    embedded = json.dumps(listing, ensure_ascii=False).replace("</", "<\\/")
    return (_PAGE.replace("__LISTING__", embedded)
            .replace("__PREFIXES__", html.escape(" ".join(f"{p}:" for p in PREFIXES)))
            .replace("__LIMITS__", html.escape(limits or "see plankg serve --help")))
