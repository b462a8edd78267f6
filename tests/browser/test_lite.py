"""The live edition: chapters run in the reader's browser (JupyterLite + Pyodide), offline.

Each chapter is opened from the built offline site (``make book-offline``
writes the JupyterLite app into ``_build/html/lite``, with Pyodide and every
package it loads served by the site) in headless Chromium with every outside
request aborted. The test waits for the browser kernel, runs all cells, and
asserts that every code cell executed, that no output is an error and that
nothing was fetched from outside; where the chapter has an explorer, it
moves one slider with the keyboard and asserts that the figure is redrawn.

Skipped, with a message, when the site has no live edition.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from urllib.parse import parse_qs, urlsplit

import pytest

from browserkit import ROOT, SITE, offline_context

sys.path.insert(0, str(ROOT / "tools"))
from pg_live import SLOW_LIVE  # noqa: E402

LITE = SITE / "lite"
KERNEL_TIMEOUT_S = 240      # the machine is shared: generous, the benchmark measures
RUN_ALL_TIMEOUT_S = 600
REDRAW_TIMEOUT_S = 60
# every notebook of chapters/ (the classroom demos too), in order
CHAPTERS = sorted(p.stem for p in (ROOT / "chapters").glob("*.ipynb"))


def lite_skip_reason():
    if not (LITE / "jupyter-lite.json").is_file():
        return f"no live edition in {LITE}: run `make book-offline`"
    if not (LITE / "static" / "pyodide" / "pyodide.js").is_file():
        return f"{LITE} loads Pyodide from its CDN (built by `make book`): run `make book-offline`"
    return None


pytestmark = pytest.mark.skipif(lite_skip_reason() is not None, reason=str(lite_skip_reason()))


STATE_JS = """
() => {
  const app = window.jupyterapp;
  if (!app) return {stage: 'app'};
  const w = app.shell.currentWidget;
  if (!w || !w.sessionContext || !w.content || !w.content.model) return {stage: 'notebook'};
  const s = w.sessionContext;
  const kernel = s.session && s.session.kernel;
  const cells = [];
  for (const c of w.content.model.cells) {
    if (c.type !== 'code') continue;
    const errors = [], stderr = [];
    for (let k = 0; k < c.outputs.length; k++) {
      const o = c.outputs.get(k).toJSON();
      if (o.output_type === 'error') errors.push(`${o.ename}: ${o.evalue}`);
      if (o.output_type === 'stream' && o.name === 'stderr') stderr.push(String(o.text).slice(0, 300));
    }
    cells.push({count: c.executionCount, source: c.sharedModel.getSource().slice(0, 80),
                errors, stderr});
  }
  return {stage: 'ready', status: kernel ? kernel.status : 'none', cells};
}
"""


class LiteSession:
    """One chapter open in the live edition, with what the browser logged."""

    def __init__(self, browser, base_url, chapter):
        self.context = offline_context(browser, [base_url])
        self.page = self.context.new_page()
        self.console, self.failed = [], []
        self.page.on("console", lambda m: self.console.append(f"console.{m.type}: {m.text}")
                     if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.console.append(f"uncaught: {e}"))
        self.page.on("requestfailed", lambda r: self.failed.append(f"{r.url} ({r.failure})"))
        self.page.on("response", lambda r: self.failed.append(f"HTTP {r.status} {r.url}")
                     if r.status >= 400 else None)
        self.bytes = 0
        self.t0 = time.monotonic()
        self.page.goto(f"{base_url}lite/notebooks/index.html?path={chapter}.ipynb")

    def state(self):
        return self.page.evaluate(STATE_JS)

    def wait_kernel(self, timeout=KERNEL_TIMEOUT_S):
        """Seconds from opening the page until the browser kernel is idle."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            st = self.state()
            if st.get("status") == "idle":
                return time.monotonic() - self.t0
            self.page.wait_for_timeout(250)
        raise AssertionError(f"kernel not ready after {timeout} s (last state {st}); "
                             f"console errors: {self.console[:10]}; failed requests: {self.failed[:10]}")

    def run_all(self, timeout=RUN_ALL_TIMEOUT_S):
        """Run every cell; seconds until every code cell ran and the kernel is idle."""
        t = time.monotonic()
        # not awaited: the command's promise settles only when every cell has run
        self.page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
        deadline = t + timeout
        while time.monotonic() < deadline:
            self.page.wait_for_timeout(500)
            st = self.state()
            cells = st["cells"]
            errors = [c for c in cells if c["errors"]]
            done = all(c["count"] is not None for c in cells)
            if st["status"] == "idle" and (done or errors):
                # an error stops run-all: the rest keep no execution count
                self.page.wait_for_timeout(300)
                if self.state()["status"] == "idle":
                    return time.monotonic() - t, self.state()["cells"]
        raise AssertionError(f"run-all not finished after {timeout} s")

    def close(self):
        self.context.close()


