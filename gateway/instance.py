"""`silink init`: an instance folder with everything the embedded default needs.

    DIR/
      silink.toml          configuration (see the comments inside)
      silink.db            SQLite database, migrated (unless [database] url names PostgreSQL)
      pki/ca.pem, ca.key   development CA
      pki/server.pem/.key  server certificate for localhost
      pki/clients/*.pem    one client certificate per demo principal (CN = principal)
      secrets/master.key   master key for personal-data encryption (0600; never commit it)

Running init again on an existing folder adds what is missing and never replaces a key.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gateway.config import CONFIG_NAME, load_config
from gateway.storage import Database, migrate
from keys.datakey import create_master_key
from keys.devca import DevCA

# Principal → roles for the demo identities. A real deployment lists its own people here.
DEMO_PRINCIPALS: dict[str, list[str]] = {
    "officer:wang": ["officer"],
    # A team lead who may both submit and approve: maker-checker still stops them approving their own.
    "lead:chen": ["officer", "approver"],
    "approver:li": ["approver"],
    "finance:zhao": ["finance"],
    # A second finance officer: an exception is never resolved by the one whose action caused it.
    "finance:qian": ["finance"],
    "auditor:sun": ["auditor"],
    "admin:zhou": ["admin"],
    "admin:wu": ["admin"],
    "bank:102": ["bank"],
    "bank:105": ["bank"],
    "channel:branch-102": ["card_channel"],
}

CONFIG_TEMPLATE = """\
# silink instance configuration. Relative paths are relative to this folder.

[server]
# host:port of the gRPC API. TLS with client certificates is always on unless plaintext = true,
# which is accepted only for a loopback address and logs a warning at start.
listen = "127.0.0.1:{port}"
plaintext = false
# Prometheus metrics (text format over HTTP) on a separate port; "" turns them off.
metrics_listen = "127.0.0.1:{metrics_port}"
# On SIGTERM: health goes NOT_SERVING, then in-flight calls get this long to finish.
shutdown_grace_seconds = 10

[database]
# Empty: SQLite file silink.db here (WAL, synchronous=FULL).
# PostgreSQL: url = "postgresql://user:password@host:5432/silink"
url = ""

[tls]
ca = "pki/ca.pem"
server_cert = "pki/server.pem"
server_key = "pki/server.key"

[secrets]
# Master key for personal-data encryption. Keep it out of backups of the database.
master_key = "secrets/master.key"

[identity.principals]
# Certificate common name → roles. Roles: officer, approver, finance, auditor, admin, bank,
# card_channel. Principals named bank:<code> and channel:<name> get their role by prefix.
{principals}
# [identity.permissions] may replace the default method globs of a role, e.g.
# auditor = ["/silink.admin.v1.AdminService/VerifyAudit"]

# Each fund pays from its own expenditure account (支出户); a batch is bound to exactly one fund.
# These are the agency's own accounts (not personal data).
[funds.PENSION_EMPLOYEE]
account = "370100000000100001"
bank = "102"
[funds.PENSION_PUBLIC]
account = "370100000000100002"
bank = "102"
[funds.PENSION_RESIDENT]
account = "370100000000100003"
bank = "403"
[funds.UNEMPLOYMENT]
account = "370100000000100004"
bank = "105"
[funds.WORK_INJURY]
account = "370100000000100005"
bank = "105"

