"""Thin servicers: proto ↔ domain, nothing else. The domain lives in plain modules beside them."""
