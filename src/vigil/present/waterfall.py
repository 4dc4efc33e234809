"""The match-weight waterfall for `vigil explain`: each comparison's bits stacked from the prior to
the final weight, as an HTML page with the chart inline (no network needed to open it)."""

from __future__ import annotations

import html
import io
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def waterfall_svg(evidence: list[dict[str, Any]], threshold_weight: float | None = None) -> str:
    labels, starts, sizes = [], [], []
    running = 0.0
    for row in evidence:
        w = row["weight"] or 0.0
        labels.append(f"{row['field']}\n{row['level']}" if row["level"] else row["field"])
        starts.append(running if w >= 0 else running + w)
        sizes.append(abs(w))
        running += w
    labels.append("total")
    starts.append(min(0.0, running))
    sizes.append(abs(running))
    colours = ["#2a7" if (r["weight"] or 0) >= 0 else "#c33" for r in evidence] + ["#246"]
    fig, ax = plt.subplots(figsize=(max(6, len(labels) * 0.9), 3.6))
    ax.bar(range(len(labels)), sizes, bottom=starts, color=colours)
    ax.axhline(0, color="#888", linewidth=0.8)
    if threshold_weight is not None:
        ax.axhline(threshold_weight, color="#e90", linestyle="--", linewidth=1, label="match threshold")
        ax.legend(loc="upper left", fontsize=8)
    ax.set_xticks(range(len(labels)), labels, fontsize=7)
    ax.set_ylabel("match weight (bits)")
    fig.tight_layout()
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg")
    plt.close(fig)
    return buffer.getvalue()


def explain_html(document: dict[str, Any], threshold_weight: float | None, path: Path) -> Path:
    rows = "".join(
        f"<tr><td>{html.escape(r['field'])}</td><td>{html.escape(str(r['level']))}</td>"
        f"<td style='text-align:right'>{r['weight'] if r['weight'] is not None else ''}</td></tr>"
        for r in document["evidence"]
    )
    values = "".join(
        f"<tr><th>{html.escape(label)}</th><td><pre>{html.escape(str(v))}</pre></td></tr>"
        for label, v in document["values"].items()
    )
    body = (
        f"<h1>{html.escape(document['left'])} vs {html.escape(document['right'])}</h1>"
        f"<p>Match weight <b>{document['match_weight']}</b> bits, "
        f"probability <b>{document['probability']}</b> (threshold {document['threshold']}): "
        f"the model says <b>{document['model_says']}</b>; "
        f"same person in the store: <b>{document['same_person']}</b>.</p>"
        f"{waterfall_svg(document['evidence'], threshold_weight)}"
        f"<table border=1 cellpadding=4><tr><th>field</th><th>level</th><th>bits</th></tr>{rows}</table>"
        f"<h2>Values compared</h2><table>{values}</table>"
    )
    path.write_text(
        f"<!doctype html><meta charset=utf-8><title>Vigil explain</title>"
        f"<body style='font-family:sans-serif;max-width:1000px'>{body}</body>",
        encoding="utf-8",
    )
    return path
