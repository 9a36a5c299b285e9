"""The one message catalogue: every user-facing phrase in Chinese (the default) and English.

``CATALOGUE`` maps a namespaced key (``"report.title"``, ``"nav.map"``, ``"note.statistic_missing"``)
to ``{"zh": ..., "en": ...}``. Phrases are declared beside the code that uses them and added with
``register``; a key may be registered again only with the same texts. ``text(key, lang, **fields)``
looks a phrase up and fills its ``{fields}``; ``problems()`` lists keys that lack a language.

The report (``ecoledger.report.i18n``), the platform pages (``ecoledger.platform.i18n``) and the
account notes (``ecoledger.notes``) all read this catalogue.
"""

from __future__ import annotations

from collections.abc import Mapping

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"

CATALOGUE: dict[str, dict[str, str]] = {}


def entry(zh: str, en: str) -> dict[str, str]:
    """One phrase in both languages."""
    return {"zh": zh, "en": en}


def register(messages: Mapping[str, Mapping[str, str] | tuple[str, str]], prefix: str = "") -> None:
    """Add ``messages`` (key → ``{"zh", "en"}`` or ``(zh, en)``), each key under ``prefix``.

    Raises ``ValueError`` when a key is already registered with different texts.
    """
    for key, given in messages.items():
        texts = dict(zip(LANGUAGES, given, strict=True)) if isinstance(given, tuple) else dict(given)
        name = prefix + key
        if name in CATALOGUE and CATALOGUE[name] != texts:
            raise ValueError(f"message key {name!r} is defined twice with different texts")
        CATALOGUE[name] = texts


def text(key: str, lang: str = DEFAULT_LANGUAGE, **fields) -> str:
    """The phrase ``key`` in ``lang`` with ``fields`` filled in; ``KeyError`` for an unknown key."""
    entry_ = CATALOGUE[key]
    phrase = entry_.get(lang) or entry_[DEFAULT_LANGUAGE]
    return phrase.format(**fields) if fields else phrase


def problems() -> list[str]:
    """Keys whose zh or en text is missing or empty (a complete catalogue gives ``[]``)."""
    return sorted(key for key, texts in CATALOGUE.items()
                  if set(texts) != set(LANGUAGES) or not all(str(v).strip() for v in texts.values()))
