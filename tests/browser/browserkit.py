"""Helpers of the real-browser tests: a local web server, Chromium, and the offline rule.

The suite checks the *offline edition* of the book (``make book-offline``,
built into ``_build/html``), served on 127.0.0.1 by a ``http.server`` thread.
Chromium is Debian's (``/usr/bin/chromium``, or ``$CHROMIUM``), driven by
Playwright; every request that does not go to the local server is aborted
and recorded, so a page that still needs the internet fails.

Without Chromium or Playwright the whole suite is skipped with a message
saying what to install.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "_build" / "html"
SCREENSHOTS = ROOT / "_build" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
VIEWPORT = {"width": 1280, "height": 900}
DEMOS = ROOT / "chapters" / "classroom_demos.ipynb"


def skip_reason():
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)) and not shutil.which(CHROMIUM):
        return (f"no Chromium at {CHROMIUM}: install it with `apt-get install -y chromium` "
                "(or set CHROMIUM=/path/to/chromium) to run the browser tests")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the Python package playwright is not installed (it is in requirements.txt)"
    return None


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - signature of the base class
        pass


def serve(directory):
    """Serve ``directory`` on 127.0.0.1 at a free port; returns (server, base_url)."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def offline_context(browser, allowed_prefixes):
    """A browser context in which only URLs starting with one of ``allowed_prefixes`` load.

    Every other request is aborted and its URL appended to ``context.blocked``.
    """
    context = browser.new_context(viewport=VIEWPORT)
    context.blocked = []

    def route(r):
        url = r.request.url
        if url.startswith(tuple(allowed_prefixes)) or url.startswith(("data:", "blob:", "file:")):
            r.continue_()
        else:
            context.blocked.append(url)
            r.abort()

    context.route("**/*", route)
    return context


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def explorer_cells(notebook=DEMOS):
    """The code cells of ``notebook`` that start an explorer."""
    nb = json.loads(notebook.read_text())
    return [c for c in nb["cells"] if c["cell_type"] == "code" and "_explorer(" in "".join(c["source"])]


def kernel_env():
    """This environment for a server whose kernels must import pgcore and draw normally."""
    env = dict(os.environ)
    env.pop("MPLBACKEND", None)  # a kernel keeps an inherited backend: Agg would hide figures
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    return env


@contextlib.contextmanager
def running(cmd, port, cwd, env, log, timeout=90):
    """Run a server command until the block ends; wait until it answers on ``port``."""
    import pytest

    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                pytest.fail(f"{cmd[2]} exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"{cmd[2]} did not answer on port {port}:\n{log.read_text()[-3000:]}")
                time.sleep(0.3)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
