"""Issue 10, the build: stale pages and a missing compiler.

* (1) a change to pgcore makes ``make book`` / ``make test-build`` drop both the
  jupyter cache and Sphinx's saved environment (``_build/.doctrees``), so pages
  are rebuilt from fresh outputs, not "targets for 0 source files";
* (3) without a working C compiler the build of the package still succeeds,
  builds no kernel, and pgcore says in one line that the numpy fallback is used.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _dry_run(target, *what_if):
    make = shutil.which("make")
    if make is None:
        pytest.skip("no make on PATH")
    if not (ROOT / ".venv" / ".installed").exists():
        pytest.skip("make venv has not been run here (the dry run would plan to build .venv)")
    args = [make, "-n", "-C", str(ROOT), target] + [f"--what-if={w}" for w in what_if]
    return subprocess.run(args, capture_output=True, text=True, timeout=60).stdout


@pytest.mark.parametrize("target", ["book", "test-build"])
@pytest.mark.parametrize("changed", ["pgcore/envs.py", "pgcore/widgets/_base.py", "pgcore/_ckernels.c", "setup.py"])
def test_a_pgcore_change_drops_the_cache_and_sphinx_environment(target, changed):
    plan = _dry_run(target, changed)
    assert "rm -rf _build/.jupyter_cache _build/.doctrees" in plan, plan
    assert plan.index("rm -rf _build/.jupyter_cache") < plan.index("jupyter-book build")


def test_every_pgcore_source_is_a_prerequisite():
    """Each module of pgcore (new ones too) is in the Makefile's PGCORE_SRC list."""
    make = shutil.which("make")
    if make is None:
        pytest.skip("no make on PATH")
    out = subprocess.run([make, "-C", str(ROOT), "-pn", "venv"], capture_output=True, text=True, timeout=60).stdout
    line = next(ln for ln in out.splitlines() if ln.startswith("PGCORE_SRC :="))
    listed = set(line.split(":=", 1)[1].split())
    sources = {str(p.relative_to(ROOT)) for p in (ROOT / "pgcore").rglob("*") if p.suffix in (".py", ".c")
               and "__pycache__" not in p.parts}
    assert sources <= listed, sorted(sources - listed)


def test_without_a_compiler_the_build_succeeds_with_the_numpy_fallback(tmp_path):
    """CC=false: setup.py builds no kernel but does not fail; pgcore then reports the fallback in one line."""
    src = tmp_path / "src"
    shutil.copytree(ROOT / "pgcore", src / "pgcore", ignore=shutil.ignore_patterns("*.so", "__pycache__"))
    for f in ("setup.py", "pyproject.toml", "README.md"):
        if (ROOT / f).exists():
            shutil.copy(ROOT / f, src / f)
    env = dict(os.environ, CC="false", LDSHARED="false")
    build = subprocess.run([sys.executable, "setup.py", "-q", "build_ext", "--inplace"], cwd=src, env=env,
                           capture_output=True, text=True, timeout=600)
    assert build.returncode == 0, build.stderr[-2000:]
    assert not list((src / "pgcore").glob("_ckernels*.so"))
    env = {k: v for k, v in os.environ.items() if k not in ("PGCORE_KERNEL", "PGCORE_KERNEL_LIB")}
    env["PYTHONPATH"] = str(src)
    # (the editable install's finder would find the worktree's own library: leave it out)
    code = ("import sys; sys.meta_path[:] = [f for f in sys.meta_path if 'ditable' not in repr(f)]\n"
            "import pgcore, pgcore._kernels as k; print(pgcore.__file__); print(k.status())")
    out = subprocess.run([sys.executable, "-W", "ignore", "-c", code],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    lines = out.stdout.splitlines()
    assert lines[0].startswith(str(src)), out.stdout + out.stderr
    assert len(lines) == 2 and "numpy fallback" in lines[1], out.stdout
