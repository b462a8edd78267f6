"""Issue 10: a warning about a notebook names a cell and a line a person can open.

myst-nb gives the lines of cell ``i`` the numbers ``(i + 1) * 10000 + 1 + ...``, so
an undefined label used to be reported at "03_performance.ipynb:260002";
tools/pg_sphinx.py rewrites such locations to "cell 26 (...), line 2".
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import pg_sphinx  # noqa: E402


def _notebook(cells):
    return {"cells": cells, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                        "language": "python"}},
            "nbformat": 4, "nbformat_minor": 5}


def _md(text):
    return {"cell_type": "markdown", "metadata": {}, "source": text}


def _code(text):
    return {"cell_type": "code", "metadata": {}, "source": text, "outputs": [], "execution_count": None}


@pytest.mark.parametrize("number, cell, line", [(10001, 1, 1), (260002, 26, 2), (30017, 3, 17), (20000, 1, 10000)])
def test_readable_location_arithmetic(number, cell, line):
    assert pg_sphinx.readable_location(f"x.ipynb:{number}") == f"x.ipynb, cell {cell}, line {line}"


def test_other_locations_are_kept():
    for loc in ["chapters/index.md:12", "x.ipynb:17", "", None, "x.ipynb"]:
        assert pg_sphinx.readable_location(loc) == loc


def test_summary_names_the_cell(tmp_path):
    nb = tmp_path / "c.ipynb"
    nb.write_text(json.dumps(_notebook([_md("# Title"), _code("x = 1"), _md("\n## Returns\ntext")])))
    assert pg_sphinx.readable_location(f"{nb}:30003") == f"{nb}, cell 3 (markdown: '## Returns'), line 3"


def test_filter_rewrites_a_record():
    rec = logging.LogRecord("sphinx.x", logging.WARNING, "f", 1, "undefined label: %r", ("x",), None)
    rec.location = "/a/b/03_performance.ipynb:260002"
    assert pg_sphinx.NotebookLocationFilter().filter(rec)
    assert rec.location == "/a/b/03_performance.ipynb, cell 26, line 2"


def test_sphinx_build_reports_cell_and_line(tmp_path):
    """A real build (myst-nb, no execution) with an undefined label in cell 3, line 4, and -W --keep-going."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(ROOT / 'tools')!r})\n"
        "extensions = ['myst_nb', 'pg_sphinx']\n"
        "nb_execution_mode = 'off'\n"
        "master_doc = 'nb'\n")
    cells = [_md("# A notebook\n"), _code("print(1)"),
             _md("Some prose.\n\nMore prose,\nand a {ref}`no-such-label` here.\n")]
    (src / "nb.ipynb").write_text(json.dumps(_notebook(cells)))
    out = subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going", "-n", "-q",
                          str(src), str(tmp_path / "html")], capture_output=True, text=True, timeout=300)
    text = out.stderr
    assert "no-such-label" in text, text
    line = next(ln for ln in text.splitlines() if "no-such-label" in ln)
    assert "nb.ipynb, cell 3 (markdown: 'Some prose.'), line 4" in line, line
    assert ":30004" not in line and ":30005" not in line
