"""The domain: batches, lines and people, as plain modules the thin servicers call."""
