"""The live edition in headless Chromium: how long a reader waits, and what is downloaded.

For each chapter of the built offline site (``make book-offline``), in a
fresh browser profile (nothing cached) with every outside request aborted:

* kernel ready: seconds from opening the chapter in JupyterLite until the
  Pyodide kernel is idle (the app, Pyodide and the kernel's packages loaded);
* run-all: seconds for Run All Cells (numpy, matplotlib, pgcore and the
  widgets are installed by the hidden first cell, so this includes them);
* redraw: where the chapter has an explorer, median and max over 20 drags of
  its first slider, from releasing the mouse to the new figure on the page;
* bytes on first open: what the local server sent during the whole session.

Then the size of the site, with and without the live edition. Targets on this
2-core machine: kernel ready < 15 s, run-all < 40 s, redraw median < 0.5 s.

    .venv/bin/python benchmarks/bench_lite.py [CHAPTER ...]
"""

from __future__ import annotations

import functools
import statistics
import sys
import threading
import time
from http.server import ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "browser"))

from browserkit import CHROMIUM, CHROMIUM_ARGS, SITE, _QuietHandler  # noqa: E402
import test_lite as lite  # noqa: E402

MOVES = 20


class CountingHandler(_QuietHandler):
    sent = 0
    lock = threading.Lock()

    def copyfile(self, source, outputfile):
        start = source.tell()
        super().copyfile(source, outputfile)
        with CountingHandler.lock:
            CountingHandler.sent += source.tell() - start


def serve(directory):
    handler = functools.partial(CountingHandler, directory=str(directory))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def redraws(session, index, moves=MOVES):
    """Seconds from mouse-up to a new figure, for ``moves`` drags of the first slider."""
    page = session.page
    lite.move_slider(session, index)  # scrolls the explorer into view, first drag
    times = []
    for k in range(moves):
        handle = page.evaluate_handle(
            "(i) => window.jupyterapp.shell.currentWidget.content.widgets[i].node"
            ".querySelector('.noUi-handle')", index).as_element()
        box = handle.bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        before = page.evaluate(lite.FIGURE_JS, index)["img"]
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x + (-30 if k % 2 == 0 else 30), y, steps=3)
        page.mouse.up()
        t = time.monotonic()
        while time.monotonic() - t < lite.REDRAW_TIMEOUT_S:
            if page.evaluate(lite.FIGURE_JS, index)["img"] != before:
                times.append(time.monotonic() - t)
                break
            page.wait_for_timeout(10)
        page.wait_for_timeout(200)
    return times


def size(path):
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main(argv):
    reason = lite.lite_skip_reason()
    if reason:
        sys.exit(reason)
    from playwright.sync_api import sync_playwright

    chapters = argv or lite.CHAPTERS
    server, url = serve(SITE)
    rows = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        for chapter in chapters:
            CountingHandler.sent = 0
            session = lite.LiteSession(browser, url, chapter)
            try:
                kernel = session.wait_kernel()
                run_all, cells = session.run_all()
                ok = all(c["count"] is not None and not c["errors"] for c in cells)
                index = lite.explorer_index(chapter)
                moves = redraws(session, index) if (index is not None and ok) else []
                rows.append((chapter, kernel, run_all, ok, moves, CountingHandler.sent,
                             len(session.context.blocked)))
            finally:
                session.close()
            r = rows[-1]
            print(f"  {chapter}: kernel {r[1]:.1f} s, run-all {r[2]:.1f} s", flush=True)
        browser.close()
    server.shutdown()

    print(f"\n{'chapter':30s} {'kernel s':>8s} {'run-all s':>9s} {'ran':>4s} {'redraw med s':>12s} "
          f"{'max s':>6s} {'moves':>5s} {'MB first open':>13s} {'outside':>7s}")
    for chapter, kernel, run_all, ok, moves, sent, blocked in rows:
        med = f"{statistics.median(moves):.3f}" if moves else "-"
        mx = f"{max(moves):.3f}" if moves else "-"
        print(f"{chapter:30s} {kernel:8.1f} {run_all:9.1f} {'yes' if ok else 'NO':>4s} {med:>12s} "
              f"{mx:>6s} {len(moves):5d} {sent / 1e6:13.1f} {blocked:7d}")
    kernels = [r[1] for r in rows]
    runs = [r[2] for r in rows]
    meds = [statistics.median(r[4]) for r in rows if r[4]]
    print(f"\nkernel ready: median {statistics.median(kernels):.1f} s, max {max(kernels):.1f} s (target < 15 s)")
    print(f"run-all:      median {statistics.median(runs):.1f} s, max {max(runs):.1f} s (target < 40 s)")
    if meds:
        print(f"redraw:       median of the chapters' medians {statistics.median(meds):.3f} s, "
              f"worst chapter {max(meds):.3f} s (target < 0.5 s)")
    total, live = size(SITE), size(SITE / "lite")
    pyodide = size(SITE / "lite" / "static" / "pyodide")
    print(f"site: {total / 1e6:.1f} MB, of which the live edition {live / 1e6:.1f} MB "
          f"(Pyodide and its packages {pyodide / 1e6:.1f} MB); without it {(total - live) / 1e6:.1f} MB")


if __name__ == "__main__":
    main(sys.argv[1:])
