"""A BIO-tagged named-entity corpus produced offline from CLDR inventories (through Babel) and the phrase corpus.

Entities are real strings that ship with the installed packages, placed into sentence frames written here:

==========  ===========================================================================  =====================
type        strings                                                                      source
==========  ===========================================================================  =====================
LOC         English names of territories ("Bosnia & Herzegovina") and of the exemplar    CLDR (Babel)
            cities of the time zones ("Dar es Salaam")
LANGUAGE    English names of languages ("Tunisian Arabic")                               CLDR (Babel)
CURRENCY    English names of current currencies ("Albanian Lek")                         CLDR (Babel)
MONEY       amounts ("€1,234.50", "three dollars, twenty-five cents")                    :mod:`.phrases`
DATE        dates ("Tuesday, March 5, 2024", "March 1999")                               :mod:`.phrases`
QUANTITY    measures ("3 kilometers per hour")                                           :mod:`.phrases`
==========  ===========================================================================  =====================

A string found in two inventories (the language and the island "Tonga") is dropped from both, so every entity
string has one type. Names with parentheses (historic currencies "(1927-2002)") are left out, and so are CLDR names
that are no place, language or currency ("Unknown Region", "European Union", "GMT+5", "Gold", "Testing Currency Code").

**Frames whose tags depend on the words to the right** (decided here, before any model was trained). In a
*right-cue* frame the words before the entity are the same for LOC, LANGUAGE and CURRENCY, and the word that
tells the type comes only after it ("Everyone talked about Tonga , a place they had never visited ." against
"... , a language they had never learned ."). Every token of the entity in such a frame is a *right-context
token*: its tag cannot be read off the entity and the words to its left unless the entity string itself is
known. :attr:`TaggedSentence.right` marks these tokens. In the other frames (*left-cue*) the words before the
entity, or the entity's own form (digits, month names), tell the type.

**Held-out frames** (:data:`HELD_OUT_LEFT_FRAMES`, :data:`HELD_OUT_RIGHT_FRAMES`, added later and used only for the
test split of new frames, so the splits drawn from the original frames stay as they were): new sentences of both
kinds, written with the same cue words in new arrangements (a right-hand cue 3 to 9 tokens after the entity) and
a few new left-hand cues ("moved to", "paid in"). Their sentences are named ``new-left-i`` and ``new-right-i``.

Tokens come from :func:`tokenize` (words with inner ``.,'-`` kept together, every other symbol alone).
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass

TYPES = ("LOC", "LANGUAGE", "CURRENCY", "MONEY", "DATE", "QUANTITY")
NAME_TYPES = ("LOC", "LANGUAGE", "CURRENCY")  # the types a right-cue frame chooses between
_PHRASE_KINDS = {"date": "DATE", "currency": "MONEY", "currency words": "MONEY", "unit": "QUANTITY"}
_TOKEN = re.compile(r"\w+(?:[.,'’\-]\w+)*|[^\w\s]")

# Left-cue frames: the words before a slot (or the entity's own form) tell its type.
LEFT_FRAMES = (
    "She grew up in {LOC} .",
    "They flew from {LOC} to {LOC} on {DATE} .",
    "He has been learning {LANGUAGE} for a year .",
    "The menu was printed in {LANGUAGE} and {LANGUAGE} .",
    "Prices in {LOC} are quoted in {CURRENCY} .",
    "The shop no longer accepts {CURRENCY} .",
    "The ticket cost {MONEY} .",
    "She was born on {DATE} .",
    "The meeting was moved to {DATE} .",
    "The report gave a figure of {QUANTITY} .",
    "The sensor recorded {QUANTITY} overnight .",
    "On {DATE} , the bank in {LOC} exchanged {MONEY} .",
    "Most people in {LOC} speak {LANGUAGE} .",
    "The rent , {MONEY} , is due on {DATE} .",
    "Travellers to {LOC} should carry {CURRENCY} .",
    "The label on the box read {QUANTITY} .",
    "A translator from {LANGUAGE} charged {MONEY} .",
    "The weather stayed calm all week .",
)
# Right-cue frames: {X} (and {Y}) take one of NAME_TYPES; the cue after them, chosen by that type, tells it.
RIGHT_FRAMES = (
    ("Everyone talked about {X} , {cue} .",
     {"LOC": "a place they had never visited", "LANGUAGE": "a language they had never learned",
      "CURRENCY": "a currency they had never used"}),
    ("I had never heard of {X} before the {cue} .",
     {"LOC": "trip", "LANGUAGE": "lesson", "CURRENCY": "exchange"}),
    ("{X} , they said , {cue} .",
     {"LOC": "is far away", "LANGUAGE": "is hard to pronounce", "CURRENCY": "lost half its value"}),
    ("We compared {X} with {Y} , two {cue} .",
     {"LOC": "cities", "LANGUAGE": "languages", "CURRENCY": "currencies"}),
    ("The guide mentioned {X} in a chapter on {cue} .",
     {"LOC": "travel", "LANGUAGE": "grammar", "CURRENCY": "money"}),
)
# Frames never used by train / validation / the first two test splits (see the module docstring)
HELD_OUT_LEFT_FRAMES = (
    "My cousin moved to {LOC} last spring .",
    "The course teaches {LANGUAGE} to beginners .",
    "We paid in {CURRENCY} at the border .",
    "The bill came to {MONEY} in the end .",
    "The deadline is {DATE} .",
    "The package weighed {QUANTITY} .",
    "The station in {LOC} opened on {DATE} .",
    "Her notes were written in {LANGUAGE} .",
    "It was a quiet afternoon .",
)
HELD_OUT_RIGHT_FRAMES = (
    ("People kept asking about {X} , {cue} .",
     {"LOC": "a place few had visited", "LANGUAGE": "a language few had learned",
      "CURRENCY": "a currency few had used"}),
    ("The article on {X} was filed under {cue} .",
     {"LOC": "travel", "LANGUAGE": "grammar", "CURRENCY": "money"}),
    ("{X} came up twice in the {cue} notes .",
     {"LOC": "travel", "LANGUAGE": "grammar", "CURRENCY": "exchange"}),
    ("She wrote about {X} and {Y} , both {cue} .",
     {"LOC": "cities", "LANGUAGE": "languages", "CURRENCY": "currencies"}),
    ("{X} , as far as I know , {cue} .",
     {"LOC": "is far away", "LANGUAGE": "is hard to pronounce", "CURRENCY": "lost half its value"}),
)
# CLDR codes whose names are no place, language or currency (unions, placeholders, metals, accounting units)
_NOT_PLACES = {"EU", "EZ", "UN", "ZZ", "XA", "XB", "QO"}
_NOT_LANGUAGES = {"mul", "und", "zxx"}
_NOT_CURRENCIES = {"XAG", "XAU", "XPD", "XPT", "XDR", "XXX", "XTS", "XBA", "XBB", "XBC", "XBD", "XEU", "XFO", "XFU",
                   "XRE", "XSU", "XUA", "MXV"}
RIGHT_SHARE = 0.3  # share of sentences built from a right-cue frame


def tokenize(text: str) -> list:
    """Split ``text`` into tokens: words and numbers (with inner ``.,'-``: "1,234.50", "twenty-five"), symbols alone."""
    return _TOKEN.findall(text)


def inventories(phrase_pairs: int = 6000, seed: int = 0) -> dict:
    """Entity strings per type (sorted lists, no string in two types) from CLDR (Babel) and the phrase corpus.

    ``phrase_pairs``: how many phrase pairs to draw the MONEY, DATE and QUANTITY strings from (seeded).
    """
    from babel import Locale
    from babel.core import get_global
    from babel.dates import get_timezone_location

    from course_utils.datasets.corpora.phrases import generate_pairs

    english = Locale("en")
    found = {t: set() for t in TYPES}
    found["LOC"] |= {name for code, name in english.territories.items() if code.isalpha() and code not in _NOT_PLACES}
    for zone in get_global("zone_territories"):
        try:
            city = get_timezone_location(zone, locale="en", return_city=True)
        except Exception:  # a zone without an exemplar city
            continue
        city = city.split("/")[-1]  # "Argentina/Buenos Aires" (a zone with no exemplar city in English)
        if not zone.startswith("Etc/") and not city.startswith(("GMT", "UTC", "Unknown")):
            found["LOC"].add(city)
    found["LANGUAGE"] |= {name for code, name in english.languages.items() if code not in _NOT_LANGUAGES}
    found["CURRENCY"] |= {name for code, name in english.currencies.items() if code not in _NOT_CURRENCIES}
    pairs, kinds = generate_pairs(phrase_pairs, seed=seed)
    for (text, _), kind in zip(pairs, kinds):
        if kind in _PHRASE_KINDS:
            found[_PHRASE_KINDS[kind]].add(text)
    owners = {}
    for kind, names in found.items():
        for name in names:
            owners.setdefault(name, set()).add(kind)
    return {kind: sorted(n for n in names if len(owners[n]) == 1 and "(" not in n and tokenize(n))
            for kind, names in found.items()}


@dataclass
class TaggedSentence:
    """One sentence: its tokens, their BIO tags, the frame it came from and the right-context tokens."""

    tokens: list
    tags: list
    frame: str
    right: list  # True where the tag depends on words to the right of the token (see the module docstring)
    entities: list  # (type, start, end, string) of each entity, end exclusive


def _fill(frame: str, choose, r: random.Random, cue_type: str | None = None, cues: dict | None = None):
    tokens, tags, right, entities = [], [], [], []
    for piece in frame.split():
        slot = re.fullmatch(r"\{(\w+)\}", piece)
        if slot is None:
            tokens.append(piece), tags.append("O"), right.append(False)
            continue
        name = slot.group(1)
        if name == "cue":
            words = tokenize(cues[cue_type])
            tokens += words
            tags += ["O"] * len(words)
            right += [False] * len(words)
            continue
        kind = cue_type if name in ("X", "Y") else name
        string = choose(kind, r)
        words = tokenize(string)
        entities.append((kind, len(tokens), len(tokens) + len(words), string))
        tokens += words
        tags += [f"B-{kind}"] + [f"I-{kind}"] * (len(words) - 1)
        right += [cue_type is not None] * len(words)
    return tokens, tags, right, entities


def generate_sentences(n: int, pools: dict, seed: int = 0, held_out_frames: bool = False) -> list:
    """``n`` tagged sentences whose entities are drawn from ``pools`` (type -> list of strings), seeded.

    A share :data:`RIGHT_SHARE` of the sentences comes from the right-cue frames (their type drawn uniformly
    from :data:`NAME_TYPES`), the rest from the left-cue frames (uniformly). ``held_out_frames``: draw from
    :data:`HELD_OUT_LEFT_FRAMES` and :data:`HELD_OUT_RIGHT_FRAMES` instead (frame names prefixed ``new-``).
    Returns a list of :class:`TaggedSentence`.
    """
    r = random.Random(seed)
    left_frames, right_frames = (HELD_OUT_LEFT_FRAMES, HELD_OUT_RIGHT_FRAMES) if held_out_frames else (LEFT_FRAMES, RIGHT_FRAMES)
    prefix = "new-" if held_out_frames else ""

    def choose(kind, rng):
        return rng.choice(pools[kind])

    sentences = []
    for _ in range(n):
        if r.random() < RIGHT_SHARE:
            index = r.randrange(len(right_frames))
            frame, cues = right_frames[index]
            kind = r.choice(NAME_TYPES)
            filled = _fill(frame, choose, r, kind, cues)
            name = f"{prefix}right-{index}"
        else:
            index = r.randrange(len(left_frames))
            filled = _fill(left_frames[index], choose, r)
            name = f"{prefix}left-{index}"
        sentences.append(TaggedSentence(filled[0], filled[1], name, filled[2], filled[3]))
    return sentences
