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
"""

from __future__ import annotations


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


def setup(app):
    app.add_config_value("pg_offline_static", "", "html")
    app.connect("config-inited", _add_offline_static)
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
