"""The CJK font shared by figures, HTML and PDF: found once, or a one-line error."""

from __future__ import annotations

import shutil
import subprocess
from functools import cache

import matplotlib as mpl
from matplotlib import font_manager

from policytopics.errors import UserError

_SETUP_HINT = "run `make setup` (installs fonts-noto-cjk) or set report.font_family"


def _known_families() -> set[str]:
    return {entry.name for entry in font_manager.fontManager.ttflist}


def fontconfig_file(family: str) -> str | None:
    """The file fontconfig serves for `family`, if fontconfig knows a Chinese font by that name."""
    if shutil.which("fc-list") is None:
        return None
    listing = subprocess.run(
        ["fc-list", f"{family}:lang=zh", "file"], capture_output=True, text=True, check=False
    ).stdout
    files = sorted(line.rstrip(":").strip() for line in listing.splitlines() if line.strip())
    return files[0] if files else None


@cache
def cjk_font_family(family: str) -> str:
    """Make `family` (e.g. "Noto Sans CJK SC") available to matplotlib and return its name.

    A font installed after matplotlib built its cache is registered from fontconfig's file.
    """
    if family in _known_families():
        return family
    path = fontconfig_file(family)
    if path is not None:
        font_manager.fontManager.addfont(path)
        if family in _known_families():
            return family
    raise UserError(f"no Chinese font {family!r} found for figures and PDF; {_SETUP_HINT}")


def configure_matplotlib(family: str) -> None:
    """Draw every figure with the CJK font; SVG text stays text in that font family."""
    name = cjk_font_family(family)
    mpl.rcParams.update(
        {
            "font.family": "sans-serif",
            "font.sans-serif": [name, "DejaVu Sans"],
            "axes.unicode_minus": False,
            "svg.fonttype": "none",
            "figure.dpi": 100,
        }
    )
