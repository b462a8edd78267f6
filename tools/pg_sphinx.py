"""A local Sphinx extension for the book: fixes to the generated pages.

Loaded through ``sphinx.local_extensions`` in ``_config.yml``.

* Each page got sphinx-thebe's inline configuration script twice, so the
  browser reported ``SyntaxError: Identifier 'THEBE_JS_URL' has already been
  declared`` on every page. Cause: Sphinx 7.4 re-adds the registered scripts
  when writing starts, with the filename ``''`` instead of ``None``, so the two
  copies of a script with a body and no file no longer compare equal. Here
  every page's scripts are de-duplicated, with ``None`` and ``''`` treated alike.
* ``pg_offline_static`` (set by tools/offline_edition.py): a folder of
  offline assets (MathJax, the widget manager) added to ``html_static_path``
  after jupyter-book has read the config, so that only the files the offline
  edition names are linked into the pages.
* Warnings about a notebook name a place a person can open: myst-nb numbers
  the lines of cell ``i`` (0-based) from ``(i + 1) * 10000 + 1``, so Sphinx
  reported an undefined label at ``03_performance.ipynb:260002``; the location
  is rewritten to ``03_performance.ipynb, cell 26 (markdown: '## Returns'),
  line 2`` (cells counted from 1, as a reader counts them; issue 10).
"""

from __future__ import annotations

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
    app.connect("config-inited", _add_offline_static)
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
