"""The classroom demos in JupyterLab: run all cells, the controls are live.

Starts JupyterLab on 127.0.0.1 on a copy of ``chapters/classroom_demos.ipynb``
(so autosave never touches the repository), runs every cell from the command
palette in headless Chromium with outside requests aborted, and checks that
every explorer shows its controls and figure, that the "needs a running
kernel" note is blanked once the controls are on screen, and that moving a
slider redraws the figure (a display update from the kernel).
"""

from __future__ import annotations

import shutil
import sys

import pytest

from browserkit import DEMOS, explorer_cells, free_port, kernel_env, offline_context, running

TIMEOUT_MS = 120_000


@pytest.fixture(scope="module")
def lab_url(tmp_path_factory):
    pytest.importorskip("jupyterlab")
    root = tmp_path_factory.mktemp("lab")
    shutil.copy(DEMOS, root / DEMOS.name)
    port = free_port()
    env = kernel_env()
    env["JUPYTER_CONFIG_DIR"] = str(root / ".jupyter")  # no user settings or workspaces
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}",
           "--ServerApp.ip=127.0.0.1", "--IdentityProvider.token=", "--ServerApp.password=",
           f"--ServerApp.root_dir={root}", "--LabApp.news_url=", "--allow-root"]
    with running(cmd, port, cwd=root, env=env, log=root / "lab.log"):
        yield f"http://127.0.0.1:{port}/"


def test_jupyterlab_runs_the_demos_live(browser, lab_url, screenshots):
    n = len(explorer_cells())
    context = offline_context(browser, [lab_url, lab_url.replace("http://", "ws://")])
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(f"uncaught: {e}"))
    page.goto(f"{lab_url}lab/tree/{DEMOS.name}", timeout=TIMEOUT_MS)
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=TIMEOUT_MS)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle'], "
                           ".jp-mod-idle, .jp-Toolbar", timeout=TIMEOUT_MS)
    page.wait_for_timeout(2000)  # the kernel connects

    page.click(".jp-Notebook")
    page.keyboard.press("Control+Shift+c")  # the command palette
    page.keyboard.type("Run All Cells")
    page.keyboard.press("Enter")

    page.wait_for_function(
        f"() => document.querySelectorAll('.jp-OutputArea .widget-slider').length >= {n}"
        f" && document.querySelectorAll('.jp-OutputArea-output img').length >= {n}"
        " && document.querySelectorAll('.pg-kernel-note').length === 0",
        timeout=TIMEOUT_MS)

    img = ".jp-OutputArea-output img"
    before = page.eval_on_selector(img, "i => i.src")
    page.locator(".jp-OutputArea .widget-slider .noUi-handle").first.focus()
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    page.wait_for_function(f"src => document.querySelector('{img}').src !== src", arg=before,
                           timeout=30_000)
    page.screenshot(path=str(screenshots / "jupyterlab_classroom_demos.png"))
    context.close()
    assert not errors, "\n".join(errors)


# ---------------------------------------------------------------------------
# Every chapter in JupyterLab with jupyterlab-myst: the markup renders, solutions stay shut.
#
# JupyterLab runs from this venv on a copy of chapters/ (autosave never touches the
# repository), with its app object exposed so that the test can scroll each cell into
# view: a windowed notebook renders only the cells near the view. Every markdown cell is
# read after rendering; none may show MyST source (directive options, roles, directive
# fences, $$), a KaTeX error or an unknown-directive box, and every solution must be a
# closed dropdown or a collapsed cell (tools/lab_markup.py stores them so).

import json
import re

from browserkit import ROOT

CHAPTER_DIR = ROOT / "chapters"
CHAPTER_NOTEBOOKS = sorted(p for p in CHAPTER_DIR.glob("*.ipynb") if p.name != DEMOS.name)
SCREENSHOT_CHAPTERS = {"02_softmax", "05_policy_gradient_theorem", "08_reinforce"}
RAW_MYST = [
    (re.compile(r"(^|\n)\s*:(label|class|name|alt|width|nonumber|open):"), "a directive option"),
    (re.compile(r"\{(eq|cite|cite:t|cite:p|doc|numref|ref|prf:ref|download|term)\}"), "a role"),
    (re.compile(r"```|:::"), "a directive fence"),
    (re.compile(r"\$\$"), "unrendered $$"),
    (re.compile(r"Unknown Directive|Undefined control sequence"), "a rendering error"),
]


