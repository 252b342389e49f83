"""The shipped catalogs: complete for today's sources, safe to format, compiled from their .po."""
import gettext
import re
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po, write_po

from aid.config import Config

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "aid" / "translations"
LANGS = sorted(p.parents[1].name for p in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"))
# The placeholders Python's % operator fills: %(name)s, %(km).1f, %s, %d, and a literal %%.
PLACEHOLDER = re.compile(r"%(?:\([\w]*\))?[-#0 +]?(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?[diouxXeEfFgGcrs%]")


def _po(lang):
    with open(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f, locale=lang)


def _strings(message):
    """msgid and msgstr as lists, so singular and plural (ngettext) entries read alike."""
    ids = list(message.id) if message.pluralizable else [message.id]
    strs = list(message.string) if message.pluralizable else [message.string]
    return ids, strs


@pytest.fixture(scope="module")
def fresh_template(tmp_path_factory):
    """The catalog template extracted now from the sources, with the same command as scripts/translations."""
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    CommandLineInterface().run(["pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg"), "-k", "_l",
                                "-k", "lazy_gettext", "-k", "N_", "-o", str(pot), str(ROOT)])
    with open(pot, "rb") as f:
        return read_po(f)


@pytest.fixture(params=LANGS)
def catalog(request):
    return _po(request.param)


def test_every_offered_language_but_english_ships_a_catalog():
    assert sorted(set(Config.LANGUAGES) - {"en"}) == LANGS


def test_extraction_finds_the_wrapped_strings(fresh_template):
    """Guards the other tests: an extraction that finds nothing would leave nothing to miss."""
    ids = {m.id for m in fresh_template if m.id}
    assert {"Ask for help", "Send my request", "Choose what kind of help you need."} <= ids


def test_every_string_in_the_sources_is_in_each_catalog(fresh_template, catalog):
    shipped = {(m.id, m.context) for m in catalog}
    missing = [m.id for m in fresh_template if m.id and (m.id, m.context) not in shipped]
    assert not missing, f"{catalog.locale}: run scripts/translations update and translate: {missing}"


def test_no_entry_is_fuzzy_or_left_untranslated(catalog):
    assert not catalog.fuzzy, f"{catalog.locale}: the catalog header is marked fuzzy"
    bad = [m.id for m in catalog if m.id and (m.fuzzy or not all(_strings(m)[1]))]
    assert not bad, f"{catalog.locale}: fuzzy or empty translations: {bad}"


def test_translations_keep_the_placeholders_of_their_msgid(catalog):
    """Same placeholders, same count of %, or the template's `_("…") % values` raises or drops a value."""
    wrong = []
    for m in catalog:
        if not m.id:
            continue
        ids, strs = _strings(m)
        expected = Counter(PLACEHOLDER.findall(ids[-1]))
        for text in strs:
            if Counter(PLACEHOLDER.findall(text)) != expected or text.count("%") != ids[-1].count("%"):
                wrong.append((m.id, text))
    assert not wrong, f"{catalog.locale}: placeholders differ: {wrong}"


# Which plural form (msgstr[i]) each count takes, per language: the catalogs own this rule, not
# Babel's CLDR data, so a library release cannot silently re-map the translators' forms
# (Babel 2.19 gave Spanish a third form for millions). Arabic: zero, one, two, few (3-10),
# many (11-99), other (100-102, ...).
PLURAL_FORM_OF = {
    "es": {0: 1, 1: 0, 2: 1, 5: 1, 1_000_000: 1},
    "ar": {0: 0, 1: 1, 2: 2, 3: 3, 10: 3, 11: 4, 99: 4, 100: 5, 102: 5, 103: 3, 111: 4, 1000: 5},
}


def test_every_language_has_its_plural_rule_pinned():
    assert sorted(PLURAL_FORM_OF) == LANGS


def test_plural_forms_header_is_the_languages_own(catalog):
    """Arabic has six plural forms; a copied English header would pick the wrong one for ngettext."""
    lang = str(catalog.locale)
    plural = gettext.c2py(catalog.plural_expr)
    assert catalog.num_plurals == max(PLURAL_FORM_OF[lang].values()) + 1
    assert {n: plural(n) for n in PLURAL_FORM_OF[lang]} == PLURAL_FORM_OF[lang]


def test_plural_entries_have_one_form_per_plural(catalog):
    short = [m.id for m in catalog if m.id and m.pluralizable and len(m.string) != catalog.num_plurals]
    assert not short, f"{catalog.locale}: plural entries without {catalog.num_plurals} forms: {short}"


def test_updating_a_catalog_keeps_its_plural_rule(fresh_template, catalog, tmp_path):
    """`scripts/translations update` must not take the plural rule from the installed Babel."""
    lang = str(catalog.locale)
    target = tmp_path / lang / "LC_MESSAGES" / "messages.po"
    target.parent.mkdir(parents=True)
    target.write_bytes((TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").read_bytes())
    pot = tmp_path / "messages.pot"
    with open(pot, "wb") as f:
        write_po(f, fresh_template)
    CommandLineInterface().run(["pybabel", "-q", "update", "-i", str(pot), "-d", str(tmp_path), "-l", lang])
    with open(target, "rb") as f:
        assert read_po(f, locale=lang).plural_forms == catalog.plural_forms


def _hashable(value):
    """A plural entry's forms: a list from read_mo, a tuple from read_po."""
    return tuple(value) if isinstance(value, list | tuple) else value


def test_compiled_mo_holds_exactly_the_po_translations(catalog):
    """Compares contents, not file times: a git checkout does not keep modification times."""
    lang = str(catalog.locale)
    mo_path = TRANSLATIONS / lang / "LC_MESSAGES" / "messages.mo"
    assert mo_path.exists(), f"{lang}: run scripts/translations compile"
    with open(mo_path, "rb") as f:
        compiled = {(_hashable(m.id), m.context): _hashable(m.string) for m in read_mo(f) if m.id}
    expected = {(_hashable(m.id), m.context): _hashable(m.string) for m in catalog if m.id and m.string and not m.fuzzy}
    assert compiled == expected, f"{lang}: messages.mo is out of date: run scripts/translations compile"