# Partner banks. adapter: iso20022 | banklink | direct_link_json | fixed_width_file.
# chunk_size: most lines per submission (default: the adapter's limit); sla_hours: time to a final
# answer before the submission is listed as overdue (超期督办); agreement_*: the 代发 agreement, outside
# which release is refused (agreement_start/agreement_end dates; optionally agreement_funds = ["…"] and
# agreement_regions = ["3701", …], area-code prefixes, for the funds and regions it covers);
# signing_key: the gateway key that signs this bank's manifests (default
# gw-<code>, created by `silink init`).
#
# Chinese protocols. direct_link_json (SM3withSM2-signed, SM4-encrypted JSON over HTTPS): user_id is our
# user id at the bank; bank_verify_key names the bank's SM2 public key (`silink keys import-public`) and
# encryption_key the SM4 working key the bank issued (`silink keys import-secret`); max_lines is the
# bank's limit per request (a larger submission goes as parts with first/last flags). fixed_width_file
# (GBK/GB18030 报盘/回盘 files): outgoing_dir is where our signed files are dropped, incoming_dir where
# the bank's receipts, results and returns (退票) arrive; bank_verify_key checks their signatures;
# result_wait_seconds (default sla_hours × 3600) is how long a submission waits for its results before
# it goes to the manual queue; file_profile picks or defines the byte layout (adapters/fixed_width).
# Either may instead name a local simulator with simulator_dir (`silink banksim serve`).
#
# Dispatch controls (all optional; README "Dispatch controls"): calendar = "banking" sends only inside
# banking_days / banking_hours (Asia/Shanghai, default mon-fri 08:30-17:00) minus holidays, plus
# extra_workdays; "always" has no cut-off. This instance talks to simulators, so its banks use "always";
# a real bank would get e.g. calendar = "banking", banking_hours = "08:30-17:00",
# holidays = ["2026-10-01"]. breaker_failures / breaker_cooldown_seconds (5, 30): the circuit breaker;
# rate_limit / rate_limit_unit / rate_limit_burst (20, "submissions", one second's worth): the rate limit.
[banks."102"]
name = "中国工商银行"
adapter = "iso20022"
chunk_size = 5000
sla_hours = 24
calendar = "always"
agreement_start = "2026-01-01"
agreement_end = "2028-12-31"
[banks."103"]
name = "中国农业银行"
adapter = "fixed_width_file"
chunk_size = 3000
sla_hours = 48
calendar = "always"
agreement_start = "2026-01-01"
agreement_end = "2028-12-31"
bank_verify_key = "bank-103"
outgoing_dir = "exchange/103/out"
incoming_dir = "exchange/103/in"
[banks."104"]
name = "中国银行"
adapter = "iso20022"
chunk_size = 5000
sla_hours = 24
calendar = "always"
agreement_start = "2026-01-01"
agreement_end = "2028-12-31"
[banks."105"]
name = "中国建设银行"
adapter = "banklink"
chunk_size = 5000
sla_hours = 24
calendar = "always"
agreement_start = "2026-01-01"
agreement_end = "2028-12-31"
[banks."301"]
name = "交通银行"
adapter = "direct_link_json"
chunk_size = 6000
sla_hours = 24
calendar = "always"
agreement_start = "2026-01-01"
agreement_end = "2028-12-31"
user_id = "SILINK3701"
bank_verify_key = "bank-301"
encryption_key = "bank-301-sm4"
[banks."308"]
name = "招商银行"
adapter = "direct_link_json"
chunk_size = 6000
sla_hours = 24
calendar = "always"
agreement_start = "2026-01-01"
agreement_end = "2028-12-31"
user_id = "SILINK3701"
max_lines = 3000
bank_verify_key = "bank-308"
encryption_key = "bank-308-sm4"
[banks."403"]
name = "中国邮政储蓄银行"
adapter = "fixed_width_file"
chunk_size = 3000
sla_hours = 48
calendar = "always"
agreement_start = "2026-01-01"
agreement_end = "2028-12-31"
bank_verify_key = "bank-403"
outgoing_dir = "exchange/403/out"
incoming_dir = "exchange/403/in"
"""


@dataclass(frozen=True)
class InitResult:
    home: Path
    created: list[str]


def _toml_principals() -> str:
    return "\n".join(
        f'"{p}" = [{", ".join(repr(r).replace(chr(39), chr(34)) for r in roles)}]'
        for p, roles in DEMO_PRINCIPALS.items()
    )


def client_cert_paths(home: Path, principal: str) -> tuple[Path, Path]:
    stem = principal.replace(":", "_")
    return home / "pki" / "clients" / f"{stem}.pem", home / "pki" / "clients" / f"{stem}.key"


def init_instance(
    home: Path, *, port: int = 7443, metrics_port: int = 9464, database_url: str = ""
) -> InitResult:
    home = Path(home).resolve()
    home.mkdir(parents=True, exist_ok=True)
    created: list[str] = []
    cfg_path = home / CONFIG_NAME
    if not cfg_path.exists():
        text = CONFIG_TEMPLATE.format(port=port, metrics_port=metrics_port, principals=_toml_principals())
        if database_url:
            text = text.replace('url = ""', f'url = "{database_url}"', 1)
        cfg_path.write_text(text, encoding="utf-8")
        created.append(CONFIG_NAME)
    cfg = load_config(home)

    ca = DevCA(home / "pki")
    if not ca.exists():
        ca.create()
        created.append("pki/ca.pem")
    if not cfg.tls.server_cert.exists():
        ca.issue("silink-server", cfg.tls.server_cert.parent, server=True, file_stem="server")
        created.append("pki/server.pem")
    for principal in DEMO_PRINCIPALS:
        cert, _key = client_cert_paths(home, principal)
        if not cert.exists():
            ca.issue(principal, cert.parent)
            created.append(str(cert.relative_to(home)))

    if not cfg.master_key_path.exists():
        create_master_key(cfg.master_key_path)
        created.append(
            str(cfg.master_key_path.relative_to(home))
            if cfg.master_key_path.is_relative_to(home)
            else str(cfg.master_key_path)
        )

    db = Database(cfg.database_url)
    try:
        migrate(db)
        created += _bank_signing_keys(cfg, db)
    finally:
        db.dispose()
    return InitResult(home=home, created=created)


def _bank_signing_keys(cfg, db: Database) -> list[str]:
    """One gateway signing key per configured bank, of the algorithm its protocol signs with."""
    from gateway.dispatch.routing import default_key_algorithm, signing_key_name
    from keys.datakey import load_master_key
    from keys.store import KeyStore, store_algorithm

    store = KeyStore(cfg.home, load_master_key(cfg.master_key_path), audit_db=db, principal="local:init")
    made = []
    for code, raw in sorted(cfg.banks.items()):
        name = signing_key_name(code, raw)
        if not store.exists(name):
            store.create(name, store_algorithm(default_key_algorithm(raw)), "signing")
            made.append(f"keys/{name}")
    return made
