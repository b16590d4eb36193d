"""Topic models (LDA, embeddings, BERTopic) and the topic-quality measures they share."""
