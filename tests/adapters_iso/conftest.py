"""Fixtures of the ISO 20022 adapter and bank simulator tests: the shared corpus and its XSDs, keys."""

from __future__ import annotations

import pytest
from lxml import etree

from keys.algorithms import SignatureAlgorithm, get_backend
from tests.adapters_iso.helpers import FORMATS_DIR


@pytest.fixture(scope="session")
def formats_dir():
    """The shared sample corpus; tests that need it skip with one clear line when it is absent."""
    if not FORMATS_DIR.is_dir():
        pytest.skip(f"shared sample corpus not found at {FORMATS_DIR} (../shared/formats beside the project)")
    return FORMATS_DIR


@pytest.fixture(scope="session")
def schema(formats_dir):
    """``schema("pain.001.001.09")`` → the lxml XMLSchema of that message from the shared XSDs."""
    cache: dict[str, etree.XMLSchema] = {}

    def load(name: str) -> etree.XMLSchema:
        if name not in cache:
            parser = etree.XMLParser(resolve_entities=False, no_network=True)
            cache[name] = etree.XMLSchema(etree.parse(str(formats_dir / "xsd" / f"{name}.xsd"), parser))
        return cache[name]

    return load


@pytest.fixture(scope="session")
def rsa_signer():
    """The gateway's RSA-PSS signing key for this bank (the algorithm the adapter declares)."""
    return get_backend().generate(SignatureAlgorithm.RSA_PSS_SHA256)
