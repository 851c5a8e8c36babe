"""Optional C accelerators for keys (built by ``pip install`` when a compiler is present; see README).

``_merkle`` canonicalises rows and computes Merkle leaf and node hashes (SHA-256, SM3) in bulk;
``keys.merkle.NATIVE`` says whether it was importable. Nothing here is imported directly by callers.
"""
