"""The simulated card-issuing bank's card ledger: the financial application of social security cards.

Simple on purpose, so the card service's tests can predict every answer (DOMAIN.md §8, bank side):

* **A card is known the first time it is named.** Its start state comes from the last character of the
  card number: ``1`` NOT_ACTIVATED (未激活), ``2`` FROZEN (冻结), ``4`` CLOSED (销户), anything else NORMAL.
  The ID number of that first call is bound to the card (kept as a keyed hash, never in clear); a later
  call with another ID number is refused with ``3011`` (卡片不存在或证件与卡号不符).
* **Its account** (the financial account the benefit is paid to) starts as ``6230`` + 15 digits derived
  from the card number, and is replaced by ACCOUNT_CHANGE.
* **Operations** (``head.funcode``), each refused with ``3012`` (卡片状态不允许该操作) where marked:

  =================  ============================================================================
  CARD_STATUS        the state and the (masked, by the adapter) account; never refused
  CARD_LOSS          NORMAL / NOT_ACTIVATED / FROZEN → LOST, with the loss kind TEMP or FORMAL; a
                     TEMP loss may become FORMAL; FORMAL again or CLOSED → 3012
  CARD_UNLOSS        LOST with a TEMP loss → the state before the loss; otherwise 3012
  CARD_ACTIVATE      NOT_ACTIVATED → NORMAL; otherwise 3012
  ACCOUNT_CHANGE     NORMAL only: the account becomes ``newacc`` at bank ``newbank``; otherwise 3012
  ACCOUNT_CLOSE      any state but CLOSED → CLOSED (销户), with ``closereason`` D, E or O; CLOSED → 3012.
                     With ``close_after`` seconds (``--card-close-after``) the bank first answers
                     pending (``opstatus`` A, the state unchanged: the balance is being settled) and
                     closes the account when the same request comes again after that time
  =================  ============================================================================

* **Idempotent by request id**: the answer to a ``reqid`` is stored; the same ``reqid`` again gets the
  same answer and changes nothing (the channel repeats a call whose answer it did not get), except that
  a pending closure is finished once it is due.

States on the wire (``cardstate``): ``0`` NORMAL, ``1`` NOT_ACTIVATED, ``2`` FROZEN, ``3`` LOST,
``4`` CLOSED (adapters/direct_link/FORMAT.md §2). The book is ``DATA/cards.sqlite3`` (0600).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from gateway.pii import mask_number

CARDS_FILE = "cards.sqlite3"
REFUSED_CARD = "3011"
REFUSED_STATE = "3012"

# Wire codes of the states (FORMAT.md card-states table).
WIRE_STATE = {"NORMAL": "0", "NOT_ACTIVATED": "1", "FROZEN": "2", "LOST": "3", "CLOSED": "4"}
_START_BY_LAST_CHAR = {"1": "NOT_ACTIVATED", "2": "FROZEN", "4": "CLOSED"}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS cards (
    card_no TEXT PRIMARY KEY,
    id_hash TEXT NOT NULL,
    state TEXT NOT NULL,
    state_before_loss TEXT,
    loss_kind TEXT,
    account TEXT NOT NULL,
    account_bank TEXT NOT NULL,
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS card_closings (
    reqid TEXT PRIMARY KEY,
    card_no TEXT NOT NULL,
    due REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS card_ops (
    reqid TEXT PRIMARY KEY,
    funcode TEXT NOT NULL,
    card_no TEXT NOT NULL,
    answer TEXT NOT NULL,
    at REAL NOT NULL
);
"""


def start_state(card_no: str) -> str:
    """The state a card is in when the bank first hears of it (from its last character)."""
    return _START_BY_LAST_CHAR.get(card_no[-1:], "NORMAL")


def start_account(card_no: str) -> str:
    digits = int.from_bytes(hashlib.sha256(card_no.encode("utf-8")).digest()[:8], "big") % 10**15
    return f"6230{digits:015d}"


