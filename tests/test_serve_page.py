"""The query page of `plankg serve` (YASGUI shipped inside plankg) in a real headless Chromium,
and the static route that serves its files.

A real `plankg serve` runs on a free loopback port over the session store (the five seed
plans). The browser is Debian's chromium driven by Debian's chromedriver through Selenium; both
paths are given, so Selenium Manager never looks for (or downloads) a driver."""

from __future__ import annotations

import http.client
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import ROOT
from tests.test_serve import _start

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
START_S = 90.0
WAIT_S = 30.0
ARTIFACTS = ROOT / "tests" / "artifacts"
VENDOR = ROOT / "plankg" / "static" / "vendor"


@pytest.fixture(scope="module")
def base(store_dir: Path) -> Iterator[str]:
    """A real `plankg serve` over the five plans; yields its base URL (http://127.0.0.1:PORT)."""
    for server in _start(store_dir, workers="1", timeout="30"):
        yield server.base


def raw_get(base: str, path: str) -> tuple[int, dict[str, str], bytes]:
    """GET `path` exactly as written (http.client does not normalise `..` or escapes)."""
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=WAIT_S)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


# -- the static route ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("path", "media"),
    [
        ("/static/vendor/yasgui.min.js", "text/javascript"),
        ("/static/vendor/yasgui.min.css", "text/css"),
        ("/static/vendor/LICENSE-yasgui.txt", "text/plain"),
    ],
)
def test_static_files_are_served_with_their_type(base: str, path: str, media: str) -> None:
    status, headers, body = raw_get(base, path)
    assert status == 200
    assert headers["content-type"].startswith(media)
    assert headers["x-content-type-options"] == "nosniff"
    assert body == (ROOT / "plankg" / path.removeprefix("/")).read_bytes()


@pytest.mark.parametrize(
    "path",
    [
        "/static/../serve.py",
        "/static/vendor/../../serve.py",
        "/static/%2e%2e/serve.py",
        "/static/..%2fserve.py",
        "/static//etc/passwd",
        "/static/vendor/",
        "/static/vendor",
        "/static/.gitignore",
        "/static/vendor/yasgui.min.js.map",
        "/static/vendor\\..\\x.js",
        "/static/../../pyproject.toml",
        "/static/vendor/README.md/x",
    ],
)
def test_static_route_serves_nothing_else(base: str, path: str) -> None:
    status, headers, body = raw_get(base, path)
    assert status == 404, (path, body[:200])
    assert headers["content-type"].startswith("application/json")
    assert b"import" not in body and b"root:" not in body


def test_static_files_are_package_data() -> None:
    """The page works from an installed plankg: every file under plankg/static/ matches a
    package-data pattern of pyproject.toml (building a wheel here would need setuptools from
    the network; the report of this change names the wheel build checked by hand)."""
    import fnmatch
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    setuptools = config["tool"]["setuptools"]
    files = [p for p in (ROOT / "plankg" / "static").rglob("*") if p.is_file()]
    assert VENDOR / "yasgui.min.js" in files
    missing = []
    for path in files:
        package = ".".join(path.parent.relative_to(ROOT).parts)  # plankg.static.vendor
        patterns = setuptools["package-data"].get(package, [])
        if package not in setuptools["packages"] or not any(
            fnmatch.fnmatchcase(path.name, p) for p in patterns
        ):
            missing.append(path.relative_to(ROOT).as_posix())
    assert not missing, missing


def test_vendor_table_names_every_file() -> None:
    table = (VENDOR / "README.md").read_text(encoding="utf-8")
    assert "| @zazuko/yasgui | 4.6.2 |" in table
    assert "MIT" in (VENDOR / "LICENSE-yasgui.txt").read_text(encoding="utf-8")


