"""Drive headless Debian Chromium on a local HTML file: screenshot, DOM, network requests, console.

Standard library only (subprocess, json, zlib, struct): no Selenium, no Playwright, no Pillow.

    from browser import chromium_path, load, is_blank

    page = load("out/report.html", tmp_path)
    page.screenshot      # Path of the PNG
    page.dom             # the serialised DOM after load (--dump-dom)
    page.requests        # URLs of network requests the page made (must be [] for report.html)
    page.console         # console messages, uncaught errors and CSP violations
    is_blank(page.screenshot)

How the evidence is collected, and what it looks like (Debian's chromium 156; checked with
positive controls, see tests/test_report_browser.py::test_detection_positive_controls):

- Network: `--log-net-log=FILE` writes Chromium's NetLog as JSON ({"constants": ..., "events":
  [...]}). Every request made through the network stack is an event of source type URL_REQUEST
  whose params carry the "url" (URL_REQUEST_START_JOB also carries the "initiator" and the
  "network_isolation_key"). A page loaded from file:// that has `<img src="http://host/x.png">`
  gives URL_REQUEST_START_JOB {"url": "http://host/x.png", "initiator": "null",
  "network_isolation_key": "file:// [internally: file://] file:// [internally: file://]"}. file:
  and data: URLs do not go through the network stack at all.
  Chromium itself also talks to Google on start-up even with --disable-background-networking
  (update.googleapis.com/service/update2, accounts.google.com/ListAccounts, and
  clients2.google.com/time unless NetworkTimeServiceQuerying is disabled): those have the
  initiator "not an origin" and are listed separately in `browser_requests`; everything else
  that is not file:, data:, blob:, about: or chrome-ish internal counts as the page's.
  All traffic is sent to a dead proxy (127.0.0.1:9), so nothing leaves the machine either way:
  the NetLog still records the request (with net_error -130 or similar).
- Console: `--enable-logging=stderr --v=0` logs every console message of the page to stderr as
  `[pid:tid:date:INFO:CONSOLE:LINE] "message", source: file:///... (LINE)` (older versions:
  `INFO:CONSOLE(LINE)`). An exception thrown by a script shows as `"Uncaught Error: ..."`. A
  script blocked by the Content-Security-Policy shows as `"Executing inline script violates the
  following Content Security Policy directive 'default-src 'none''. ... The action has been
  blocked."` (older Chromium wrote `Refused to execute inline script because it violates ...`).
"""

import json
import os
import re
import shutil
import signal
import struct
import subprocess
import tempfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

TIMEOUT = 60
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--hide-scrollbars",
    "--disable-features=NetworkTimeServiceQuerying",
    # Hermetic: any request (the page's or Chromium's own) goes to a closed local port.
    "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
)
LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:", "chrome:", "chrome-extension:", "chrome-search:",
                 "chrome-untrusted:", "devtools:")
CONSOLE_MARKERS = ("CONSOLE", "Uncaught", "Refused to", "Content Security Policy")
CSP_MARKERS = ("Refused to", "Content Security Policy")


@dataclass
class PageLoad:
    """What one load of a page gave. `requests` and `console` are what a test asserts on."""
    html_path: Path
    screenshot: Path                 # the PNG (viewport of width x height)
    dom: str                         # the DOM after load, serialised (--dump-dom)
    requests: list                   # URLs of the network requests the page made
    browser_requests: list           # Chromium's own background requests (initiator "not an origin")
    console: list                    # console lines: messages, uncaught errors, CSP violations
    stderr: str = field(repr=False, default="")   # chromium's whole stderr, for debugging
    net_logs: list = field(default_factory=list)   # the NetLog files kept (load(..., keep_net_log=True))

    @property
    def csp_violations(self):
        """The console lines that report something blocked by the Content-Security-Policy."""
        return [line for line in self.console if any(m in line for m in CSP_MARKERS)]

    @property
    def title(self):
        """The document's title after load (from the DOM dump), or None."""
        match = re.search(r"<title[^>]*>(.*?)</title>", self.dom, re.S | re.I)
        return match.group(1) if match else None


