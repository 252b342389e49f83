"""Inbound texts read as commands in English, Spanish and Arabic, and tied to the sender's open offers."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from aid.sms.codes import make_code
from aid.sms.reply import Command, parse
from aid.sms.resolve import Outcome, resolve
from aid.sms.words import Kind

YES, NO, DONE, DROP, HELP, STOP, START, UNKNOWN = (Kind.YES, Kind.NO, Kind.DONE, Kind.DROP, Kind.HELP, Kind.STOP,
                                                   Kind.START, Kind.UNKNOWN)
CODE, OTHER = "4823", "5724"  # valid Damm codes
ARABIC_INDIC, EASTERN = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"), str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")

CASES = [
    # English
    ("YES", YES, ()), ("yes", YES, ()), ("Y", YES, ()), ("y 4823", YES, (CODE,)), ("4823 yes please", YES, (CODE,)),
    ("Yes!! 4823", YES, (CODE,)), ("yeah ok 4823", YES, (CODE,)), ("no", NO, ()), ("N", NO, ()),
    ("NO 4823, sorry", NO, (CODE,)), ("nope", NO, ()), ("done", DONE, ()), ("DONE 4823 thanks", DONE, (CODE,)),
    ("finished", DONE, ()), ("drop 4823", DROP, (CODE,)), ("release 4823", DROP, (CODE,)), ("HELP", HELP, ()),
    ("info", HELP, ()), ("yes I can help", YES, ()), ("no problem, yes 4823", YES, (CODE,)),
    # Spanish
    ("Sí, 4823!", YES, (CODE,)), ("SI", YES, ()), ("si 4823 gracias", YES, (CODE,)), ("No, lo siento", NO, ()),
    ("listo 4823", DONE, (CODE,)), ("Hecho", DONE, ()), ("terminé", DONE, ()), ("dejar 4823", DROP, (CODE,)),
    ("quiero devolver la tarea 4823", DROP, (CODE,)), ("AYUDA", HELP, ()), ("sí, no hay problema", YES, ()),
    # Arabic
    ("نعم", YES, ()), ("نعم ٤٨٢٣", YES, (CODE,)), ("نعم٤٨٢٣", YES, (CODE,)), ("ايوه ۴۸۲۳", YES, (CODE,)),
    ("أيوه", YES, ()), ("نَعَم", YES, ()), ("نـعـم", YES, ()), ("أجل", YES, ()), ("لا", NO, ()), ("لأ ٤٨٢٣", NO, (CODE,)),
    ("ﻻ", NO, ()), ("تم ٤٨٢٣", DONE, (CODE,)), ("خلصت", DONE, ()), ("اترك ٤٨٢٣", DROP, (CODE,)),
    ("مساعدة", HELP, ()), ("مُسَاعَدَة", HELP, ()), ("مساعده", HELP, ()), ("نعم لا مشكلة", YES, ()),
    # Carrier keywords
    ("STOP", STOP, ()), ("stop", STOP, ()), ("StopAll", STOP, ()), ("UNSUBSCRIBE", STOP, ()), ("CANCEL", STOP, ()),
    ("end", STOP, ()), ("Quit.", STOP, ()), ("please stop texting me", STOP, ()), ("no, stop", STOP, ()),
    ("START", START, ()), ("unstop", START, ()), ("baja", STOP, ()), ("ALTA", START, ()), ("توقف", STOP, ()),
    # Never a guess
    ("cancel 4823", UNKNOWN, (CODE,)), ("cancel the task", UNKNOWN, ()), ("at the end of the road", UNKNOWN, ()),
    ("I'll start at 5", UNKNOWN, ()), ("yes 4823, I'll stop by", UNKNOWN, (CODE,)), ("done, stop", UNKNOWN, ()),
    ("yes no", UNKNOWN, ()), ("yes no help", UNKNOWN, ()), ("sí y no", UNKNOWN, ()), ("y gracias", UNKNOWN, ()), ("hello?", UNKNOWN, ()),
    ("", UNKNOWN, ()), ("🙂👍", UNKNOWN, ()), ("4823", UNKNOWN, (CODE,)), ("maybe later", UNKNOWN, ()),
]


@pytest.mark.parametrize("text, kind, codes", CASES)
def test_replies_in_three_languages_are_read_as_their_command(text, kind, codes):
    command = parse(text)
    assert (command.kind, command.codes, command.bad_codes) == (kind, codes, ())


@pytest.mark.parametrize("text, bad", [
    ("YES 4821", ("4821",)), ("yes 482", ("482",)), ("sí 48233", ("48233",)), ("نعم ٤٨٢١", ("4821",)),
    ("done 4832", ("4832",)),  # an adjacent swap of 4823
])
def test_a_code_with_a_wrong_check_digit_is_reported_not_corrected(text, bad):
    command = parse(text)
    assert command.bad_codes == bad and command.codes == () and command.code is None


@pytest.mark.parametrize("text, codes, bad", [
    ("yes 48 23", (CODE,), ()), ("yes 48-23", (CODE,), ()), ("yes 4 8 2 3", (CODE,), ()),
    ("yes in 5 min", (), ()), ("yes, call 07700900123", (), ()), ("yes 4823 5724", (CODE, OTHER), ()),
    ("yes 4823 4823", (CODE,), ()), ("yes 4823 4821", (CODE,), ("4821",)),
])
def test_which_numbers_count_as_codes(text, codes, bad):
    command = parse(text)
    assert (command.codes, command.bad_codes) == (codes, bad)


@given(st.text(max_size=3000))
def test_parse_never_raises_and_always_names_a_kind(text):
    command = parse(text)
    assert command.kind in set(Kind)
    assert all(len(c) == 4 for c in command.codes)


@given(st.sampled_from(["\x00", "\x07", "\u200f", "😀", "\r\n", "\t", "…", "🇪🇸"]))
def test_control_characters_and_emoji_only_separate_words(sep):
    assert parse(f"{sep}yes{sep}{CODE}{sep}") == Command(YES, (CODE,))


@given(st.integers(0, 999), st.sampled_from(["yes", "sí", "نعم", "done", "تم", "drop", "listo"]),
       st.sampled_from([ARABIC_INDIC, EASTERN, str.maketrans("0123456789", "０１２３４５６７８９")]))
def test_digits_in_any_script_parse_the_same(n, word, script):
    for code in (make_code(n), f"{n:03d}" + str((int(make_code(n)[3]) + 1) % 10)):
        ascii_text = f"{word} {code}!"
        assert parse(ascii_text.translate(script)) == parse(ascii_text)
        assert parse(ascii_text).kind is not UNKNOWN


@pytest.mark.parametrize("word", ["YES", "Yes", "yEs", "SÍ", "sí", "Si", "SI", "si\u0301", "ｙｅｓ"])
def test_case_accents_and_full_width_letters_do_not_matter(word):
    assert parse(word).kind is YES


def command(kind, *codes, bad=()):
    return Command(kind, tuple(codes), tuple(bad))


@pytest.mark.parametrize("cmd, open_codes, outcome, code, choices", [
    (command(YES), [CODE], Outcome.OK, CODE, ()),
    (command(NO), [CODE, CODE], Outcome.OK, CODE, ()),  # one offer listed twice is one offer
    (command(YES), [CODE, OTHER], Outcome.AMBIGUOUS, None, (CODE, OTHER)),
    (command(DONE), [], Outcome.NO_OFFERS, None, ()),
    (command(YES, CODE), [OTHER, CODE], Outcome.OK, CODE, ()),
    (command(DROP, CODE), [OTHER], Outcome.NOT_YOURS, None, (OTHER,)),
    (command(YES, CODE), [], Outcome.NOT_YOURS, None, ()),
    (command(YES, CODE, OTHER), [CODE, OTHER], Outcome.AMBIGUOUS, None, (CODE, OTHER)),
    (command(YES, CODE, OTHER), [CODE], Outcome.AMBIGUOUS, None, (CODE,)),  # not a guess at the open one
    (command(YES, CODE, bad=("4821",)), [CODE], Outcome.BAD_CODE, None, (CODE,)),
    (command(YES, bad=("4821",)), [CODE], Outcome.BAD_CODE, None, (CODE,)),
    (command(HELP), [CODE, OTHER], Outcome.OK, None, (CODE, OTHER)),
    (command(STOP), [CODE], Outcome.OK, None, ()),
    (command(UNKNOWN, CODE), [CODE], Outcome.OK, None, ()),
])
def test_resolve_ties_a_command_to_exactly_one_open_offer_or_says_why_not(cmd, open_codes, outcome, code, choices):
    r = resolve(cmd, open_codes)
    assert (r.outcome, r.code, r.choices, r.command) == (outcome, code, choices, cmd)


def test_a_bare_yes_from_an_opted_out_number_with_nothing_open_is_start():
    assert resolve(parse("YES"), [], opted_out=True).command.kind is START
    assert resolve(parse("sí"), [], opted_out=True).command.kind is START


@pytest.mark.parametrize("text, open_codes", [("YES 4823", []), ("YES 4821", []), ("YES", [CODE]), ("NO", [])])
def test_yes_is_start_only_when_bare_opted_out_and_nothing_is_open(text, open_codes):
    assert resolve(parse(text), open_codes, opted_out=True).command.kind is not START
    assert resolve(parse(text), open_codes).command.kind is not START


def test_cancel_never_gives_a_task_back():
    for text in ["CANCEL", "cancel 4823", "Cancel please", "cancelar 4823", "إلغاء ٤٨٢٣"]:
        assert resolve(parse(text), [CODE]).command.kind is not DROP, text