# -- the page in a real browser -----------------------------------------------------------------
@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """Headless Debian chromium, no network services, a fresh profile."""
    for tool in (CHROMIUM, CHROMEDRIVER):
        if not tool.exists():
            pytest.fail(
                f"{tool} is missing: install the Debian packages chromium and chromium-driver"
            )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager: never fetch anything
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--no-first-run",
        "--disable-dev-shm-usage",
        "--window-size=1500,1100",
        "--lang=zh-CN",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(WAIT_S)
    driver.set_script_timeout(WAIT_S)
    try:
        yield driver
    finally:
        driver.quit()


def _wait(driver: object, condition: str, what: str) -> object:
    """Poll a JavaScript expression until it is truthy (bounded)."""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        value = driver.execute_script(f"return ({condition});")  # type: ignore[attr-defined]
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


ACTIVE = "document.querySelector('.tabPanel.active')"
ROWS = (
    f"{ACTIVE} && Array.from({ACTIVE}.querySelectorAll('.yasr table.dataTable tbody tr'))"
    ".map(r => r.innerText)"
)


def _run_active_tab(driver: object) -> list[str]:
    """Click the run button of the active tab and wait for its results table."""
    driver.execute_script(  # type: ignore[attr-defined]
        f"{ACTIVE}.querySelector('.yasqe_queryButton').click();"
    )
    rows = _wait(
        driver,
        f"(() => {{ const r = {ROWS}; return r && r.length && "
        "!r[0].includes('No data') ? r : null; })()",
        "result rows",
    )
    return list(rows)  # type: ignore[arg-type]


