"""Issue 15: the plan's consistency warnings in the reader's language. The checks (decisions.checks, pure
Python) give each warning and its rule as a catalogue message with its values; the decision form writes
them in German for a German chair, citing the same labels and trials; their English, which a signed
decision stores with the chair's reason, is unchanged."""

import dataclasses
import json

import pytest

from tests.decisions.test_checks import NEC, NET, plan
from tumorboard.clinical.labels import in_reader_language
from tumorboard.decisions import checks
from tumorboard.decisions.checks import check_plan

GERMAN = {"Accept-Language": "de-DE,de;q=0.9"}

# (picture, plan, the warning's code, the English it always said, its German, a word of its rule's German)
WARNINGS = [
    pytest.param(
        NEC,
        "PRRT-LU177 palliative",
        "prrt-for-nec",
        "¹⁷⁷Lu-DOTATATE PRRT (PRRT-LU177) is planned for a neuroendocrine carcinoma (poorly differentiated).",
        "¹⁷⁷Lu-DOTATATE-PRRT (PRRT-LU177) ist für ein neuroendokrines Karzinom geplant "
        "(schlecht differenziert).",
        "NETTER-1",
        id="prrt-for-nec",
    ),
    pytest.param(
        dataclasses.replace(NET, primary_site="lung"),
        "TT-SUN palliative",
        "sunitinib-outside-pancreatic-net",
        "(TT-SUN) is planned for a primary of the lung (bronchus); it is approved for pancreatic NETs only.",
        "(TT-SUN) ist bei einem Primärtumor mit Lokalisation Lunge (Bronchus) geplant; zugelassen ist es "
        "nur für pankreatische NET.",
        "A6181111",
        id="sunitinib-site",
    ),
    pytest.param(
        dataclasses.replace(NET, functional_syndrome=None),
        "SYMPT-DIAZOXIDE symptom_control",
        "diazoxide-without-insulinoma",
        "is planned but the case records no functional syndrome (Insulinoma expected).",
        "ist geplant, aber im Fall ist erfasst: kein funktionelles Syndrom (erwartet: Insulinom).",
        "Hypoglykämie",
        id="diazoxide-without-insulinoma",
    ),
]


@pytest.mark.parametrize(("picture", "items", "code", "english", "german", "source"), WARNINGS)
def test_a_warning_and_its_rule_read_german_for_a_german_reader(
    app, picture, items, code, english, german, source
):
    (warning,) = [found for found in check_plan(picture, plan(items)) if found.code == code]
    assert english in warning.message  # the str is the English sentence, as stored and logged
    with app.test_request_context("/", headers=GERMAN):
        message, rule = in_reader_language(warning.message), in_reader_language(warning.rule)
    assert german in message, message
    assert source in rule and rule != str(warning.rule), rule
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert in_reader_language(warning.message) == str(warning.message)


def test_every_rule_of_the_checks_has_its_german_translation(app):
    rules = [value for name, value in vars(checks).items() if name.endswith("_RULE")]
    assert len(rules) >= 15
    with app.test_request_context("/", headers=GERMAN):
        german = [in_reader_language(checks.Text(rule)) for rule in rules]
    assert all(text != rule for text, rule in zip(german, rules, strict=True))


def test_a_stored_warning_is_its_english_sentence():
    (warning,) = [
        found for found in check_plan(NEC, plan("PRRT-LU177 palliative")) if found.code == "prrt-for-nec"
    ]
    stored = json.loads(json.dumps([warning.__dict__]))[0]
    assert stored["message"] == str(warning.message) and stored["rule"] == checks.PRRT_NEC_RULE
