"""Every page of the offline edition in headless Chromium, with the internet cut off.

For each page listed in ``_toc.yml`` (parsed here, so new chapters are
covered as they are added): it loads with no console error and no failed or
blocked request; every equation is typeset by MathJax; every image loads and
has alt text; saved widget state renders as real controls, each explorer with
its "needs a running kernel" note; every same-site link answers 200; notebook
pages carry the launch, repository and download buttons. A full-page
screenshot of each page goes to ``_build/screenshots/``. The search page must
find the policy gradient theorem, and a page opened straight from disk
(``file://``, a reader who downloaded ``_build/html``) must work too.

Run with ``make test-browser`` (which builds the offline edition first).
"""

from __future__ import annotations

import glob
import re
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from browserkit import ROOT, offline_context

TOC = ROOT / "_toc.yml"
CONFIG = ROOT / "_config.yml"
TIMEOUT_MS = 30_000


def toc_docnames(toc_path=TOC):
    """Docnames (paths without suffix, relative to the book root) of ``_toc.yml``, in order."""
    toc = yaml.safe_load(toc_path.read_text())
    names = []

    def add(name):
        name = re.sub(r"\.(md|ipynb|rst)$", "", str(name))
        if name not in names:
            names.append(name)

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                add(entry["file"])
            elif "glob" in entry:
                for path in sorted(glob.glob(str(ROOT / entry["glob"]))):
                    add(Path(path).relative_to(ROOT).with_suffix("").as_posix())
            for key in ("sections", "chapters", "parts"):
                walk(entry.get(key))

    add(toc["root"])
    walk([{k: v for k, v in toc.items() if k in ("parts", "chapters", "sections")}])
    return names


PAGES = toc_docnames()


def source_of(docname):
    for suffix in (".ipynb", ".md", ".rst"):
        if (ROOT / f"{docname}{suffix}").is_file():
            return ROOT / f"{docname}{suffix}"
    return None


def is_notebook(docname):
    src = source_of(docname)
    if src is None:
        return False
    if src.suffix == ".ipynb":
        return True
    head = src.read_text(errors="replace")[:2000]
    return head.startswith("---") and "kernelspec" in head.split("---", 2)[1]


# ---------------------------------------------------------------------------
# one visit per page, shared by the tests below
# ---------------------------------------------------------------------------
WAIT_JS = """
async () => {
  const sleep = ms => new Promise(r => setTimeout(r, ms));
  const t0 = Date.now();
  const late = () => Date.now() - t0 > 20000;
  const log = [];
  if (document.querySelector('.math')) {
    while (!(window.MathJax && MathJax.startup && MathJax.startup.promise) && !late()) await sleep(50);
    if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
    else log.push('MathJax never started');
  }
  const views = document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]').length;
  while (views && document.querySelectorAll('.widget-subarea > *').length < views && !late()) await sleep(100);
  for (const img of document.images) img.loading = 'eager';
  await Promise.all([...document.images].map(i => i.complete ? null :
      new Promise(r => { i.addEventListener('load', r); i.addEventListener('error', r); })));
  return log;
}
"""

