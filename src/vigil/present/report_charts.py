"""The report's timeline chart: residences and employers as interval lanes, sightings as points.

One lane per dwelling and per employer, so two residences at once are two bars over the same
months (an overlap) and months with no known residence are shaded (a gap). A bar is solid from its
start to its end, or to the last day a source confirmed it; an open interval (no source gives an
end) continues hatched to the report date. Partial dates are drawn from their first day.
"""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from typing import Any

import matplotlib.dates as mdates
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from vigil.present.report_map import STYLES

EVENT_LANES = ("lpr_hit", "le_inquiry", "traffic_stop", "booking", "travel", "employment_check", "other")
REGISTRY_KINDS = {
    "registration": ("#238b45", "*"),
    "verification": ("#238b45", "o"),
    "verification_due": ("#d62728", "|"),
}
MAX_YEARS = 12  # earlier history is clipped (shown as starting at the left edge)


def day_of(text: str | None, last: bool = False) -> date | None:
    """A (partial) ISO date or timestamp -> a date; `last` gives a partial date's last day."""
    if not text:
        return None
    head = text[:10]
    try:
        if len(head) == 10:
            return date.fromisoformat(head)
        if len(head) == 7:
            y, m = int(head[:4]), int(head[5:7])
            if last:
                nxt = date(y + (m == 12), m % 12 + 1, 1)
                return nxt - timedelta(days=1)
            return date(y, m, 1)
        if len(head) == 4:
            return date(int(head), 12, 31) if last else date(int(head), 1, 1)
    except ValueError:
        return None
    return None


def _intervals(
    items: list[dict[str, Any]], as_of: date
) -> list[tuple[dict[str, Any], date, date, date | None]]:
    """(item, start, solid end, open end or None) for interval items."""
    out = []
    for item in items:
        start = day_of(item.get("from"))
        end = day_of(item.get("to"), last=True)
        seen = day_of(item.get("last_seen"))
        if start is None:
            start = seen or end
        if start is None:
            continue
        if end is not None:
            out.append((item, start, max(end, start), None))
        else:
            solid = max(start, min(seen or start, as_of))
            out.append((item, start, solid, as_of))
    return out


def _coverage(
    spans: list[tuple[date, date]], lo: date, hi: date
) -> tuple[list[tuple[date, date]], list[tuple[date, date]]]:
    """Gaps (no residence known) and overlaps (two or more at once) between lo and hi."""
    edges: dict[date, int] = {}
    for a, b in spans:
        edges[a] = edges.get(a, 0) + 1
        edges[b + timedelta(days=1)] = edges.get(b + timedelta(days=1), 0) - 1
    gaps, overlaps = [], []
    level, cursor = 0, lo
    for day in sorted(edges):
        if day > cursor and cursor <= hi:
            end = min(day, hi)
            if level == 0 and spans and cursor >= min(a for a, _ in spans) and (end - cursor).days > 14:
                gaps.append((cursor, end))
            elif level >= 2 and (end - cursor).days > 14:
                overlaps.append((cursor, end))
        level += edges[day]
        cursor = max(cursor, day)
    return gaps, overlaps


