"""A poll's deletes and inserts turn whatever the browser shows into the board as it is now."""
from datetime import datetime

from hypothesis import given
from hypothesis import strategies as st

from aid.services.board_changes import Token, changes, minute_of


def apply(dom, gone, inserts):
    """What htmx does with the answer: delete by id, then insert before the anchor or at the column's end."""
    dom = {name: [card for card in cards if card[0] not in gone] for name, cards in dom.items()}
    for need_id, name, anchor in inserts:
        where = dom.setdefault(name, [])
        if anchor is None:
            where.append((need_id, "new"))
            continue
        column = next(n for n, cards in dom.items() if any(card[0] == anchor for card in cards))
        assert column == name, "a card is inserted next to a card of another column"
        position = [card[0] for card in dom[column]].index(anchor)  # raises if the anchor is missing
        dom[column].insert(position, (need_id, "new"))
    return {name: [card[0] for card in cards] for name, cards in dom.items()}


# A board: cards with a sort key (urgency, age) and a version; a new board keeps or changes each.
CARD = st.tuples(st.integers(0, 3), st.integers(0, 50), st.sampled_from("abc"))
BOARD = st.dictionaries(st.integers(1, 40), st.tuples(st.sampled_from(["open", "offered", "done"]), CARD), max_size=25)


def layout(board):
    """[(column, [ids in the order the board shows them])]: most urgent, then oldest, then id."""
    columns = {}
    def key(item):
        need_id, (_name, (rank, age, _version)) = item
        return -rank, -age, need_id

    for need_id, (name, _card) in sorted(board.items(), key=key):
        columns.setdefault(name, []).append(need_id)
    return [(name, columns.get(name, [])) for name in ("open", "offered", "done")]


def version(entry):
    name, (rank, _age, letter) = entry
    return f"{name}{rank}{letter}"


@given(BOARD, BOARD)
def test_applying_the_changes_gives_exactly_the_new_board(before, after):
    for need_id in before.keys() & after.keys():  # a need's age never changes; the rest may
        name, (rank, _age, letter) = after[need_id]
        after[need_id] = (name, (rank, before[need_id][1][1], letter))
    shown = {name: [(i, version(before[i])) for i in ids] for name, ids in layout(before)}
    versions = {i: version(entry) for i, entry in after.items()}
    gone, inserts = changes({i: version(entry) for i, entry in before.items()}, layout(after), versions)
    assert apply(shown, set(gone), inserts) == dict(layout(after))
    unchanged = {i for i in before.keys() & after.keys() if version(before[i]) == version(after[i])}
    assert not unchanged & set(gone) and not unchanged & {i for i, _n, _a in inserts}  # they never travel


def test_one_changed_card_is_the_only_one_sent():
    before = {1: "aaaaaa", 2: "bbbbbb", 3: "cccccc"}
    gone, inserts = changes(before, [("open", [1, 3]), ("accepted", [2])], {1: "aaaaaa", 2: "dddddd", 3: "cccccc"})
    assert gone == [2] and inserts == [(2, "accepted", None)]


def test_a_token_survives_the_round_trip_and_junk_is_refused():
    token = Token(412, minute_of(datetime(2026, 12, 1, 2, 30)), {7: "a1b2c3", 9: "0f0e0d"})
    assert Token.load(token.dump()) == token and Token.load(Token(0, 5, {}).dump()) == Token(0, 5, {})
    assert len(Token(10**9, 10**8, {10**9 + i: "a1b2c3" for i in range(150)}).dump()) < 3_000  # gunicorn: 4,094
    for junk in (None, "", "x", "1.2", "1.2.3", "1.2.7-A1B2C3", "1.2.7-a1b2c3_", "١.2.", "1:2:7-a1b2c3",
                 "1.2." + "_".join(["1-aaaaaa"] * 201)):
        assert Token.load(junk) is None, junk
