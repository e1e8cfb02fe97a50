"""Headless Chromium driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`: JSON messages ended by
NUL on file descriptors 3 and 4), so the report is checked as a browser lays it out — with no Python dependency
beyond the standard library and Debian's `chromium` package (.ci/run installs it).

`Browser(...).open(path)` loads a page at a fixed viewport and returns what the page says about itself
(`PROBE`, run in the page): images that did not load, elements wider than the viewport outside a scroll box,
where the lead section starts, every link's href and every id; `screenshot()` is the first screen as PNG.
"""
from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "chrome")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--hide-scrollbars", "--remote-debugging-pipe")

# Runs in the page once it has loaded: plain data back (returnByValue).
PROBE = r"""
(() => {
  const W = window.innerWidth;
  const scrolls = el => { for (let p = el.parentElement; p; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX; if (o === 'auto' || o === 'scroll' || o === 'hidden') return true; }
    return false; };
  const wide = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.right > W + 1 && !scrolls(el))
      wide.push(el.tagName + (el.id ? '#' + el.id : '') + ' right=' + Math.round(r.right));
  }
  const lead = document.querySelector('section.lead');
  return {
    width: W, height: window.innerHeight, scrollWidth: document.documentElement.scrollWidth,
    images: document.images.length,
    broken: [...document.images].filter(i => !i.complete || i.naturalWidth === 0).map(i => i.getAttribute('src')),
    wide: wide.slice(0, 20),
    lead: lead ? {title: lead.querySelector('h2').textContent, top: lead.getBoundingClientRect().top + scrollY}
               : null,
    toc: (() => { const t = document.querySelector('nav.toc'); return t ? t.getBoundingClientRect().top : null; })(),
    links: [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href')),
    ids: [...document.querySelectorAll('[id]')].map(e => e.id),
  };
})()
"""


def find_chromium() -> str | None:
    return next((path for name in CANDIDATES if (path := shutil.which(name))), None)


class Browser:
    """One headless Chromium, one tab; `with Browser(binary) as b: b.open(path)`."""

    def __init__(self, binary: str, width: int = 1400, height: int = 900, timeout_s: float = 120):
        self.width, self.height, self.timeout_s = width, height, timeout_s
        self.profile = tempfile.mkdtemp(prefix="fitbench-chromium-")
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()
        # the protocol's pipe is the child's fds 3 (it reads) and 4 (it writes): moved there before the child
        # closes what it does not keep (pass_fds)
        self.proc = subprocess.Popen(
            [binary, *FLAGS, f"--user-data-dir={self.profile}", f"--window-size={width},{height}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            pass_fds=(3, 4), preexec_fn=_pipe_fds(to_chrome_r, from_chrome_w))
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buffer, self._id, self._events = b"", 0, []
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        self.call("Page.enable", session=True)
        self.call("Emulation.setDeviceMetricsOverride", session=True, width=width, height=height,
                  deviceScaleFactor=1, mobile=False)

    def __enter__(self) -> "Browser":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        try:
            self.call("Browser.close")
        except Exception:  # already gone: the kill below makes sure
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._to_chrome, self._from_chrome):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self.profile, ignore_errors=True)

    def call(self, method: str, session: bool = False, **params: Any) -> dict[str, Any]:
        self._id += 1
        message = {"id": self._id, "method": method, "params": params}
        if session:
            message["sessionId"] = self.session
        os.write(self._to_chrome, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._read()
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self._events.append(reply)

    def _read(self) -> dict[str, Any]:
        deadline = time.monotonic() + self.timeout_s
        while b"\0" not in self._buffer:
            if time.monotonic() > deadline:
                raise TimeoutError("chromium did not answer")
            chunk = os.read(self._from_chrome, 1 << 16)
            if not chunk:
                raise RuntimeError("chromium closed its pipe")
            self._buffer += chunk
        raw, _, self._buffer = self._buffer.partition(b"\0")
        return json.loads(raw)

    def open(self, path: Path) -> dict[str, Any]:
        """Loads a file and waits for its load event (every image fetched or failed); the probe's findings."""
        self._events.clear()
        self.call("Page.navigate", session=True, url=Path(path).resolve().as_uri())
        while not any(e.get("method") == "Page.loadEventFired" for e in self._events):
            self._events.append(self._read())
        result = self.call("Runtime.evaluate", session=True, expression=PROBE, returnByValue=True)
        return result["result"]["value"]

    def screenshot(self, out: Path) -> Path:
        """The first screen (the viewport at the top of the page) as PNG."""
        self.call("Runtime.evaluate", session=True, expression="window.scrollTo(0, 0)")
        data = self.call("Page.captureScreenshot", session=True, format="png")["data"]
        out.write_bytes(base64.b64decode(data))
        return out


def _pipe_fds(read_fd: int, write_fd: int):
    """In the child: its end of each pipe moved to fd 3 and 4, where --remote-debugging-pipe looks."""
    def move() -> None:
        r, w = os.dup(read_fd), os.dup(write_fd)  # fresh numbers first: one of them may already be 3 or 4
        os.dup2(r, 3)
        os.dup2(w, 4)
    return move
