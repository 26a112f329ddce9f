"""The numbers of a class overview: score statistics, the histogram (and its SVG), and which items
the class lost points on (most-missed first: what to re-teach)."""

import math
import statistics
from typing import TYPE_CHECKING, Any

from grader.classroom.gradebook import as_float

if TYPE_CHECKING:
    from grader.grading.rubric import Rubric

BINS = 10  # histogram bins over 0..rubric.total


def class_statistics(scores: list[float]) -> dict[str, float | None]:
    """count, mean, median, min and max of the graded scores (None for each but count when empty)."""
    if not scores:
        return {"count": 0, "mean": None, "median": None, "min": None, "max": None}
    return {
        "count": len(scores),
        "mean": statistics.fmean(scores),
        "median": statistics.median(scores),
        "min": min(scores),
        "max": max(scores),
    }


def histogram(scores: list[float], total: float, bins: int = BINS) -> list[dict[str, float]]:
    """Counts of scores in `bins` equal bins of 0..total: [{"low", "high", "count"}]. Each bin holds
    low <= score < high, the last one also total itself; scores outside 0..total go to the end bins."""
    counts = [0] * bins
    for score in scores:
        index = math.floor(score * bins / total + 1e-9) if total > 0 else 0
        counts[min(max(index, 0), bins - 1)] += 1
    return [{"low": total * i / bins, "high": total * (i + 1) / bins, "count": count} for i, count in enumerate(counts)]


def histogram_svg(
    bins: list[dict[str, float]],
    total: float,
    width: int = 440,
    height: int = 220,
    left: int = 14,
    right: int = 14,
    top: int = 24,
    bottom: int = 44,
) -> dict[str, Any]:
    """SVG geometry for the histogram: bars (x, y, w, h, count, label x/y), ticks at bin edges."""
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / len(bins)
    tallest = max((b["count"] for b in bins), default=0) or 1
    bars = []
    for i, b in enumerate(bins):
        h = plot_h * b["count"] / tallest
        x = left + i * step + 2
        bars.append(
            {
                **b,
                "x": x,
                "w": step - 4,
                "y": top + plot_h - h,
                "h": h,
                "cx": x + (step - 4) / 2,
                "ty": top + plot_h - h - 6,
            }
        )
    ticks = [{"x": left + i * step, "label": f"{total * i / len(bins):.4g}"} for i in range(len(bins) + 1)]
    return {
        "width": width,
        "height": height,
        "left": left,
        "top": top,
        "base": top + plot_h,
        "plot_w": plot_w,
        "bars": bars,
        "ticks": ticks,
    }


def item_analysis(graded_rows: list[dict[str, Any]], rubric: "Rubric") -> list[dict[str, Any]]:
    """For each rubric item with points > 0: how many graded students lost points on it (score
    below the item's points; a missing item counts as 0), most-missed first, ties in rubric order.
    [{"id", "points", "missed", "graded", "percent", "mean"}]."""
    out: list[dict[str, Any]] = []
    n = len(graded_rows)
    for item in rubric.items:
        if item.points <= 0:
            continue
        scores = [as_float((row.get("items") or {}).get(item.id, 0.0)) for row in graded_rows]
        missed = sum(1 for s in scores if s < item.points - 1e-9)
        out.append(
            {
                "id": item.id,
                "number": item.number,
                "points": item.points,
                "missed": missed,
                "graded": n,
                "percent": 100 * missed / n if n else 0.0,
                "mean": statistics.fmean(scores) if n else None,
            }
        )
    out.sort(key=lambda entry: (-entry["missed"], entry["number"]))
    return out