def chromium_path():
    """The path of the chromium executable (`chromium`, else `chromium-browser`) or None."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _run(args, timeout):
    """Run chromium in its own process group; kill the whole group (renderers too) on a timeout.
    Returns (returncode, stdout, stderr)."""
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               errors="replace", start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
        raise RuntimeError(f"chromium did not finish within {timeout} s: {' '.join(args)}\n{stderr[-3000:]}")
    return process.returncode, stdout, stderr


def read_net_log(path):
    """Parse a NetLog file; returns (page_urls, browser_urls), each in order and without repeats.

    A request is the page's unless Chromium marked it as having no initiator ("not an origin")
    and it is not tied to a file:// page (network_isolation_key / site_for_cookies)."""
    text = Path(path).read_text(errors="replace") if Path(path).exists() else ""
    if not text.strip():
        raise RuntimeError(f"chromium wrote no net log to {path}")
    try:
        log = json.loads(text)
    except json.JSONDecodeError:
        # A log cut short (chromium killed) lacks its closing brackets; NetLog's viewer does the same.
        log = json.loads(text.rstrip().rstrip(",") + "]}")
    constants = log["constants"]
    url_request = constants["logSourceType"]["URL_REQUEST"]
    urls, initiators, contexts = {}, {}, {}
    for event in log.get("events", []):
        if event.get("source", {}).get("type") != url_request:
            continue
        params = event.get("params") or {}
        source = event["source"]["id"]
        if "url" in params:
            urls.setdefault(source, params["url"])
        if "initiator" in params:
            initiators.setdefault(source, params["initiator"])
        for key in ("network_isolation_key", "site_for_cookies"):
            if key in params:
                contexts.setdefault(source, []).append(str(params[key]))
    page, browser = [], []
    for source, url in urls.items():
        if url.startswith(LOCAL_SCHEMES):
            continue
        internal = initiators.get(source) == "not an origin" and not any("file://" in c for c in contexts.get(source, []))
        target = browser if internal else page
        if url not in target:
            target.append(url)
    return page, browser


def console_lines(stderr):
    """The lines of chromium's stderr that are console messages, uncaught errors or CSP reports."""
    return [line for line in stderr.splitlines() if any(marker in line for marker in CONSOLE_MARKERS)]


def load(html_path, out_dir, width=1000, height=2400, timeout=TIMEOUT, name=None, keep_net_log=False):
    """Load html_path (a local file) in headless Chromium at width x height.

    Returns a PageLoad: the screenshot (out_dir/<name or stem>.png), the DOM dump, the page's
    network requests, Chromium's own background requests and the console lines. Chromium runs
    with a fresh --user-data-dir each time; keep_net_log=True keeps the NetLog JSON next to the
    screenshot (out_dir/<name>.netlog.N.json). Raises RuntimeError when chromium is missing, times
    out or produces neither a screenshot nor a DOM."""
    chromium = chromium_path()
    if chromium is None:
        raise RuntimeError("chromium is not installed")
    html_path = Path(html_path).resolve()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    screenshot = (out_dir / f"{name or html_path.stem}.png").resolve()
    if screenshot.exists():
        screenshot.unlink()
    url = html_path.as_uri()
    dom, stderr_all, page_urls, browser_urls, kept = "", [], [], [], []

    # One run usually gives both the screenshot and the DOM; a second one fills in what is missing.
    for attempt in range(2):
        wanted = []
        if not screenshot.exists():
            wanted += [f"--screenshot={screenshot}", f"--window-size={width},{height}"]
        if not dom:
            wanted += ["--dump-dom"]
        if not wanted:
            break
        with tempfile.TemporaryDirectory(prefix="chromium-") as scratch:
            net_log = Path(scratch) / "netlog.json"
            args = [chromium, *FLAGS, f"--user-data-dir={Path(scratch) / 'profile'}", "--enable-logging=stderr",
                    "--v=0", f"--log-net-log={net_log}", *wanted, url]
            code, stdout, stderr = _run(args, timeout)
            pages, browsers = read_net_log(net_log)
            if keep_net_log:
                kept.append(Path(shutil.copy(net_log, out_dir / f"{name or html_path.stem}.netlog.{attempt}.json")))
        stderr_all.append(stderr)
        if "--dump-dom" in wanted:
            dom = stdout
        page_urls += [u for u in pages if u not in page_urls]
        browser_urls += [u for u in browsers if u not in browser_urls]
        if code != 0:
            raise RuntimeError(f"chromium exited with {code}:\n{stderr[-3000:]}")
    if not screenshot.exists() or not dom:
        raise RuntimeError(f"chromium gave {'no screenshot' if not screenshot.exists() else 'no DOM'} "
                           f"for {html_path}:\n{stderr_all[-1][-3000:]}")
    stderr = "\n".join(stderr_all)
    return PageLoad(html_path=html_path, screenshot=screenshot, dom=dom, requests=page_urls,
                    browser_requests=browser_urls, console=console_lines(stderr), stderr=stderr,
                    net_logs=kept)


