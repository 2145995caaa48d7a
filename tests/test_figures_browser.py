"""Every figure rendered by a real browser at two moments: it moves, and it stays in view."""

from __future__ import annotations

from typing import Any

import pytest

from backcoach.domain.catalogue import Catalogue
from backcoach.render.figures import figure_of, svg
from tests.browser import browser, output_folder
from tests.test_figures import IDS, SPECS

__all__ = ["browser"]

pytestmark = pytest.mark.slow

FREEZE = """t => {
  const s = document.querySelector('svg');
  s.pauseAnimations();
  s.setCurrentTime(t);
}"""

MEASURE = """() => {
  const s = document.querySelector('svg');
  const vb = s.viewBox.baseVal;
  let box = null;
  for (const el of s.querySelectorAll('polyline, path, circle')) {
    const b = el.getBBox();
    box = box === null
      ? {x0: b.x, y0: b.y, x1: b.x + b.width, y1: b.y + b.height}
      : {x0: Math.min(box.x0, b.x), y0: Math.min(box.y0, b.y),
         x1: Math.max(box.x1, b.x + b.width), y1: Math.max(box.y1, b.y + b.height)};
  }
  const limbs = [...s.querySelectorAll('polyline')].map(p =>
    [...p.animatedPoints].map(q => [Math.round(q.x * 10) / 10, Math.round(q.y * 10) / 10]));
  return {box, view: [vb.x, vb.y, vb.width, vb.height], limbs};
}"""


def test_every_figure_moves_and_stays_in_view_in_chromium(browser: Any, catalogue: Catalogue) -> None:
    folder = output_folder("figures")
    page = browser.new_page(viewport={"width": 560, "height": 460})
    try:
        for exercise_id in IDS:
            exercise = catalogue.get(exercise_id)
            fig = figure_of(exercise, SPECS[exercise_id])
            drawing = svg(exercise, SPECS[exercise_id])
            page.set_content(f"<html><body style='margin:0'><div style='width:510px'>{drawing}</div></body></html>")
            page.evaluate("() => { document.querySelector('svg').style.width = '510px'; }")
            shots = {}
            limbs = {}
            for moment in ("start", "hold"):
                page.evaluate(FREEZE, fig.key_times()[moment])
                measured = page.evaluate(MEASURE)
                box, (vx, vy, vw, vh) = measured["box"], measured["view"]
                assert box["x0"] >= vx, exercise_id
                assert box["y0"] >= vy, exercise_id
                assert box["x1"] <= vx + vw, exercise_id
                assert box["y1"] <= vy + vh, exercise_id
                limbs[moment] = measured["limbs"]
                shots[moment] = page.locator("svg").screenshot(path=str(folder / f"{exercise_id}-{moment}.png"))
            assert limbs["start"] != limbs["hold"], f"{exercise_id}: the browser shows no movement"
            assert shots["start"] != shots["hold"], f"{exercise_id}: the two frames look the same"
    finally:
        page.close()
