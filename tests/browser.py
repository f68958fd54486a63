"""A real headless Chromium for tests (Debian `chromium` and `chromium-driver`), driven by
selenium with nothing downloaded: the driver is the Debian one, selenium's manager is not used."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1280,900",
)


@contextmanager
def chromium() -> Iterator[object]:
    """A started headless Chromium with a fresh profile; fails (never skips) without one."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    assert not missing, (
        f"{', '.join(missing)} missing: install the Debian packages chromium and chromium-driver"
    )
    profile = tempfile.mkdtemp(prefix="plankg-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ARGS:
        options.add_argument(arg)
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        driver.set_page_load_timeout(60)
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def console_errors(driver: object) -> list[dict]:
    """The browser log's entries of level SEVERE (console errors, failed loads)."""
    return [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]  # type: ignore[attr-defined]


IN_VIEWPORT = """
const el = document.getElementById(arguments[0]);
if (!el) return null;
const r = el.getBoundingClientRect();
return {top: r.top, bottom: r.bottom, height: window.innerHeight,
        inView: r.bottom > 0 && r.top < window.innerHeight && r.height > 0,
        highlighted: !!el.closest('.tok'), scrollY: window.scrollY};
"""
