"""Render the findings HTML: one self-contained file (inline CSS, figures as SVG data URIs)."""

from __future__ import annotations

import base64
import math
from collections.abc import Mapping
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape


def pct(value: float | None) -> str:
    """A share as a percentage with one decimal; blank when missing."""
    return "" if value is None or math.isnan(value) else f"{100 * value:.1f}%"


def pct2(value: float) -> str:
    """A share as a percentage with two decimals; blank when missing."""
    return "" if value is None or math.isnan(value) else f"{100 * value:.2f}%"


def pct4(value: float) -> str:
    """A small share as a percentage with up to four significant digits."""
    return "" if value is None or math.isnan(value) else f"{100 * value:.4g}%"


def num(value: float | None) -> str:
    """A score with two decimals; blank when missing."""
    return "" if value is None or math.isnan(value) else f"{value:.2f}"


def num3(value: float | None) -> str:
    """A score with three decimals; blank when missing."""
    return "" if value is None or math.isnan(value) else f"{value:.3f}"


def svg_uri(svg: str) -> str:
    """An SVG document as a data URI for <img src>, rendered the same by browsers and WeasyPrint."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def environment() -> Environment:
    """The Jinja2 environment over the packaged templates."""
    env = Environment(
        loader=PackageLoader("policytopics.report", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(pct=pct, pct2=pct2, pct4=pct4, num=num, num3=num3, svg_uri=svg_uri)
    return env


def render_html(context: Mapping[str, Any], font_family: str) -> str:
    """The findings page for `context` (see `policytopics.report.build.findings_context`)."""
    env = environment()
    css = env.get_template("findings.css").render(font_family=font_family)
    return env.get_template("findings.html.j2").render(css=css, **context)
