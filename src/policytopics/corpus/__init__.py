"""The corpus layer: ingest (seeds -> documents) and segment (documents -> passages)."""
