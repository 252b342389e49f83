"""The common purse through its pages: two coordinators for every spend, no overdraw, money in the reader's locale."""
import csv
import io
import re

import pytest
import sqlalchemy as sa

from aid.extensions import db
from aid.models import EntryKind, EntryState, PurseEntry, PurseEvent
from tests.factories import login
from tests.integration import purse_world as world

WHO = {"rosa": "rosa.coord@example.org", "carl": "carl.coord@example.org", "ann": "ann.able@example.org",
       "bob": "bob.baker@example.org"}


@pytest.fixture
def ids(app):
    with app.app_context():
        return world.build(balance=2000)


@pytest.fixture
def as_(app):
    """A logged-in client for each person, made on first use."""
    clients = {}

    def client(name, lang=None):
        if name not in clients:
            clients[name] = app.test_client()
            login(clients[name], WHO[name])
        if lang:
            clients[name].post("/language", data={"lang": lang})
        return clients[name]

    return client


def text(response):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def ask(client, need_id="", amount="12.40", what="prescription"):
    return client.post("/purse/lewes/spend", data={"amount": amount, "what": what, "need_id": need_id})


def last_entry(app):
    with app.app_context():
        return db.session.scalar(sa.select(PurseEntry).order_by(PurseEntry.id.desc()))


def test_a_volunteer_asks_for_their_accepted_need_a_second_coordinator_approves_and_marks_it_paid(app, ids, as_):
    assert ask(as_("ann"), need_id=str(ids["need"])).status_code == 303
    entry = last_entry(app)
    assert (entry.state, entry.amount, entry.need_id, entry.what) == (EntryState.REQUESTED, 1240, ids["need"],
                                                                      "prescription")
    assert as_("rosa").post(f"/purse/lewes/entries/{entry.id}/approve").status_code == 303
    as_("carl").post(f"/purse/lewes/entries/{entry.id}/paid", data={"reference": "Boots receipt 4471"})
    with app.app_context():
        done = db.session.get(PurseEntry, entry.id)
        assert (done.state, done.approved_by_id, done.reference) == (EntryState.PAID, ids["rosa"], "Boots receipt 4471")
        assert world.balance(ids["purse"]) == 2000 - 1240
        trail = db.session.scalars(sa.select(PurseEvent.kind).where(PurseEvent.entry_id == entry.id)
                                   .order_by(PurseEvent.id)).all()
        assert trail == ["requested", "approved", "paid"]
    assert "−£12.40" in text(as_("ann").get("/purse/lewes"))


def test_the_coordinator_who_asked_cannot_approve_their_own_spending(app, ids, as_):
    ask(as_("rosa"))
    entry = last_entry(app)
    page = as_("rosa").post(f"/purse/lewes/entries/{entry.id}/approve", follow_redirects=True)
    assert "another coordinator must approve it: nobody spends the common purse alone" in text(page)
    with app.app_context():
        assert db.session.get(PurseEntry, entry.id).state == EntryState.REQUESTED
        assert world.balance(ids["purse"]) == 2000


def test_the_database_itself_refuses_an_approval_by_whoever_asked(app, ids, as_):
    ask(as_("rosa"))
    entry = last_entry(app)
    with app.app_context(), pytest.raises(sa.exc.IntegrityError):
        db.session.execute(sa.update(PurseEntry).where(PurseEntry.id == entry.id).values(approved_by_id=ids["rosa"]))
        db.session.commit()


def test_a_second_approval_of_the_same_spending_is_refused_and_debits_nothing(app, ids, as_):
    ask(as_("rosa"))
    entry = last_entry(app)
    as_("carl").post(f"/purse/lewes/entries/{entry.id}/approve")
    again = as_("carl").post(f"/purse/lewes/entries/{entry.id}/approve", follow_redirects=True)
    assert "This spending is no longer waiting for approval." in text(again)
    with app.app_context():
        assert world.balance(ids["purse"]) == 2000 - 1240


def test_spending_that_would_overdraw_is_refused_with_a_clear_message(app, ids, as_):
    ask(as_("rosa"), amount="25.00", what="a week of nappies")
    entry = last_entry(app)
    page = as_("carl").post(f"/purse/lewes/entries/{entry.id}/approve", follow_redirects=True)
    assert "Not enough in the purse: this needs £25.00 and the balance is £20.00. Nothing was approved." in text(page)
    with app.app_context():
        assert db.session.get(PurseEntry, entry.id).state == EntryState.REQUESTED
        assert world.balance(ids["purse"]) == 2000


