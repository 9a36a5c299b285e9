"""Find English left on a Chinese page: the check every zh page and report is held to.

A page passes when its visible text has no run of Latin-letter words except:

* words of the allow-list (``ALLOWED``: proper names, acronyms, unit symbols; the surnames and place
  that name a method in Chinese texts too, as in “Hargreaves 公式”, “Budyko 假设”, “Miami 模型”);
* acronyms, codes and paths (all capitals, or containing a digit, ``/``, ``.`` or ``:``: ``GEP``, ``PM2.5``,
  ``EPSG:4547``, ``T4_prices``);
* text inside an element marked as not Chinese or not to be translated (``lang="en"``,
  ``translate="no"``): a citation's original title, a file name, a code listing. Marking such
  text is the page's job, as HTML intends.

Visible text is the text outside ``<script>``, ``<style>`` and ``<template>``, plus the
``title``, ``alt``, ``placeholder`` and ``aria-label`` attributes users read or hear.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from html.parser import HTMLParser

ALLOWED = frozenset(
    """
    ecoledger InVEST SEEA EA GEP VEP GDP CPI AQI NDVI MODIS CRU CLCD HWSD WorldCover ESA NASA USGS
    SRTM GeoTIFF GeoJSON GeoPackage CSV PDF HTML JSON API Excel xlsx zip Leaflet OpenStreetMap
    GitHub PyPI Mendeley
    Python Playwright Chromium PostgreSQL SQLite ITU-R IPCC km km² m m² m³ mm ha t kg g kWh MWh GWh yr a
    d h s CO₂ CO2 CO₂e CH₄ N₂O SO₂ NOx PM PM₂.₅ NH₃ TP TN COD mg L μg Mg C N P K pH et al gC tC kgC MgC
    Jiang
    Hargreaves Budyko Miami Sobol SALib RBD-FAST
    """.split()
)
SKIPPED_TAGS = frozenset({"script", "style", "template", "code", "kbd", "samp"})
READ_ATTRIBUTES = ("title", "alt", "placeholder", "aria-label")
VOID_TAGS = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                       "source", "track", "wbr"})
_CHARS = r"[A-Za-z0-9_.:/\\\-'’⁰¹²³⁴-⁹⁻₀-₉μ]"
_TOKEN = _CHARS + r"*[A-Za-z]" + _CHARS + "*"
_PHRASE = re.compile(_TOKEN + r"(?:[ \t]+" + _TOKEN + ")*")
_WORD = re.compile(_TOKEN)


class _Visible(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._stack: list[bool] = []  # per open element: is its text exempt?

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        exempt = bool(self._stack and self._stack[-1]) or tag in SKIPPED_TAGS
        lang = (values.get("lang") or "").lower()
        if (lang and not lang.startswith("zh")) or values.get("translate") == "no":
            exempt = True
        if not exempt:
            self.parts.extend(values[a] for a in READ_ATTRIBUTES if values.get(a))
        if tag not in VOID_TAGS:
            self._stack.append(exempt)

    def handle_endtag(self, tag):
        if tag not in VOID_TAGS and self._stack:
            self._stack.pop()

    def handle_data(self, data):
        if not (self._stack and self._stack[-1]):
            self.parts.append(data)


def visible_text(html: str) -> str:
    """The text a reader of ``html`` sees or hears, without exempt elements (module docstring)."""
    parser = _Visible()
    parser.feed(html)
    parser.close()
    return "\n".join(p.strip() for p in parser.parts if p.strip())


def _is_exempt_word(word: str, allowed: frozenset[str]) -> bool:
    """Allowed, an acronym, a code, a path or a number with a unit: not prose."""
    bare = word.strip("'’-.:")
    return (len(bare) <= 1 or bare in allowed or bare.lower() in allowed or bare.isupper()
            or any(c.isdigit() or c in "/\\.:" for c in bare))


def english_phrases(text: str, allow: Iterable[str] = ()) -> list[str]:
    """Runs of Latin-letter words in ``text`` that are not all exempt (module docstring).

    ``allow`` adds words or whole phrases to ``ALLOWED`` for one page (e.g. a region's own
    names in pinyin). Returns each offending run once, in order of first appearance.
    """
    extra = frozenset(allow)
    allowed = ALLOWED | extra
    found: dict[str, None] = {}
    for line in text.splitlines():
        for match in _PHRASE.finditer(line):
            phrase = match.group(0).strip()
            if phrase in extra:
                continue
            words = _WORD.findall(phrase)
            if all(_is_exempt_word(w, allowed) for w in words):
                continue
            found.setdefault(phrase, None)
    return list(found)


def untranslated(html: str, allow: Iterable[str] = ()) -> list[str]:
    """English phrases left in the visible text of the Chinese page ``html``."""
    return english_phrases(visible_text(html), allow)
