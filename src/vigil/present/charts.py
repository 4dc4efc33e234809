"""Trend charts as PNG bytes (matplotlib's object API: no global state, no display needed)."""

from __future__ import annotations

import io

from matplotlib.figure import Figure


def _png(fig: Figure) -> bytes:
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def bar_chart(counts: dict[str, int], title: str, horizontal: bool = False, size=(6.0, 3.0)) -> bytes:  # type: ignore[no-untyped-def]
    fig = Figure(figsize=size, dpi=110)
    ax = fig.add_subplot(1, 1, 1)
    labels, values = list(counts), list(counts.values())
    if horizontal:
        ax.barh(labels[::-1], values[::-1], color="#4c72b0")
    else:
        ax.bar(labels, values, color="#4c72b0")
        ax.tick_params(axis="x", labelrotation=30, labelsize=8)
        for tick in ax.get_xticklabels():
            tick.set_horizontalalignment("right")
    ax.set_title(title, fontsize=10)
    ax.grid(True, axis="x" if horizontal else "y", linewidth=0.3)
    return _png(fig)


def weekly_chart(by_week: dict[str, int], title: str, size=(6.0, 2.6)) -> bytes:  # type: ignore[no-untyped-def]
    fig = Figure(figsize=size, dpi=110)
    ax = fig.add_subplot(1, 1, 1)
    weeks, values = list(by_week), list(by_week.values())
    ax.plot(range(len(weeks)), values, marker="o", color="#c44e52")
    ax.set_xticks(range(len(weeks)))
    ax.set_xticklabels([w[5:] for w in weeks], rotation=45, fontsize=7)
    ax.set_ylim(bottom=0)
    ax.set_title(title, fontsize=10)
    ax.set_ylabel("incidents", fontsize=8)
    ax.grid(True, linewidth=0.3)
    return _png(fig)