def timeline_png(doc: dict[str, Any], width: float = 10.0, dpi: int = 110) -> bytes | None:
    items = doc.get("timeline") or []
    if not items:
        return None
    as_of = day_of(doc.get("as_of")) or date.today()
    residences = [i for i in items if i["kind"] == "residence"]
    jobs = [i for i in items if i["kind"] == "employment"]
    res_iv = _intervals(residences, as_of)
    job_iv = _intervals(jobs, as_of)
    events = [(i, day_of(i.get("from"))) for i in items if i["kind"] not in ("residence", "employment")]
    events = [(i, d) for i, d in events if d is not None]
    # The registration date alone may lie years before anything else: it is drawn at the left edge.
    days = [d for _, a, b, c in res_iv + job_iv for d in (a, b, c) if d]
    days += [d for i, d in events if i["kind"] not in REGISTRY_KINDS] + [as_of]
    floor = as_of.replace(year=as_of.year - MAX_YEARS)
    lo = max(min(days), floor) - timedelta(days=30)
    hi = max([*days, *(d for _, d in events)]) + timedelta(days=30)
    lanes: list[str] = []
    for item, *_ in res_iv:
        lanes.append(("Res* " if item.get("registered") else "Res ") + _short(item["label"]))
    for item, *_ in job_iv:
        lanes.append("Job " + _short(item["label"]))
    registry = [(i, d) for i, d in events if i["kind"] in REGISTRY_KINDS]
    event_kinds = [k for k in EVENT_LANES if any(i["kind"] == k for i, _ in events)]
    if registry:
        lanes.append("Registry")
    lanes += [k.replace("_", " ") for k in event_kinds]
    n = len(lanes)
    fig = Figure(figsize=(width, max(2.6, 0.32 * n + 1.4)), dpi=dpi)
    ax = fig.add_subplot(1, 1, 1)
    y = {label: n - 1 - k for k, label in enumerate(lanes)}

    def num(d: date) -> float:
        return mdates.date2num(datetime(d.year, d.month, d.day))

    for k, (item, start, solid, open_to) in enumerate(res_iv):
        colour = STYLES["registered_residence" if item.get("registered") else "residence"][0]
        row = n - 1 - k
        s = max(start, lo)
        ax.barh(row, num(solid) - num(s) + 1, left=num(s), height=0.6, color=colour, alpha=0.85)
        if open_to and open_to > solid:
            ax.barh(
                row,
                num(open_to) - num(solid),
                left=num(solid),
                height=0.6,
                color=colour,
                alpha=0.25,
                hatch="///",
            )
    base = n - 1 - len(res_iv)
    for k, (_item, start, solid, open_to) in enumerate(job_iv):
        colour = STYLES["employment"][0]
        row = base - k
        s = max(start, lo)
        ax.barh(row, num(solid) - num(s) + 1, left=num(s), height=0.5, color=colour, alpha=0.8)
        if open_to and open_to > solid:
            ax.barh(
                row,
                num(open_to) - num(solid),
                left=num(solid),
                height=0.5,
                color=colour,
                alpha=0.25,
                hatch="///",
            )
    gaps, overlaps = _coverage([(a, c or b) for _, a, b, c in res_iv], lo, as_of)
    if res_iv:
        top, bottom = n - 0.5, n - 0.5 - len(res_iv)
        for a, b in gaps:
            ax.fill_between([num(a), num(b)], bottom, top, color="#d62728", alpha=0.08, linewidth=0)
        for a, b in overlaps:
            ax.fill_between([num(a), num(b)], bottom, top, color="#ff7f0e", alpha=0.15, linewidth=0)
    if registry:
        row = y["Registry"]
        for item, d in registry:
            colour, marker = REGISTRY_KINDS[item["kind"]]
            ax.scatter([num(max(d, lo))], [row], c=colour, marker=marker, s=60, zorder=3)
            if d < lo:
                label = f"{item['kind']} {d}"
                ax.annotate(label, (num(lo), row), xytext=(8, -3), textcoords="offset points", fontsize=6)
    for kind in event_kinds:
        row = y[kind.replace("_", " ")]
        xs = [num(d) for i, d in events if i["kind"] == kind and d >= lo]
        colour, marker, _ = STYLES.get(kind, STYLES["other"])
        ax.scatter(
            xs, [row] * len(xs), c=colour, marker=marker, s=36, zorder=3, edgecolors="black", linewidths=0.3
        )
    ax.axvline(num(as_of), color="black", linewidth=0.8, linestyle="--")
    ax.text(num(as_of), n - 0.45, " report date", fontsize=7, va="bottom")
    ax.set_yticks([n - 1 - k for k in range(n)])
    ax.set_yticklabels(lanes, fontsize=7)
    ax.set_ylim(-0.7, n - 0.1)
    ax.set_xlim(num(lo), num(hi))
    ax.xaxis.set_major_locator(mdates.AutoDateLocator(maxticks=12))
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(ax.xaxis.get_major_locator()))
    ax.tick_params(axis="x", labelsize=7)
    ax.grid(True, axis="x", linewidth=0.3, alpha=0.6)
    legend = [
        Patch(color=STYLES["registered_residence"][0], label="registered residence (Res*)"),
        Patch(color=STYLES["residence"][0], label="residence (other sources)"),
        Patch(color=STYLES["employment"][0], label="employment"),
        Patch(facecolor="#cccccc", hatch="///", label="open: no end reported"),
    ]
    if gaps:
        legend.append(Patch(color="#d62728", alpha=0.2, label="gap: no residence known"))
    if overlaps:
        legend.append(Patch(color="#ff7f0e", alpha=0.3, label="overlap: two residences"))
    ax.legend(handles=legend, fontsize=6, loc="upper left", bbox_to_anchor=(0, -0.12), ncol=3, frameon=False)
    ax.set_title("Timeline: residences, employment, registry dates and sightings", fontsize=10)
    # Fixed margins (room for the lane labels and the legend below): tight_layout costs ~0.1 s a chart.
    height = fig.get_figheight()
    fig.subplots_adjust(left=0.25, right=0.98, top=1 - 0.45 / height, bottom=0.75 / height)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", pil_kwargs={"compress_level": 3})
    return buffer.getvalue()


def _short(label: str, width: int = 28) -> str:
    return label if len(label) <= width else label[: width - 1] + "…"
