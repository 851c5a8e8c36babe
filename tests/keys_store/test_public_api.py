"""The key store's public surface is pinned: other packages (release, adapters) build on it."""

from __future__ import annotations

import inspect

from keys import datakey, replay, store


def params(obj: object) -> list[str]:
    return list(inspect.signature(obj).parameters)


def test_key_store_methods_are_pinned() -> None:
    """KeyStore keeps the constructor and the methods other code calls, with these parameters."""
    assert params(store.KeyStore)[:3] == ["home", "master_key", "audit_db"]
    expected = {
        "create": ["self", "name", "alg", "purpose", "backend"],
        "rotate": ["self", "name"],
        "revoke": ["self", "name", "version"],
        "set_min_version": ["self", "name", "min_version"],
        "signer": ["self", "name"],
        "verifier": ["self", "name", "version"],
        "cipher": ["self", "name", "version"],
        "import_public": ["self", "name", "pem_or_cert", "alg"],
        "export_public": ["self", "name", "version"],
        "list": ["self"],
        "info": ["self", "name"],
        "data_keyring": ["self", "name"],
        "lookup_key": ["self", "name"],
    }
    for name, args in expected.items():
        assert params(getattr(store.KeyStore, name)) == args, name
    assert params(store.verify_manifest_with_store) == ["manifest", "store", "lines"]


def test_data_protector_keeps_its_original_api() -> None:
    """DataProtector(master_key, key_id=…) with encrypt/decrypt/blind_index, and the master-key helpers,
    are unchanged for the code that already calls them."""
    assert params(datakey.DataProtector)[:2] == ["master_key", "key_id"]
    assert params(datakey.DataProtector.encrypt) == ["self", "plaintext", "associated"]
    assert params(datakey.DataProtector.decrypt) == ["self", "blob", "associated"]
    assert params(datakey.DataProtector.blind_index) == ["self", "value"]
    assert callable(datakey.create_master_key) and callable(datakey.load_master_key)


def test_replay_guard_api_and_reasons_are_pinned() -> None:
    """ReplayGuard(db, window_seconds=300).check(nonce, timestamp) and its error reasons stay stable."""
    sig = inspect.signature(replay.ReplayGuard)
    assert list(sig.parameters)[:2] == ["db", "window_seconds"]
    assert sig.parameters["window_seconds"].default == 300
    assert params(replay.ReplayGuard.check) == ["self", "nonce", "timestamp", "scope"]
    assert (replay.REPLAY_WINDOW, replay.REPLAY_NONCE) == ("REPLAY_WINDOW", "REPLAY_NONCE")
