"""Social security cards (migration 0009): the card registry, card applications and bank legs.

Personal values are stored the way payment lines store them: AES-GCM blobs bound to their row's
keyed hash, keyed hashes (``protector.blind_index``) for lookups, masked copies for display. The card
number is found by ``card_hash`` (unique); the holder by ``id_hash`` (the same hash as
``batch_lines.id_hash``, so a card's loss can find its holder's payment lines); the card's financial
account by ``account_hash`` (the same hash as ``batch_lines.account_hash``).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from gateway.storage.tables import metadata

_ID = BigInteger().with_variant(Integer, "sqlite")

# One row per card. ``social_state`` is the 人社 application (changed by card operations);
# ``bank_state`` is the financial application as last confirmed by the card bank. ``payments_held``
# is true while a loss or cancellation holds benefit lines to the card's account.
cards = Table(
    "cards",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("card_hash", LargeBinary(16), nullable=False),
    Column("card_enc", LargeBinary, nullable=False),
    Column("card_masked", String(20), nullable=False),
    Column("id_hash", LargeBinary(16), nullable=False),
    Column("holder_enc", LargeBinary, nullable=False),  # JSON {id_type, id_number, name}
    Column("id_masked", String(40), nullable=False),
    Column("name_masked", String(80), nullable=False),
    Column("bank_code", String(3), nullable=False),
    Column("account_hash", LargeBinary(16), nullable=False),
    Column("account_enc", LargeBinary, nullable=False),
    Column("account_masked", String(40), nullable=False),
    Column("social_state", String(20), nullable=False),
    Column("state_before_loss", String(20), nullable=True),
    Column("temp_loss_expires_at", String(32), nullable=True),
    Column("bank_state", String(20), nullable=False),
    Column("bank_loss_included", Boolean, nullable=False),
    Column("payments_held", Boolean, nullable=False),
    Column("is_current", Boolean, nullable=False),
    Column("issue_date", String(10), nullable=False),
    Column("expiry_date", String(10), nullable=False),
    Column("cancel_reason", String(20), nullable=True),
    Column("updated_at", String(32), nullable=False),
    UniqueConstraint("card_hash", name="uq_cards_card_hash"),
    Index("ix_cards_id_hash", "id_hash"),
    Index("ix_cards_temp_loss", "social_state", "temp_loss_expires_at"),
)

# A card application (new card or replacement); states move forward only.
card_applications = Table(
    "card_applications",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("card_id", BigInteger, nullable=False),
    Column("id_hash", LargeBinary(16), nullable=False),
    Column("state", String(20), nullable=False),
    Column("reason", String(20), nullable=False),
    Column("pickup_outlet_code", String(40), nullable=False),
    Column("state_reason", Text, nullable=True),
    Column("created_by", String(200), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("updated_at", String(32), nullable=False),
    Index("ix_card_applications_id_hash", "id_hash", "id"),
)

# The bank side of a card operation. ``reference`` is the request id the card bank sees; an UNKNOWN or
# PENDING leg is asked about by it, never sent as a new request. ``payload_enc`` holds what the
# operation needs once confirmed (the new disbursement account), encrypted. ``sent_at`` (migration 0012)
# is when a BankLink bank first fetched the leg: taken and not answered in time makes it UNKNOWN.
card_bank_legs = Table(
    "card_bank_legs",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("card_id", BigInteger, nullable=False),
    Column("operation", String(40), nullable=False),
    Column("event", String(20), nullable=False),
    Column("state", String(12), nullable=False),
    Column("reference", String(35), nullable=False),
    Column("payload_enc", LargeBinary, nullable=True),
    Column("failure_text", Text, nullable=True),
    Column("principal", String(200), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("requested_at", String(32), nullable=False),
    Column("answered_at", String(32), nullable=True),
    Column("sent_at", String(32), nullable=True),
    UniqueConstraint("reference", name="uq_card_bank_legs_reference"),
    Index("ix_card_bank_legs_card", "card_id", "id"),
    Index("ix_card_bank_legs_state", "state"),
)
