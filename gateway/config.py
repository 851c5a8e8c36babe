"""Instance configuration: one TOML file, ``silink.toml``, in the instance folder.

Every relative path in the file is relative to the instance folder. Settings that are absent take the
defaults below, so an old config keeps working when a new setting appears. ``silink init`` writes a
complete, commented file (see :mod:`gateway.instance`).
"""

from __future__ import annotations

import fnmatch
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gateway.errors import InvalidInput

CONFIG_NAME = "silink.toml"

# Which roles may call which methods. Keys are roles; values are globs over the full method name
# "/package.Service/Method". Checked by the auth interceptor before the servicer runs, so permission
# is always decided before existence (AIP-211).
_DIS = "/silink.disbursement.v1.DisbursementService/"
_REC = "/silink.reconciliation.v1.ReconciliationService/"
_CARD = "/silink.card.v1.CardService/"
_LINK = "/silink.banklink.v1.BankLinkService/"
_ADM = "/silink.admin.v1.AdminService/"
_READ_BATCHES = [
    _DIS + m for m in ("GetBatch", "ListBatches", "ListBatchLines", "ListLineErrors", "WatchBatch")
]
DEFAULT_PERMISSIONS: dict[str, list[str]] = {
    "officer": [
        _DIS + "CreateBatch",
        _DIS + "CancelBatch",
        _DIS + "PullLine",
        *_READ_BATCHES,
        _ADM + "ListOverdueSubmissions",  # 超期督办: the officers chase the banks
    ],
    "approver": [
        _DIS + "ApproveBatch",
        _DIS + "RejectBatch",
        _DIS + "ReleaseBatch",
        _DIS + "PullLine",
        *_READ_BATCHES,
    ],
    "finance": [_REC + "*", *_READ_BATCHES, _ADM + "ListOverdueSubmissions"],
    "auditor": [
        *_READ_BATCHES,
        _ADM + "VerifyAudit",
        _ADM + "List*",
        _ADM + "GetBank",
        _REC + "List*",
        _REC + "GetSettlementReport",
    ],
    "admin": [_ADM + "*"],
    "bank": [_LINK + "*"],
    "card_channel": [_CARD + "*"],
    # Every authenticated principal may ask who it is.
    "*": [_ADM + "WhoAmI"],
}

# Principals whose name starts with a prefix get these roles unless listed explicitly.
DEFAULT_PREFIX_ROLES: dict[str, list[str]] = {"bank:": ["bank"], "channel:": ["card_channel"]}


@dataclass(frozen=True)
class ServerSettings:
    listen: str = "127.0.0.1:7443"
    metrics_listen: str = "127.0.0.1:9464"
    plaintext: bool = False
    shutdown_grace_seconds: float = 10.0


@dataclass(frozen=True)
class TlsSettings:
    ca: Path
    server_cert: Path
    server_key: Path


@dataclass(frozen=True)
class IdentitySettings:
    principals: dict[str, list[str]] = field(default_factory=dict)
    prefix_roles: dict[str, list[str]] = field(default_factory=lambda: dict(DEFAULT_PREFIX_ROLES))
    permissions: dict[str, list[str]] = field(default_factory=lambda: dict(DEFAULT_PERMISSIONS))

    def roles_of(self, principal: str) -> list[str]:
        if principal in self.principals:
            return list(self.principals[principal])
        for prefix, roles in self.prefix_roles.items():
            if principal.startswith(prefix):
                return list(roles)
        return []

    def allowed(self, roles: list[str], method: str) -> bool:
        for role in [*roles, "*"]:
            for pattern in self.permissions.get(role, ()):
                if fnmatch.fnmatchcase(method, pattern):
                    return True
        return False


@dataclass(frozen=True)
class Config:
    home: Path
    server: ServerSettings
    tls: TlsSettings
    database_url: str
    master_key_path: Path
    identity: IdentitySettings
    funds: dict[str, dict[str, Any]] = field(default_factory=dict)
    banks: dict[str, dict[str, Any]] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)


def default_database_url(home: Path) -> str:
    return f"sqlite:///{home / 'silink.db'}"


def load_config(home: Path) -> Config:
    path = home / CONFIG_NAME
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidInput(
            f"no {CONFIG_NAME} in {home}; run `silink init --dir {home}` first", "INSTANCE_MISSING"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(f"{path}: {exc}", "CONFIG_INVALID") from None

    def rel(value: str) -> Path:
        p = Path(value)
        return p if p.is_absolute() else home / p

    srv = raw.get("server", {})
    server = ServerSettings(
        listen=str(srv.get("listen", ServerSettings.listen)),
        metrics_listen=str(srv.get("metrics_listen", ServerSettings.metrics_listen)),
        plaintext=bool(srv.get("plaintext", False)),
        shutdown_grace_seconds=float(srv.get("shutdown_grace_seconds", 10.0)),
    )
    tls_raw = raw.get("tls", {})
    tls = TlsSettings(
        ca=rel(tls_raw.get("ca", "pki/ca.pem")),
        server_cert=rel(tls_raw.get("server_cert", "pki/server.pem")),
        server_key=rel(tls_raw.get("server_key", "pki/server.key")),
    )
    ident = raw.get("identity", {})
    permissions = dict(DEFAULT_PERMISSIONS)
    permissions.update({k: list(v) for k, v in ident.get("permissions", {}).items()})
    identity = IdentitySettings(
        principals={k: list(v) for k, v in ident.get("principals", {}).items()},
        prefix_roles={
            **DEFAULT_PREFIX_ROLES,
            **{k: list(v) for k, v in ident.get("prefix_roles", {}).items()},
        },
        permissions=permissions,
    )
    db_url = str(raw.get("database", {}).get("url", "") or default_database_url(home))
    return Config(
        home=home,
        server=server,
        tls=tls,
        database_url=db_url,
        master_key_path=rel(raw.get("secrets", {}).get("master_key", "secrets/master.key")),
        identity=identity,
        funds=dict(raw.get("funds", {})),
        banks=dict(raw.get("banks", {})),
        raw=raw,
    )
