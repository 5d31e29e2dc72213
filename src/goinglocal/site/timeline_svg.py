"""The timeline as static SVG (no script needed): stacked bars of
engagements per year, by kind and by direction, with milestone markers."""

from __future__ import annotations

from html import escape

PALETTE = ["#1b6ca8", "#e07a1f", "#3a9a5b", "#c0392b", "#8e5ea2", "#7f8c8d", "#d4a017", "#16a5a5",
           "#b5651d", "#5d6d7e", "#a93226", "#2e86c1"]
MILESTONE_COLOURS = {"policy paper": "#444", "BRI memorandum": "#c0392b", "recognition": "#8e5ea2"}


def _stacked(title: str, per_year: dict[str, dict[str, int]], milestones: list[dict]) -> dict:
    years_with_data = sorted(per_year)
    if not years_with_data:
        return {"title": title, "svg": "<p>No dated engagements.</p>", "legend": []}
    first, last = int(years_with_data[0]), int(years_with_data[-1])
    near = [int(m["year"]) for m in milestones if m["year"].isdigit() and first - 3 <= int(m["year"]) <= last + 3]
    first, last = min([first, *near]), max([last, *near])  # milestones far off stay in the table only
    years = [str(y) for y in range(first, last + 1)]
    totals = {}
    for counts in per_year.values():
        for k, n in counts.items():
            totals[k] = totals.get(k, 0) + n
    kinds = sorted(totals, key=lambda k: (-totals[k], k))
    colour = {k: PALETTE[i % len(PALETTE)] for i, k in enumerate(kinds)}
    peak = max(sum(c.values()) for c in per_year.values())
    stack = max((sum(1 for m in milestones if m["year"] == y) for y in years), default=0)
    bar, gap, left, top, height, bottom = 22, 6, 34, 34 + 9 * stack, 220, 40
    width = left + len(years) * (bar + gap) + 10
    scale = height / peak
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {top + height + bottom}" '
             f'width="{width}" height="{top + height + bottom}" role="img" aria-label="{escape(title)}" class="timeline">']
    step = max(1, round(peak / 5))
    for tick in range(0, peak + 1, step):
        y = top + height - tick * scale
        parts.append(f'<line x1="{left - 4}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
                     f'<text x="{left - 8}" y="{y + 4:.1f}" class="tick" text-anchor="end">{tick}</text>')
    for i, year in enumerate(years):
        x = left + i * (bar + gap)
        y = top + height
        for kind in kinds:
            n = per_year.get(year, {}).get(kind, 0)
            if not n:
                continue
            h = n * scale
            y -= h
            parts.append(f'<rect x="{x}" y="{y:.1f}" width="{bar}" height="{h:.1f}" fill="{colour[kind]}">'
                         f'<title>{year}: {n} {escape(kind)}</title></rect>')
        total = sum(per_year.get(year, {}).values())
        if total:
            parts.append(f'<text x="{x + bar / 2}" y="{y - 4:.1f}" class="total" text-anchor="middle">{total}</text>')
        if int(year) % 2 == 0 or len(years) < 16:
            parts.append(f'<text x="{x + bar / 2}" y="{top + height + 16}" class="year" text-anchor="middle">{year}</text>')
    by_year: dict[str, list[dict]] = {}
    for m in milestones:
        by_year.setdefault(m["year"], []).append(m)
    for year, ms in by_year.items():
        if year not in years:
            continue
        x = left + years.index(year) * (bar + gap) + bar / 2
        for j, m in enumerate(ms):
            c = MILESTONE_COLOURS.get(m["kind"], "#444")
            parts.append(f'<g class="milestone"><line x1="{x}" x2="{x}" y1="{top - 18}" y2="{top + height}" stroke="{c}"/>'
                         f'<circle cx="{x}" cy="{top - 22 - j * 9}" r="4" fill="{c}"/>'
                         f'<title>{escape(m["date"])}: {escape(m["label"])}</title></g>')
    parts.append("</svg>")
    legend = [(k, colour[k]) for k in kinds] + [(f"milestone: {k}", c) for k, c in MILESTONE_COLOURS.items()]
    return {"title": title, "svg": "".join(parts), "legend": legend}


def timeline_charts(tl: dict) -> list[dict]:
    return [_stacked("Engagements per year, by kind", tl["by_kind"], tl["milestones"]),
            _stacked("Engagements per year, by direction", tl["by_direction"], tl["milestones"])]
