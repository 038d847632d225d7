"""Texts computed once and read later in either language (carbon_portal.i18n_text)."""

from django.utils import translation
from django.utils.translation import gettext_lazy

from carbon_portal.i18n_text import InLanguage, both, fitting, joined, pick

TEXT = gettext_lazy("No determined or recorded emissions for base year %(year)s.")


def test_a_text_computed_in_chinese_is_read_in_english_by_an_english_reader():
    with translation.override("zh-hans"):
        stored = both(TEXT, {"year": 2024})
    with translation.override("en"):
        assert pick(stored) == "No determined or recorded emissions for base year 2024."
    with translation.override("zh-hans"):
        assert "2024" in pick(stored) and "base year" not in pick(stored)


def test_a_callable_param_is_rendered_in_each_language():
    stored = both(gettext_lazy("Status: %(s)s"), {"s": lambda: translation.get_language()})
    with translation.override("en"):
        assert pick(stored) == "Status: en"


def test_texts_stored_before_keep_showing_as_they_are():
    assert pick("没有规则") == "没有规则" and pick("") == "" and pick(None) == ""


def test_joined_texts_join_in_each_language_and_a_param_follows_the_outer_language():
    stored = joined([both(TEXT, {"year": 2023}), both(TEXT, {"year": 2024})])
    with translation.override("en"):
        assert pick(stored).count("base year") == 2
        assert str(InLanguage(stored)).startswith("No determined")


def test_a_text_too_long_for_its_column_keeps_the_active_language_only():
    stored = both(TEXT, {"year": "x" * 200})
    with translation.override("en"):
        kept = fitting(stored, 300)
    assert len(kept) <= 300 and kept.startswith("No determined")
