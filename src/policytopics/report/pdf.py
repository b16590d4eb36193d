"""Print the findings HTML to PDF with WeasyPrint (fonts embedded as subsets)."""

from __future__ import annotations

import logging
from pathlib import Path

from policytopics.errors import UserError
from policytopics.report.fonts import fontconfig_file


def render_pdf(html: str, target: Path, font_family: str) -> None:
    """Write `html` as a PDF to `target`; the CJK font must be known to fontconfig."""
    if fontconfig_file(font_family) is None:
        raise UserError(
            f"fontconfig has no Chinese font {font_family!r} for the PDF; run `make setup` "
            "(installs fonts-noto-cjk) or set report.font_family"
        )
    from weasyprint import HTML  # heavy import (pango, harfbuzz), only when printing

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    HTML(string=html).write_pdf(target)
