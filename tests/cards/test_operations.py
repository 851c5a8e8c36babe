"""Card operations against a real database (SQLite and PostgreSQL): payments held on loss and released
on lift, the temporary-loss expiry, cancellation on death, channel rules (own bank, operations, e-card,
rate)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from gateway.domain.cards import operations as ops
from gateway.domain.cards.channels import CardSettings, ChannelLimits, issue_holder_token
from gateway.errors import InvalidTransition, NotFound, PermissionDenied, Unavailable
from gateway.pii import mask_number
from gateway.storage.tables import audit_log, batch_lines, person_status
from tests.cards.conftest import BRANCH, add_card, approve_batch, caller, card_no, ident, make_batch


def lines(db, batch_id):
    with db.read() as conn:
        c = batch_lines.c
        rows = conn.execute(select(c.line_number, c.state, c.hold_reason).where(c.batch_id == batch_id)).all()
    return {n: (s, r) for n, s, r in rows}


def actions(db, action):
    with db.read() as conn:
        return conn.execute(
            select(audit_log.c.object_id, audit_log.c.detail).where(audit_log.c.action == action)
        ).all()


def run(db, fn, *args, **kw):
    with db.write() as conn:
        return fn(conn, *args, **kw)


def test_loss_holds_only_that_cards_lines_and_lifting_releases_them(db, protector, cards_ctx):
    for n in (1, 2, 3):
        add_card(db, protector, n)
    # person 3 is paid to another account: a loss of the card does not concern that line
    batch = make_batch(db, protector, [1, 2, 3], other_account={3})
    who = caller(cards_ctx)
    view = run(db, ops.report_loss, cards_ctx, who, ident(1), card_no(1), "TEMPORARY")
    assert view["social_state"] == "TEMPORARY_LOSS" and view["payments_held"] is True
    assert view["card_masked"] != card_no(1) and ident(1) not in json.dumps(view)
    assert lines(db, batch) == {1: ("HELD", "CARD_LOST"), 2: ("PENDING", None), 3: ("PENDING", None)}
    held = actions(db, "line.hold")
    assert len(held) == 1 and json.loads(held[0].detail)["reason"] == "CARD_LOST"

    view = run(db, ops.lift_loss, cards_ctx, who, ident(1), card_no(1))
    assert (view["social_state"], view["payments_held"]) == ("NORMAL", False)
    assert lines(db, batch)[1] == ("PENDING", None)
    assert len(actions(db, "line.release")) == 1
    lifted = actions(db, "card.lift_loss")
    assert json.loads(lifted[0].detail)["lines_released"] == 1


def test_a_batch_approved_during_the_loss_is_held_at_approval(db, protector, cards_ctx):
    add_card(db, protector, 1)
    add_card(db, protector, 2)
    run(db, ops.report_loss, cards_ctx, caller(cards_ctx), ident(1), card_no(1), "FORMAL")
    batch = make_batch(db, protector, [1, 2], approve=False)
    assert lines(db, batch)[1] == ("PENDING", None)
    assert approve_batch(db, protector, batch) == 1
    assert lines(db, batch) == {1: ("HELD", "CARD_LOST"), 2: ("PENDING", None)}


def test_formal_loss_cannot_be_lifted_and_keeps_the_hold(db, protector, cards_ctx):
    add_card(db, protector, 1)
    batch = make_batch(db, protector, [1])
    who = caller(cards_ctx)
    run(db, ops.report_loss, cards_ctx, who, ident(1), card_no(1), "FORMAL")
    with pytest.raises(InvalidTransition) as exc:
        run(db, ops.lift_loss, cards_ctx, who, ident(1), card_no(1))
    assert exc.value.reason == "FORMAL_LOSS_NOT_LIFTABLE"
    assert lines(db, batch)[1] == ("HELD", "CARD_LOST")
    view, app = run(db, ops.apply_replacement, cards_ctx, who, ident(1), card_no(1), "LOST", "370102001")
    assert app["state"] == "SUBMITTED" and view["social_state"] == "FORMAL_LOSS"
    with pytest.raises(InvalidTransition, match="already in progress"):
        run(db, ops.apply_replacement, cards_ctx, who, ident(1), card_no(1), "LOST", "370102001")
    ref = ops.application_ref(app["id"])
    run(db, ops.advance_application, ref, "ACCEPTED", "system:platform")
    with pytest.raises(InvalidTransition):
        run(db, ops.advance_application, ref, "SUBMITTED", "system:platform")
    got = run(db, ops.get_progress, cards_ctx, who, ident(1), "")
    assert got["state"] == "ACCEPTED"


def test_replacement_rules(db, protector, cards_ctx):
    add_card(db, protector, 1, expiry_date="2027-01-20")
    who = caller(cards_ctx)
    with pytest.raises(InvalidTransition) as exc:
        run(db, ops.apply_replacement, cards_ctx, who, ident(1), card_no(1), "LOST", "X1")
    assert exc.value.reason == "FORMAL_LOSS_REQUIRED"
    with pytest.raises(InvalidTransition) as exc:
        run(
            db,
            ops.apply_replacement,
            cards_ctx,
            who,
            ident(1),
            card_no(1),
            "EXPIRING",
            "X1",
            dt.date(2026, 11, 1),
        )
    assert exc.value.reason == "TOO_EARLY_FOR_RENEWAL"
    _view, app = run(
        db,
        ops.apply_replacement,
        cards_ctx,
        who,
        ident(1),
        card_no(1),
        "EXPIRING",
        "X1",
        dt.date(2026, 11, 25),
    )
    assert app["reason"] == "EXPIRING"


def test_temporary_loss_expires_by_itself_and_releases(db, protector, cards_ctx):
    for n in (1, 2):
        add_card(db, protector, n)
    batch = make_batch(db, protector, [1, 2])
    who = caller(cards_ctx)
    eight_days_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=8)
    six_days_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=6)
    run(db, ops.report_loss, cards_ctx, who, ident(1), card_no(1), "TEMPORARY", now=eight_days_ago)
    run(db, ops.report_loss, cards_ctx, who, ident(2), card_no(2), "TEMPORARY", now=six_days_ago)
    assert lines(db, batch) == {1: ("HELD", "CARD_LOST"), 2: ("HELD", "CARD_LOST")}
    assert run(db, ops.expire_due) == 1  # 7 days: only the first one is due
    assert lines(db, batch) == {1: ("PENDING", None), 2: ("HELD", "CARD_LOST")}
    assert len(actions(db, "card.loss_expired")) == 1
    assert run(db, ops.get_status, cards_ctx, who, ident(2), card_no(2))["social_state"] == "TEMPORARY_LOSS"
    # read lazily two days later: expired on read, without the periodic task
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
    with db.write() as conn:
        card = ops._load(conn, cards_ctx, who, "STATUS", ident(2), card_no(2), later)
    assert card["social_state"] == "NORMAL" and lines(db, batch)[2] == ("PENDING", None)


def test_cancellation_on_death_feeds_the_person_status(db, protector, cards_ctx):
    add_card(db, protector, 1)
    batch = make_batch(db, protector, [1, 2], other_account={1})  # paid elsewhere: held all the same
    who = caller(cards_ctx)
    view = run(db, ops.cancel, cards_ctx, who, ident(1), card_no(1), "DEATH")
    assert view["social_state"] == "CANCELLED" and view["payments_held"]
    with db.read() as conn:
        status = conn.execute(
            select(person_status.c.status).where(person_status.c.id_hash == protector.blind_index(ident(1)))
        ).scalar()
    assert status == "DECEASED"
    assert lines(db, batch) == {1: ("HELD", "DECEASED"), 2: ("PENDING", None)}
    detail = json.loads(actions(db, "card.cancel")[0].detail)
    assert (detail["person_status"], detail["lines_held"]) == ("DECEASED", 1)
    for fn, args in ((ops.lift_loss, ()), (ops.enable, ()), (ops.report_loss, ("TEMPORARY",))):
        with pytest.raises(InvalidTransition) as exc:
            run(db, fn, cards_ctx, who, ident(1), card_no(1), *args)
        assert exc.value.reason == "CARD_CANCELLED"


def test_a_bank_branch_acts_only_on_its_own_banks_cards(db, protector, cards_ctx):
    add_card(db, protector, 1, bank="102")
    other = caller(cards_ctx, "channel:branch-308-qingdao")
    with pytest.raises(PermissionDenied) as exc:
        run(db, ops.report_loss, cards_ctx, other, ident(1), card_no(1), "TEMPORARY")
    assert exc.value.reason == "CROSS_BANK_DENIED"
    with pytest.raises(PermissionDenied):
        run(db, ops.get_status, cards_ctx, other, ident(1), card_no(1))
    assert run(db, ops.get_status, cards_ctx, caller(cards_ctx, "channel:12333"), ident(1), card_no(1))


def test_channel_operations_come_from_the_config(db, protector):
    settings = CardSettings.from_config({"channel_kinds": {"kiosk": {"operations": ["STATUS"]}}})
    ctx = ops.Cards(protector, settings, ChannelLimits())
    add_card(db, protector, 1)
    hotline = caller(ctx, "channel:12333")
    with pytest.raises(PermissionDenied) as exc:
        run(db, ops.report_loss, ctx, hotline, ident(1), card_no(1), "FORMAL")
    assert exc.value.reason == "CHANNEL_OPERATION_DENIED"
    run(db, ops.report_loss, ctx, hotline, ident(1), card_no(1), "TEMPORARY")
    with pytest.raises(PermissionDenied):
        run(db, ops.lift_loss, ctx, caller(ctx, "channel:kiosk-7"), ident(1), card_no(1))
    with pytest.raises(PermissionDenied, match="card channels only"):
        ctx.settings.channel("officer:wang")


def test_holder_mismatch_says_nothing_about_the_card(db, protector, cards_ctx):
    add_card(db, protector, 1)
    with pytest.raises(NotFound) as exc:
        run(db, ops.get_status, cards_ctx, caller(cards_ctx), ident(2), card_no(1))
    assert exc.value.reason == "CARD_HOLDER_MISMATCH"
    with pytest.raises(NotFound) as exc2:
        run(db, ops.get_status, cards_ctx, caller(cards_ctx), ident(2), card_no(9))
    assert (exc2.value.reason, exc2.value.message) == (exc.value.reason, exc.value.message)


def test_ecard_needs_the_holders_token_under_temporary_loss_and_nothing_when_cancelled(
    db, protector, cards_ctx
):
    add_card(db, protector, 1)
    ecard = caller(cards_ctx, "channel:ecard-app")
    assert run(db, ops.get_status, cards_ctx, ecard, ident(1), card_no(1))["social_state"] == "NORMAL"
    run(db, ops.report_loss, cards_ctx, ecard, ident(1), card_no(1), "TEMPORARY")
    # the holder sees the loss, but changing anything needs the token
    assert run(db, ops.get_status, cards_ctx, ecard, ident(1), card_no(1))["social_state"] == "TEMPORARY_LOSS"
    with pytest.raises(PermissionDenied) as exc:
        run(db, ops.lift_loss, cards_ctx, ecard, ident(1), card_no(1))
    assert exc.value.reason == "HOLDER_AUTHORIZATION_REQUIRED"
    wrong = issue_holder_token(protector, card_no(2))
    with pytest.raises(PermissionDenied):
        run(db, ops.lift_loss, cards_ctx, caller(cards_ctx, "channel:ecard-app", wrong), ident(1), card_no(1))
    expired = issue_holder_token(protector, card_no(1), valid_seconds=-1)
    with pytest.raises(PermissionDenied):
        run(
            db,
            ops.lift_loss,
            cards_ctx,
            caller(cards_ctx, "channel:ecard-app", expired),
            ident(1),
            card_no(1),
        )
    good = caller(cards_ctx, "channel:ecard-app", issue_holder_token(protector, card_no(1)))
    assert run(db, ops.lift_loss, cards_ctx, good, ident(1), card_no(1))["social_state"] == "NORMAL"
    run(db, ops.cancel, cards_ctx, caller(cards_ctx), ident(1), card_no(1), "EMIGRATION")
    with pytest.raises(PermissionDenied) as exc:
        run(db, ops.get_status, cards_ctx, good, ident(1), card_no(1))
    assert exc.value.reason == "ECARD_CARD_CANCELLED"


def test_each_channel_has_its_own_rate_limit(db, protector):
    now = [0.0]
    settings = CardSettings.from_config({"channel_kinds": {"kiosk": {"rate": 2, "burst": 2}}})
    ctx = ops.Cards(protector, settings, ChannelLimits(clock=lambda: now[0]))
    add_card(db, protector, 1)
    kiosk = caller(ctx, "channel:kiosk-1")
    for _ in range(2):
        run(db, ops.get_status, ctx, kiosk, ident(1), card_no(1))
    with pytest.raises(Unavailable) as exc:
        run(db, ops.get_status, ctx, kiosk, ident(1), card_no(1))
    assert exc.value.reason == "CHANNEL_RATE_LIMITED"
    run(db, ops.get_status, ctx, caller(ctx, "channel:kiosk-2"), ident(1), card_no(1))  # its own bucket
    now[0] += 0.5
    run(db, ops.get_status, ctx, kiosk, ident(1), card_no(1))


def test_sealed_card_enable_lock_and_unlock(db, protector, cards_ctx):
    add_card(db, protector, 1, state="SEALED", bank_state="NOT_ACTIVATED")
    who = caller(cards_ctx, "channel:kiosk-1")
    assert run(db, ops.enable, cards_ctx, who, ident(1), card_no(1))["social_state"] == "NORMAL"
    run(db, ops.record_pin_lockout, protector, card_no(1))
    with pytest.raises(InvalidTransition) as exc:
        run(db, ops.enable, cards_ctx, who, ident(1), card_no(1))
    assert exc.value.reason == "CARD_NOT_SEALED"
    assert run(db, ops.unlock, cards_ctx, who, ident(1), card_no(1))["social_state"] == "NORMAL"
    # audited under the masked card number only
    assert [r.object_id for r in actions(db, "card.unlock")] == [mask_number(card_no(1))] != [card_no(1)]


def test_bank_operations_start_a_pending_leg_and_change_no_bank_state(db, protector, cards_ctx):
    add_card(db, protector, 1, bank_state="NOT_ACTIVATED")
    who = caller(cards_ctx, BRANCH)
    view = run(db, ops.activate, cards_ctx, who, ident(1), card_no(1))
    assert view["bank_state"] == "NOT_ACTIVATED" and view["bank_leg"]["state"] == "PENDING"
    with pytest.raises(InvalidTransition) as exc:
        run(
            db, ops.change_account, cards_ctx, who, ident(1), card_no(1), "6227000000000000003", "CARD", "105"
        )
    assert exc.value.reason == "BANK_LEG_IN_PROGRESS"
