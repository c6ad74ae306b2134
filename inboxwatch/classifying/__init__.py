"""The text tags: word lists, tokens and lemmas, hand-made features, the classifier and its
training."""
