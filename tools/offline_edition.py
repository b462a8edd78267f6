"""The offline edition of the book: MathJax and the widget manager served by the site itself.

The default build (``make book``) loads MathJax, require.js and the Jupyter
widget manager from CDNs. ``make book-offline`` runs this script, then builds
the same book into ``_build/html`` with the JavaScript copied into the site's
``_static`` folder, so a classroom without internet, or a reader who downloads
``_build/html``, gets typeset math and the widgets' saved state.

    python tools/offline_edition.py fetch    # npm packages -> _build/offline/static
    python tools/offline_edition.py config   # _config.yml + overrides -> _build/offline/_config.yml

The packages come from the npm registry with ``npm pack`` (pinned versions
below; npm checks each tarball's integrity), into a cache under ``_build`` that
is never committed. Needs Node.js's ``npm`` on the PATH.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
OFFLINE = ROOT / "_build" / "offline"
STATIC = OFFLINE / "static"  # copied by Sphinx into _build/html/_static

# npm package -> (files inside the package's tarball, folder under _static).
# html-manager 1.0.x is the widget manager of ipywidgets 8 (controls 2.0.0);
# its dist/embed-amd.js is an AMD bundle that needs require.js.
PACKAGES = {
    "mathjax@3.2.2": ("package/es5/", "mathjax"),
    "@jupyter-widgets/html-manager@1.0.15": ("package/dist/", "html-manager"),
    "requirejs@2.3.8": ("package/require.js", "requirejs"),
}

# Paths are relative to the site's _static folder (Sphinx resolves them per page).
MATHJAX_JS = "mathjax/tex-mml-chtml.js"
REQUIRE_JS = "requirejs/require.js"
EMBED_JS = "html-manager/embed-amd.js"
SETUP_JS = "html-manager/pg-setup.js"  # from tools/offline_widgets_setup.js


def _stamp(spec):
    return STATIC / f".{spec.replace('/', '_')}.fetched"


def fetch():
    """Download the pinned npm packages (once) and unpack what the site needs."""
    npm = shutil.which("npm")
    tarballs = OFFLINE / "npm"
    for spec, (member, dest) in PACKAGES.items():
        if _stamp(spec).exists():
            continue
        if npm is None:
            sys.exit("error: the offline edition needs npm (Node.js) to fetch " + spec)
        tarballs.mkdir(parents=True, exist_ok=True)
        out = subprocess.run([npm, "pack", spec, "--pack-destination", str(tarballs), "--silent"],
                             check=True, capture_output=True, text=True).stdout.split()
        tgz = tarballs / out[-1]
        target = STATIC / dest
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        with tarfile.open(tgz) as tar:
            for m in tar.getmembers():
                if not m.isfile() or not m.name.startswith(member) or m.name.endswith(".map"):
                    continue
                rel = m.name[len(member):] if member.endswith("/") else Path(m.name).name
                m.name = rel
                tar.extract(m, target, filter="data")
        _stamp(spec).touch()
        print(f"offline edition: {spec} -> {target.relative_to(ROOT)}")
    shutil.copyfile(ROOT / "tools" / "offline_widgets_setup.js", STATIC / SETUP_JS)
    for path in (MATHJAX_JS, REQUIRE_JS, EMBED_JS, SETUP_JS):
        if not (STATIC / path).is_file():
            sys.exit(f"error: {STATIC / path} is missing after fetching")


def overrides():
    """The Sphinx settings that differ from ``_config.yml`` in the offline edition."""
    return {
        "sphinx": {
            "config": {
                # Added by tools/pg_sphinx.py once Sphinx starts: in
                # html_static_path itself, jupyter-book would link every .js and
                # .css file of the folder (all of MathJax) into every page, as it
                # does for the book's own _static/ folder.
                "pg_offline_static": str(STATIC),
                "mathjax_path": MATHJAX_JS,
                # myst-nb adds these to every page that holds widget state.
                "nb_ipywidgets_js": {
                    # The book uses only the built-in widgets, which embed-amd.js
                    # bundles: it loads no other module (and so needs no CDN).
                    # pg-setup.js tells it where its fonts are and lets it
                    # typeset labels with MathJax 3 (see the file).
                    REQUIRE_JS: {},
                    SETUP_JS: {},
                    EMBED_JS: {},
                },
            }
        }
    }


def _merge(base, update):
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value
    return base


def config():
    """Write ``_build/offline/_config.yml``: the book's config plus :func:`overrides`."""
    cfg = yaml.safe_load((ROOT / "_config.yml").read_text())
    _merge(cfg, overrides())
    # jupyter-book resolves these folders from the config file's own folder
    local = cfg.get("sphinx", {}).get("local_extensions") or {}
    for name, path in local.items():
        local[name] = str((ROOT / path).resolve())
    OFFLINE.mkdir(parents=True, exist_ok=True)
    out = OFFLINE / "_config.yml"
    out.write_text("# Generated by tools/offline_edition.py from _config.yml: do not edit.\n"
                   + yaml.safe_dump(cfg, sort_keys=False, allow_unicode=True))
    print(f"offline edition: {out.relative_to(ROOT)}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=["fetch", "config"])
    args = parser.parse_args(argv)
    {"fetch": fetch, "config": config}[args.step]()


if __name__ == "__main__":
    main()
