"""A local Sphinx extension for the book: fixes to the generated pages.

Loaded through ``sphinx.local_extensions`` in ``_config.yml``.

* Each page got sphinx-thebe's inline configuration script twice, so the
  browser reported ``SyntaxError: Identifier 'THEBE_JS_URL' has already been
  declared`` on every page. Cause: Sphinx 7.4 re-adds the registered scripts
  when writing starts, with the filename ``''`` instead of ``None``, so the two
  copies of a script with a body and no file no longer compare equal. Here
  every page's scripts are de-duplicated, with ``None`` and ``''`` treated alike.
* A page title with math (chapter 3's, ``$J(\\theta) = v_\\pi(s_0)$``) is typeset in
  the page and the sidebar, but the browser's tab (``<title>``) and the print header
  cannot typeset: there the TeX becomes plain text, ``J(θ) = vπ(s₀)``. MathJax is loaded
  on every page, so that the sidebar's copy of the title is typeset on pages without math.
* ``pg_offline_static`` (set by tools/offline_edition.py): a folder of
  offline assets (MathJax, the widget manager) added to ``html_static_path``
  after jupyter-book has read the config, so that only the files the offline
  edition names are linked into the pages.
* ``pg_live_app`` (default ``lite/notebooks/index.html``): every chapter page
  (a notebook in ``chapters/``) gets a "Run live in your browser" box under its
  title, linking to its notebook in the live edition that tools/pg_live.py
  builds into ``_build/html/lite``, and each explorer's "needs a running
  kernel" note gets the same link. Set it to ``""`` to leave the pages alone.
* Warnings about a notebook name a place a person can open: myst-nb numbers
  the lines of cell ``i`` (0-based) from ``(i + 1) * 10000 + 1``, so Sphinx
  reported an undefined label at ``03_performance.ipynb:260002``; the location
  is rewritten to ``03_performance.ipynb, cell 26 (markdown: '## Returns'),
  line 2`` (cells counted from 1, as a reader counts them; issue 10).
"""

from __future__ import annotations

import sys
from pathlib import Path
import json
import logging
import re
from functools import lru_cache


