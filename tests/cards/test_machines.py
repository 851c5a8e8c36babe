"""Both card state machines, every (state, event) pair: allowed moves land where DOMAIN.md §8 says,
refused ones raise InvalidTransition with the precise reason. The expectations below are written out
by hand from the domain rules, not derived from the tables under test."""

from __future__ import annotations

import itertools

import pytest

from gateway.domain.cards import machines as m
from gateway.errors import InvalidTransition

N, S, T, F, L, C = "NORMAL", "SEALED", "TEMPORARY_LOSS", "FORMAL_LOSS", "LOCKED", "CANCELLED"

# (state, event) -> target. A temporary loss lifted/expired returns to the state before the loss,
# which these tests give as LOCKED so that "back to before" is distinguishable from "to NORMAL".
SOCIAL_ALLOWED = {
    (S, "ENABLE"): N,
    (N, "REPORT_TEMPORARY_LOSS"): T,
    (S, "REPORT_TEMPORARY_LOSS"): T,
    (L, "REPORT_TEMPORARY_LOSS"): T,
    (N, "REPORT_FORMAL_LOSS"): F,
    (S, "REPORT_FORMAL_LOSS"): F,
    (L, "REPORT_FORMAL_LOSS"): F,
    (T, "REPORT_FORMAL_LOSS"): F,
    (T, "LIFT_LOSS"): L,
    (T, "EXPIRE_LOSS"): L,
    (N, "PIN_LOCKOUT"): L,
    (L, "UNLOCK"): N,
    (N, "REPLACE"): N,
    (S, "REPLACE"): S,
    (L, "REPLACE"): L,
    (F, "REPLACE"): F,
    (N, "CHANGE_ACCOUNT"): N,
    (S, "CHANGE_ACCOUNT"): S,
    (L, "CHANGE_ACCOUNT"): L,
    (T, "CHANGE_ACCOUNT"): T,
    (F, "CHANGE_ACCOUNT"): F,
    (N, "ACTIVATE"): N,
    (N, "CANCEL"): C,
    (S, "CANCEL"): C,
    (T, "CANCEL"): C,
    (F, "CANCEL"): C,
    (L, "CANCEL"): C,
}
# Refusals whose reason is specific to the pair; every other refusal is checked by the general rule below.
SOCIAL_SPECIFIC_REASON = {
    (F, "LIFT_LOSS"): "FORMAL_LOSS_NOT_LIFTABLE",
    (F, "REPORT_FORMAL_LOSS"): "ALREADY_LOST",
    (F, "REPORT_TEMPORARY_LOSS"): "ALREADY_LOST",
    (T, "REPORT_TEMPORARY_LOSS"): "ALREADY_LOST",
    (T, "REPLACE"): "FORMAL_LOSS_REQUIRED",
    (N, "ENABLE"): "ALREADY_ENABLED",
    (S, "ACTIVATE"): "CARD_NOT_ENABLED",
    (N, "LIFT_LOSS"): "CARD_NOT_LOST",
    (L, "LIFT_LOSS"): "CARD_NOT_LOST",
    (N, "UNLOCK"): "CARD_NOT_LOCKED",
    (L, "PIN_LOCKOUT"): "ALREADY_LOCKED",
    (T, "ACTIVATE"): "CARD_TEMPORARILY_LOST",
    (F, "ACTIVATE"): "CARD_FORMALLY_LOST",
    (L, "ACTIVATE"): "CARD_LOCKED",
}
SOCIAL_STATES = [N, S, T, F, L, C]
SOCIAL_EVENTS = [
    "ENABLE", "REPORT_TEMPORARY_LOSS", "REPORT_FORMAL_LOSS", "LIFT_LOSS", "EXPIRE_LOSS", "PIN_LOCKOUT",
    "UNLOCK", "REPLACE", "CHANGE_ACCOUNT", "ACTIVATE", "CANCEL",
]  # fmt: skip