def test_withdrawing_approved_spending_puts_the_money_back(app, ids, as_):
    ask(as_("rosa"), amount="5")
    entry = last_entry(app)
    as_("carl").post(f"/purse/lewes/entries/{entry.id}/approve")
    as_("rosa").post(f"/purse/lewes/entries/{entry.id}/withdraw")
    with app.app_context():
        assert db.session.get(PurseEntry, entry.id).state == EntryState.WITHDRAWN
        assert world.balance(ids["purse"]) == 2000


def test_a_volunteer_cannot_ask_for_a_need_they_did_not_accept_nor_approve_anything(app, ids, as_):
    refused = ask(as_("bob"), need_id=str(ids["need"]))
    assert refused.status_code == 422
    ask(as_("rosa"))
    entry = last_entry(app)
    assert as_("ann").post(f"/purse/lewes/entries/{entry.id}/approve").status_code == 403
    assert as_("ann").post(f"/purse/lewes/entries/{entry.id}/paid", data={"reference": "x"}).status_code == 403
    assert as_("ann").get("/purse/lewes/contribute").status_code == 403
    with app.app_context():
        assert db.session.get(PurseEntry, entry.id).state == EntryState.REQUESTED


@pytest.mark.parametrize("lang, typed, minor, shown", [
    ("en", "12.40", 1240, "+£12.40"),
    ("es", "12,40", 1240, "+12,40 GBP"),
    ("es", "1.234,50", 123450, "+1.234,50 GBP"),
    ("ar", "١٢٫٤٠", 1240, "+12.40 UK£"),
    ("ar", "1,234.5", 123450, "+1,234.50 UK£"),
])
def test_amounts_are_read_and_shown_in_the_readers_locale(app, ids, as_, lang, typed, minor, shown):
    coordinator = as_("rosa", lang=lang)
    answer = coordinator.post("/purse/lewes/contribute", data={"amount": typed, "contributor": "Jo",
                                                               "dated": "2026-11-28"})
    assert answer.status_code == 303, text(answer)[-600:]
    entry = last_entry(app)
    assert (entry.kind, entry.amount) == (EntryKind.CONTRIBUTION, minor)
    page = text(coordinator.get("/purse/lewes")).replace("\xa0", " ").replace("\u200f", "")
    assert shown in page


@pytest.mark.parametrize("lang, typed, message", [
    ("es", "12.40", "Escribe la cantidad como un número, por ejemplo 12,40."),
    ("en", "12,40", "Write the amount as a number, for example 12.40."),
    ("en", "12.345", "GBP has at most 2 decimal places."),
    ("en", "0", "The amount must be more than zero."),
    ("en", "", "Write an amount, for example 12.40."),
    ("en", "-5", "Write the amount as a number, for example 12.40."),
    ("en", "1e5", "Write the amount as a number, for example 12.40."),
    ("en", "NaN", "Write the amount as a number, for example 12.40."),
    ("en", "99999999999", "That amount is too large for one entry."),
    ("en", "²", "Write the amount as a number, for example 12.40."),
])
def test_an_amount_that_cannot_be_read_is_refused_next_to_its_field_and_nothing_typed_is_lost(app, ids, as_, lang,
                                                                                          typed, message):
    answer = as_("rosa", lang=lang).post("/purse/lewes/contribute", data={
        "amount": typed, "contributor": "Jo Smith", "dated": "2026-11-28"})
    assert answer.status_code == 422
    assert message in text(answer)
    assert 'value="Jo Smith"' in answer.get_data(as_text=True)
    with app.app_context():
        assert len(world.entries(ids["purse"])) == 1  # only the opening collection


def test_a_currency_without_minor_units_takes_whole_numbers(app, as_):
    with app.app_context():
        ids = world.build(currency="JPY", balance=500)
    refused = as_("rosa").post("/purse/lewes/contribute", data={"amount": "5.5", "dated": "2026-11-28"})
    assert "JPY has no decimals: write a whole number." in text(refused)
    as_("rosa").post("/purse/lewes/contribute", data={"amount": "1,200", "dated": "2026-11-28"})
    with app.app_context():
        assert world.balance(ids["purse"]) == 1700
    assert "¥1,700" in text(as_("rosa").get("/purse/lewes"))