def explorer_index(chapter):
    """Index (among all cells) of the chapter's first explorer cell, or None."""
    nb = json.loads((ROOT / "chapters" / f"{chapter}.ipynb").read_text())
    for i, c in enumerate(nb["cells"]):
        if c["cell_type"] == "code" and "_explorer(" in "".join(c["source"]):
            return i
    return None


FIGURE_JS = """
(i) => {
  const nb = window.jupyterapp.shell.currentWidget.content;
  const node = nb.widgets[i].node;
  const img = node.querySelector('.jp-OutputArea-output img');
  const sliders = node.querySelectorAll('.widget-slider .noUi-handle, .widget-hslider .noUi-handle');
  return {img: img ? img.src : null, sliders: sliders.length};
}
"""


def move_slider(session, index):
    """Press ArrowRight on the explorer's first slider; returns (before, after) figure sources."""
    page = session.page
    page.evaluate("(i) => window.jupyterapp.shell.currentWidget.content.scrollToItem(i, 'center')",
                  index)
    page.wait_for_timeout(500)
    deadline = time.monotonic() + REDRAW_TIMEOUT_S
    while True:
        fig = page.evaluate(FIGURE_JS, index)
        if fig["img"] and fig["sliders"]:
            break
        assert time.monotonic() < deadline, f"explorer in cell {index} never rendered: {fig}"
        page.wait_for_timeout(250)
    handle = page.evaluate_handle(
        "(i) => window.jupyterapp.shell.currentWidget.content.widgets[i].node"
        ".querySelector('.noUi-handle')", index).as_element()
    handle.scroll_into_view_if_needed()
    box = handle.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 40, y, steps=4)
    page.mouse.up()
    t = time.monotonic()
    while time.monotonic() - t < REDRAW_TIMEOUT_S:
        after = page.evaluate(FIGURE_JS, index)["img"]
        if after != fig["img"]:
            return fig["img"], after, time.monotonic() - t
        page.wait_for_timeout(50)
    return fig["img"], fig["img"], None


@pytest.fixture(scope="module")
def lite_base(base_url):
    return base_url


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_runs_live_offline(browser, lite_base, chapter, screenshots):
    if chapter in SLOW_LIVE and not os.environ.get("PG_LITE_ALL"):
        pytest.skip(f"{chapter}: in the browser {SLOW_LIVE[chapter]} (tools/pg_live.py SLOW_LIVE); "
                    "PG_LITE_ALL=1 runs it")
    session = LiteSession(browser, lite_base, chapter)
    try:
        session.wait_kernel()
        _, cells = session.run_all(timeout=3600 if chapter in SLOW_LIVE else RUN_ALL_TIMEOUT_S)
        session.page.screenshot(path=str(screenshots / f"lite__{chapter}.png"))
        errors = [f"cell {c['source']!r}: " + "; ".join(c["errors"]) for c in cells if c["errors"]]
        assert not errors, f"{chapter}: error output in the browser kernel:\n  " + "\n  ".join(errors)
        not_run = [c["source"] for c in cells if c["count"] is None]
        assert not not_run, f"{chapter}: {len(not_run)} code cells never ran, first {not_run[:3]}"
        index = explorer_index(chapter)
        if index is not None:
            before, after, _ = move_slider(session, index)
            assert after != before, f"{chapter}: moving a slider did not redraw the figure"
        assert not session.context.blocked, f"{chapter}: outside requests: {session.context.blocked[:10]}"
        assert not session.failed, f"{chapter}: failed requests: {session.failed[:10]}"
    finally:
        session.close()


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_page_links_its_live_notebook(chapter):
    """The page's "Run live" box (and each explorer's note) opens this chapter in the live edition."""
    html = (SITE / "chapters" / f"{chapter}.html").read_text()
    hrefs = re.findall(r'class="pg-live-link[^"]*" href="([^"]+)"', html)
    assert hrefs, f"{chapter}.html has no 'Run live in your browser' link"
    notes = html.count('class="pg-kernel-note"')
    assert len(hrefs) >= 1 + notes, f"{chapter}.html: {notes} explorer notes but {len(hrefs) - 1} live links"
    for href in set(hrefs):
        url = urlsplit(href)
        app = (SITE / "chapters" / url.path).resolve()
        assert app.is_file(), f"{chapter}.html links {href}: no {app}"
        path = parse_qs(url.query)["path"][0]
        assert path == f"{chapter}.ipynb", href
        assert (LITE / "files" / path).is_file(), f"the live edition has no {path}"
