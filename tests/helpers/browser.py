"""Load a local HTML page in Debian's chromium through Playwright and collect what the tests assert on.

    def test_x(chromium, tmp_path):         # conftest.py's fixture; skips where chromium is absent
        page = load(chromium, tmp_path / "report.html", tmp_path / "report.png")
        assert_quiet(page)                  # no request, no console message, no CSP violation, not blank
        page.page.click("button")           # the live Playwright page, for anything else

`chromium_context` launches the system chromium (no `playwright install`) with all traffic sent to
a closed local port. Not pytest-playwright: it wraps every test in a soft-assertion scope, which makes
the grader's nested pytest.main fail (every grade in the suite scores 0). Playwright lives for one
test only: while it runs, asyncio.run() fails in the same thread.
"""

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image
from playwright.sync_api import BrowserContext, Page, sync_playwright

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
LAUNCH_ARGS = ("--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>")
NO_CHROMIUM = "Debian's chromium is not installed (apt-get install chromium; CI installs it)"
# Runs before the page's own scripts, outside its Content-Security-Policy.
CSP_LISTENER = """document.addEventListener("securitypolicyviolation",
  (e) => window.cspViolation(e.effectiveDirective + " blocked " + e.blockedURI));"""


@contextmanager
def chromium_context() -> Iterator[BrowserContext]:
    """A fresh browser context of the system chromium; the browser and Playwright stop on exit."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=list(LAUNCH_ARGS))
        try:
            yield browser.new_context()
        finally:
            browser.close()


@dataclass
class Loaded:
    """A page loaded by `load`. The lists keep filling while the page lives (clicks, timers)."""

    page: Page
    screenshot: Path
    requests: list[str] = field(default_factory=list)  # URLs the page asked for, its own excepted
    console: list[str] = field(default_factory=list)  # console messages and uncaught errors
    csp_violations: list[str] = field(default_factory=list)  # "<directive> blocked <URI or 'inline'>"

    @property
    def dom(self) -> str:
        """The serialised DOM as it is now."""
        return self.page.content()

    @property
    def title(self) -> str:
        """The document's title as it is now."""
        return self.page.title()


def load(context: BrowserContext, html: Path, screenshot: Path, width: int = 1000, height: int = 2400) -> Loaded:
    """Open html (a local file) in a new page of width x height, wait for its load event and save a
    screenshot of the viewport to `screenshot` (a PNG)."""
    page = context.new_page()
    page.set_viewport_size({"width": width, "height": height})
    url = Path(html).resolve().as_uri()
    loaded = Loaded(page, Path(screenshot))
    page.on("request", lambda r: r.url == url or r.url.startswith("data:") or loaded.requests.append(r.url))
    page.on("console", lambda m: loaded.console.append(f"console.{m.type}: {m.text}"))
    page.on("pageerror", lambda e: loaded.console.append(f"Uncaught {e.name}: {e.message}"))
    page.expose_function("cspViolation", lambda text: loaded.csp_violations.append(text))
    page.add_init_script(CSP_LISTENER)
    page.goto(url)
    loaded.screenshot.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=loaded.screenshot)
    return loaded


def drawn_fraction(png: Path, background: tuple[int, int, int] = (255, 255, 255)) -> float:
    """The share (0 to 1) of the image's pixels whose RGB colour is not `background`."""
    with Image.open(png) as image:
        rgb = image.convert("RGB")
    pixels = rgb.width * rgb.height
    return (pixels - {colour: n for n, colour in rgb.getcolors(pixels)}.get(background, 0)) / pixels


def is_blank(png: Path, threshold: float = 0.005) -> bool:
    """True when fewer than `threshold` (0.5%) of the pixels are off white: next to nothing was drawn."""
    return drawn_fraction(png) < threshold


def assert_quiet(loaded: Loaded) -> None:
    """The page asked for nothing, logged nothing, broke no CSP rule and drew something."""
    name = loaded.page.url.rsplit("/", 1)[-1]
    assert loaded.requests == [], f"{name} made requests: {loaded.requests}"
    assert loaded.console == [], f"{name} logged to the console:\n" + "\n".join(loaded.console)
    assert loaded.csp_violations == [], f"{name} broke its Content-Security-Policy: {loaded.csp_violations}"
    assert not is_blank(loaded.screenshot), (
        f"{loaded.screenshot} is blank ({drawn_fraction(loaded.screenshot):.2%} drawn)"
    )
