"""Tag slugs: normalising what people type, mapping it to built-in tags, and suggestions.

A tag is stored as a slug: lowercase letters, digits and single hyphens. Built-in tags (see
bot.taxonomy) have English slugs and names in both languages; any other tag is a free tag
whose display name is its slug.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from bot.errors import ValidationError
from bot.i18n_marker import N_
from bot.search_text import StemLanguage, language_terms, words
from bot.taxonomy import TAXONOMY, TagDef, TaxonomyError

TAG_MAX = 40

_WHITESPACE = re.compile(r"\s+")
_HYPHENS = re.compile(r"-{2,}")
# Keyboards turn "-" into en dashes and the like; they mean the same in a tag. (NFKC has
# already mapped the other hyphen look-alikes to one of these or to "-".)
_DASHES = str.maketrans(dict.fromkeys("\u2010\u2012\u2013\u2014\u2015\u2212", "-"))

# A hashtag starts a word: "#speed" counts, "C#" and "<#C123|x>" (a Slack channel) do not.
# Leading horizontal space is consumed so removing the tag leaves no gap behind.
# A tag ends where the word does: "#a#b" is text, not a tag glued to another.
_HASHTAG = re.compile(r"[ \t]*(?<!\S)[#＃](?P<tag>[\w-]+)(?![\w#＃-])")


def normalise(raw: str) -> str:
    """The slug for what someone typed: "#Good  Service" -> "good-service".

    Raises ValidationError when nothing is left, the slug is longer than TAG_MAX, or it holds
    anything but letters, digits and hyphens.
    """
    slug = unicodedata.normalize("NFKC", raw).strip().casefold()
    # Case folding can leave a string that is no longer NFKC (e.g. a decomposed mark).
    slug = unicodedata.normalize("NFKC", slug).lstrip("#").translate(_DASHES)
    slug = _HYPHENS.sub("-", _WHITESPACE.sub("-", slug)).strip("-")
    if not slug:
        raise ValidationError(
            N_("A tag needs at least one letter or digit."), field="tags", tag=raw
        )
    if not all(c.isalnum() or c == "-" for c in slug):
        raise ValidationError(
            N_("A tag can only contain letters, digits and hyphens."), field="tags", tag=raw
        )
    if len(slug) > TAG_MAX:
        raise ValidationError(
            N_("A tag can be at most {max} characters long."), field="tags", tag=raw, max=TAG_MAX
        )
    return slug


def _strip_diacritics(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )


@functools.cache
def _by_slug() -> dict[str, TagDef]:
    return {tag.slug: tag for tag in TAXONOMY}


def alias_table(taxonomy: tuple[TagDef, ...]) -> dict[str, str]:
    """Diacritic-free normalised slug, name or alias -> built-in slug. Refuses a taxonomy in
    which one term would name two tags, or cannot be typed as a tag at all."""
    table: dict[str, str] = {}
    for tag in taxonomy:
        for term in (tag.slug, tag.name_en, tag.name_sv, *tag.aliases):
            try:
                key = _strip_diacritics(normalise(term))
            except ValidationError:
                raise TaxonomyError(f"taxonomy: {tag.slug}: {term!r} is not a valid tag") from None
            if table.setdefault(key, tag.slug) != tag.slug:
                raise TaxonomyError(f"taxonomy: {term!r} names both {table[key]} and {tag.slug}")
    return table


_ALIASES = alias_table(TAXONOMY)  # checked when Storybot starts, with the file itself


def _aliases() -> dict[str, str]:
    return _ALIASES


def resolve(raw: str) -> str:
    """Normalise, then map a built-in tag's name or alias in either language to its slug.

    Diacritics are optional ("tillganglighet" -> "accessibility"); any other tag comes back
    as its normalised slug.
    """
    slug = normalise(raw)
    return _aliases().get(_strip_diacritics(slug), slug)


def is_builtin(slug: str) -> bool:
    return slug in _by_slug()


def builtin_slugs() -> list[str]:
    """Built-in slugs in taxonomy order."""
    return [tag.slug for tag in TAXONOMY]


def display_name(slug: str, language: str) -> str:
    """The name to show: a built-in tag's name in "en" or "sv", a free tag's slug."""
    tag = _by_slug().get(slug)
    return tag.name(language) if tag else slug


def search_terms(slug: str) -> list[str]:
    """What a tag adds to a story's search text: its slug and, if built in, both names.

    Indexing both names lets a Swedish search find a story whatever language tagged it.
    """
    tag = _by_slug().get(slug)
    return [slug, tag.name_en, tag.name_sv] if tag else [slug]


# Swedish sorts å, ä, ö after z; these stand-ins sort right after "z" in code point order.
_SWEDISH_COLLATION = str.maketrans({"å": "{", "ä": "|", "ö": "}", "æ": "|", "ø": "}"})


def _sort_key(name: str, language: str) -> tuple[str, str]:
    folded = name.casefold()
    if language == "sv":
        folded = folded.translate(_SWEDISH_COLLATION)
    return _strip_diacritics(folded), name


def options(language: str) -> list[tuple[str, str]]:
    """(slug, name) of every built-in tag, sorted by name the way that language sorts."""
    named = [(tag.slug, tag.name(language)) for tag in TAXONOMY]
    return sorted(named, key=lambda item: _sort_key(item[1], language))


def autocomplete(typed: str, language: str, limit: int = 25) -> list[tuple[str, str]]:
    """(value, label) choices for a tag being typed: built-in tags whose slug, name or alias
    in either language starts with (then contains) what was typed, ignoring case and
    diacritics; a new free tag is offered as typed when nothing matches it exactly."""
    key = _strip_diacritics(typed.strip().lstrip("#").casefold().replace(" ", "-"))
    starts: list[tuple[str, str]] = []
    contains: list[tuple[str, str]] = []
    for slug, name in options(language):
        tag = _by_slug()[slug]
        terms = [
            _strip_diacritics(normalise(t)) for t in (slug, tag.name_en, tag.name_sv, *tag.aliases)
        ]
        if any(term.startswith(key) for term in terms):
            starts.append((slug, name))
        elif any(key in term for term in terms):
            contains.append((slug, name))
    found = starts + contains
    if key and all(slug != key for slug, _ in found):
        try:
            free = normalise(typed)
        except ValidationError:
            free = ""
        if free and not is_builtin(resolve(free)):
            found.append((free, free))
    return found[:limit]


def _terms(found: list[str], language: StemLanguage) -> set[str]:
    """The words in one language's dictionary form (stems for unknown words), as search does:
    "leveranserna" and "leverans" both become "leverans"."""
    return {term for word in found for term in language_terms(word, language)}


@functools.cache
def _keyword_stems() -> tuple[tuple[str, frozenset[str], frozenset[str]], ...]:
    """(slug, English keyword terms, Swedish keyword terms), normalised on first use."""

    def stemmed(keywords: tuple[str, ...], language: StemLanguage) -> frozenset[str]:
        return frozenset(_terms([w for k in keywords for w in words(k)], language))

    return tuple(
        (tag.slug, stemmed(tag.keywords_en, "en"), stemmed(tag.keywords_sv, "sv"))
        for tag in TAXONOMY
    )


def suggest(text: str, limit: int = 3) -> list[str]:
    """Up to `limit` built-in slugs whose keywords the text mentions, best first.

    The story's language is unknown, so its words are normalised both ways (dictionary form,
    else stem: bot.search_text); each language's terms are compared with that language's
    keywords, which keeps cross-language coincidences out. The score is the number of distinct
    keyword terms hit; ties keep taxonomy order.
    """
    if limit <= 0:
        return []
    found = words(text)
    if not found:
        return []
    text_en = _terms(found, "en")
    text_sv = _terms(found, "sv")
    scored: list[tuple[int, int, str]] = []
    for position, (slug, keywords_en, keywords_sv) in enumerate(_keyword_stems()):
        score = len((keywords_en & text_en) | (keywords_sv & text_sv))
        if score:
            scored.append((-score, position, slug))
    scored.sort()
    return [slug for _, _, slug in scored[:limit]]


def parse_hashtags(text: str) -> tuple[str, list[str]]:
    """Split a quick-submit line into its text and the raw tags it carries.

    "the courier called ahead #speed #Tillgänglighet" -> ("the courier called ahead",
    ["speed", "Tillgänglighet"]). A '#' followed by digits only ("ticket #1234", story "#12")
    stays in the text. Tags come back as typed (without '#'); pass them to resolve().
    """
    tags: list[str] = []

    def take(match: re.Match[str]) -> str:
        tag = match["tag"]
        if not any(c.isalpha() for c in tag):
            return match[0]
        tags.append(tag)
        return ""

    # NFC first: a decomposed "ä" (as some clients send it) would otherwise end the tag.
    rest = _HASHTAG.sub(take, unicodedata.normalize("NFC", text))
    return rest.strip(), tags