@dataclass(frozen=True)
class CardAnswer:
    """What the bank answers: ``retcode`` 0000 with ``body``, or a refusal code with its text."""

    retcode: str
    retmsg: str
    body: dict

    def as_json(self) -> str:
        return json.dumps({"retcode": self.retcode, "retmsg": self.retmsg, "body": self.body}, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> CardAnswer:
        d = json.loads(text)
        return cls(d["retcode"], d["retmsg"], d["body"])


class CardBook:
    def __init__(self, path: Path, *, seed: int = 1, bank_code: str = "", close_after: float = 0.0) -> None:
        self.path = Path(path)
        self.bank_code = bank_code
        self.close_after = float(close_after or 0.0)
        self._key = f"silink-banksim-cards:{seed}".encode()
        self._lock = threading.RLock()
        if not self.path.exists():
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _id_hash(self, id_number: str) -> str:
        return hmac.new(self._key, id_number.encode("utf-8"), hashlib.sha256).hexdigest()

    def operate(self, funcode: str, reqid: str, body: dict, now: float | None = None) -> CardAnswer:
        """Carry out one card call (once per ``reqid``) and return the bank's answer."""
        now = time.time() if now is None else now
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                row = self._db.execute("SELECT answer FROM card_ops WHERE reqid = ?", (reqid,)).fetchone()
                if row is not None:
                    answer = self._finish_closing(reqid, CardAnswer.from_json(row[0]), now)
                else:
                    answer = self._operate(funcode, body, now, reqid)
                    self._db.execute(
                        "INSERT INTO card_ops VALUES (?, ?, ?, ?, ?)",
                        (reqid, funcode, str(body.get("cardno", "")), answer.as_json(), now),
                    )
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
            return answer

    def _finish_closing(self, reqid: str, answer: CardAnswer, now: float) -> CardAnswer:
        """A repeated ACCOUNT_CLOSE whose closure is due: the account is closed now, the answer becomes S."""
        if answer.body.get("opstatus") != "A":
            return answer
        due = self._db.execute("SELECT card_no, due FROM card_closings WHERE reqid = ?", (reqid,)).fetchone()
        if due is None or due[1] > now:
            return answer
        self._db.execute("UPDATE cards SET state = 'CLOSED', updated_at = ? WHERE card_no = ?", (now, due[0]))
        self._db.execute("DELETE FROM card_closings WHERE reqid = ?", (reqid,))
        done = CardAnswer(
            answer.retcode, answer.retmsg, {**answer.body, "cardstate": WIRE_STATE["CLOSED"], "opstatus": "S"}
        )
        self._db.execute("UPDATE card_ops SET answer = ? WHERE reqid = ?", (done.as_json(), reqid))
        return done

    def _operate(self, funcode: str, body: dict, now: float, reqid: str) -> CardAnswer:
        card_no = str(body.get("cardno", ""))
        id_number = str(body.get("idno", ""))
        if not card_no or not id_number:
            return CardAnswer(REFUSED_CARD, "卡片不存在或证件与卡号不符", {})
        row = self._db.execute(
            "SELECT id_hash, state, state_before_loss, loss_kind, account FROM cards WHERE card_no = ?",
            (card_no,),
        ).fetchone()
        if row is None:
            row = (self._id_hash(id_number), start_state(card_no), None, None, start_account(card_no))
            self._db.execute(
                "INSERT INTO cards VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (card_no, row[0], row[1], None, None, row[4], self.bank_code, now),
            )
        id_hash, state, before, loss_kind, account = row
        if not hmac.compare_digest(id_hash, self._id_hash(id_number)):
            return CardAnswer(REFUSED_CARD, "卡片不存在或证件与卡号不符", {})

        new = {"state": state, "state_before_loss": before, "loss_kind": loss_kind, "account": account}
        allowed = True
        if funcode == "CARD_LOSS":
            kind = str(body.get("losstype", ""))
            if kind not in ("TEMP", "FORMAL") or state == "CLOSED":
                allowed = False
            elif state == "LOST":
                allowed = loss_kind == "TEMP" and kind == "FORMAL"
                new["loss_kind"] = kind
            else:
                new.update(state="LOST", state_before_loss=state, loss_kind=kind)
        elif funcode == "CARD_UNLOSS":
            allowed = state == "LOST" and loss_kind == "TEMP"
            if allowed:
                new.update(state=before or "NORMAL", state_before_loss=None, loss_kind=None)
        elif funcode == "CARD_ACTIVATE":
            allowed = state == "NOT_ACTIVATED"
            new["state"] = "NORMAL"
        elif funcode == "ACCOUNT_CHANGE":
            new_account = str(body.get("newacc", ""))
            allowed = state == "NORMAL" and new_account.isdigit() and 8 <= len(new_account) <= 32
            new["account"] = new_account
        elif funcode == "ACCOUNT_CLOSE":
            if str(body.get("closereason", "")) not in ("D", "E", "O"):
                return CardAnswer("2001", "报文格式错误：销户原因", {})
            allowed = state != "CLOSED"
            if allowed and self.close_after > 0:
                self._db.execute(
                    "INSERT INTO card_closings VALUES (?, ?, ?)", (reqid, card_no, now + self.close_after)
                )
            elif allowed:
                new["state"] = "CLOSED"
        elif funcode != "CARD_STATUS":
            return CardAnswer("2001", "报文格式错误", {})
        if not allowed:
            return CardAnswer(REFUSED_STATE, "卡片状态不允许该操作", {})
        if new != {"state": state, "state_before_loss": before, "loss_kind": loss_kind, "account": account}:
            self._db.execute(
                "UPDATE cards SET state = ?, state_before_loss = ?, loss_kind = ?, account = ?,"
                " account_bank = CASE WHEN ? = 'ACCOUNT_CHANGE' THEN ? ELSE account_bank END,"
                " updated_at = ? WHERE card_no = ?",
                (
                    new["state"],
                    new["state_before_loss"],
                    new["loss_kind"],
                    new["account"],
                    funcode,
                    str(body.get("newbank", "")),
                    now,
                    card_no,
                ),
            )
        op_ref = f"C{self.bank_code}{hashlib.sha256(reqid.encode('utf-8')).hexdigest()[:16].upper()}"
        return CardAnswer(
            "0000",
            "交易成功",
            {
                "acc": new["account"],
                "cardno": card_no,
                "cardstate": WIRE_STATE[new["state"]],
                "opref": op_ref,
                "opstatus": "A" if funcode == "ACCOUNT_CLOSE" and new["state"] != "CLOSED" else "S",
            },
        )

    def entries(self) -> Iterator[dict]:
        """Every card the bank knows, account masked (no ID numbers: only their hash is kept)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT c.card_no, c.state, c.loss_kind, c.account, c.account_bank,"
                " (SELECT COUNT(*) FROM card_ops o WHERE o.card_no = c.card_no)"
                " FROM cards c ORDER BY c.card_no"
            ).fetchall()
        for card_no, state, loss_kind, account, bank, ops in rows:
            yield {
                "card_no": card_no,
                "state": state,
                "loss_kind": loss_kind,
                "account": mask_number(account),
                "account_bank": bank,
                "operations": ops,
            }
