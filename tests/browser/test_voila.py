"""The classroom demos as a Voila app, as `make voila` serves them to a projector.

Starts ``voila --template=pgbook chapters/classroom_demos.ipynb`` on a free port of
127.0.0.1 (with this Python's environment, so its kernel imports pgcore; the book's
template found through ``JUPYTER_PATH``, as the Makefile does; ``voila.json`` read from
the repository's root), opens it in headless Chromium with every outside request
aborted, at the two sizes of a classroom projector, 1920x1080 and 1366x768, and checks:

* each explorer shows its sliders and its figure, the code is hidden, and no "needs a
  running kernel" note is shown (the controls are live);
* each demo (its controls plus its figure) fits the window: measured from the top of
  its controls to the bottom of its figure, no taller and no wider than the viewport,
  with no control clipped;
* no figure is shown larger than its pixel size (no upscaling);
* the "what to try" prompts are at least 20 px, and the intro says nothing meant for the
  web page or for JupyterLab (the rocket button, "Run All Cells");
* links to other chapters (which Voila answers with 403) cannot be followed;
* zero failed requests, zero blocked requests, no console error;
* moving a slider redraws the figure through the kernel.

Screenshots of every demo at both sizes go to ``_build/screenshots/voila_*.png``.
"""

from __future__ import annotations

import sys

import pytest

from browserkit import DEMOS, ROOT, explorer_cells, free_port, kernel_env, offline_context, running

NOTEBOOK = DEMOS
RENDER_TIMEOUT_MS = 180_000  # the kernel runs every demo before the page is complete
VIEWPORTS = [(1920, 1080), (1366, 768)]
MIN_PROMPT_PX = 20

MEASURE_JS = """
() => [...document.querySelectorAll('.pg-demo')].map(d => {
  const img = d.querySelector('img');
  const ctl = d.querySelector(':scope > .widget-box');
  const top = ctl.getBoundingClientRect().top;
  const r = img.getBoundingClientRect();
  const clipped = [ctl, ...ctl.querySelectorAll('.widget-box')]
      .map(e => e.scrollHeight - e.clientHeight).reduce((a, b) => Math.max(a, b), 0);
  return {height: Math.round(r.bottom - top),
          width: Math.round(Math.max(r.right, ctl.getBoundingClientRect().right)
                            - Math.min(r.left, ctl.getBoundingClientRect().left)),
          shown: [Math.round(r.width), Math.round(r.height)],
          natural: [img.naturalWidth, img.naturalHeight], clipped};
})
"""

PROMPTS_JS = """
() => [...document.querySelectorAll('.jp-RenderedMarkdown p, .jp-RenderedMarkdown li')]
        .filter(e => e.offsetParent !== null && e.textContent.trim())
        .map(e => parseFloat(getComputedStyle(e).fontSize))
"""

LINKS_JS = """
() => [...document.querySelectorAll('.jp-RenderedMarkdown a[href]')]
        .filter(a => getComputedStyle(a).pointerEvents !== 'none')
        .map(a => a.getAttribute('href'))
"""


@pytest.fixture(scope="module")
def voila_url(tmp_path_factory):
    pytest.importorskip("voila")
    port = free_port()
    log = tmp_path_factory.mktemp("voila") / "voila.log"
    env = kernel_env()
    env["JUPYTER_PATH"] = str(ROOT / "share" / "jupyter")  # as `make voila`
    cmd = [sys.executable, "-m", "voila", "--template=pgbook", str(NOTEBOOK), "--no-browser",
           f"--port={port}", "--Voila.ip=127.0.0.1"]
    with running(cmd, port, cwd=ROOT, env=env, log=log):
        yield f"http://127.0.0.1:{port}/"


