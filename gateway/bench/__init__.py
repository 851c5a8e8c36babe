"""`silink bench …`: end-to-end benchmarks that run the real code paths and say what they measured."""