def _dedupe_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not isinstance(scripts, list):
        return
    seen = set()
    unique = []
    for js in scripts:
        key = (str(getattr(js, "filename", js) or ""), getattr(js, "priority", None),
               tuple(sorted(getattr(js, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            unique.append(js)
    scripts[:] = unique


_GREEK = {name: chr(code) for name, code in (
    ("alpha", 0x3B1), ("beta", 0x3B2), ("gamma", 0x3B3), ("delta", 0x3B4), ("epsilon", 0x3B5),
    ("varepsilon", 0x3B5), ("theta", 0x3B8), ("lambda", 0x3BB), ("mu", 0x3BC), ("pi", 0x3C0),
    ("sigma", 0x3C3), ("tau", 0x3C4), ("phi", 0x3C6), ("nabla", 0x2207))}
_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def tex_to_text(title):
    r"""Inline math of a title as plain text.

    >>> tex_to_text(r"The performance measure \(J(\theta) = v_\pi(s_0)\)")
    'The performance measure J(θ) = vπ(s₀)'
    """
    import re

    def plain(m):
        tex = m.group(1)
        tex = re.sub(r"\\([A-Za-z]+)", lambda g: _GREEK.get(g.group(1), g.group(1)), tex)
        tex = re.sub(r"_\{?([0-9]+)\}?", lambda g: g.group(1).translate(_SUB), tex)
        return tex.replace("_", "").replace("{", "").replace("}", "")

    return re.sub(r"\\\((.*?)\\\)", plain, title)


def _plain_titles(app, pagename, templatename, context, doctree):
    for key in ("title", "pagetitle"):
        if isinstance(context.get(key), str) and "\\(" in context[key]:
            context[key] = tex_to_text(context[key])


_LIVE_BOX = (
    '<div class="pg-live admonition tip"><p class="admonition-title">Run live in your browser</p>'
    '<p><a class="pg-live-link reference external" href="{href}">Open this chapter in JupyterLite</a>: '
    'its code, figures and sliders run in your browser (Python compiled to WebAssembly, '
    'Pyodide), with no install and no server. The first start downloads about {mb} MB and '
    'takes {start}; then <em>Run &rsaquo; Run All Cells</em>. Your edits are not saved.</p></div>'
)
#: The figures the box quotes (benchmarks/bench_lite.py measures them).
LIVE_FIRST_START = "17 to 50 seconds on the book's 2-core test machine"
LIVE_DOWNLOAD_MB = 44
_NOTE_LINK = ' Or <a class="pg-live-link reference external" href="{href}">run it live in your browser</a>.'


def _slow_live():
    try:
        from pg_live import SLOW_LIVE
    except ImportError:  # tools/ not on the path
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from pg_live import SLOW_LIVE
    return SLOW_LIVE


def _live_link(app, pagename, templatename, context, doctree):
    target = app.config.pg_live_app
    source = app.env.doc2path(pagename, base=False) if doctree is not None else None
    if not target or source is None:
        return
    source = str(source).replace("\\", "/")
    if not (source.startswith("chapters/") and source.endswith(".ipynb")):
        return
    href = context["pathto"](target, 1) + "?path=" + source.split("/", 1)[1]
    body = context.get("body", "")
    box = _LIVE_BOX.format(href=href, mb=LIVE_DOWNLOAD_MB, start=LIVE_FIRST_START)
    slow = _slow_live().get(Path(source).stem)
    if slow:
        box = box.replace("</p></div>", f" In the browser {slow} (numpy compiled to WebAssembly, "
                          "on one core): start them and read on, or use Binder or Colab.</p></div>")
    # each explorer's note: the static controls do nothing; say where they do
    note_end = "open this notebook in Binder or Colab.</p>"
    body = body.replace(note_end, note_end[:-4] + _NOTE_LINK.format(href=href) + "</p>")
    end_h1 = body.find("</h1>")
    body = body[:end_h1 + 5] + box + body[end_h1 + 5:] if end_h1 >= 0 else box + body
    context["body"] = body


def _add_offline_static(app, config):
    if config.pg_offline_static:
        config.html_static_path = [*config.html_static_path, config.pg_offline_static]


_NB_LOCATION = re.compile(r"^(?P<path>.+\.ipynb):(?P<line>\d+)$")


@lru_cache(maxsize=64)
def _cell_summary(path, index):
    """``"markdown: '## Returns'"``: the cell's type and first non-blank line, or ``""``."""
    try:
        with open(path, encoding="utf-8") as f:
            cell = json.load(f)["cells"][index]
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        return ""
    source = "".join(cell.get("source", ""))
    first = next((ln.strip() for ln in source.splitlines() if ln.strip()), "")
    if len(first) > 40:
        first = first[:37] + "..."
    return f"{cell.get('cell_type', '?')}: {first!r}"


def readable_location(location):
    """A notebook location ``path.ipynb:LINE`` of myst-nb's numbering as ``path.ipynb, cell N, line M``.

    Other locations are returned unchanged.

    >>> readable_location("chapters/x.ipynb:260002")
    'chapters/x.ipynb, cell 26, line 2'
    >>> readable_location("chapters/x.ipynb:10001")
    'chapters/x.ipynb, cell 1, line 1'
    >>> readable_location("chapters/index.md:12")
    'chapters/index.md:12'
    """
    m = _NB_LOCATION.match(location or "")
    if not m or int(m["line"]) < 10001:
        return location
    number = int(m["line"])
    cell, line = number // 10000, number % 10000   # cell is 1-based: index + 1
    if line == 0:                                  # a line past 9999 of the cell before
        cell, line = cell - 1, 10000
    summary = _cell_summary(m["path"], cell - 1)
    return f"{m['path']}, cell {cell}{f' ({summary})' if summary else ''}, line {line}"


class NotebookLocationFilter(logging.Filter):
    """Rewrites a warning's notebook location (see :func:`readable_location`)."""

    def filter(self, record):
        location = getattr(record, "location", None)
        if isinstance(location, str):
            record.location = readable_location(location)
        return True


def _install_location_filter():
    """Put the filter on Sphinx's warning handler, right after it has turned locations into text."""
    from sphinx.util.logging import NAMESPACE, WarningLogRecordTranslator
    for handler in logging.getLogger(NAMESPACE).handlers:
        filters = handler.filters
        if any(isinstance(f, NotebookLocationFilter) for f in filters):
            continue
        for i, f in enumerate(filters):
            if isinstance(f, WarningLogRecordTranslator):
                filters.insert(i + 1, NotebookLocationFilter())
                break


def setup(app):
    _install_location_filter()
    app.add_config_value("pg_offline_static", "", "html")
    app.add_config_value("pg_live_app", "lite/notebooks/index.html", "html")
    app.connect("html-page-context", _live_link)
    app.connect("config-inited", _add_offline_static)
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    app.connect("html-page-context", _plain_titles)
    # MathJax on every page, not only on pages with math: the sidebar of every page shows
    # chapter 3's title, whose math would stay raw TeX on a page without equations
    app.set_html_assets_policy("always")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
