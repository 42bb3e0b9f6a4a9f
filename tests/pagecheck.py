"""Checks every browser test applies to each page it visits: no CSP violation or script error,
no serious or critical axe-core finding, no horizontal scrolling, touch targets of 44 px on a
phone; and a screenshot kept as a test artefact."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.async_api import ConsoleMessage, Page

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}

# Elements a finger must hit; inline links inside running text are exempt (WCAG 2.5.8).
_TARGETS = """() => Array.from(document.querySelectorAll(
  'button, input:not([type=hidden]), select, textarea, summary, a'))
  .filter(e => e.offsetParent !== null && !(e.tagName === 'A' && e.closest('p, li.empty')
                                             && !e.classList.contains('button')
                                             && !e.closest('.card, .crumbs, .where, .events')))
  .map(e => { const r = e.getBoundingClientRect();
              return {what: e.outerHTML.slice(0, 80), w: r.width, h: r.height, x: r.right}; })
  .filter(t => t.x > 0 && (t.h < 44 || t.w < 44))"""  # x <= 0: off screen until focused

_WIDE = """() => Array.from(document.querySelectorAll('body *'))
  .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth)
  .slice(-3).map(e => e.outerHTML.slice(0, 100))"""


class PageProblems:
    """Console errors (CSP violations show up there) and uncaught exceptions of one page."""

    def __init__(self, page: Page) -> None:
        self.errors: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"uncaught: {exc}"))

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(message.text)


async def check_page(
    page: Page, problems: PageProblems, axe_source: str, shots: Path, name: str, *, phone: bool
) -> None:
    await page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
    assert not problems.errors, f"{name}: {problems.errors}"
    await page.evaluate(axe_source)
    result: dict[str, Any] = await page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations']})"
    )
    bad = [
        (v["id"], v["impact"], [n["html"][:120] for n in v["nodes"]][:3])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, f"{name}: accessibility violations {bad}"
    widths = await page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    if widths[0] > widths[1]:
        wide = await page.evaluate(_WIDE)
        raise AssertionError(f"{name}: scrolls sideways ({widths[0]} > {widths[1]} px): {wide}")
    if phone:
        small = await page.evaluate(_TARGETS)
        assert not small, f"{name}: touch targets under 44 px: {small[:5]}"
