"""Issue 15: every text the clinical core returns is a catalogue message (clinical.labels.Text) that reads
in German with the German catalogue, cites the same published source, and stays the English sentence it
always was as a str (logs, the API, the FHIR export and the frozen records keep that)."""

import copy
import json
import pickle
import re
from functools import cache

import pytest
from babel.messages.pofile import read_po
from babel.support import Translations

from tests.clinical.test_rule_texts import PUBLISHED, RESULTS
from tumorboard.clinical import grading, imaging, staging
from tumorboard.clinical.labels import Text
from tumorboard.i18n import TRANSLATIONS_DIR
from tumorboard.timezones import format_number


@cache
def german() -> Translations:
    return Translations.load(str(TRANSLATIONS_DIR), ["de"])


@cache
def german_catalogue() -> dict[str, str]:
    with (TRANSLATIONS_DIR / "de" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return {m.id: m.string for m in read_po(po) if isinstance(m.id, str) and m.id}


def german_number(value: float, digits: int | None = None) -> str:
    return format_number(value, digits, "de")  # the app's, as tumorboard.i18n installs it


def in_german(text: Text) -> str:
    return text.written(german().gettext, german_number)


def _messages(text: Text):
    yield text.message
    for value in text.values.values():
        if isinstance(value, Text):
            yield from _messages(value)


TEXTS = sorted(
    {
        text
        for result in RESULTS
        for text in (result.rule, result.note, result.disputed_reason)
        if text is not None
    }
)


def test_every_text_the_core_returns_is_a_catalogue_message_translated_into_german():
    untranslated = set()
    for text in TEXTS:
        assert isinstance(text, Text), text
        untranslated |= {m for m in _messages(text) if not german_catalogue().get(m)}
    assert untranslated == set()


@pytest.mark.parametrize("rule", sorted({result.rule for result in RESULTS}))
def test_every_rule_reads_in_german_and_cites_its_source(rule):
    assert isinstance(rule, Text)
    written = in_german(rule)
    assert written != rule, rule
    assert PUBLISHED.search(written), written
    assert "%(" not in written and not re.search(r"\b(the|is|and|given)\b", written), written


def test_german_rule_texts_read_as_a_clinician_writes_them():
    assert in_german(grading.who_grade(2.5, None).rule) == "WHO 2019, Verdauungstrakt: Ki-67 <3 % ergibt G1."
    assert in_german(grading.who_grade(2.5, None).disputed_reason).startswith(
        "WHO 2010 und ältere CAP-Protokolle definierten G1 als „Ki-67 ≤2 %“"
    )
    assert in_german(staging.m_category(["bone", "liver"]).rule) == (
        "AJCC 8, GEP-NET: Metastasen in der Leber und an mindestens einer extrahepatischen Lokalisation "
        "(Knochen) sind M1c."
    )
    assert in_german(staging.m_category(["other"], site="lung").rule).startswith(
        "AJCC 8, Lunge: eine Metastase an anderer Lokalisation ergibt M1a oder M1b oder M1c; entscheidend: "
    )
    assert in_german(staging.t_category("pancreas", 1.5, None).rule) == (
        "AJCC 8, NET des Pankreas: Größe <2 cm ergibt T1, aber die Invasionstiefe ist nicht angegeben und "
        "könnte T ändern; T ist daher nicht beurteilbar (TX)."
    )
    assert in_german(staging.t_category("thyroid", 1.0, None).rule).startswith(
        "Keine Stadieneinteilung: die AJCC 8. Auflage hat kein NET-Kapitel für die Schilddrüse"
    )
    krenning = imaging.krenning(3)
    assert in_german(krenning.rule).startswith(
        "Krenning-Score (Krenning et al. 1993/1994, wie von ENETS und SNMMI verwendet): 3 bedeutet "
        "Speicherung stärker als Leber;"
    )
    assert in_german(imaging.recist_response(50, 25, 30).rule) == (
        "RECIST 1.1 (Eisenhauer 2009): die Summe stieg um 5 mm (+20,0 %) über den Nadir, mindestens 20 % und "
        "5 mm: Progression (PD)."
    )


def test_german_numbers_and_changes_are_written_the_german_way():
    assert "gegenüber dem Ausgangswert um -30,0 %, ein Rückgang" in in_german(
        imaging.recist_response(100, 100, 70).rule
    )
    assert "changed -30.0% from baseline" in imaging.recist_response(100, 100, 70).rule
    assert in_german(staging.m_category([], site="pancreas").rule) == (
        "AJCC 8, NET des Pankreas: keine Fernmetastasen ergeben M0."
    )


def test_the_english_sentence_is_the_str_and_survives_json_copy_and_pickle():
    rule = staging.stage("ileum", 2.5, None, 14, None, ["liver", "bone"], "well").stage.rule
    assert (
        rule
        == "AJCC 8 NET stage groups (stomach, duodenum/ampulla, jejunum/ileum, appendix, pancreas): "
        + ("TX N2 M1c is stage IV whatever the missing category (any T, any N, M1).")
    )
    assert json.loads(json.dumps({"rule": rule})) == {"rule": str(rule)}
    pickled = pickle.loads(pickle.dumps(rule))  # noqa: S301 (bytes this test made)
    for again in (copy.deepcopy(rule), pickled):
        assert again == rule and in_german(again) == in_german(rule)
    assert in_german(rule).endswith(
        "ist Stadium IV, gleich wie die fehlende Kategorie ausfällt (jedes T, jedes N, M1)."
    )
