"""Findings as HTML and PDF: figures (matplotlib, SVG), Jinja2 templates, WeasyPrint."""
