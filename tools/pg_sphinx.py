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


def _add_offline_static(app, config):
    if config.pg_offline_static:
        config.html_static_path = [*config.html_static_path, config.pg_offline_static]


def setup(app):
    app.add_config_value("pg_offline_static", "", "html")
    app.connect("config-inited", _add_offline_static)
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    app.connect("html-page-context", _plain_titles)
    # MathJax on every page, not only on pages with math: the sidebar of every page shows
    # chapter 3's title, whose math would stay raw TeX on a page without equations
    app.set_html_assets_policy("always")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
