"""MkDocs hook: fill `{{ metrics(...) }}`, `{{ params_section(...) }}` ... from project files.

The rendering lives in `policytopics.docs_build` (tested there); a placeholder that cannot
be rendered is logged as a warning, which `mkdocs build --strict` turns into a failure.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from policytopics.docs_build import DocsError, render_placeholders

log = logging.getLogger("mkdocs.hooks.placeholders")


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    root = Path(config["config_file_path"]).resolve().parent
    try:
        return render_placeholders(markdown, root)
    except DocsError as error:
        log.warning("%s: %s", page.file.src_uri, error)
        return markdown
