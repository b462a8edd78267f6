"""Every chapter in JupyterLab with jupyterlab-myst: the book's markup renders, no solution shows.

Starts JupyterLab from this environment (requirements.txt installs jupyterlab-myst) on
copies of ``chapters/*.ipynb`` (autosave never touches the repository), opens each
notebook in headless Chromium with outside requests aborted, and walks its cells: each
cell is scrolled into view first (``notebook.scrollToItem(i)``: a windowed notebook
renders only the cells near the view), every markdown cell is rendered, and its visible
text, math and code left out, must hold no raw MyST: directive options (``:label:``,
``:class:``), roles (``{eq}``, ``{cite}``, ``{doc}``, ...), directive fences
(```` ```{name} ````, ``:::{name}``) or unrendered ``$$``; KaTeX must report no error.
No solution is shown open: a ``{solution}`` dropdown is closed, and every cell of a gated
solution (``{solution-start}`` ... ``{solution-end}``) is hidden under its collapsed
Lab-only heading (tools/lab_markup.py, rule 3). A screenshot of each chapter's first
screen goes to ``_build/screenshots/lab_<chapter>.png``.
"""

from __future__ import annotations

import re
import shutil
import sys

import nbformat
import pytest

from browserkit import ROOT, free_port, kernel_env, offline_context, running

CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
TIMEOUT_MS = 120_000
RAW_MYST = re.compile(r"(:label:|:class:|:name:|\{(eq|cite|cite:[pt]|doc|ref|numref|prf:ref|math)\}`"
                      r"|```\{|:::\{|\$\$)")

# the notebook and its cells, from JupyterLab's application object
CELL_JS = r"""
async (i) => {
  const nb = window.jupyterapp.shell.currentWidget.content;
  const cell = nb.widgets[i];
  if (cell.isHidden) return {hidden: true, type: cell.model.type};
  await nb.scrollToItem(i, 'center');
  if (cell.model.type === 'markdown' && !cell.rendered) cell.rendered = true;
  const t0 = Date.now();
  const ready = () => cell.node.isConnected && (cell.model.type !== 'markdown' ||
      (cell.node.querySelector('.myst, .jp-RenderedMarkdown') &&
       cell.node.querySelector('.myst, .jp-RenderedMarkdown').childElementCount > 0));
  while (!ready() && Date.now() - t0 < 10000) await new Promise(r => setTimeout(r, 50));
  if (cell.model.type !== 'markdown') return {hidden: false, type: cell.model.type};
  const out = cell.node.querySelector('.myst, .jp-RenderedMarkdown');
  if (!out) return {hidden: false, type: 'markdown', text: null};
  const copy = out.cloneNode(true);
  copy.querySelectorAll('.katex, .katex-display, mjx-container, code, pre, details:not([open]) > :not(summary)')
      .forEach(e => e.remove());
  return {
    hidden: false, type: 'markdown',
    text: copy.innerText || copy.textContent,
    katexErrors: [...out.querySelectorAll('.katex-error')].map(e => e.textContent.slice(0, 80)),
    openSolutions: [...out.querySelectorAll('details[open]')]
        .filter(d => /solution/i.test((d.querySelector('summary') || d).textContent.slice(0, 60)))
        .length,
  };
}
"""


def solution_cells(path):
    """Indices of the cells of gated solutions (from {solution-start} to {solution-end})."""
    nb = nbformat.read(path, as_version=4)
    inside, out = False, []
    for i, c in enumerate(nb.cells):
        if c.cell_type == "markdown" and re.search(r"^\s*```+\{solution-start\}", c.source, re.M):
            inside = True
        if inside:
            out.append(i)
        if c.cell_type == "markdown" and re.search(r"^\s*```+\{solution-end\}", c.source, re.M):
            inside = False
    return out


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    pytest.importorskip("jupyterlab")
    pytest.importorskip("jupyterlab_myst", reason="jupyterlab-myst is in requirements.txt")
    root = tmp_path_factory.mktemp("labmyst")
    for path in CHAPTERS:
        shutil.copy(path, root / path.name)
    port = free_port()
    env = kernel_env()
    env["JUPYTER_CONFIG_DIR"] = str(root / ".jupyter")  # no user settings or workspaces
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}",
           "--ServerApp.ip=127.0.0.1", "--IdentityProvider.token=", "--ServerApp.password=",
           f"--ServerApp.root_dir={root}", "--LabApp.news_url=", "--allow-root",
           "--LabApp.expose_app_in_browser=True"]
    with running(cmd, port, cwd=root, env=env, log=root / "lab.log"):
        yield f"http://127.0.0.1:{port}/"


@pytest.fixture(scope="module")
def lab_page(browser, lab):
    context = offline_context(browser, [lab, lab.replace("http://", "ws://")])
    page = context.new_page()
    page.set_viewport_size({"width": 1280, "height": 900})
    yield page
    context.close()


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_renders_in_jupyterlab(lab, lab_page, screenshots, path):
    page = lab_page
    page.goto(f"{lab}lab/tree/{path.name}?reset", timeout=TIMEOUT_MS)
    page.wait_for_function(
        "() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
        " && window.jupyterapp.shell.currentWidget.content"
        " && window.jupyterapp.shell.currentWidget.content.widgets"
        f" && window.jupyterapp.shell.currentWidget.context.path === {path.name!r}"
        " && window.jupyterapp.shell.currentWidget.content.widgets.length > 0",
        timeout=TIMEOUT_MS)
    page.evaluate("() => window.jupyterapp.shell.currentWidget.context.ready")
    n = page.evaluate("() => window.jupyterapp.shell.currentWidget.content.widgets.length")
    assert n == len(nbformat.read(path, as_version=4).cells)
    gated = set(solution_cells(path))
    problems = []
    for i in range(n):
        r = page.evaluate(CELL_JS, i)
        if i in gated and not r["hidden"]:
            problems.append(f"cell {i}: a gated solution's cell is shown")
        if r["type"] != "markdown" or r["hidden"]:
            continue
        if r["text"] is None:
            problems.append(f"cell {i}: markdown not rendered")
            continue
        raw = sorted({m.group(0) for m in RAW_MYST.finditer(r["text"])})
        if raw:
            k = RAW_MYST.search(r["text"]).start()
            problems.append(f"cell {i}: raw MyST {raw}: ...{r['text'][max(0, k - 60):k + 60]!r}")
        if r["katexErrors"]:
            problems.append(f"cell {i}: KaTeX errors {r['katexErrors']}")
        if r["openSolutions"]:
            problems.append(f"cell {i}: a solution is shown open")
    page.evaluate("() => window.jupyterapp.shell.currentWidget.content.scrollToItem(0, 'start')")
    page.wait_for_timeout(300)
    page.screenshot(path=str(screenshots / f"lab_{path.stem}.png"))
    # close the notebook and stop its kernel, so that 13 kernels do not pile up
    page.evaluate("async () => { await window.jupyterapp.serviceManager.sessions.shutdownAll(); }")
    assert not problems, f"{path.name} in JupyterLab:\n" + "\n".join(problems)
