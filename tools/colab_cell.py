"""Give every chapter notebook a first cell that installs pgcore on Google Colab.

Colab opens a single notebook with none of the repository around it, so the
notebook must install the book's package itself. The cell does nothing
anywhere else (Binder, a local JupyterLab, nbval), and the tag
``remove-cell`` keeps it out of the HTML book.

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
        "# Runs only on Google Colab, which opens this notebook without the rest of the book:\n"
        "# install the book's package, pgcore, from the repository. Elsewhere it does nothing.\n"
        "import sys\n"
        "if \"google.colab\" in sys.modules:\n"
        f"    %pip install --quiet \"pgcore @ git+{url}@{branch}\""
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
        print("Colab install cell missing or out of date in: " + ", ".join(stale)
              + "\nRun `make colab-cells` (then re-execute those notebooks).")
        return 1
    print(("checked" if check else "updated") + f": {len(stale)} notebook(s) " + ("need an update" if check else "changed"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
