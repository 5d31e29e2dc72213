"""Name normalisation for matching place and organization names: accents,
case and punctuation dropped, administrative prefixes and suffixes removed
("Provincia de Jujuy", "Jujuy Province" and "jujuy" are all "jujuy")."""

from __future__ import annotations

import re
import unicodedata

# Longest first: removed from the start of a name (followed by a space).
PREFIXES = sorted([
    "provincia de", "provincia del", "province of", "provincia", "region de", "region del",
    "region of", "region", "departamento de", "departamento del", "department of",
    "estado de", "estado do", "estado da", "state of", "ciudad de", "ciudad autonoma de",
    "city of", "comuna de", "autonomous city of", "the",
], key=len, reverse=True)
# "Distrito de", "Municipio de" and "Municipality" are kept: in Wikidata the
# district or municipality is often another item than the city.
# Removed from the end of a name (preceded by a space).
SUFFIXES = sorted([
    "province", "provincia", "region", "department", "departamento", "state", "city",
    "prefecture", "sheng", "shi", "autonomous region",
], key=len, reverse=True)
ORG_SUFFIXES = sorted([
    "co ltd", "company limited", "co", "ltd", "limited", "inc", "corporation", "corp",
    "company", "group", "holdings", "sa", "s a", "technologies", "technology",
], key=len, reverse=True)
CJK_SUFFIXES = ("省", "市", "自治区", "特别行政区")


def fold(text: str) -> str:
    """Lower case, accents dropped, punctuation turned into single spaces."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.casefold().replace("&", " and ")
    text = re.sub(r"[^\w]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def _strip(text: str, prefixes: list[str], suffixes: list[str]) -> str:
    changed = True
    while changed:
        changed = False
        for p in prefixes:
            if text.startswith(p + " ") and len(text) > len(p) + 1:
                text, changed = text[len(p) + 1:], True
                break
        for s in suffixes:
            if text.endswith(" " + s) and len(text) > len(s) + 1:
                text, changed = text[: -len(s) - 1], True
                break
    return text


def normalise(name: str) -> str:
    """The key two spellings of one place name share."""
    text = fold(name)
    if text and all(ord(c) > 0x2E80 or c == " " for c in text):  # a CJK name
        for s in CJK_SUFFIXES:
            if text.endswith(s) and len(text) > len(s):
                return text[: -len(s)]
        return text
    return _strip(text, PREFIXES, SUFFIXES)


def normalise_org(name: str) -> str:
    """The key of an organization name: legal-form words at the end dropped."""
    return _strip(fold(name), ["the"], ORG_SUFFIXES)


def slug(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
