"""SMS segments: GSM-7 or UCS-2, counts checked against the encoded bytes, and shortening that spares codes and URLs."""
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aid.sms.segments import GSM7_BASIC, GSM7_EXTENDED, count, encoding, fit, split

GSM_BASIC = sorted(GSM7_BASIC)
GSM_ANY = GSM_BASIC + sorted(GSM7_EXTENDED)
URL = "https://aid.example/o/4823"


def oracle_count(text):
    """Segments by brute force: encode, then cut the units into parts, never splitting a character."""
    if all(c in GSM7_BASIC or c in GSM7_EXTENDED for c in text):
        units = [[0x1B, ord(c)] if c in GSM7_EXTENDED else [ord(c)] for c in text]
        single, part = 160, 153
    else:
        # Each character's 16-bit code units: one, or a surrogate pair of two.
        units = [[int.from_bytes(b[i:i + 2], "big") for i in range(0, len(b), 2)]
                 for b in (c.encode("utf-16-be") for c in text)]
        single, part = 70, 67
    total = sum(len(u) for u in units)
    if total <= single:
        return 1
    parts, size = 1, 0
    for u in units:
        if size + len(u) > part:
            parts, size = parts + 1, 0
        size += len(u)
    return parts


@pytest.mark.parametrize("text, enc", [
    ("Reply YES 4823", "GSM-7"), ("Café, niño, Ñandú? no: Ñand\u00fa has ú", "UCS-2"), ("café niño", "GSM-7"),
    ("más", "UCS-2"), ("sí", "UCS-2"), ("adiós", "UCS-2"), ("menú", "UCS-2"), ("€5 {x} [y] ~|^\\", "GSM-7"),
    ("نعم", "UCS-2"), ("ok 👍", "UCS-2"), ("Ç Ø å Δ ß É ¿¡ § à ä ö ü", "GSM-7"), ("`backtick`", "UCS-2"), ("", "GSM-7"),
])
def test_one_character_outside_gsm7_makes_the_whole_text_ucs2(text, enc):
    assert encoding(text) == enc


@pytest.mark.parametrize("text, n", [
    ("a" * 160, 1), ("a" * 161, 2), ("a" * 306, 2), ("a" * 307, 3), ("€" * 80, 1), ("€" * 81, 2),
    ("a" * 152 + "€" + "a" * 10, 2),  # the escape pair moves whole to the second part
    ("é" * 160, 1), ("á" * 70, 1), ("á" * 71, 2), ("á" * 134, 2), ("á" * 135, 3), ("ن" * 70, 1),
    ("😀" * 35, 1), ("😀" * 36, 2), ("a" * 66 + "😀" + "a" * 5, 2), ("", 1),
])
def test_segment_counts_at_the_limits(text, n):
    assert count(text) == n == oracle_count(text)


def test_a_surrogate_pair_is_never_split_across_segments():
    parts = split("a" * 66 + "😀" + "b" * 70)
    assert parts[0] == "a" * 66 and parts[1].startswith("😀")
    assert "".join(parts) == "a" * 66 + "😀" + "b" * 70


texts = st.one_of(st.text(st.sampled_from(GSM_ANY), max_size=700), st.text(max_size=400),
                  st.text(st.sampled_from(GSM_BASIC + ["á", "€", "😀", "ن"]), max_size=500))


@given(texts)
def test_count_matches_a_brute_force_split_of_the_encoded_units(text):
    parts = split(text)
    assert "".join(parts) == text
    assert count(text) == len(parts) == oracle_count(text)


@given(texts, st.integers(1, 4))
def test_fit_always_fits_and_keeps_a_text_that_already_fits(text, max_segments):
    short = fit(text, max_segments)
    assert count(short) <= max_segments
    if count(text) <= max_segments:
        assert short == text
    else:
        assert short.endswith(("...", "…"))


def test_a_shortened_gsm7_text_ends_with_three_dots_so_it_stays_gsm7():
    short = fit("Reply YES 4823 to bring food to Barcombe. " * 10, 1)
    assert short.endswith("...") and encoding(short) == "GSM-7" and len(short) <= 160


def test_a_shortened_ucs2_text_ends_with_one_ellipsis_character():
    short = fit("نعم " * 40, 1)
    assert short.endswith("نعم…") and count(short) == 1


def test_fit_cuts_between_words_before_a_code_rather_than_through_it():
    text = "x" * 150 + " YES 48231234 more"
    assert fit(text, 1) == "x" * 150 + " YES..."


def test_fit_drops_a_url_that_does_not_fit_instead_of_cutting_it():
    text = "Take offer " + "4823 " + "word " * 25 + URL + " and more words after it to pass the limit"
    short = fit(text, 1)
    assert URL not in short and "https" not in short and "4823" in short
    assert count(short) == 1


@given(st.integers(0, 140), st.sampled_from([URL, "4823", "+447700900123"]))
def test_fit_never_leaves_part_of_a_code_or_url(pad, protected):
    text = "w " * pad + protected + " tail" * 40
    short = fit(text, 1)
    kept = re.findall(r"https?://\S*|\+?\d+", short)
    assert all(k.rstrip(".") == protected for k in kept)


def test_without_spaces_fit_cuts_before_a_number_rather_than_through_it():
    assert fit("a" * 150 + "48231234567", 1) == "a" * 150 + "..."


def test_fit_never_parts_a_letter_from_its_accent():
    short = fit("e\u0301" * 100, 1)  # decomposed é: not GSM-7, so UCS-2
    assert short == "e\u0301" * 34 + "…"


def test_fit_drops_trailing_spaces_and_punctuation_before_the_ellipsis():
    short = fit("word, " * 40, 1)
    assert short.endswith("word...") and not short.endswith((",...", " ..."))


def test_fit_refuses_zero_segments():
    with pytest.raises(ValueError):
        fit("hello", 0)
