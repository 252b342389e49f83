"""Concurrent accepts on separate connections with real commits: never two people in one slot."""
from collections import Counter

import pytest
import sqlalchemy as sa

from aid.extensions import db
from aid.models import Match, MatchState, Need, NeedStatus, Slot, utcnow
from aid.services import matches, needs
from aid.services.matches import Accepted
from tests.conftest import at_once
from tests.factories import add_union, add_volunteer, need_form

THREADS = 12


def _need_offered_to_everyone(app, people):
    with app.app_context():
        add_union()
        volunteers = [add_volunteer(f"Racer {i}") for i in range(THREADS)]
        fields = NeedFormFields(people)
        need, _token, _work = needs.create_need(fields, utcnow())
        db.session.flush()
        slot_ids = [s.id for s in need.slots]
        offers = [Match(need_id=need.id, slot_id=slot_ids[i % people], volunteer_id=v.id, state=MatchState.OFFERED)
                  for i, v in enumerate(volunteers)]
        need.status = NeedStatus.MATCHING
        db.session.add_all(offers)
        db.session.commit()
        return need.id, [m.id for m in offers]


def NeedFormFields(people):
    form = need_form(people=str(people))
    return dict(category=form["category"], details=form["details"], urgency="normal", people=people,
                contact_phone="+447911123456", lat=50.874, lon=0.0188)


def _accept_all_at_once(app, match_ids):
    def accept(match_id):
        with app.app_context():
            outcome = matches.accept(db.session.get(Match, match_id), utcnow())
            db.session.commit()
            db.session.remove()
            return outcome

    outcomes = at_once([lambda m=m: accept(m) for m in match_ids])
    assert all(isinstance(o, Accepted) for o in outcomes), outcomes
    return Counter(outcomes)


@pytest.mark.parametrize("round_", range(3))
def test_concurrent_accepts_of_the_last_slot_have_exactly_one_winner(make, round_):
    app = make(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": THREADS + 2})
    need_id, match_ids = _need_offered_to_everyone(app, people=1)
    outcomes = _accept_all_at_once(app, match_ids)
    assert outcomes[Accepted.YES] == 1
    assert outcomes[Accepted.FILLED] == THREADS - 1  # each loser is told the last place went, not "gone"
    with app.app_context():
        states = Counter(db.session.scalars(sa.select(Match.state).where(Match.need_id == need_id)))
        assert states[MatchState.ACCEPTED] == 1
        slot = db.session.scalar(sa.select(Slot).where(Slot.need_id == need_id))
        winner = db.session.scalar(sa.select(Match.volunteer_id).where(Match.state == MatchState.ACCEPTED))
        assert slot.volunteer_id == winner
        assert db.session.get(Need, need_id).status == NeedStatus.ASSIGNED


def test_concurrent_accepts_fill_each_slot_of_a_need_once_and_mark_it_assigned(make):
    app = make(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": THREADS + 2})
    need_id, match_ids = _need_offered_to_everyone(app, people=3)
    outcomes = _accept_all_at_once(app, match_ids)
    assert outcomes[Accepted.YES] == 3
    with app.app_context():
        holders = db.session.scalars(sa.select(Slot.volunteer_id).where(Slot.need_id == need_id)).all()
        assert None not in holders and len(set(holders)) == 3
        assert db.session.get(Need, need_id).status == NeedStatus.ASSIGNED


@pytest.mark.parametrize("round_", range(3))
def test_accepts_declines_and_expiries_racing_keep_every_invariant(make, round_):
    from datetime import timedelta

    import time_machine

    from aid.services import background

    app = make(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": THREADS + 4})
    need_id, match_ids = _need_offered_to_everyone(app, people=2)
    def act(match_id, index):
        with app.app_context():
            match = db.session.get(Match, match_id)
            if index % 3 == 0:
                matches.decline(match, "busy", utcnow())
            else:
                matches.accept(match, utcnow())
            db.session.commit()
            db.session.remove()

    def expire():
        with app.app_context(), time_machine.travel(utcnow() + timedelta(hours=5), tick=False):
            background.sweep(utcnow())
            db.session.commit()
            db.session.remove()

    results = at_once([lambda m=m, i=i: act(m, i) for i, m in enumerate(match_ids)] + [expire])
    errors = [repr(result) for result in results if isinstance(result, Exception)]
    assert errors == []
    with app.app_context():
        slots = db.session.execute(sa.select(Slot.id, Slot.volunteer_id).where(Slot.need_id == need_id)).all()
        holders = [v for _s, v in slots if v is not None]
        held = db.session.execute(sa.select(Match.slot_id, Match.volunteer_id).where(
            Match.need_id == need_id, Match.state == MatchState.ACCEPTED)).all()
        assert len(holders) == len(set(holders)) <= 2  # no slot twice, nobody in two slots
        assert sorted(held) == sorted((s, v) for s, v in slots if v is not None)  # every holder accepted, and only they
        need = db.session.get(Need, need_id)
        assert (need.status == NeedStatus.ASSIGNED) == (len(holders) == 2)
        states = set(db.session.scalars(sa.select(Match.state).where(Match.need_id == need_id)))
        assert MatchState.OFFERED not in states or len(holders) < 2  # a full need leaves no offer open


def test_racing_for_the_one_unskilled_place_leaves_only_those_who_can_fill_the_skilled_one(make):
    """A repairs need for two: a repairs place and a plain one. Everyone races for the plain one:
    one wins it, the others without the skill are told it went (SLOT_TAKEN), and the one with the
    skill keeps an open offer, moved to the repairs place."""
    from tests.factories import add_skills

    app = make(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": THREADS + 2})
    with app.app_context():
        add_skills()
        add_union()
        plain = [add_volunteer(f"Racer {i}") for i in range(THREADS - 1)]
        fixer = add_volunteer("Fixer", skills=["repairs"])
        need, _token, _work = needs.create_need({**NeedFormFields(2), "category": "repairs"}, utcnow())
        db.session.flush()
        skilled, free = need.slots  # create_need asks the first place of a repairs need for the skill
        assert skilled.skill.slug == "repairs" and free.skill is None
        offers = [Match(need_id=need.id, slot_id=free.id, volunteer_id=v.id, state=MatchState.OFFERED)
                  for v in [*plain, fixer]]
        need.status = NeedStatus.MATCHING
        db.session.add_all(offers)
        db.session.commit()
        need_id, fixer_id, skilled_id = need.id, fixer.id, skilled.id
        racing = [m.id for m in offers[:-1]]
    outcomes = _accept_all_at_once(app, racing)
    assert outcomes == Counter({Accepted.YES: 1, Accepted.SLOT_TAKEN: THREADS - 2})
    with app.app_context():
        left = db.session.execute(sa.select(Match.volunteer_id, Match.slot_id).where(
            Match.need_id == need_id, Match.state == MatchState.OFFERED)).all()
        assert left == [(fixer_id, skilled_id)]
        notes = Counter(db.session.scalars(sa.select(Match.note).where(
            Match.need_id == need_id, Match.state == MatchState.WITHDRAWN)))
        assert notes == Counter({"slot_taken": THREADS - 2})
