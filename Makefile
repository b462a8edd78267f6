# Policy Gradient Methods: build and test.
#
#   make book    build the HTML into _build/html (notebooks are executed), with
#                the live edition in _build/html/lite (JupyterLite: the chapters
#                run in the reader's browser; Pyodide from its CDN at read time)
#   make book-offline   the same site, but MathJax and the widget manager are
#                copied into it (from the npm registry), and the live edition
#                serves Pyodide itself (tools/pg_live.py): it works with no internet
#   make test    unit tests + doctests, notebooks (strict nbval), strict book build,
#                then the offline edition checked page by page in Chromium
#   make test-browser   only the Chromium checks: the offline edition, the
#                classroom demos in Voila and JupyterLab, and every chapter run
#                live in the browser kernel (PG_LITE_ALL=1 adds chapter 8)
#   make voila   the classroom demos as a Voila app (template share/jupyter/voila/templates/pgbook)
#   make venv    create .venv and install requirements.txt (done by book/test too)
#   make clean   remove build output and test caches (keeps .venv)
#   make distclean   clean, and remove .venv
#
# Needs Python 3.11+ (set PYTHON=... to choose another interpreter); book-offline
# also needs npm (Node.js), and test-browser Chromium at /usr/bin/chromium.
# SKIP_BINDER_TEST=1 skips the slow Binder check (a fresh venv runs every notebook).

SHELL  := /bin/bash
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

# Notebook outputs cached by jupyter-cache are keyed on the notebooks' code only,
# so they are thrown away whenever pgcore or the environment changes.
JCACHE       := _build/.jupyter_cache
JCACHE_STAMP := _build/.jupyter_cache.deps
PGCORE_SRC   := $(wildcard pgcore/*.py pgcore/*/*.py pgcore/*.c)

NOTEBOOK_DIR := chapters
NORECURSE    := .* _build build dist *.egg *.egg-info venv node_modules __pycache__

# Unit tests and doctests (testpaths and --doctest-modules come from pyproject.toml).
PYTEST_UNIT  := $(BIN)/python -m pytest tests pgcore -o 'norecursedirs=$(NORECURSE)' --ignore=tests/browser
# Every notebook in chapters/, outputs compared strictly (not --nbval-lax), in a
# kernel of .venv's own Python.
PYTEST_NB    := $(BIN)/python -m pytest $(NOTEBOOK_DIR) -o 'norecursedirs=$(NORECURSE)' \
                --nbval --nbval-current-env --nbval-cell-timeout=120 \
                --nbval-sanitize-with tests/nbval_sanitize.cfg

.PHONY: voila colab-cells all venv book book-offline test test-unit test-notebooks test-build test-browser clean distclean

all: book

venv: $(STAMP)

$(STAMP): requirements.txt pyproject.toml setup.py pgcore/_ckernels.c
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
	  || { echo "error: Python 3.11 or newer is needed (found: $$($(PYTHON) --version 2>&1)); run e.g. 'make PYTHON=python3.11'" >&2; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check -r requirements.txt
	@# one line: the compiled kernel, or (no C compiler) the numpy fallback
	@$(BIN)/python -W ignore -c 'import pgcore._kernels as k; print(k.status())'
	touch $@

# Sphinx's saved environment (_build/.doctrees) goes too: otherwise Sphinx
# sees no changed notebook, rebuilds "0 source files" and the pages keep the
# outputs of the old pgcore although the cache was cleared (issue 10).
$(JCACHE_STAMP): $(STAMP) $(PGCORE_SRC) setup.py
	rm -rf $(JCACHE) _build/.doctrees
	mkdir -p _build
	touch $@

book: $(STAMP) $(JCACHE_STAMP)
	$(BIN)/jupyter-book build .
	$(BIN)/python tools/pg_live.py build
	@echo "Book: _build/html/index.html"

# The offline edition, also into _build/html: mathjax, require.js and the
# widget manager (pinned in tools/offline_edition.py) are fetched once with
# `npm pack` into _build/offline and served from the site's _static folder;
# _build/offline/_config.yml is _config.yml plus the settings that point there.
book-offline: $(STAMP) $(JCACHE_STAMP)
	$(BIN)/python tools/offline_edition.py fetch
	$(BIN)/python tools/offline_edition.py config
	$(BIN)/jupyter-book build . --config _build/offline/_config.yml
	$(BIN)/python tools/pg_live.py build --offline
	@echo "Offline book: _build/html/index.html (copy the whole folder)"

test: test-unit test-notebooks test-build test-browser

# MPLBACKEND=Agg for the pytest process only. It must NOT reach notebook kernels:
# ipykernel keeps an MPLBACKEND it inherits, so a kernel started by nbval or
# jupyter-book would use Agg: plt.show() displays nothing, nbval fails on the
# missing figure output and the book loses its figures.
test-unit: $(STAMP)
	MPLBACKEND=Agg $(PYTEST_UNIT)

test-notebooks: $(STAMP)
	$(PYTEST_NB)

# Strict build: any warning fails. --all re-reads every page (a fresh Sphinx
# environment), so warnings from pages unchanged since the last build are not
# silently skipped; executed notebooks still come from the jupyter cache.
test-build: $(STAMP) $(JCACHE_STAMP)
	$(BIN)/jupyter-book build . --all -W -n --keep-going

# Every page of the offline edition in headless Chromium with all outside
# requests blocked (tests/browser; screenshots in _build/screenshots), and the
# classroom demos run live in Voila and in JupyterLab. Runs after the strict
# build under `make test` (book-offline then rebuilds _build/html as the
# offline edition). Skipped, with a message, where there is no Chromium.
test-browser: $(STAMP) book-offline
	$(BIN)/python -m pytest tests/browser -o 'norecursedirs=$(NORECURSE)'

# The classroom page for a projector: Voila with the book's template (found through
# JUPYTER_PATH), which loads nothing from the internet. voila.json (read from here)
# keeps the jupyterlab-myst and JupyterLite kernel extensions out of Voila's page, which they break.
voila: $(STAMP)
	JUPYTER_PATH=$(CURDIR)/share/jupyter $(BIN)/voila --template=pgbook chapters/classroom_demos.ipynb

# After pointing repository.url in _config.yml at a fork: update every notebook's
# Colab install cell (hidden in the book) to install pgcore from there.
colab-cells: $(STAMP)
	$(BIN)/python tools/colab_cell.py

clean:
	rm -rf _build .pytest_cache .hypothesis
	find . -path ./$(VENV) -prune -o \( -name __pycache__ -o -name .ipynb_checkpoints \) -type d -print0 | xargs -0 rm -rf

distclean: clean
	rm -rf $(VENV) *.egg-info
