"""The classroom demos in JupyterLab: run all cells, the controls are live.

Starts JupyterLab on 127.0.0.1 on a copy of ``chapters/classroom_demos.ipynb``
(so autosave never touches the repository), runs every cell (the run-all command, through
JupyterLab's application object) in headless Chromium with outside requests aborted,
scrolls to each explorer (a windowed notebook renders only the cells near the view), and
checks that
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
           f"--ServerApp.root_dir={root}", "--LabApp.news_url=", "--allow-root",
           "--LabApp.expose_app_in_browser=True"]
    with running(cmd, port, cwd=root, env=env, log=root / "lab.log"):
        yield f"http://127.0.0.1:{port}/"


CELL_LIVE_JS = """
async (i) => {
  const nb = window.jupyterapp.shell.currentWidget.content;
  await nb.scrollToItem(i, 'center');
  const node = nb.widgets[i].node;
  const t0 = Date.now();
  const live = () => node.querySelector('.jp-OutputArea .widget-slider')
      && node.querySelector('.jp-OutputArea-output img') && !node.querySelector('.pg-kernel-note');
  while (!live() && Date.now() - t0 < 30000) await new Promise(r => setTimeout(r, 100));
  return !!live();
}
"""


def test_jupyterlab_runs_the_demos_live(browser, lab_url, screenshots):
    n = len(explorer_cells())
    context = offline_context(browser, [lab_url, lab_url.replace("http://", "ws://")])
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(f"uncaught: {e}"))
    page.goto(f"{lab_url}lab/tree/{DEMOS.name}?reset", timeout=TIMEOUT_MS)
    # through JupyterLab's application object (a click can land on a hidden notebook)
    page.wait_for_function(
        "() => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;"
        f" return w && w.context && w.context.path === {DEMOS.name!r}"
        " && w.sessionContext.session && w.sessionContext.session.kernel"
        " && w.sessionContext.session.kernel.connectionStatus === 'connected'; }",
        timeout=TIMEOUT_MS)
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    # every code cell has run: the notebook's model has an execution count for each
    page.wait_for_function(
        "() => { const nb = window.jupyterapp.shell.currentWidget.content;"
        " const code = nb.widgets.filter(c => c.model.type === 'code');"
        " return code.length > 0 && code.every(c => c.model.executionCount !== null)"
        " && window.jupyterapp.shell.currentWidget.sessionContext.kernelDisplayStatus === 'idle'; }",
        timeout=TIMEOUT_MS * 2)
    cells = page.evaluate("() => window.jupyterapp.shell.currentWidget.content.widgets"
                          ".map((c, i) => [i, c.model.type, c.model.sharedModel.getSource()])")
    explorers = [i for i, kind, src in cells if kind == "code" and "_explorer(" in src]
    assert len(explorers) == n
    # a windowed notebook renders only the cells near the view: scroll to each explorer
    dead = [i for i in explorers if not page.evaluate(CELL_LIVE_JS, i)]
    assert not dead, f"explorer cells without live controls and figure: {dead}"

    first = explorers[0]
    page.evaluate(CELL_LIVE_JS, first)
    src_js = ("i => window.jupyterapp.shell.currentWidget.content.widgets[i].node"
              ".querySelector('.jp-OutputArea-output img').getAttribute('src')")
    before = page.evaluate(src_js, first)
    page.evaluate("i => window.jupyterapp.shell.currentWidget.content.widgets[i].node"
                  ".querySelector('.widget-slider .noUi-handle').focus()", first)
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    # a display update replaces the image element: look it up again each time
    page.wait_for_function(f"([i, src]) => ({src_js})(i) !== src", arg=[first, before],
                           timeout=30_000)
    page.screenshot(path=str(screenshots / "jupyterlab_classroom_demos.png"))
    page.evaluate("async () => { await window.jupyterapp.serviceManager.sessions.shutdownAll(); }")
    context.close()
    assert not errors, "\n".join(errors)
