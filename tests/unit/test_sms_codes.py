"""Offer codes: the published Damm check, every single typo and adjacent swap caught, per-phone allocation."""
import ast
import pathlib
from itertools import product

import pytest
from hypothesis import given
from hypothesis import strategies as st

import aid.sms
from aid.sms.codes import allocate, check_digit, is_valid, make_code

ALL = [make_code(n) for n in range(1000)]


@pytest.mark.parametrize("digits, check", [("572", 4), ("000", 0), ("482", 3), ("999", 0), ("123", 4)])
def test_check_digit_matches_the_published_damm_examples(digits, check):
    # 572 → 4 is the published worked example; the others traced by hand through the table
    # (999: row 0 col 9 → 2, row 2 col 9 → 9, row 9 col 9 → 0).
    assert check_digit(digits) == check


def test_codes_are_three_digits_with_leading_zeros_then_the_check_digit():
    assert make_code(572) == "5724"
    assert make_code(0) == "0000"
    assert make_code(7)[:3] == "007"
    assert len(set(ALL)) == 1000 and all(len(c) == 4 and c.isascii() and c.isdigit() for c in ALL)


@pytest.mark.parametrize("n", [-1, 1000, 10**6])
def test_numbers_outside_0_to_999_are_refused(n):
    with pytest.raises(ValueError):
        make_code(n)


def test_every_made_code_is_valid_and_exactly_one_check_digit_fits_each_body():
    for n in range(1000):
        body = f"{n:03d}"
        assert [d for d in "0123456789" if is_valid(body + d)] == [make_code(n)[3]]


@pytest.mark.parametrize("code", ["482", "48233", "", "48a3", " 4823", "٤٨٢٣", "４８２３", "4823\n"])
def test_is_valid_wants_exactly_four_ascii_digits(code):
    assert is_valid("4823") and not is_valid(code)


def test_every_single_digit_error_in_every_code_is_detected():
    for code, pos, digit in product(ALL, range(4), "0123456789"):
        if code[pos] != digit:
            assert not is_valid(code[:pos] + digit + code[pos + 1:]), (code, pos, digit)


def test_every_adjacent_transposition_in_every_code_is_detected():
    for code, pos in product(ALL, range(3)):
        swapped = code[:pos] + code[pos + 1] + code[pos] + code[pos + 2:]
        if swapped != code:
            assert not is_valid(swapped), (code, pos)


@given(st.integers(0, 999), st.integers(0, 3), st.integers(1, 9))
def test_a_typo_never_turns_one_code_into_another(n, pos, shift):
    code = make_code(n)
    typo = code[:pos] + str((int(code[pos]) + shift) % 10) + code[pos + 1:]
    assert typo not in ALL


@given(st.sets(st.sampled_from(ALL), max_size=999), st.integers())
def test_allocate_picks_a_valid_code_not_open_on_this_phone(taken, seed):
    code = allocate(taken, seed)
    assert is_valid(code) and code not in taken


def test_allocate_is_repeatable_for_a_seed_and_varies_across_seeds():
    assert allocate(set(), 7) == allocate(set(), 7)
    assert len({allocate(set(), s) for s in range(50)}) > 40


def test_allocate_finds_the_last_free_code_and_fails_only_when_all_are_open():
    assert allocate(set(ALL) - {"5724"}, 1) == "5724"
    with pytest.raises(LookupError):
        allocate(set(ALL), 1)


def test_the_sms_package_imports_nothing_from_the_web_the_database_or_the_network():
    banned = {"flask", "flask_sqlalchemy", "sqlalchemy", "rq", "redis", "requests", "socket", "urllib", "http"}
    for path in pathlib.Path(aid.sms.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                assert name.split(".")[0] not in banned and not name.startswith("aid.models"), (path, name)
