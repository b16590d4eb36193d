"""Analyses over pipeline outputs: prevalence per locality, year and document type."""
