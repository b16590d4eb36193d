"""Policy-aware text processing: normalisation, segmentation, stopwords, user dictionary."""