INSPECT_JS = r"""
() => {
  const skip = 'pre, code, script, style, textarea, mjx-container, .highlight, .cell_input';
  const main = document.querySelector('main') || document.body;
  const raw = [];
  const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
  const pattern = /\$\$|\\\(|\\\)|\\\[|\\\]|\\frac|\\begin\{|\\mathbb|\$[^$\s][^$]*\\[a-zA-Z]+[^$]*\$/;
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const el = node.parentElement;
    if (!el || el.closest(skip)) continue;
    if (pattern.test(node.textContent)) raw.push(node.textContent.trim().slice(0, 120));
  }
  const math = [...document.querySelectorAll('.math')];
  const untypeset = math.filter(m => !m.querySelector('mjx-container') && !m.closest('mjx-container'))
                        .map(m => m.textContent.trim().slice(0, 120));
  const merrors = [...document.querySelectorAll('mjx-merror')]
                        .map(e => (e.getAttribute('data-mjx-error') || e.textContent).slice(0, 120));
  const images = [...document.images].map(i => ({
      src: i.currentSrc || i.src, alt: (i.getAttribute('alt') || '').trim(),
      ok: i.complete && i.naturalWidth > 0,
      shown: i.getClientRects().length > 0}));
  const viewTags = [...document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]')];
  const views = viewTags.map(t => {
      const area = t.previousElementSibling;
      const out = t.closest('.cell_output') || t.parentElement;
      return {
        rendered: !!(area && area.classList.contains('widget-subarea') && area.children.length),
        controls: area ? area.querySelectorAll(
            '.widget-slider, .widget-hslider, .widget-dropdown, .widget-button, .widget-toggle-buttons, '
            + '.widget-checkbox, .widget-text, .widget-radio').length : 0,
        note: !!(out && out.querySelector('.pg-kernel-note')),
      };
  });
  const links = [...document.querySelectorAll('a[href]')].map(a => a.href);
  const q = s => { const a = document.querySelector(s); return a ? a.getAttribute('href') : null; };
  const buttons = {
    binder: q('a[href*="mybinder.org"]'),
    colab: q('a[href*="colab.research.google.com"]'),
    repository: q('a.btn-source-repository-button'),
    download: q('a.btn-download-source-button'),
  };
  const h1 = document.querySelector('main h1');
  return {raw, mathCount: math.length, mjx: document.querySelectorAll('mjx-container').length,
          untypeset, merrors, images, views, links, buttons,
          title: h1 ? h1.textContent.trim() : '', height: document.body.scrollHeight};
}
"""


@dataclass
class Visit:
    url: str
    console: list = field(default_factory=list)
    failed: list = field(default_factory=list)
    wait_log: list = field(default_factory=list)
    dom: dict = field(default_factory=dict)


@pytest.fixture(scope="session")
def offline(browser, base_url):
    context = offline_context(browser, [base_url])
    yield context
    context.close()


@pytest.fixture(scope="session")
def visit(offline, base_url, screenshots):
    """visit(docname) -> Visit: the page loaded once, inspected, screenshotted."""
    cache = {}

    def _visit(docname):
        if docname in cache:
            return cache[docname]
        v = Visit(url=f"{base_url}{docname}.html")
        page = offline.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.on("console", lambda m: v.console.append(f"console.{m.type}: {m.text}")
                if m.type == "error" else None)
        page.on("pageerror", lambda e: v.console.append(f"uncaught: {e}"))
        page.on("requestfailed", lambda r: v.failed.append(f"{r.url} ({r.failure})"))
        page.on("response", lambda r: v.failed.append(f"HTTP {r.status} {r.url}")
                if r.status >= 400 else None)
        page.goto(v.url, wait_until="load")
        v.wait_log = page.evaluate(WAIT_JS)
        v.dom = page.evaluate(INSPECT_JS)
        page.screenshot(path=str(screenshots / f"{docname.replace('/', '__')}.png"), full_page=True)
        page.close()
        cache[docname] = v
        return v

    return _visit


def test_toc_lists_pages():
    assert PAGES, "no pages found in _toc.yml"
    missing = [d for d in PAGES if source_of(d) is None]
    assert not missing, f"_toc.yml lists pages with no source file: {missing}"


@pytest.mark.parametrize("docname", PAGES)
def test_page_loads_offline_without_errors(visit, docname):
    v = visit(docname)
    problems = v.console + v.failed + v.wait_log
    assert not problems, f"{v.url}:\n  " + "\n  ".join(problems)
    assert v.dom["title"], f"{v.url}: no <h1> in the page"


@pytest.mark.parametrize("docname", PAGES)
def test_every_equation_is_typeset(visit, docname):
    d = visit(docname).dom
    assert not d["merrors"], f"MathJax errors in {docname}: {d['merrors']}"
    assert not d["untypeset"], f"math left untypeset in {docname}: {d['untypeset'][:5]}"
    assert not d["raw"], f"raw TeX in the visible text of {docname}: {d['raw'][:5]}"
    if d["mathCount"]:
        assert d["mjx"] >= d["mathCount"], f"{docname}: {d['mathCount']} math elements, {d['mjx']} typeset"


