"""chapters/classroom_demos.ipynb holds every explorer of the book, each started by one line."""

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "chapters" / "classroom_demos.ipynb"
WIDGETS = ROOT / "pgcore" / "widgets"


def _factories():
    """Every ``def *_explorer(`` of pgcore.widgets: the book's explorers."""
    names = set()
    for path in WIDGETS.glob("*.py"):
        names.update(re.findall(r"^def (\w+_explorer)\(", path.read_text(), flags=re.M))
    return names


def _cells():
    nb = json.loads(NOTEBOOK.read_text())
    # the first cell installs pgcore on Colab only (tools/colab_cell.py); the rest are demos
    return [c for c in nb["cells"] if c["cell_type"] == "code"
            and "colab-install" not in c["metadata"].get("tags", [])]


def test_every_explorer_is_on_the_demos_page():
    source = "\n".join("".join(c["source"]) for c in _cells())
    missing = sorted(name for name in _factories() if f"{name}(" not in source)
    assert not missing, f"add these explorers to chapters/classroom_demos.ipynb: {missing}"


def test_each_demo_is_one_line_in_presentation_size_and_ignored_by_nbval():
    for cell in _cells():
        src = "".join(cell["source"]).strip()
        assert "\n" not in src, f"a demo cell should be one line: {src!r}"
        assert "large=True" in src, src
        assert "nbval-ignore-output" in cell["metadata"].get("tags", []), src
        assert cell["outputs"], f"run the notebook before committing: {src!r}"
