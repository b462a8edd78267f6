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
