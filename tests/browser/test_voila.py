"""The classroom demos as a Voila app: served on localhost, widgets live, code hidden.

Starts ``voila chapters/classroom_demos.ipynb`` on a free port of 127.0.0.1
(with this Python's environment, so its kernel imports pgcore), opens it in
headless Chromium with every outside request aborted, and checks that each
explorer shows its sliders and its figure, that the code is hidden, that no
"needs a running kernel" note is shown (the controls are live), and that
moving a slider redraws the figure through the kernel. Then stops the server.
"""

from __future__ import annotations

import sys

import pytest

from browserkit import DEMOS, ROOT, explorer_cells, free_port, kernel_env, offline_context, running

NOTEBOOK = DEMOS
# Voila's own "lab" template links Font Awesome from a CDN. Offline, only the
# icon of the Reset button is lost; these requests are aborted like every
# other outside request, but do not fail the test.
TEMPLATE_CDN = ("https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@",)
RENDER_TIMEOUT_MS = 120_000  # the kernel runs every demo before the page is complete


@pytest.fixture(scope="module")
def voila_url(tmp_path_factory):
    pytest.importorskip("voila")
    port = free_port()
    log = tmp_path_factory.mktemp("voila") / "voila.log"
    cmd = [sys.executable, "-m", "voila", str(NOTEBOOK), "--no-browser", f"--port={port}",
           "--Voila.ip=127.0.0.1"]
    with running(cmd, port, cwd=ROOT, env=kernel_env(), log=log):
        yield f"http://127.0.0.1:{port}/"


def test_voila_serves_the_demos_live(browser, voila_url, screenshots):
    n = len(explorer_cells())
    assert n >= 1, "no explorer cells in classroom_demos.ipynb"
    context = offline_context(browser, [voila_url, voila_url.replace("http://", "ws://")])
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(f"uncaught: {e}"))
    # "Failed to load resource" repeats a failed request: those are checked below
    page.on("console", lambda m: errors.append(f"console.error: {m.text}")
            if m.type == "error" and not m.text.startswith("Failed to load resource") else None)
    page.on("requestfailed", lambda r: None if r.url.startswith(TEMPLATE_CDN)
            else errors.append(f"failed: {r.url} ({r.failure})"))
    page.on("response", lambda r: errors.append(f"HTTP {r.status} {r.url}") if r.status >= 400 else None)
    page.goto(voila_url, timeout=RENDER_TIMEOUT_MS)

    # every explorer: its controls and its figure
    page.wait_for_function(
        f"() => document.querySelectorAll('.widget-slider').length >= {n}"
        f" && [...document.images].filter(i => i.complete && i.naturalWidth > 0).length >= {n}",
        timeout=RENDER_TIMEOUT_MS)
    # the controls are live: no note that they need a kernel
    page.wait_for_function("() => document.querySelectorAll('.pg-kernel-note').length === 0",
                           timeout=30_000)
    text = page.inner_text("body")
    assert "from pgcore" not in text, "Voila shows the code cells"
    assert "Classroom demos" in text

    # move the first slider with the keyboard: the kernel redraws the first figure
    first_img = page.locator("img").first
    before = first_img.get_attribute("src")
    page.locator(".widget-slider .noUi-handle").first.focus()
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    page.wait_for_function("src => document.images[0].getAttribute('src') !== src", arg=before,
                           timeout=30_000)

    # Voila scrolls inside its own panel, so a "full page" screenshot would show one
    # screen: make the window as tall as the content instead.
    height = page.evaluate("() => Math.max(...[...document.querySelectorAll('*')].map(e => e.scrollHeight))")
    page.set_viewport_size({"width": 1280, "height": min(int(height) + 50, 16000)})
    page.wait_for_timeout(500)
    page.screenshot(path=str(screenshots / "voila_classroom_demos.png"))
    blocked = [u for u in context.blocked if not u.startswith(TEMPLATE_CDN)]
    context.close()
    assert not blocked, f"Voila page asked for outside resources: {blocked[:5]}"
    assert not errors, "\n".join(errors)