BN, NA, FR, CL = "NORMAL", "NOT_ACTIVATED", "FROZEN", "CLOSED"
BANK_ALLOWED = {
    (NA, "ACTIVATE"): BN,
    (NA, "FREEZE"): FR,
    (BN, "FREEZE"): FR,
    (FR, "FREEZE"): FR,
    (FR, "UNFREEZE"): BN,
    (BN, "CHANGE_ACCOUNT"): BN,
    (NA, "CLOSE"): CL,
    (BN, "CLOSE"): CL,
    (FR, "CLOSE"): CL,
}
BANK_SPECIFIC_REASON = {
    (BN, "ACTIVATE"): "BANK_ACCOUNT_ALREADY_ACTIVE",
    (BN, "UNFREEZE"): "BANK_ACCOUNT_NOT_FROZEN",
    (NA, "UNFREEZE"): "BANK_ACCOUNT_NOT_FROZEN",
    (NA, "CHANGE_ACCOUNT"): "BANK_ACCOUNT_NOT_ACTIVATED",
    (FR, "CHANGE_ACCOUNT"): "BANK_ACCOUNT_FROZEN",
    (FR, "ACTIVATE"): "BANK_ACCOUNT_FROZEN",
}
BANK_STATES = [NA, BN, FR, CL]
BANK_EVENTS = ["ACTIVATE", "FREEZE", "UNFREEZE", "CHANGE_ACCOUNT", "CLOSE"]


def test_the_expectation_lists_cover_the_same_states_and_events_as_the_module():
    assert set(SOCIAL_STATES) == set(m.SOCIAL_STATES) and set(SOCIAL_EVENTS) == set(m.SOCIAL_EVENTS)
    assert set(BANK_STATES) == set(m.BANK_STATES) and set(BANK_EVENTS) == set(m.BANK_EVENTS)


@pytest.mark.parametrize(("state", "event"), list(itertools.product(SOCIAL_STATES, SOCIAL_EVENTS)))
def test_social_application(state, event):
    expected = SOCIAL_ALLOWED.get((state, event))
    if expected is not None:
        assert m.social_next(state, event, before_loss=L) == expected
        return
    with pytest.raises(InvalidTransition) as exc:
        m.social_next(state, event, before_loss=L)
    err = exc.value
    assert err.metadata == {"application": "social", "state": state, "event": event}
    if state == C:
        assert err.reason == "CARD_CANCELLED"  # a cancelled card accepts nothing
        assert "accepts no operation" in err.message
    elif (state, event) in SOCIAL_SPECIFIC_REASON:
        assert err.reason == SOCIAL_SPECIFIC_REASON[(state, event)]
    else:
        assert err.reason not in ("", "INVALID_TRANSITION"), "every refusal says why"


@pytest.mark.parametrize(("state", "event"), list(itertools.product(BANK_STATES, BANK_EVENTS)))
def test_bank_application(state, event):
    expected = BANK_ALLOWED.get((state, event))
    if expected is not None:
        assert m.bank_next(state, event) == expected
        return
    with pytest.raises(InvalidTransition) as exc:
        m.bank_next(state, event)
    err = exc.value
    if state == CL:
        assert err.reason == "BANK_ACCOUNT_CLOSED"
    else:
        assert err.reason == BANK_SPECIFIC_REASON[(state, event)]


def test_formal_loss_cannot_be_lifted_only_replaced():
    with pytest.raises(InvalidTransition, match="cannot be lifted; apply for a replacement"):
        m.social_next(F, "LIFT_LOSS")
    assert m.social_next(F, "REPLACE") == F


@pytest.mark.parametrize("before", [N, S, L])
def test_lifting_a_temporary_loss_returns_to_the_state_before_it(before):
    assert m.social_next(T, "LIFT_LOSS", before_loss=before) == before
    assert m.social_next(T, "EXPIRE_LOSS", before_loss=before) == before


def test_unknown_names_are_a_bug_not_a_refusal():
    with pytest.raises(ValueError):
        m.social_next("LOST", "ENABLE")
    with pytest.raises(ValueError):
        m.bank_next(BN, "LOSE")
