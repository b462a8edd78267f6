"""The offline edition on a phone: 390 px wide (an iPhone 12-15 held upright).

For every page of ``_toc.yml``, in headless Chromium with the internet cut off, once
MathJax has typeset the page:

* no display equation overflows its box: its box stays inside the window, and an
  equation wider than its box scrolls inside it (``_static/pg-ui.css``) instead of
  being cut off at the right edge of the page;
* the page itself is no wider than the window;
* a wide (multi-panel) figure is not shrunk below 60% of its pixel width (it scrolls
  sideways in its own box instead: tick labels stay readable);
* a title with math (chapter 3's) is typeset, in the page and in the sidebar.

Full-page screenshots at 390 px go to ``_build/screenshots/phone_<page>.png``.
"""

from __future__ import annotations

import pytest

from browserkit import offline_context
from test_book import PAGES, WAIT_JS

PHONE = {"width": 390, "height": 844}
MIN_FIGURE_SCALE = 0.6

MEASURE_JS = r"""
() => {
  const W = window.innerWidth;
  const scrolls = e => e && ['auto', 'scroll'].includes(getComputedStyle(e).overflowX);
  const eqs = [...document.querySelectorAll('main div.math')].map(d => {
    const box = d.getBoundingClientRect();
    const c = d.querySelector('mjx-container');
    const m = c && c.querySelector('mjx-math');
    const content = m ? m.getBoundingClientRect() : box;
    const wide = content.width > box.width + 1;
    // scrolls for real: a scroll container no wider than the box, its content wider than it
    // (a flex item with overflow: auto but min-width: auto grows to its content instead,
    // and the box clips it: that is the cut-off equation)
    const scroller = [d, c].filter(e => e && scrolls(e)
        && e.scrollWidth > e.clientWidth + 1 && e.getBoundingClientRect().right <= box.right + 1);
    const clipped = c && c.getBoundingClientRect().right > box.right + 1;
    return {tex: d.textContent.trim().slice(0, 60), boxRight: Math.round(box.right),
            contentWidth: Math.round(content.width), boxWidth: Math.round(box.width),
            boxOut: box.right > W + 1, cut: wide && (clipped || !scroller.length)};
  });
  const figs = [...document.querySelectorAll('main div.cell_output img')]
      .filter(i => i.naturalWidth >= 680 && i.naturalWidth / i.naturalHeight > 1.7)
      .map(i => ({src: i.src.split('/').pop(), natural: i.naturalWidth,
                  shown: Math.round(i.getBoundingClientRect().width)}));
  const h1 = document.querySelector('main article h1') || document.querySelector('main h1');
  const nav = [...document.querySelectorAll('nav a')].filter(a => a.getAttribute('href')
      && a.getAttribute('href').includes('03_performance'));
  return {eqs, figs, pageWidth: document.documentElement.scrollWidth, W,
          h1Math: h1 ? h1.querySelectorAll('mjx-container').length : 0,
          h1Text: h1 ? h1.textContent : '',
          navMath: nav.map(a => a.querySelectorAll('mjx-container').length),
          navText: nav.map(a => a.textContent.trim())};
}
"""


@pytest.fixture(scope="module")
def phone(browser, base_url, screenshots):
    context = offline_context(browser, [base_url])
    cache = {}

    def _measure(docname):
        if docname not in cache:
            page = context.new_page()
            page.set_viewport_size(PHONE)
            page.goto(f"{base_url}{docname}.html", wait_until="load")
            page.evaluate(WAIT_JS)
            page.wait_for_timeout(300)  # pg-ui.js marks the wide figures
            cache[docname] = page.evaluate(MEASURE_JS)
            page.screenshot(path=str(screenshots / f"phone_{docname.split('/')[-1]}.png"),
                            full_page=True)
            page.close()
        return cache[docname]

    yield _measure
    context.close()


@pytest.mark.parametrize("docname", PAGES)
def test_display_equations_stay_in_their_box(phone, docname):
    m = phone(docname)
    bad = [e for e in m["eqs"] if e["boxOut"] or e["cut"]]
    wide = [e for e in m["eqs"] if e["contentWidth"] > e["boxWidth"] + 1]
    print(f"\n{docname}: {len(m['eqs'])} display equations, {len(wide)} wider than the column, "
          f"{len(bad)} overflowing; page {m['pageWidth']} px wide")
    assert not bad, f"{docname}: display equations cut off at {m['W']} px: {bad}"
    assert m["pageWidth"] <= m["W"] + 1, f"{docname}: the page is {m['pageWidth']} px wide"


@pytest.mark.parametrize("docname", PAGES)
def test_wide_figures_stay_legible(phone, docname):
    m = phone(docname)
    small = [f for f in m["figs"] if f["shown"] < MIN_FIGURE_SCALE * f["natural"]]
    assert not small, f"{docname}: wide figures shrunk below {MIN_FIGURE_SCALE:.0%} of their pixels: {small}"


def test_math_in_a_title_is_typeset(phone):
    m = phone("chapters/03_performance")
    assert m["h1Math"] >= 1 and "$" not in m["h1Text"], m["h1Text"]
    for other in ("chapters/04_gradient_ascent", "chapters/references"):  # with and without math
        m = phone(other)  # the sidebar of another page links chapter 3 by its title
        assert m["navText"] and all(n >= 1 for n in m["navMath"]), (other, m["navText"], m["navMath"])
