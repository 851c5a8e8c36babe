"""Fixtures of the conformance kit: one parameter per registered adapter, its keys, its simulator."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from adapters import registry
from adapters.simulator.protocol import get_protocol, protocol_names
from keys.algorithms import CipherAlgorithm, SignatureAlgorithm, generate_cipher_key, get_backend
from tests.conformance import kit
from tests.conftest import LOG_DIR

ADAPTER_NAMES = registry.names()


@pytest.fixture(scope="module", params=ADAPTER_NAMES)
def adapter_name(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="module")
def adapter(adapter_name: str):
    """The registered adapter; the whole parameter is skipped while it declares no suites."""
    instance = registry.get(adapter_name)
    reason = kit.pending_reason(instance)
    if reason:
        pytest.skip(reason)
    return instance


def require(adapter, suite: str) -> None:
    if suite not in kit.declared_suites(adapter):
        pytest.skip(f"adapter {adapter.name!r} does not declare suite {suite!r}")


@pytest.fixture(scope="module")
def signer(adapter) -> kit.Keys:
    """The run's keys: the gateway's signing key for this adapter's algorithm (None when the backend
    lacks it) and, when the bank's protocol needs them, the bank's signing key and SM4 working key."""
    backend = get_backend()
    keys = kit.Keys(settings={"bank_code": kit.KIT_BANK, **kit.KIT_SETTINGS.get(adapter.name, {})})
    try:
        algorithm = SignatureAlgorithm(adapter.capabilities.signature_algorithm)
    except ValueError:
        algorithm = None
    if algorithm is not None and backend.supports(algorithm):
        keys.gateway = backend.generate(algorithm)
    protocol = adapter.capabilities.protocol
    handler = get_protocol(protocol) if protocol in protocol_names() else None
    bank_alg = getattr(handler, "bank_key_algorithm", None)
    if bank_alg is not None:
        keys.bank = backend.generate(SignatureAlgorithm(bank_alg))
    if getattr(handler, "working_key", False):
        keys.working_key = generate_cipher_key(CipherAlgorithm.SM4_GCM)
        keys.cipher = backend.cipher(CipherAlgorithm.SM4_GCM, keys.working_key)
    return keys


def simulator_args(adapter, signer: kit.Keys, folder) -> list[str]:
    """Arguments of the simulator process; its data folder (``folder/data``) gets the bank's keys."""
    args = ["--rates", kit.KIT_RATES, "--seed", str(kit.KIT_SEED)]
    signer.provision(folder / "data")
    if signer.gateway is not None:
        key = folder / "gateway.pub.pem"
        key.write_bytes(signer.gateway.public_pem())
        args += ["--client-key", str(key), "--client-key-alg", str(signer.gateway.algorithm)]
    if kit.XSD_DIR.is_dir():
        args += ["--xsd-dir", str(kit.XSD_DIR)]
    return args


def skip_without_simulator(adapter) -> None:
    protocol = adapter.capabilities.protocol
    if protocol not in protocol_names():
        pytest.skip(f"no simulator protocol handler for {protocol!r} yet (adapters/simulator/protocols/)")
    if adapter.capabilities.transport not in ("https", "folder"):
        pytest.skip(f"the kit has no {adapter.capabilities.transport!r} transport (https and folder only)")


@pytest.fixture(scope="module")
def simulator(adapter, signer, tmp_path_factory) -> Iterator[kit.SimulatorProcess]:
    """The adapter's simulator as a separate process for the module (stopped, then killed if need be)."""
    skip_without_simulator(adapter)
    folder = tmp_path_factory.mktemp(f"banksim-{adapter.name}")
    sim = kit.SimulatorProcess(
        folder / "data", adapter.capabilities.protocol, LOG_DIR, *simulator_args(adapter, signer, folder)
    )
    try:
        yield sim
    finally:
        sim.stop()