def test_members_read_contributors_only_as_they_chose_coordinators_read_every_name(app, ids, as_):
    rosa = as_("rosa")
    rosa.post("/purse/lewes/contribute", data={"amount": "3", "contributor": "Quiet Quentin", "dated": "2026-11-28"})
    rosa.post("/purse/lewes/contribute", data={"amount": "4", "contributor": "Open Olivia", "name_shown": "y",
                                                "dated": "2026-11-28"})
    member, manager = text(as_("bob").get("/purse/lewes")), text(rosa.get("/purse/lewes"))
    assert "Open Olivia" in member and "Quiet Quentin" not in member
    assert "From an anonymous contributor" in member
    assert "Quiet Quentin" in manager and "hidden from members" in manager


def test_the_meeting_csv_lists_every_entry_with_contributors_anonymised_as_chosen(app, ids, as_):
    rosa = as_("rosa")
    rosa.post("/purse/lewes/contribute", data={"amount": "3.50", "contributor": "=HYPERLINK(\"x\")",
                                                "name_shown": "y", "dated": "2026-11-28"})
    rosa.post("/purse/lewes/contribute", data={"amount": "1", "contributor": "Quiet Quentin", "dated": "2026-11-29"})
    ask(as_("ann"), need_id=str(ids["need"]))
    entry = last_entry(app)
    rosa.post(f"/purse/lewes/entries/{entry.id}/approve")
    rosa.post(f"/purse/lewes/entries/{entry.id}/paid", data={"reference": "cash"})
    download = as_("bob").get("/purse/lewes/ledger.csv")
    assert download.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert download.headers["Cache-Control"] == "private, no-store"
    rows = list(csv.reader(io.StringIO(download.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["id", "date", "kind", "state", "amount", "currency", "from", "for", "need", "asked_by",
                       "approved_by", "reference", "paid_at"]
    body = [row[1:11] + [row[11]] for row in rows[1:]]
    today = entry.dated.isoformat()
    assert body == [
        [today, "contribution", "recorded", "20.00", "GBP", "Opening collection", "", "", "", "", ""],
        ["2026-11-28", "contribution", "recorded", "3.50", "GBP", "'=HYPERLINK(\"x\")", "", "", "", "", ""],
        ["2026-11-29", "contribution", "recorded", "1.00", "GBP", "anonymous", "", "", "", "", ""],
        [today, "spend", "paid", "12.40", "GBP", "", "prescription", str(ids["need"]), "Ann", "Rosa", "cash"],
    ]
    assert rows[-1][12].endswith("Z")


def test_every_change_is_on_the_purse_audit_trail(app, ids, as_):
    ask(as_("rosa"), amount="1")
    first = last_entry(app)
    as_("carl").post(f"/purse/lewes/entries/{first.id}/refuse", data={"reason": "ask the pharmacy first"})
    ask(as_("ann"), need_id=str(ids["need"]), amount="2")
    second = last_entry(app)
    as_("ann").post(f"/purse/lewes/entries/{second.id}/withdraw")
    with app.app_context():
        lines = db.session.execute(sa.select(PurseEvent.entry_id, PurseEvent.kind, PurseEvent.user_id,
                                             PurseEvent.detail).order_by(PurseEvent.id)).all()
    assert [(e, k, u) for e, k, u, _d in lines][-4:] == [
        (first.id, "requested", ids["rosa"]), (first.id, "refused", ids["carl"]),
        (second.id, "requested", ids["ann"]), (second.id, "withdrawn", ids["ann"])]
    assert lines[0][1:3] == ("opened", ids["rosa"]) and lines[1][1] == "recorded"
    assert lines[-3][3] == "ask the pharmacy first"


JUNK = ["", " ", "\x00", "1" * 5000, "²", "٤٨٢١", "１２", "𝟙", "1e309", "NaN", "inf", "-0", "0x10", "1_000", "{", "<b>x</b>",
        "12,40", "12.40", "1.2.3", ",", ".", "٫", "\u2028"]


def test_junk_in_every_purse_field_and_path_is_a_4xx_never_a_5xx(app, ids, as_):
    rosa = as_("rosa")
    for value in JUNK:
        for url, data in [("/purse/lewes/contribute", {"amount": value, "contributor": value, "dated": value}),
                          ("/purse/lewes/spend", {"amount": value, "what": value, "need_id": value}),
                          ("/purse/lewes/open", {"currency": value}),
                          ("/purse/lewes/entries/1/paid", {"reference": value}),
                          ("/purse/lewes/entries/1/refuse", {"reason": value})]:
            assert rosa.post(url, data=data).status_code < 500, (url, value)
        for path in (f"/purse/{value}", f"/purse/lewes/entries/{value}/approve"):
            method = rosa.post if path.endswith("approve") else rosa.get
            assert method(path).status_code < 500, (path, value)


def test_the_hubs_purse_pays_for_a_need_escalated_to_it_asked_by_the_neighbouring_volunteer_who_took_it(app, as_):
    from aid.models import Escalation, Region, Union
    from tests.factories import add_coordinator, add_union, add_volunteer

    with app.app_context():
        ids = world.build(balance=2000)  # Lewes: the hub of the region below
        lewes = db.session.get(Union, ids["union"])
        brighton = add_union("Brighton", lat=50.82, lon=-0.14)
        region = Region(name="East Sussex", hub_union_id=lewes.id)
        db.session.add(region)
        db.session.flush()
        lewes.region_id = brighton.region_id = region.id
        add_coordinator(brighton, name="Bea Brighton")
        dora = add_volunteer("Dora Dee", lat=50.82, lon=-0.14, union=brighton)
        need_id, dora_id = world.accepted_need(dora, brighton), dora.user_id
        db.session.add(Escalation(need_id=need_id, union_id=lewes.id, level=2))
        db.session.commit()
    dora_client = app.test_client()
    login(dora_client, "dora.dee@example.org")
    assert dora_client.get("/purse/lewes").status_code == 403  # not a member: she cannot read the hub's ledger
    asked = ask(dora_client, need_id=str(need_id), what="taxi back")
    assert asked.status_code == 303 and asked.headers["Location"].endswith("/me/")
    assert ask(as_("bob"), need_id=str(need_id)).status_code == 422  # a Lewes member who did not take it
    entry = last_entry(app)
    assert (entry.need_id, entry.what, entry.created_by_id) == (need_id, "taxi back", dora_id)
    brighton_coordinator = app.test_client()
    login(brighton_coordinator, "bea.brighton@example.org")
    assert brighton_coordinator.post(f"/purse/lewes/entries/{entry.id}/approve").status_code == 403
    as_("rosa").post(f"/purse/lewes/entries/{entry.id}/approve")
    with app.app_context():
        assert world.balance(ids["purse"]) == 2000 - 1240


def test_every_problem_of_a_spending_form_is_shown_at_once(app, ids, as_):
    answer = ask(as_("ann"), need_id="", amount="12,4,0", what="")
    assert answer.status_code == 422
    page = text(answer)
    for message in ("Say what the money is for", "Write the amount as a number, for example 12.40.",
                    "Choose the request you are helping with."):
        assert message in page, message
    assert f'<option value="{ids["need"]}">' in answer.get_data(as_text=True)


def test_a_coordinator_opens_the_purse_once_in_a_currency_of_their_choosing(app, as_):
    from aid.models import Purse
    from tests.factories import add_coordinator, add_union

    with app.app_context():
        add_coordinator(add_union())
    rosa = as_("rosa")
    assert "This union has no common purse yet." in text(rosa.get("/purse/lewes"))
    refused = rosa.post("/purse/lewes/open", data={"currency": "XYZ"}, follow_redirects=True)
    assert "Choose the currency the purse is kept in." in text(refused)
    rosa.post("/purse/lewes/open", data={"currency": "EUR"})
    rosa.post("/purse/lewes/open", data={"currency": "GBP"})  # once open, its currency stays
    with app.app_context():
        assert db.session.scalars(sa.select(Purse.currency)).all() == ["EUR"]
    assert "€0.00" in text(rosa.get("/purse/lewes"))


def test_the_page_shows_the_latest_entries_and_the_csv_all_with_totals_over_every_entry(app, ids, as_):
    from aid.models import utcnow
    from aid.services import purse as ledger
    from aid.services.purse_ledger import PAGE

    with app.app_context():
        purse, rosa = world.purse(ids["purse"]), world.user(ids["rosa"])
        for i in range(PAGE + 4):
            ledger.contribute(purse, 100, f"Giver {i}", True, utcnow().date(), rosa, utcnow())
        db.session.commit()
    page = as_("bob").get("/purse/lewes").get_data(as_text=True)
    assert page.count('class="card entry') == PAGE
    assert "Giver 103" in page and "Giver 3<" not in page
    assert f"The latest {PAGE} entries; the CSV holds all {PAGE + 5}." in page
    assert "In: £124.00" in text(as_("bob").get("/purse/lewes"))
    assert len(as_("bob").get("/purse/lewes/ledger.csv").get_data(as_text=True).strip().splitlines()) == PAGE + 6