# ---------------------------------------------------------------- PNG without Pillow

def read_png(png_path):
    """Decode an 8-bit, non-interlaced greyscale/RGB/RGBA PNG (what chromium writes).

    Returns (width, height, channels, rows) with rows a list of `bytes`, each width * channels
    long, filters undone."""
    data = Path(png_path).read_bytes()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{png_path} is not a PNG")
    position, idat, header = 8, [], None
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        chunk = data[position + 8:position + 8 + length]
        position += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat.append(chunk)
        elif kind == b"IEND":
            break
    width, height, depth, colour, _, _, interlace = header
    channels = {0: 1, 2: 3, 4: 2, 6: 4}.get(colour)
    if depth != 8 or channels is None or interlace:
        raise ValueError(f"{png_path}: unsupported PNG (bit depth {depth}, colour type {colour}, interlace {interlace})")
    raw = zlib.decompress(b"".join(idat))
    stride = width * channels
    rows, previous = [], bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        if kind == 1:       # Sub
            for i in range(channels, stride):
                line[i] = (line[i] + line[i - channels]) & 0xFF
        elif kind == 2:     # Up
            line = bytearray((a + b) & 0xFF for a, b in zip(line, previous))
        elif kind == 3:     # Average
            for i in range(stride):
                left = line[i - channels] if i >= channels else 0
                line[i] = (line[i] + ((left + previous[i]) >> 1)) & 0xFF
        elif kind == 4:     # Paeth
            for i in range(stride):
                a = line[i - channels] if i >= channels else 0
                b = previous[i]
                c = previous[i - channels] if i >= channels else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        elif kind != 0:
            raise ValueError(f"{png_path}: bad filter type {kind} on row {y}")
        rows.append(bytes(line))
        previous = line
    return width, height, channels, rows


def drawn_fraction(png_path, background=(255, 255, 255)):
    """The share (0 to 1) of the PNG's pixels whose colour differs from background (RGB; alpha
    ignored; greyscale compared with background's first value)."""
    width, height, channels, rows = read_png(png_path)
    colour = channels if channels in (1, 3) else channels - 1       # drop alpha
    target = bytes(background[:colour]) if colour == 3 else bytes(background[:1])
    blank_row = target * width if colour == channels else None     # a whole row of background: skip it fast
    different = 0
    for row in rows:
        if row != blank_row:
            different += sum(1 for x in range(0, width * channels, channels) if row[x:x + colour] != target)
    return different / (width * height)


def is_blank(png_path, threshold=0.005, background=(255, 255, 255)):
    """True when fewer than `threshold` (default 0.5%) of the PNG's pixels differ from the
    background colour (white by default): nothing, or next to nothing, was drawn."""
    return drawn_fraction(png_path, background) < threshold
