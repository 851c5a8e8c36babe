"""Keys, national (SM2/SM3/SM4) and international cryptography, Merkle trees and signed manifests.

``keys.algorithms`` is the algorithm layer (one Signer/Verifier/Cipher interface over two backends);
``keys.canonical``, ``keys.merkle`` and ``keys.manifest`` turn a submission's lines into one signed manifest.
"""