@pytest.mark.parametrize("docname", PAGES)
def test_images_load_and_have_alt_text(visit, docname):
    images = visit(docname).dom["images"]
    broken = [i["src"] for i in images if not i["ok"] and i["shown"]]
    no_alt = [i["src"] for i in images if not i["alt"]]
    assert not broken, f"{docname}: images that did not load: {broken}"
    assert not no_alt, f"{docname}: images without alt text: {no_alt}"


@pytest.mark.parametrize("docname", PAGES)
def test_widgets_render_with_a_kernel_note(visit, docname):
    views = visit(docname).dom["views"]
    if not views:
        pytest.skip("no widgets on this page")
    assert all(v["rendered"] for v in views), f"{docname}: widget views not rendered: {views}"
    assert any(v["controls"] for v in views), f"{docname}: widgets rendered but no controls"
    bare = [i for i, v in enumerate(views) if v["controls"] and not v["note"]]
    assert not bare, (f"{docname}: widget outputs {bare} have controls but no note that they need "
                      "a running kernel (display explorers through pgcore.widgets.Explorer)")


@pytest.mark.parametrize("docname", [d for d in PAGES if is_notebook(d)])
def test_notebook_pages_have_launch_and_download_buttons(visit, docname):
    cfg = yaml.safe_load(CONFIG.read_text())
    repo = cfg["repository"]["url"].rstrip("/")
    slug = repo.split("github.com/")[-1]
    b = visit(docname).dom["buttons"]
    assert b["binder"] and f"/gh/{slug}/" in b["binder"] and "urlpath=lab" in b["binder"], b
    assert b["colab"] and f"/github/{slug}/blob/" in b["colab"] and b["colab"].endswith(".ipynb"), b
    assert b["repository"] and b["repository"].rstrip("/") == repo, b
    assert b["download"] and b["download"].endswith(".ipynb"), b


def test_internal_links_resolve(visit, base_url):
    links = set()
    for docname in PAGES:
        links.update(u.split("#")[0] for u in visit(docname).dom["links"] if u.startswith(base_url))
    assert links, "no internal links found"
    bad = []
    for url in sorted(links):
        try:
            with urllib.request.urlopen(url, timeout=10) as r:
                if r.status != 200:
                    bad.append(f"{r.status} {url}")
        except urllib.error.HTTPError as e:
            bad.append(f"{e.code} {url}")
    assert not bad, "broken internal links:\n  " + "\n  ".join(bad)


def test_search_finds_the_policy_gradient_theorem(offline, base_url, screenshots):
    words = ("policy", "gradient", "theorem")
    pages = [d for d in PAGES if source_of(d) and
             all(w in source_of(d).read_text(errors="replace").lower() for w in words)]
    if not pages:
        pytest.skip(f"no page of _toc.yml mentions {' '.join(words)} yet")
    page = offline.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{base_url}search.html?q=policy+gradient+theorem")
    page.wait_for_function(
        "() => { const s = document.querySelector('#search-results');"
        " return s && (s.querySelector('ul.search li') || /found|did not match/i.test(s.innerText)); }",
        timeout=TIMEOUT_MS)
    results = page.locator("#search-results ul.search li").count()
    page.screenshot(path=str(screenshots / "search.png"), full_page=True)
    page.close()
    assert not errors, errors
    assert results > 0, "the search page found nothing for 'policy gradient theorem'"


def test_opened_from_disk(browser, site):
    """A reader who downloaded _build/html opens a page with file://: math and widgets still work."""
    pages = [d for d in PAGES if is_notebook(d)] or PAGES
    # the page with the most widget views, else the first notebook page
    html = {d: (site / f"{d}.html").read_text(errors="replace") for d in pages}
    docname = max(pages, key=lambda d: (html[d].count("widget-view+json"), html[d].count('class="math')))
    context = offline_context(browser, [])  # nothing on the network at all
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto((site / f"{docname}.html").as_uri())
    log = page.evaluate(WAIT_JS)
    d = page.evaluate(INSPECT_JS)
    context.close()
    assert not errors and not log, (errors, log)
    assert not context.blocked, f"file:// page asked the network for {context.blocked}"
    assert not d["untypeset"] and not d["merrors"]
    assert all(v["rendered"] for v in d["views"])
    assert all(i["ok"] for i in d["images"] if i["shown"])
