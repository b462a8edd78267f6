"""Give every chapter notebook a first cell that installs pgcore where the notebook runs alone.

Google Colab and the book's live edition (JupyterLite in the reader's
browser, with the Pyodide kernel) open a single notebook with none of the
repository around it, so the notebook must install the book's package itself:

* on Colab (``google.colab`` imported), pgcore from the repository, with pip;
* in the browser (``pyodide`` imported), numpy and matplotlib from the Pyodide
  distribution, then pgcore and the widgets (comm, jupyterlab_widgets,
  ipywidgets) from the wheels the book's own web site serves (``piplite``,
  PyPI fallback off: see ``tools/pg_live.py``). ``deps=False``: the kernel
  already has IPython and traitlets, and nothing else is wanted.

The cell does nothing anywhere else (Binder, a local JupyterLab, nbval) and
prints nothing; the tag ``remove-cell`` keeps it out of the HTML book.

The repository address is read from ``_config.yml`` (``repository.url`` and
``repository.branch``), the one place it is set. After pointing
``repository.url`` at a fork, run ``make colab-cells`` to update the cells.

Usage: ``python tools/colab_cell.py [--check]``; ``--check`` changes nothing
and exits 1 if a notebook's cell is missing or names another address.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
TAG = "colab-install"


def cell_source():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    repo = config["repository"]
    url, branch = repo["url"].rstrip("/"), repo.get("branch", "main")
    return (
        "# Runs only where this notebook is opened without the rest of the book; elsewhere it does nothing.\n"
        "# Google Colab: install the book's package, pgcore, from the repository.\n"
        "# In the browser (the book's \"Run live\" button, JupyterLite): load numpy and matplotlib, and\n"
        "# install pgcore and the widgets from the wheels served by the book's web site.\n"
        "import sys\n"
        "if \"google.colab\" in sys.modules:\n"
        f"    %pip install --quiet \"pgcore @ git+{url}@{branch}\"\n"
        "if \"pyodide\" in sys.modules:\n"
        "    import piplite, pyodide_js\n"
        "    await pyodide_js.loadPackage([\"numpy\", \"matplotlib\"])\n"
        "    await piplite.install([\"comm\", \"jupyterlab_widgets\", \"ipywidgets\", \"pgcore\"], deps=False)"
    )


def main(argv):
    check = "--check" in argv
    source = cell_source()
    stale = []
    for path in sorted((ROOT / "chapters").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        first = next((c for c in nb.cells if c.cell_type == "code"), None)
        has = first is not None and TAG in first.metadata.get("tags", [])
        if has and first.source == source:
            continue
        stale.append(path.name)
        if check:
            continue
        if has:
            first.source = source
        else:
            cell = nbformat.v4.new_code_cell(source)
            cell.metadata["tags"] = [TAG, "remove-cell"]
            idx = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
            nb.cells.insert(idx, cell)
        nbformat.write(nb, path)
    if check and stale:
        print("Install cell (Colab / browser) missing or out of date in: " + ", ".join(stale)
              + "\nRun `make colab-cells` (the cell prints nothing: no re-execution needed).")
        return 1
    print(("checked" if check else "updated") + f": {len(stale)} notebook(s) " + ("need an update" if check else "changed"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