def _gated_cells(path):
    """Indices of the cells of gated solutions, from {solution-start} to {solution-end}."""
    cells = json.loads(path.read_text())["cells"]
    inside, gated = False, []
    for i, c in enumerate(cells):
        src = "".join(c["source"]) if c["cell_type"] == "markdown" else ""
        if "```{solution-start}" in src:
            inside = True
        if inside:
            gated.append(i)
        if "```{solution-end}" in src:
            inside = False
    return gated, cells


@pytest.fixture(scope="module")
def chapters_lab(tmp_path_factory):
    pytest.importorskip("jupyterlab")
    pytest.importorskip("jupyterlab_myst")
    root = tmp_path_factory.mktemp("lab-chapters")
    for p in CHAPTER_NOTEBOOKS:
        shutil.copy(p, root / p.name)
    port = free_port()
    env = kernel_env()
    env["JUPYTER_CONFIG_DIR"] = str(root / ".jupyter")
    news = root / ".jupyter/lab/user-settings/@jupyterlab/apputils-extension/notification.jupyterlab-settings"
    news.parent.mkdir(parents=True)
    news.write_text('{"fetchNews": "false"}')  # no "notified about news?" toast over the page
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}",
           "--ServerApp.ip=127.0.0.1", "--IdentityProvider.token=", "--ServerApp.password=",
           f"--ServerApp.root_dir={root}", "--LabApp.news_url=", "--allow-root",
           "--LabApp.expose_app_in_browser=True"]
    with running(cmd, port, cwd=root, env=env, log=root / "lab.log"):
        yield f"http://127.0.0.1:{port}/"


_READ_CELL = """i => {
  const nb = window.jupyterapp.shell.currentWidget.content;
  const c = nb.widgets[i];
  const r = {type: c.model.type, inputHidden: c.inputHidden, outputHidden: !!c.outputHidden,
             isHidden: c.isHidden, tags: c.model.getMetadata('tags') || [],
             rendered: c.model.type === 'markdown' ? c.rendered : null};
  const md = c.node.querySelector('.myst');
  r.mystText = md && !c.inputHidden ? md.innerText : null;
  if (md) {
    r.katex = md.querySelectorAll('.katex').length;
    r.katexErrors = md.querySelectorAll('.katex-error').length;
    r.openDetails = md.querySelectorAll('details[open]').length;
    r.solutions = [...md.querySelectorAll('.myst-exercise')]
        .filter(e => /Solution to/.test(e.querySelector('.myst-exercise-title')?.innerText || ''))
        .map(e => ({tag: e.tagName, open: !!e.open,
                    visibleBody: [...e.querySelectorAll('.myst-exercise-body')]
                        .some(b => b.checkVisibility() && b.innerText.trim().length > 0)}));
    r.unresolved = [...md.querySelectorAll('a, span')].filter(
        e => /^(eq|fig|ex|thm|prop)-ch\\d+-/.test(e.innerText.trim())).map(e => e.innerText.trim());
  }
  return r;
}"""


def _open_in_lab(page, url, name):
    expected = len(json.loads((CHAPTER_DIR / name).read_text())["cells"])
    page.goto(f"{url}lab/tree/{name}", timeout=TIMEOUT_MS)
    page.wait_for_function("n => window.jupyterapp && window.jupyterapp.shell.currentWidget"
                           " && window.jupyterapp.shell.currentWidget.content"
                           " && window.jupyterapp.shell.currentWidget.content.widgets.length === n",
                           arg=expected, timeout=TIMEOUT_MS)
    page.wait_for_timeout(1000)
    n = page.evaluate("() => window.jupyterapp.shell.currentWidget.content.widgets.length")
    for i in range(n):  # render every cell: a windowed notebook renders only what is near the view
        page.evaluate(f"() => window.jupyterapp.shell.currentWidget.content.scrollToItem({i}, 'start')")
        page.wait_for_timeout(40)
    page.wait_for_timeout(1500)  # jupyterlab-myst resolves references across the notebook
    return n


def _show_exercises(page, path):
    """Scroll to the first exercise, with the solutions below it in view."""
    first = next(i for i, c in enumerate(json.loads(path.read_text())["cells"])
                 if "```{exercise}" in "".join(c["source"]))
    page.evaluate(f"() => window.jupyterapp.shell.currentWidget.content.scrollToItem({first}, 'start')")
    page.wait_for_timeout(500)
    page.evaluate("i => window.jupyterapp.shell.currentWidget.content.widgets[i].node"
                  ".querySelector('.myst-exercise').scrollIntoView({block: 'start'})", first)
    page.wait_for_timeout(800)


