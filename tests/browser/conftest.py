"""Fixtures for the real-browser tests (helpers in browserkit.py).

Without Chromium or Playwright every test here is skipped, with a message
saying what to install.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from browserkit import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS, SITE, serve, skip_reason


def pytest_collection_modifyitems(config, items):
    reason = skip_reason()
    if reason:
        marker = pytest.mark.skip(reason=reason)
        for item in items:
            if Path(str(item.fspath)).is_relative_to(Path(__file__).parent):
                item.add_marker(marker)


def pytest_report_header(config):
    reason = skip_reason()
    return f"browser tests: {'SKIPPED, ' + reason if reason else CHROMIUM}"


@pytest.fixture(scope="session")
def site():
    """The built offline edition (``make book-offline``)."""
    if not (SITE / "index.html").is_file():
        pytest.fail(f"{SITE} has no book: run `make book-offline` first")
    if not (SITE / "_static" / "mathjax").is_dir():
        pytest.fail(f"{SITE} is not the offline edition (no _static/mathjax): run `make book-offline`")
    return SITE


@pytest.fixture(scope="session")
def base_url(site):
    server, url = serve(site)
    yield url
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture(scope="session")
def screenshots():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
