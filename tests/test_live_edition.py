"""The live edition's build helpers, without a browser (tools/pg_live.py, tools/pg_sphinx.py).

The browser side is tests/browser/test_lite.py.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import pg_live  # noqa: E402
import pg_sphinx  # noqa: E402


def test_pgcore_wheel_is_pure_python_and_its_record_is_right(tmp_path):
    whl = pg_live.pgcore_wheel(tmp_path)
    assert whl.name.endswith("-py3-none-any.whl")
    with zipfile.ZipFile(whl) as zf:
        names = set(zf.namelist())
        sources = {p.relative_to(ROOT).as_posix() for p in (ROOT / "pgcore").rglob("*.py")}
        assert sources <= names
        assert not [n for n in names if n.endswith((".c", ".so", ".pyd"))]
        dist = next(n.split("/")[0] for n in names if n.endswith(".dist-info/RECORD"))
        assert "Root-Is-Purelib: true" in zf.read(f"{dist}/WHEEL").decode()
        rows = list(csv.reader(io.StringIO(zf.read(f"{dist}/RECORD").decode())))
        assert {r[0] for r in rows} == names
        for arc, digest, size in rows:
            if arc.endswith("RECORD"):
                continue
            data = zf.read(arc)
            want = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            assert digest == f"sha256={want}" and int(size) == len(data), arc


LOCK = {"packages": {
    "matplotlib": {"depends": ["numpy", "python-dateutil"]},
    "numpy": {"depends": []},
    "python-dateutil": {"depends": ["six"]},
    "six": {"depends": []},
    "prompt-toolkit": {"depends": []},
    "ipython": {"depends": ["prompt_toolkit", "six"]},
}}


def test_closure_follows_dependencies_and_normalises_names():
    assert pg_live.closure(LOCK, ["matplotlib"]) == ["matplotlib", "numpy", "python-dateutil", "six"]
    # the lock spells a dependency prompt_toolkit and the package prompt-toolkit
    assert pg_live.closure(LOCK, ["ipython"]) == ["ipython", "prompt-toolkit", "six"]


def test_closure_refuses_an_unknown_package():
    with pytest.raises(SystemExit, match="scipy is not a package"):
        pg_live.closure(LOCK, ["numpy", "scipy"])


def test_slow_chapters_exist():
    for chapter in pg_live.SLOW_LIVE:
        assert (ROOT / "chapters" / f"{chapter}.ipynb").is_file(), chapter


class _Env:
    def __init__(self, source):
        self.source = source

    def doc2path(self, pagename, base=False):
        return self.source


class _App:
    def __init__(self, source, target="lite/notebooks/index.html"):
        self.env = _Env(source)
        self.config = type("C", (), {"pg_live_app": target})()


NOTE = '<p class="pg-kernel-note">These controls need ... to open this notebook in Binder or Colab.</p>'


def _page(source, body, target="lite/notebooks/index.html"):
    ctx = {"pathto": lambda t, resource: "../" + t, "body": body}
    pg_sphinx._live_link(_App(source, target), "x", None, ctx, object())
    return ctx["body"]


def test_chapter_page_gets_the_box_under_its_title_and_each_note_a_link():
    body = _page("chapters/02_softmax.ipynb", f"<section><h1>2. Softmax</h1>{NOTE}{NOTE}</section>")
    href = 'href="../lite/notebooks/index.html?path=02_softmax.ipynb"'
    assert body.index("</h1>") < body.index("Run live in your browser") < body.index("pg-kernel-note")
    assert body.count(href) == 3          # the box and both notes
    assert body.count("run it live in your browser") == 2
    assert "many minutes" not in body


def test_slow_chapter_box_says_so():
    body = _page("chapters/08_reinforce.ipynb", "<section><h1>8</h1></section>")
    assert pg_live.SLOW_LIVE["08_reinforce"] in body
    assert "run it live" not in body      # the box's own "Binder or Colab." is not a note


@pytest.mark.parametrize("source", ["chapters/index.md", "chapters/notation.md", "other/x.ipynb"])
def test_other_pages_are_left_alone(source):
    assert _page(source, "<h1>t</h1>") == "<h1>t</h1>"


def test_empty_setting_turns_it_off():
    assert _page("chapters/02_softmax.ipynb", "<h1>t</h1>", target="") == "<h1>t</h1>"
