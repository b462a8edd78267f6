"""Binder readiness, checked without Binder.

Binder (repo2docker) reads the ``binder/`` folder before the top level: its
``runtime.txt`` for the Python version and its ``requirements.txt``, the lean
student environment (numpy, matplotlib, ipywidgets, JupyterLab with
jupyterlab-myst, Voila, and pgcore through ``-e .``, run from the repository's
root), then starts JupyterLab in the repository and runs the notebooks from
their own folder. The top-level ``requirements.txt`` stays the full build
(jupyter-book, Sphinx, the test tools). The slow test here does what Binder
does on this machine: a fresh virtual environment made with ``python -m venv``
and ``pip install -r binder/requirements.txt``, then every notebook in
``chapters/`` executed by that environment's kernel with ``chapters/`` as the
working directory.

It runs under ``make test``; set ``SKIP_BINDER_TEST=1`` to skip it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ROOT / "chapters"
BINDER = ROOT / "binder"
#: What a student needs, and what only the book's build and tests need.
STUDENT = ("numpy", "matplotlib", "ipywidgets", "ipykernel", "jupyterlab", "jupyterlab-myst", "voila")
BUILD_ONLY = ("jupyter-book", "sphinx", "myst-nb", "pytest", "nbval", "hypothesis", "playwright")
SKIP = os.environ.get("SKIP_BINDER_TEST", "").strip().lower() not in ("", "0", "false", "no")
CELL_TIMEOUT = 300  # seconds, as generous as a slow Binder machine needs


@pytest.mark.parametrize("folder", [ROOT, BINDER], ids=["top", "binder"])
def test_runtime_txt_names_the_python_of_requirements(folder):
    runtime = (folder / "runtime.txt").read_text().strip()
    m = re.fullmatch(r"python-(\d+)\.(\d+)", runtime)
    assert m, f"runtime.txt should read like 'python-3.11', not {runtime!r}"
    required = re.search(r'requires-python\s*=\s*">=\s*(\d+)\.(\d+)', (ROOT / "pyproject.toml").read_text())
    assert required and tuple(map(int, m.groups())) >= tuple(map(int, required.groups())), \
        "runtime.txt names a Python older than pyproject.toml's requires-python"


def _names(path):
    lines = [ln.strip() for ln in path.read_text().splitlines()
             if ln.strip() and not ln.lstrip().startswith("#")]
    return lines, {re.split(r"[=<>\[]", ln)[0].lower().replace("_", "-") for ln in lines[:-1]}


def test_binder_environment_is_lean_pinned_and_installs_the_book_package():
    lines, names = _names(BINDER / "requirements.txt")
    assert lines[-1] == "-e .", "binder/requirements.txt must end with '-e .' (repo2docker runs it from the root)"
    loose = [ln for ln in lines[:-1] if "==" not in ln]
    assert not loose, f"unpinned requirements: {loose}"
    missing = [n for n in STUDENT if n not in names]
    assert not missing, f"binder/requirements.txt lacks what a student needs: {missing}"
    extra = [n for n in BUILD_ONLY if n in names]
    assert not extra, f"binder/requirements.txt installs build-only packages: {extra}"
    # the same versions as the full build, so Binder runs what the tests ran
    pins = dict(ln.lower().replace("_", "-").split("==") for ln in lines[:-1])
    full_pins = dict(ln.lower().replace("_", "-").split("==") for ln in _names(ROOT / "requirements.txt")[0][:-1])
    differ = {n: (v, full_pins[n]) for n, v in pins.items() if n in full_pins and full_pins[n] != v}
    assert not differ, f"binder and the full build pin different versions: {differ}"


def test_requirements_are_pinned_and_install_the_book_package():
    lines = [ln.strip() for ln in (ROOT / "requirements.txt").read_text().splitlines()
             if ln.strip() and not ln.lstrip().startswith("#")]
    assert lines[-1] == "-e .", "requirements.txt must end with '-e .' (installs pgcore on Binder)"
    loose = [ln for ln in lines[:-1] if "==" not in ln]
    assert not loose, f"unpinned requirements: {loose}"
    names = {re.split(r"[=<>\[]", ln)[0].lower().replace("_", "-") for ln in lines[:-1]}
    for needed in ("jupyterlab", "ipywidgets", "ipykernel", "matplotlib", "numpy"):
        assert needed in names, f"{needed} is missing from requirements.txt"


def test_no_text_notebooks_that_binder_would_open_as_plain_text():
    """A MyST-Markdown notebook needs jupytext in the Binder image to open as a notebook."""
    text_notebooks = []
    for path in CHAPTERS.glob("*.md"):
        head = path.read_text(errors="replace")
        if head.startswith("---") and "kernelspec" in head.split("---", 2)[1]:
            text_notebooks.append(path.name)
    if text_notebooks:
        reqs = (BINDER / "requirements.txt").read_text().lower()
        assert "jupytext" in reqs, f"{text_notebooks} are text notebooks: add jupytext to requirements.txt"


@pytest.mark.skipif(SKIP, reason="SKIP_BINDER_TEST is set")
def test_fresh_environment_runs_every_notebook(tmp_path):
    notebooks = sorted(CHAPTERS.glob("*.ipynb"))
    assert notebooks, "no notebooks in chapters/"
    venv = tmp_path / "binder-env"
    try:
        _run_in_fresh_env(venv, notebooks, tmp_path)
    finally:
        shutil.rmtree(venv, ignore_errors=True)  # about 1 GB: pytest keeps old tmp_paths


def _run_in_fresh_env(venv, notebooks, tmp_path):
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    bindir = venv / "bin"
    install = subprocess.run(
        [str(bindir / "python"), "-m", "pip", "install", "--disable-pip-version-check",
         "--no-input", "-r", "binder/requirements.txt"],
        cwd=ROOT, capture_output=True, text=True)
    assert install.returncode == 0, f"pip install -r binder/requirements.txt failed:\n{install.stdout[-3000:]}\n{install.stderr[-3000:]}"
    check = subprocess.run([str(bindir / "python"), "-m", "pip", "check"], capture_output=True, text=True)
    assert check.returncode == 0, f"pip check: {check.stdout}{check.stderr}"

    env = {k: v for k, v in os.environ.items()
           if k not in ("MPLBACKEND", "PYTHONPATH", "VIRTUAL_ENV", "JUPYTER_PATH", "JUPYTER_DATA_DIR")}
    env["PATH"] = f"{bindir}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(venv)
    env["JUPYTER_DATA_DIR"] = str(tmp_path / "jupyter-data")  # no kernel of another environment
    env["JUPYTER_PREFER_ENV_PATH"] = "1"
    out = tmp_path / "executed"
    failures = []
    for nb in notebooks:
        run = subprocess.run(
            [str(bindir / "jupyter"), "nbconvert", "--to", "notebook", "--execute",
             f"--ExecutePreprocessor.timeout={CELL_TIMEOUT}", "--ExecutePreprocessor.kernel_name=python3",
             "--output-dir", str(out), nb.name],
            cwd=CHAPTERS, env=env, capture_output=True, text=True)
        if run.returncode != 0:
            failures.append(f"{nb.name}:\n{run.stderr[-2500:]}")
    assert not failures, "notebooks that fail in a fresh environment:\n\n" + "\n\n".join(failures)
