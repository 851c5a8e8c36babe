"""A partner bank that connects to the gateway over BankLink: the simulator for the pull protocol.

It is its own process (``silink banksim pull``), holds the bank's client certificate, and loops:
list READY submissions → stream their lines → verify the gateway's signature on the manifest and
recompute the Merkle root from the lines (a submission that does not verify is never booked) → book
it in the same ledger the HTTP simulators use (each end-to-end id credited at most once, account states
from the same keyed hash, so it agrees with ``silink gen payroll``) → acknowledge with the root → push
the line results. A restart repeats nothing: the ledger says what was booked, and the gateway's
request ids make the acknowledgement and the results idempotent.

Card services (the bank leg): it also lists the card operations addressed to it and carries each out on
the same card ledger the direct-link simulator keeps (:mod:`adapters.simulator.cards`: the same rules,
refusal codes and idempotency by reference, ``DATA/cards.sqlite3``), then answers: done with the card's
new state, accepted while a closure is pending (``close_after``), or refused with the bank's code.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from pathlib import Path

import grpc
import structlog
from silink.banklink.v1 import banklink_pb2 as bpb
from silink.banklink.v1 import banklink_pb2_grpc
from silink.common.v1 import common_pb2

from adapters.simulator.accounts import Rates
from adapters.simulator.cards import CARDS_FILE, CardBook
from adapters.simulator.ledger import IncomingBatch, IncomingLine, Ledger
from keys.algorithms import get_backend
from keys.canonical import canonical_row
from keys.merkle import merkle_root

log = structlog.get_logger("silink.banksim.banklink")
LEDGER_FILE = "ledger.sqlite3"
RUN_FILE = "run.json"


class BankLinkBank:
    def __init__(
        self,
        channel: grpc.Channel,
        bank_code: str,
        data_dir: Path,
        gateway_key_pem: bytes,
        gateway_key_alg: str,
        *,
        seed: int = 1,
        rates: Rates | None = None,
        reconnect=None,
        card_close_after: float = 0.0,
        mute_results: bool = False,
    ) -> None:
        self.stub = banklink_pb2_grpc.BankLinkServiceStub(channel)
        # A new channel when the gateway went away (a restarted gateway may listen on another port).
        self.reconnect = reconnect
        self.bank_code = bank_code
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.ledger = Ledger(self.data_dir / LEDGER_FILE, seed=seed, rates=rates, protocol="banklink")
        self.cards = CardBook(
            self.data_dir / CARDS_FILE, seed=seed, bank_code=bank_code, close_after=card_close_after
        )
        self.verifier = get_backend().load_verifier(gateway_key_alg, gateway_key_pem)
        # A fault: the bank books and acknowledges but never pushes results unasked, so the gateway only
        # learns them by status inquiry (as when every result push is lost on the way).
        self.mute_results = mute_results

    def run_once(self) -> int:
        """Handle every READY submission once; returns how many were booked. An ACKNOWLEDGED one whose
        results did not all reach the gateway (it went away in between) gets them pushed again: the
        ledger already says what happened, and the push is idempotent by its request ids."""
        booked = 0
        page = self.stub.ListSubmissions(
            bpb.ListSubmissionsRequest(state=bpb.Submission.STATE_READY), timeout=60
        )
        for sub in page.submissions:
            if self._handle(sub):
                booked += 1
        acked = self.stub.ListSubmissions(
            bpb.ListSubmissionsRequest(state=bpb.Submission.STATE_ACKNOWLEDGED), timeout=60
        )
        for sub in acked.submissions:
            view = self.ledger.batch(sub.submission_id)
            if view is not None:
                self._push(sub.submission_id, view)
        self.run_cards_once()
        self.answer_inquiries()
        return booked

    def answer_inquiries(self) -> int:
        """Answer the gateway's open status inquiries from the ledger: a line's result as booked, a whole
        submission by pushing its results again, NOT_FOUND for what this bank never booked."""
        answered = 0
        token = ""
        while True:
            page = self.stub.ListStatusInquiries(
                bpb.ListStatusInquiriesRequest(state=bpb.StatusInquiry.STATE_OPEN, page_token=token),
                timeout=60,
            )
            for q in page.inquiries:
                view = self.ledger.batch(q.submission_id)
                line = next((lv for lv in view.lines if lv.seq == q.seq), None) if view else None
                req = bpb.AnswerStatusInquiryRequest(
                    request_id=f"inq-{q.inquiry_id}", inquiry_id=q.inquiry_id
                )
                if view is None or (q.seq and line is None):
                    req.finding = bpb.INQUIRY_FINDING_NOT_FOUND
                else:
                    req.finding = bpb.INQUIRY_FINDING_FOUND
                    if line is not None:
                        req.result.CopyFrom(self._result(line))
                self.stub.AnswerStatusInquiry(req, timeout=60)
                if view is not None and not q.seq:
                    self._push(q.submission_id, view, tag=f"inq-{q.inquiry_id}")
                answered += 1
            token = page.next_page_token
            if not token:
                return answered

    def _handle(self, sub: bpb.Submission) -> bool:
        m = sub.manifest
        if not self.verifier.verify(m.signed_payload, m.signature):
            log.error("banklink.bad_signature", submission=sub.submission_id)
            return False
        lines = []
        for chunk in self.stub.StreamSubmissionLines(
            bpb.StreamSubmissionLinesRequest(submission_id=sub.submission_id), timeout=300
        ):
            lines.extend(chunk.lines)
        signed = json.loads(m.signed_payload)
        rows = [
            (
                ln.seq,
                ln.end_to_end_ref,
                m.bank_code,
                ln.account,
                common_pb2.AccountType.Name(ln.account_type).removeprefix("ACCOUNT_TYPE_"),
                ln.name,
                common_pb2.IdType.Name(ln.id_type).removeprefix("ID_TYPE_"),
                ln.id_number,
                ln.amount_fen,
                *ln.remark.split(" ", 1),
                signed["fund_account"],
            )
            for ln in lines
        ]
        root = merkle_root((canonical_row(r) for r in rows), m.hash_algorithm)
        if root != m.merkle_root or len(lines) != m.line_count:
            log.error("banklink.root_mismatch", submission=sub.submission_id)
            return False
        view, _new = self.ledger.receive(
            IncomingBatch(
                reference=sub.submission_id,
                lines=[
                    IncomingLine(ln.seq, ln.end_to_end_ref, ln.account, ln.amount_fen, ln.name)
                    for ln in lines
                ],
                declared_count=m.line_count,
                declared_sum_fen=m.control_sum_amount_fen,
            )
        )
        self.stub.AcknowledgeSubmission(
            bpb.AcknowledgeSubmissionRequest(
                request_id=f"ack-{sub.submission_id}",
                submission_id=sub.submission_id,
                bank_batch_reference=f"BL{self.bank_code}-{sub.submission_id[-8:]}",
                merkle_root=root,
            ),
            timeout=60,
        )
        self._push(sub.submission_id, view)
        log.info("banklink.booked", submission=sub.submission_id, lines=len(lines))
        return True

    @staticmethod
    def _result(lv) -> bpb.LineResult:
        """What the bank says of one booked line: paid, or refused with its reason."""
        if lv.credited:
            return bpb.LineResult(seq=lv.seq, outcome=bpb.LINE_OUTCOME_PAID, bank_status_code="00")
        reason = f"FAILURE_REASON_{lv.reason}" if lv.reason else "FAILURE_REASON_OTHER"
        known = reason in common_pb2.FailureReason.keys()  # noqa: SIM118 - EnumTypeWrapper has no __contains__
        return bpb.LineResult(
            seq=lv.seq,
            outcome=bpb.LINE_OUTCOME_FAILED,
            bank_status_code=lv.reason or "REJECTED",
            failure_reason=common_pb2.FailureReason.Value(reason)
            if known
            else common_pb2.FAILURE_REASON_OTHER,
        )

    def _push(self, submission_id: str, view, tag: str = "res") -> None:
        if self.mute_results and tag == "res":
            return
        results = [self._result(lv) for lv in view.lines]
        for start in range(0, len(results), 1000):
            self.stub.PushLineResults(
                bpb.PushLineResultsRequest(
                    request_id=f"{tag}-{submission_id}-{start}",
                    submission_id=submission_id,
                    results=results[start : start + 1000],
                ),
                timeout=120,
            )

    # -- card services ---------------------------------------------------------------------------------

    def run_cards_once(self) -> dict[str, int]:
        """Carry out and answer every card operation the gateway lists; returns the answers by outcome."""
        counts: dict[str, int] = {}
        token = ""
        while True:
            page = self.stub.ListCardOperations(bpb.ListCardOperationsRequest(page_token=token), timeout=60)
            for op in page.operations:
                outcome = self._card(op)
                counts[outcome] = counts.get(outcome, 0) + 1
            token = page.next_page_token
            if not token:
                return counts

    def _card(self, op: bpb.BankCardOperation) -> str:
        kind = bpb.CardOperationKind.Name(op.kind).removeprefix("CARD_OPERATION_KIND_")
        funcode, extra = _CARD_CALLS.get(kind, ("", None))
        body = {"cardno": op.card_number, "idno": op.id_number, "name": op.name}
        if extra is not None:
            body.update(extra(op))
        answer = self.cards.operate(funcode, op.reference, body)
        if answer.retcode != "0000":
            outcome, state = bpb.CARD_OPERATION_OUTCOME_REFUSED, 0
        elif answer.body.get("opstatus") == "A":
            outcome, state = bpb.CARD_OPERATION_OUTCOME_ACCEPTED, 0
        else:
            outcome = bpb.CARD_OPERATION_OUTCOME_DONE
            state = _APP_STATE.get(str(answer.body.get("cardstate")), 0)
        name = bpb.CardOperationOutcome.Name(outcome).removeprefix("CARD_OPERATION_OUTCOME_")
        self.stub.AnswerCardOperation(
            bpb.AnswerCardOperationRequest(
                request_id=f"card-{op.reference}-{name}",
                reference=op.reference,
                outcome=outcome,
                bank_app_state=state,
                reason_code="" if answer.retcode == "0000" else answer.retcode,
                raw_text=answer.retmsg,
            ),
            timeout=60,
        )
        log.info("banklink.card", reference=op.reference, kind=kind, outcome=name)
        return name

    def run_forever(self, stop: threading.Event, interval: float = 1.0) -> None:
        (self.data_dir / RUN_FILE).write_text(
            json.dumps({"pid": os.getpid(), "protocol": "banklink", "bank": self.bank_code})
        )
        try:
            while not stop.is_set():
                try:
                    self.run_once()
                except grpc.RpcError as exc:
                    log.warning("banklink.gateway_unavailable", code=exc.code().name)
                    if self.reconnect is not None and exc.code() is grpc.StatusCode.UNAVAILABLE:
                        with contextlib.suppress(Exception):
                            self.stub = banklink_pb2_grpc.BankLinkServiceStub(self.reconnect())
                stop.wait(interval)
        finally:
            (self.data_dir / RUN_FILE).unlink(missing_ok=True)
            self.ledger.close()
            self.cards.close()


# BankLink card operation → the card ledger's function code and the body fields it needs.
_LOSS = {1: "TEMP", 2: "FORMAL"}  # silink.card.v1.LossKind
_CLOSE = {1: "D", 2: "E", 3: "O"}  # silink.card.v1.CancelReason
_CARD_CALLS = {
    "ACTIVATE": ("CARD_ACTIVATE", None),
    "FREEZE": ("CARD_LOSS", lambda op: {"losstype": _LOSS.get(op.loss_kind, "")}),
    "UNFREEZE": ("CARD_UNLOSS", None),
    "CHANGE_ACCOUNT": ("ACCOUNT_CHANGE", lambda op: {"newacc": op.new_account, "newbank": op.new_bank_code}),
    "CLOSE": ("ACCOUNT_CLOSE", lambda op: {"closereason": _CLOSE.get(op.close_reason, "")}),
}
# The card ledger's wire states → silink.card.v1.BankAppState (a loss at the bank is FROZEN).
_APP_STATE = {"0": 2, "1": 1, "2": 3, "3": 3, "4": 4}
