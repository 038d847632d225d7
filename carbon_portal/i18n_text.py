"""Texts the portal computes once and shows later to readers of either language (an allocation
run's notes and problems, why a bid won nothing): stored with both renderings, read in the
reader's. Like notifications, a text is rendered at the time of the event, so a changed catalogue
never rewrites what was said."""

import json

from django.utils import translation

LANGUAGES = (("zh", "zh-hans"), ("en", "en"))


def both(text, params: dict | None = None) -> str:
    """`text` a lazy translation with %-params; a param may be a callable, called in each language
    (e.g. a name that has a Chinese and an English form)."""
    out = {}
    for key, language in LANGUAGES:
        with translation.override(language):
            rendered = str(text)
            if params:
                rendered %= {k: (v() if callable(v) else v) for k, v in params.items()}
            out[key] = rendered
    return json.dumps(out, ensure_ascii=False)


def joined(texts: list[str], sep: str = " ") -> str:
    """Several stored texts as one, joined in each language."""
    parts = [_load(t) for t in texts if t]
    return json.dumps({key: sep.join(p[key] for p in parts) for key, _ in LANGUAGES}, ensure_ascii=False)


def pick(value: str | None) -> str:
    """The reader's rendering of a stored text; any other text as it is (older rows, free text)."""
    if not value:
        return ""
    data = _load(value)
    language = "en" if (translation.get_language() or "").startswith("en") else "zh"
    return data.get(language) or data.get("zh") or ""


def _load(value: str) -> dict:
    if value.startswith('{"zh":'):
        try:
            data = json.loads(value)
        except ValueError:
            data = None
        if isinstance(data, dict):
            return data
    return {key: value for key, _ in LANGUAGES}


class InLanguage:
    """A stored text as a %-param of another translated text: rendered in the language active
    when the outer text is (e.g. inside notifications' rendering in both languages)."""

    def __init__(self, value: str | None):
        self.value = value

    def __str__(self) -> str:
        return pick(self.value)


def fitting(value: str, max_length: int) -> str:
    """A stored text that fits its column: both languages if they fit, else the active one, cut."""
    return value if len(value) <= max_length else pick(value)[:max_length]
