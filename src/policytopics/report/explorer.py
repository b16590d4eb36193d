"""The offline explorer of the findings page: passages as one inlined JSON, the interactive
heatmap as a Plotly figure spec, and the scripts that drive them (pure functions, no I/O).

Plotly's bundle is inlined once (`plotly.offline.get_plotlyjs`), so the page needs no network:
a hand-written chart library would need its own hover, zoom and export, which Plotly has and
maintains. Everything is serialised with sorted, fixed inputs, so the page is byte-identical
run to run.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from functools import cache
from importlib import resources
from typing import Any

import pandas as pd

COLUMNS = (
    "passage_id",
    "doc_id",
    "title",
    "locality",
    "year",
    "theme",
    "p",
    "section_path",
    "text",
)
LIFT_CLIP = 3.0  # the heatmap's colour scale: log2(lift) clipped to +-3 (1/8x to 8x)


def script_json(value: Any) -> str:
    """`value` as JSON safe inside <script type="application/json"> (no `<`, `>` or `&`)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def passage_data(passages: pd.DataFrame, labels: Mapping[str, str]) -> dict[str, Any]:
    """The explorer's data: themes [key, label] and one row per passage (columns `COLUMNS`,
    `p` = the probability of its assigned theme, `year` "" when unknown), by passage_id."""
    rows = []
    for record in passages.sort_values("passage_id").to_dict("records"):
        theme = "" if _blank(record.get("theme")) else str(record["theme"])
        p = record.get(f"p_{theme}", float("nan"))
        year = record.get("year")
        rows.append(
            [
                str(record["passage_id"]),
                str(record["doc_id"]),
                "" if _blank(record.get("title")) else str(record["title"]),
                str(record["locality"]),
                "" if _blank(year) or str(year).strip() == "" else str(int(float(str(year)))),
                theme,
                0.0 if _blank(p) else round(float(p), 4),
                "" if _blank(record.get("section_path")) else str(record["section_path"]),
                str(record["text"]),
            ]
        )
    return {"columns": list(COLUMNS), "themes": [[k, v] for k, v in labels.items()], "rows": rows}


def lift_heatmap_spec(
    table: pd.DataFrame,
    labels: Mapping[str, str],
    row_order: Sequence[str],
    row_labels: Mapping[str, str],
    assigned: Mapping[tuple[str, str], int],
    font_family: str,
) -> dict[str, Any]:
    """A Plotly heatmap of localities (rows, `row_order`) x themes (columns, `labels` order),
    coloured by log2(lift), annotated with the share; hover gives share, interval, lift and
    the passages assigned; `customdata` holds [locality, theme] for the explorer."""
    cells = {(str(r["locality"]), str(r["theme"])): r for r in table.to_dict("records")}
    themes = [k for k in labels if any((loc, k) in cells for loc in row_order)]
    z: list[list[float | None]] = []
    text: list[list[str]] = []
    hover: list[list[str]] = []
    custom: list[list[list[str]]] = []
    for loc in row_order:
        z_row: list[float | None] = []
        text_row: list[str] = []
        hover_row: list[str] = []
        custom_row: list[list[str]] = []
        for theme in themes:
            r = cells.get((loc, theme))
            if r is None:
                z_row.append(None)
                text_row.append("")
                hover_row.append("")
            else:
                lift = float(r["lift"])
                z_row.append(
                    round(max(-LIFT_CLIP, min(LIFT_CLIP, math.log2(lift))), 4)
                    if lift > 0
                    else -LIFT_CLIP
                )
                text_row.append(f"{100 * float(r['prevalence']):.0f}")
                hover_row.append(
                    f"{loc} · {labels[theme]}<br>share {100 * float(r['prevalence']):.1f}% "
                    f"[{100 * float(r['ci_low']):.1f}–{100 * float(r['ci_high']):.1f}]"
                    f"<br>lift {lift:.2f}×<br>{assigned.get((loc, theme), 0)} passages assigned"
                )
            custom_row.append([loc, theme])
        z.append(z_row)
        text.append(text_row)
        hover.append(hover_row)
        custom.append(custom_row)
    ticks = [-3, -2, -1, 0, 1, 2, 3]
    height = 160 + 26 * len(row_order)
    return {
        "data": [
            {
                "type": "heatmap",
                "z": z,
                "x": [labels[t].split(" ")[0] for t in themes],
                "y": [row_labels.get(loc, loc) for loc in row_order],
                "text": text,
                "texttemplate": "%{text}",
                "hovertext": hover,
                "hoverinfo": "text",
                "customdata": custom,
                "colorscale": "RdBu",
                "zmin": -LIFT_CLIP,
                "zmid": 0,
                "zmax": LIFT_CLIP,
                "xgap": 1,
                "ygap": 1,
                "colorbar": {
                    "title": {"text": "lift 倍数"},
                    "tickvals": ticks,
                    "ticktext": [f"{2.0**t:g}×" for t in ticks],
                },
            }
        ],
        "layout": {
            "font": {"family": font_family, "size": 11},
            "height": height,
            "margin": {"l": 10, "r": 10, "t": 140, "b": 10},
            "xaxis": {"side": "top", "tickangle": -40, "automargin": True},
            "yaxis": {"autorange": "reversed", "automargin": True},
        },
        "config": {"displaylogo": False, "responsive": True},
    }


@cache
def plotly_bundle() -> str:
    """Plotly's JavaScript bundle, to inline once."""
    from plotly.offline import get_plotlyjs  # a 4.8 MB string, loaded only when rendering

    bundle: str = get_plotlyjs()
    return bundle


@cache
def explorer_script() -> str:
    """The explorer's own script (templates/explorer.js)."""
    path = resources.files("policytopics.report") / "templates" / "explorer.js"
    return path.read_text(encoding="utf-8")