def test_the_page_runs_queries_in_yasgui(browser: object, base: str) -> None:
    from plankg.query import named_queries

    driver = browser
    driver.get(base + "/")  # type: ignore[attr-defined]
    _wait(driver, "window.plankgYasgui && document.querySelector('.yasqe .CodeMirror')", "YASGUI")
    # the editor points at this server's endpoint and knows plankg's prefixes
    endpoint = driver.execute_script(  # type: ignore[attr-defined]
        "return plankgYasgui.getTab().getEndpoint();"
    )
    assert endpoint == base + "/sparql"
    value = driver.execute_script("return plankgYasgui.getTab().getYasqe().getValue();")  # type: ignore[attr-defined]
    assert "PREFIX pk: <https://w3id.org/plankg/ontology#>" in value

    # a query typed into the editor (set through YASQE's API) below the predeclared prefixes
    # runs and shows Chinese rows; the editor finds no syntax error in it
    head = "\n".join(line for line in value.splitlines() if line.startswith("PREFIX "))
    driver.execute_script(  # type: ignore[attr-defined]
        "plankgYasgui.getTab().getYasqe().setValue(arguments[0]);",
        head + "\nSELECT ?plan ?title WHERE { ?plan a pk:Plan ; dcterms:title ?title } "
        "ORDER BY ?title",
    )
    rows = _run_active_tab(driver)
    assert not driver.execute_script(  # type: ignore[attr-defined]
        f"return {ACTIVE}.querySelectorAll('.parseErrorIcon').length;"
    )
    assert len(rows) == 5
    assert any("永川区" in r for r in rows) and any("荣昌区" in r for r in rows)

    # a named query opens in a tab of its own, with its text, and runs
    queries = named_queries()
    buttons = driver.execute_script(  # type: ignore[attr-defined]
        "return Array.from(document.querySelectorAll('button.open-query'))"
        ".map(b => b.dataset.name);"
    )
    assert buttons == list(queries)
    driver.execute_script(  # type: ignore[attr-defined]
        "document.querySelector('button.open-query[data-name=\"district-summary\"]').click();"
    )
    title = queries["district-summary"].title
    _wait(driver, f"plankgYasgui.getTab().name() === {title!r}", "the named query's tab")
    text = driver.execute_script("return plankgYasgui.getTab().getYasqe().getValue();")  # type: ignore[attr-defined]
    assert queries["district-summary"].text.strip().splitlines()[-1] in text
    rows = _run_active_tab(driver)
    assert any("永川区" in r for r in rows)
    ARTIFACTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / "yasgui-named-query.png"))  # type: ignore[attr-defined]
    assert not driver.execute_script(  # type: ignore[attr-defined]
        f"return {ACTIVE}.querySelectorAll('.parseErrorIcon').length;"
    )
    tabs = driver.execute_script("return Object.keys(plankgYasgui._tabs).length;")  # type: ignore[attr-defined]
    assert tabs == 2
    # opening it again selects the same tab rather than adding one
    driver.execute_script(  # type: ignore[attr-defined]
        "document.querySelector('button.open-query[data-name=\"district-summary\"]').click();"
    )
    assert driver.execute_script("return Object.keys(plankgYasgui._tabs).length;") == 2  # type: ignore[attr-defined]

    # so far, not one console error (a missing favicon or a blocked fetch would be SEVERE)
    severe = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]  # type: ignore[attr-defined]
    assert not severe, severe

    # an error shows as YASGUI's error box, in red
    driver.execute_script(  # type: ignore[attr-defined]
        "plankgYasgui.getTab().getYasqe().setValue('SELECT * WHERE { SERVICE <http://x/> "
        "{ ?s ?p ?o } }');"
    )
    driver.execute_script(f"{ACTIVE}.querySelector('.yasqe_queryButton').click();")  # type: ignore[attr-defined]
    colour = _wait(
        driver,
        f"(() => {{ const e = {ACTIVE}.querySelector('.yasr .errorResult');"
        " return e && e.innerText.includes('403') && getComputedStyle(e).color; })()",
        "the error box",
    )
    assert colour == "rgb(176, 0, 32)"

    ARTIFACTS.mkdir(exist_ok=True)
    driver.execute_script(  # type: ignore[attr-defined]
        "document.querySelector('.tabsList a') && plankgYasgui.selectTabId("
        "Object.keys(plankgYasgui._tabs)[0]);"
    )
    _wait(driver, ROWS, "the first tab's rows")
    driver.save_screenshot(str(ARTIFACTS / "yasgui-page.png"))  # type: ignore[attr-defined]

    # nothing was loaded from anywhere but this server, and the console stayed clean
    urls = driver.execute_script(  # type: ignore[attr-defined]
        "return performance.getEntriesByType('resource').map(e => e.name);"
    )
    assert urls and all(u.startswith(base + "/") for u in urls), urls
    severe = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]  # type: ignore[attr-defined]
    # since then, the refused SERVICE query is the one expected failure (a 403 from /sparql)
    unexpected = [e for e in severe if "/sparql" not in e["message"] or "403" not in e["message"]]
    assert not unexpected, unexpected


def test_the_bundle_loads_nothing_from_the_internet_by_default() -> None:
    """The URLs YASGUI would fetch at run time are switched off in the page's configuration."""
    from plankg.serve_page import render_page

    page = render_page([], "")
    assert 'autocompleters: ["prefixes", "variables"]' in page  # not LOV's class/property
    assert "prefixCcApi: null" in page
    assert "endpointCatalogueOptions: {getData: () => [{endpoint: endpoint}]" in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    css = (VENDOR / "yasgui.min.css").read_text(encoding="utf-8")
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", css)  # no fonts or images from afar


def test_named_queries_open_with_their_notes() -> None:
    """A tab's text says where the query runs with parameters, and that the raw text keeps the
    rows /queries/NAME leaves out."""
    from plankg.iri import PREFIXES
    from plankg.serve import queries_listing
    from plankg.serve_page import editor_text

    listing = {q["name"]: q for q in queries_listing()}
    text = editor_text(listing["targets"], PREFIXES)
    assert "/queries/targets?district=…&target_year=…" in text
    assert text.index("PREFIX pk:") < text.index("SELECT")
    excluding = [q for q in listing.values() if "#+ exclude:" in q["sparql"]]
    assert excluding
    for q in excluding:
        assert "leaves out the rows its `#+ exclude` lines name" in editor_text(q, PREFIXES)