def _read_all(page, n):
    cells = []
    for i in range(n):
        page.evaluate(f"() => window.jupyterapp.shell.currentWidget.content.scrollToItem({i}, 'start')")
        page.wait_for_timeout(30)
        cells.append(page.evaluate(_READ_CELL, i))
    return cells


def _problems(name, path, cells):
    gated, source = _gated_cells(path)
    problems = []
    for i, c in enumerate(cells):
        where = f"{name} cell {i}"
        if i in gated:
            if not c["isHidden"]:
                problems.append(f"{where}: a cell of a gated solution is in view (not folded)")
            if c["type"] == "code" and not (source[i]["metadata"].get("jupyter", {}).get("source_hidden")
                                            and source[i]["metadata"].get("jupyter", {}).get("outputs_hidden")):
                problems.append(f"{where}: a solution code cell is not stored collapsed")
            continue
        if c["isHidden"]:
            problems.append(f"{where}: a cell outside every solution is hidden")
            continue
        if c["type"] != "markdown":
            continue
        if not source[i]["source"]:
            continue
        if c["mystText"] is None:
            problems.append(f"{where}: markdown cell not rendered by jupyterlab-myst")
            continue
        for pattern, what in RAW_MYST:
            m = pattern.search(c["mystText"])
            if m:
                problems.append(f"{where}: {what} left as text: ...{c['mystText'][max(0, m.start() - 40):m.end() + 40]!r}")
        if c["katexErrors"]:
            problems.append(f"{where}: {c['katexErrors']} KaTeX error(s)")
        for s in c["solutions"]:
            if s["tag"] != "DETAILS" or s["open"] or s["visibleBody"]:
                problems.append(f"{where}: a solution is shown open ({s})")
        if c["openDetails"]:
            problems.append(f"{where}: {c['openDetails']} dropdown(s) open")
    return problems


@pytest.mark.parametrize("path", CHAPTER_NOTEBOOKS, ids=[p.stem for p in CHAPTER_NOTEBOOKS])
def test_jupyterlab_renders_every_chapter(browser, chapters_lab, screenshots, path):
    context = offline_context(browser, [chapters_lab, chapters_lab.replace("http://", "ws://")])
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(f"uncaught: {e}"))
    n = _open_in_lab(page, chapters_lab, path.name)
    cells = _read_all(page, n)
    problems = _problems(path.stem, path, cells)
    md = [c for c in cells if c["type"] == "markdown"]
    print(f"\n{path.stem}: {len(md)} markdown cells, "
          f"{sum(c.get('katex') or 0 for c in md)} formulas, "
          f"{sum(len(c.get('solutions') or []) for c in md)} closed solutions, "
          f"{sum(c['isHidden'] for c in cells)} cells folded, labels shown bare: "
          f"{sorted({u for c in md for u in (c.get('unresolved') or [])})}")
    if path.stem in SCREENSHOT_CHAPTERS:
        page.evaluate("() => window.jupyterapp.shell.currentWidget.content.scrollToItem(0, 'start')")
        page.wait_for_timeout(500)
        page.screenshot(path=str(screenshots / f"lab_{path.stem}_after_top.png"))
        _show_exercises(page, path)
        page.screenshot(path=str(screenshots / f"lab_{path.stem}_after_exercises.png"))
    context.close()
    assert not problems, "\n".join(problems)
    assert not errors, "\n".join(errors)


def test_jupyterlab_run_all_keeps_solutions_collapsed(browser, chapters_lab, screenshots):
    path = CHAPTER_DIR / "08_reinforce.ipynb"
    context = offline_context(browser, [chapters_lab, chapters_lab.replace("http://", "ws://")])
    page = context.new_page()
    n = _open_in_lab(page, chapters_lab, path.name)
    page.wait_for_timeout(2000)  # the kernel connects
    page.click(".jp-Notebook")
    page.keyboard.press("Control+Shift+c")
    page.keyboard.type("Run All Cells")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => { const w = window.jupyterapp.shell.currentWidget;"
        " const code = w.content.widgets.filter(c => c.model.type === 'code');"
        " return code.length > 0 && code.every(c => c.model.executionCount !== null)"
        " && w.sessionContext.session.kernel.status === 'idle'; }",
        timeout=TIMEOUT_MS)
    cells = _read_all(page, n)
    gated, _ = _gated_cells(path)
    assert gated, "chapter 8 has no gated solution"
    page.screenshot(path=str(screenshots / "lab_08_reinforce_after_run_all.png"))
    context.close()
    assert not _problems(path.stem, path, cells)
    for i in gated:
        assert cells[i]["isHidden"], f"cell {i} of a solution came into view after Run All"