def _open(browser, voila_url, size):
    context = offline_context(browser, [voila_url, voila_url.replace("http://", "ws://")])
    page = context.new_page()
    page.set_viewport_size({"width": size[0], "height": size[1]})
    errors = []
    page.on("pageerror", lambda e: errors.append(f"uncaught: {e}"))
    # "Failed to load resource" repeats a failed request: those are checked below
    page.on("console", lambda m: errors.append(f"console.error: {m.text}")
            if m.type == "error" and not m.text.startswith("Failed to load resource") else None)
    page.on("requestfailed", lambda r: errors.append(f"failed: {r.url} ({r.failure})"))
    page.on("response", lambda r: errors.append(f"HTTP {r.status} {r.url}") if r.status >= 400 else None)
    page.goto(voila_url, timeout=RENDER_TIMEOUT_MS)
    n = len(explorer_cells())
    page.wait_for_function(
        f"() => document.querySelectorAll('.pg-demo').length >= {n}"
        f" && [...document.querySelectorAll('.pg-demo img')]"
        f".filter(i => i.complete && i.naturalWidth > 0).length >= {n}",
        timeout=RENDER_TIMEOUT_MS)
    page.wait_for_timeout(1000)  # the last layout pass
    return context, page, errors


@pytest.mark.parametrize("size", VIEWPORTS, ids=[f"{w}x{h}" for w, h in VIEWPORTS])
def test_voila_demos_fit_the_projector_offline(browser, voila_url, screenshots, size):
    n = len(explorer_cells())
    assert n >= 1, "no explorer cells in classroom_demos.ipynb"
    context, page, errors = _open(browser, voila_url, size)
    width, height = size
    text = page.inner_text("body")
    assert "from pgcore" not in text, "Voila shows the code cells"
    assert "Classroom demos" in text
    assert page.locator(".pg-kernel-note").count() == 0, "a 'needs a kernel' note in Voila"
    # the intro speaks to Voila's audience: nothing about the web page, its buttons, or Lab
    for words in ("web page", "launch button", "rocket", "Run All Cells", "large=True"):
        assert words not in text, f"Voila shows words written for another place: {words!r}"

    demos = page.evaluate(MEASURE_JS)
    assert len(demos) == n
    print(f"\nVoila {width}x{height}: demo heights {[d['height'] for d in demos]} px")
    for i in range(n):
        page.evaluate(f"() => document.querySelectorAll('.pg-demo')[{i}].scrollIntoView()")
        page.wait_for_timeout(150)
        page.screenshot(path=str(screenshots / f"voila_{width}x{height}_demo{i + 1}.png"))
    page.evaluate("() => document.querySelector('h1').scrollIntoView()")  # Voila scrolls a panel
    page.screenshot(path=str(screenshots / f"voila_{width}x{height}_top.png"))
    too_big = [(i + 1, d) for i, d in enumerate(demos)
               if d["height"] > height or d["width"] > width or d["clipped"] > 1]
    assert not too_big, f"demos that do not fit {width}x{height} (or clip a control): {too_big}"
    upscaled = [(i + 1, d) for i, d in enumerate(demos)
                if d["shown"][0] > d["natural"][0] + 1 or d["shown"][1] > d["natural"][1] + 1]
    assert not upscaled, f"figures shown larger than their pixel size: {upscaled}"

    sizes = page.evaluate(PROMPTS_JS)
    assert sizes, "no prompts found"
    assert min(sizes) >= MIN_PROMPT_PX, f"prompt text below {MIN_PROMPT_PX} px: {sorted(set(sizes))}"
    followable = page.evaluate(LINKS_JS)
    assert not [h for h in followable if ".ipynb" in h], \
        f"links Voila cannot serve (403) are clickable: {followable}"
    blocked = list(context.blocked)
    context.close()
    assert not blocked, f"Voila page asked for outside resources: {blocked[:5]}"
    assert not errors, "\n".join(errors)


def test_voila_slider_redraws(browser, voila_url):
    context, page, errors = _open(browser, voila_url, VIEWPORTS[1])
    # move the first slider with the keyboard: the kernel redraws the first figure
    first_img = page.locator(".pg-demo img").first
    before = first_img.get_attribute("src")
    page.locator(".widget-slider .noUi-handle").first.focus()
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "src => document.querySelector('.pg-demo img').getAttribute('src') !== src",
        arg=before, timeout=30_000)
    blocked = list(context.blocked)
    context.close()
    assert not blocked, f"Voila page asked for outside resources: {blocked[:5]}"
    assert not errors, "\n".join(errors)
