"""Policy themes: the lexicon, topic-to-theme mapping, labels and the passage classifier."""
