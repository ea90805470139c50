"""An English-to-Spanish phrase corpus produced whole by Babel (CLDR) and num2words (the offline translation data).

Every pair is the output of one library call made twice, once with the English and once with the Spanish
locale, so agreement (plural forms, gender, "un"/"uno", "de" in dates) is CLDR's or num2words', never spliced:

=================  ==========================================================  =====================================
kind               English                                                     Spanish
=================  ==========================================================  =====================================
date               Tuesday, March 5, 2024 (full, long, skeletons)              martes, 5 de marzo de 2024
time               3:45 PM                                                     15:45
unit               3 kilometers per hour                                       3 kilómetros por hora
relative time      5 hours ago / in 2 weeks                                    hace 5 horas / dentro de 2 semanas
currency           €1,234.50                                                   1.234,50 € (CLDR formats)
currency words     three dollars, twenty-five cents                            tres dólares con veinticinco centavos
cardinal           forty-two / 1,234 / 12.5                                    cuarenta y dos / 1.234 / 12,5
ordinal            twenty-first                                                vigésimo primero
year               nineteen ninety-nine                                        mil novecientos noventa y nueve
=================  ==========================================================  =====================================

The target is a function of the source: each English form has exactly one Spanish form. A cardinal keeps
its style (words stay words, digits stay digits), and dates use no CLDR "medium" format, whose English
("May 8, 1972") is the same as the long format's while its Spanish ("8 may 1972") is not. Before this rule,
in 40,000 pairs at seed 0, 7,058 of 8,143 cardinals had a source form with two Spanish styles (English words
became Spanish digits in 1,118 of 4,966; English integer digits became Spanish words in 1,999 of 2,092), and
238 May dates in the medium format shared their English with long-format dates (``tests/course_utils/datasets/test_datasets.py``
pins the corpus now, by a hash of a seeded sample and the mix of kinds).
"""
from __future__ import annotations

import random
from datetime import date, time, timedelta
from decimal import Decimal

from babel.dates import format_date, format_skeleton, format_time, format_timedelta
from babel.numbers import format_currency, format_decimal
from babel.units import format_unit
from num2words import num2words

KINDS = ("date", "time", "unit", "relative time", "currency", "currency words", "cardinal", "ordinal", "year")
WEIGHTS = (0.22, 0.06, 0.16, 0.06, 0.08, 0.08, 0.18, 0.08, 0.08)
UNITS = ["length-kilometer", "length-meter", "length-centimeter", "length-mile", "mass-kilogram", "mass-gram",
         "volume-liter", "duration-hour", "duration-minute", "duration-second", "duration-day", "duration-week",
         "temperature-celsius", "speed-kilometer-per-hour", "area-square-meter", "digital-megabyte",
         "duration-month", "duration-year", "mass-pound", "length-foot"]
CURRENCIES = ["USD", "EUR", "GBP", "MXN"]
DATE_FORMATS = ["full", "long"]  # no "medium": its English "May 8, 1972" is the long format's
SKELETONS = ["MMMMEEEEd", "yMMMM", "MMMMd", "yMMMMEEEEd"]
DELTA_UNITS = [("seconds", 1, 59), ("minutes", 1, 59), ("hours", 1, 23), ("days", 1, 6), ("weeks", 1, 3)]


def _both(fn, *args, **kwargs):
    return fn(*args, locale="en", **kwargs), fn(*args, locale="es", **kwargs)


def _pair(kind: str, r: random.Random) -> tuple:
    if kind == "date":
        d = date(1900, 1, 1) + timedelta(days=r.randrange(200 * 365))
        if r.random() < 0.6:
            return _both(format_date, d, r.choice(DATE_FORMATS))
        skeleton = r.choice(SKELETONS)
        return format_skeleton(skeleton, d, locale="en"), format_skeleton(skeleton, d, locale="es")
    if kind == "time":
        t = time(r.randrange(24), r.randrange(60))
        return _both(format_time, t, "short")
    if kind == "unit":
        value = r.choice([1, r.randint(2, 20), r.randint(21, 1000), round(r.uniform(0.1, 99.9), 1)])
        return _both(format_unit, value, r.choice(UNITS), length="long")
    if kind == "relative time":
        name, low, high = r.choice(DELTA_UNITS)
        delta = timedelta(**{name: r.randint(low, high)}) * r.choice([1, -1])
        return _both(format_timedelta, delta, add_direction=True, threshold=100)
    if kind == "currency":
        amount = Decimal(r.randrange(1, 10_000_00)) / 100
        return _both(format_currency, amount, r.choice(CURRENCIES))
    if kind == "currency words":
        amount = Decimal(r.randrange(100, 1000_00)) / 100
        currency = r.choice(CURRENCIES)
        return (num2words(amount, to="currency", currency=currency, lang="en"),
                num2words(amount, to="currency", currency=currency, lang="es"))
    if kind == "cardinal":
        n = r.choice([r.randrange(100), r.randrange(100, 10_000), r.randrange(10_000, 10_000_000)])
        style = r.random()  # the English style decides the Spanish one: the target follows from the source
        if style < 0.6:  # words on both sides
            return num2words(n, lang="en"), num2words(n, lang="es")
        if style < 0.85:  # digits on both sides (CLDR grouping: 1,234 -> 1.234)
            return format_decimal(n, locale="en"), format_decimal(n, locale="es")
        x = Decimal(r.randrange(1, 10_000)) / 10  # a decimal number in digits on both sides
        return format_decimal(x, locale="en"), format_decimal(x, locale="es")
    if kind == "ordinal":
        n = r.randint(1, 100)
        return num2words(n, to="ordinal", lang="en"), num2words(n, to="ordinal", lang="es")
    if kind == "year":
        y = r.randint(1100, 2099)
        return num2words(y, to="year", lang="en"), num2words(y, to="year", lang="es")
    raise ValueError(f"unknown kind {kind!r}; expected one of {KINDS}")


def generate_pairs(n: int, seed: int = 0) -> tuple:
    """Generate ``n`` English-Spanish pairs with unique English sides: returns (pairs, kinds).

    ``pairs`` is a list of ``(english, spanish)`` strings, ``kinds`` the kind of each (see :data:`KINDS`).
    The same seed gives the same corpus.
    """
    if n < 1:
        raise ValueError(f"n must be a positive number of pairs, got {n}")
    r = random.Random(seed)
    pairs, kinds, seen = [], [], set()
    attempts = 0
    while len(pairs) < n:
        attempts += 1
        if attempts > 20 * n + 1000:
            raise RuntimeError(f"could not generate {n} unique pairs")
        kind = r.choices(KINDS, WEIGHTS)[0]
        english, spanish = _pair(kind, r)
        english, spanish = english.replace("\u202f", " ").replace("\xa0", " "), spanish.replace("\u202f", " ").replace("\xa0", " ")
        if english in seen:
            continue
        seen.add(english)
        pairs.append((english, spanish))
        kinds.append(kind)
    return pairs, kinds
