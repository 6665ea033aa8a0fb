"""Fixtures for the browser test: the book served on localhost, a headless Chromium, axe-core.

The browser is Debian's `chromium` package (never a browser downloaded by `playwright install`),
driven through Playwright's Python API. Without it the browser tests are skipped, with a reason
that says how to get it; with the environment variable CI=true a missing browser is a failure,
so that CI cannot pass without having looked at the book in a browser.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))

import local_server

ROOT = Path(__file__).resolve().parents[2]
HTML = ROOT / "_build" / "html"

CHROMIUM_CANDIDATES = ("/usr/bin/chromium",)
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HOW_TO_ENABLE = "install Debian's chromium: sudo apt-get install chromium"
SERVER_LIFETIME = 600  # seconds; the server shuts itself down after this, whatever happens


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


def find_chromium() -> str | None:
    """Debian's chromium; CROSSENT_CHROMIUM=/path/to/chromium picks another (or none, if absent)."""
    if "CROSSENT_CHROMIUM" in os.environ:
        chosen = os.environ["CROSSENT_CHROMIUM"]
        return chosen if os.access(chosen, os.X_OK) else None
    for candidate in CHROMIUM_CANDIDATES:
        if os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("chromium")


def skip_or_fail(problem: str, how: str = HOW_TO_ENABLE) -> None:
    """Skip with a reason that says how to enable the test; under CI=true, fail instead."""
    if in_ci():
        pytest.fail(f"{problem} and CI=true, so this is a failure: {how}", pytrace=False)
    pytest.skip(f"browser tests skipped: {problem}; to run them, {how}")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = find_chromium()
    if path is None:
        skip_or_fail("Chromium was not found (no /usr/bin/chromium, no `chromium` on PATH)")
    return path


@contextlib.contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve `directory` on 127.0.0.1 (tools/local_server.py), for at most SERVER_LIFETIME s."""
    with local_server.serve(directory, lifetime=SERVER_LIFETIME) as url:
        yield url


@pytest.fixture(scope="session")
def site_url() -> Iterator[str]:
    """The built book, _build/html, served on localhost."""
    if not (HTML / "index.html").is_file():
        pytest.skip("the book is not built: run `make book` (the test command's book stage)")
    with serve(HTML) as url:
        yield url


@pytest.fixture(scope="session")
def browser_context(chromium_path, tmp_path_factory):
    """One headless Chromium with a fresh, empty profile for the whole session."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - playwright is pinned in requirements.txt
        skip_or_fail(
            "the Python package playwright is not installed (pip install -r requirements.txt)"
        )
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=chromium_path,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 900},
            service_workers="block",
            timeout=60_000,
        )
        context.set_default_timeout(45_000)  # generous: a loaded CI machine is slow
        try:
            yield context
        finally:
            context.close()


def load_axe():
    """axe-core (bundled, offline, by the pinned axe-playwright-python), or None if missing."""
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:
        return None
    return Axe()


@pytest.fixture(scope="session")
def axe():
    """The accessibility checker the browser test runs on every page; see load_axe()."""
    checker = load_axe()
    if checker is None:
        skip_or_fail(
            "the Python package axe-playwright-python is not installed",
            "pip install -r requirements.txt",
        )
    return checker
