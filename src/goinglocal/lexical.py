"""Typed literals checked against their datatype's lexical space (XSD 1.1,
Part 2), on every engine: rdflib accepts "March 2018"^^xsd:gYearMonth and
"18"^^xsd:gYear as they are, and a date with month 13 only logs a warning.

`check(literal)` returns None for a well-formed literal, or a `LexicalError`
saying what is wrong and, where the intended value can be read off the text
("March 2018", "1,281"), the literal to write instead."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass

from rdflib import Literal

XSD = "http://www.w3.org/2001/XMLSchema#"

_YEAR = r"(?P<year>-?(?:[1-9][0-9]{3,}|0[0-9]{3}))"
_MONTH = r"(?P<month>[0-9]{2})"
_DAY = r"(?P<day>[0-9]{2})"
_TZ = r"(?P<tz>Z|[+-](?:(?:0[0-9]|1[0-3]):[0-5][0-9]|14:00))?"
_TIME = r"(?P<time>(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]+)?|24:00:00(?:\.0+)?)"
_DECIMAL = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
_INTEGER = r"[+-]?[0-9]+"

# datatype local name -> (regex of the lexical space, an example, what it is in words)
PATTERNS: dict[str, tuple[str, str, str]] = {
    "date": (f"{_YEAR}-{_MONTH}-{_DAY}{_TZ}", "2017-11-24", "a day, YYYY-MM-DD"),
    "gYearMonth": (f"{_YEAR}-{_MONTH}{_TZ}", "2017-11", "a month, YYYY-MM"),
    "gYear": (f"{_YEAR}{_TZ}", "2017", "a year, four digits"),
    "gMonthDay": (f"--{_MONTH}-{_DAY}{_TZ}", "--11-24", "a day of a month, --MM-DD"),
    "gMonth": (f"--{_MONTH}{_TZ}", "--11", "a month of any year, --MM"),
    "gDay": (f"---{_DAY}{_TZ}", "---24", "a day of any month, ---DD"),
    "dateTime": (f"{_YEAR}-{_MONTH}-{_DAY}T{_TIME}{_TZ}", "2017-11-24T10:30:00", "YYYY-MM-DDThh:mm:ss"),
    "dateTimeStamp": (f"{_YEAR}-{_MONTH}-{_DAY}T{_TIME}(?P<tz>Z|[+-](?:(?:0[0-9]|1[0-3]):[0-5][0-9]|14:00))",
                      "2017-11-24T10:30:00Z", "YYYY-MM-DDThh:mm:ss with a time zone"),
    "time": (f"{_TIME}{_TZ}", "10:30:00", "hh:mm:ss"),
    "duration": (r"-?P(?=[0-9T])(?:[0-9]+Y)?(?:[0-9]+M)?(?:[0-9]+D)?(?:T(?=[0-9])(?:[0-9]+H)?(?:[0-9]+M)?"
                 r"(?:[0-9]+(?:\.[0-9]+)?S)?)?", "P1Y2M", "an ISO 8601 duration such as P1Y2M"),
    "decimal": (_DECIMAL, "1281.5", "digits with an optional '.' and sign, no units or thousands separators"),
    "float": (rf"(?:{_DECIMAL}(?:[Ee][+-]?[0-9]+)?|[+-]?INF|NaN)", "1.5E3", "a number such as 1.5E3"),
    "double": (rf"(?:{_DECIMAL}(?:[Ee][+-]?[0-9]+)?|[+-]?INF|NaN)", "1.5E3", "a number such as 1.5E3"),
    "boolean": (r"true|false|1|0", "true", "true or false"),
    "anyURI": (r"[^\s<>\"{}|\\^`]*", "https://example.org/page", "a URI without spaces"),
}

# integer types: (minimum, maximum); None is unbounded
INTEGERS: dict[str, tuple[int | None, int | None]] = {
    "integer": (None, None), "nonNegativeInteger": (0, None), "positiveInteger": (1, None),
    "nonPositiveInteger": (None, 0), "negativeInteger": (None, -1),
    "long": (-2**63, 2**63 - 1), "int": (-2**31, 2**31 - 1), "short": (-2**15, 2**15 - 1), "byte": (-128, 127),
    "unsignedLong": (0, 2**64 - 1), "unsignedInt": (0, 2**32 - 1), "unsignedShort": (0, 2**16 - 1),
    "unsignedByte": (0, 255),
}

_MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): number for number, name in enumerate(calendar.month_abbr) if name})
_MONTHS.update({"sept": 9})
_SPANISH = ("enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre").split()
_MONTHS.update({name: number for number, name in enumerate(_SPANISH, 1)})


@dataclass(frozen=True)
class LexicalError:
    datatype: str      # e.g. "xsd:gYearMonth"
    reason: str        # what is wrong, in words
    fix: str           # what to write instead

    def message(self, lexical: str) -> str:
        return f'"{lexical}"^^{self.datatype} is not a valid {self.datatype}: {self.reason}. {self.fix}'


def _days_in_month(year: int, month: int) -> int:
    # XSD 1.1: year 0000 is 1 BCE, a leap year; negative years count the same way
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    return 29 if month == 2 and leap else calendar.mdays[month]


def _typed(lexical: str, local: str) -> str:
    return f'"{lexical}"^^xsd:{local}'


def _read_date(text: str) -> tuple[int, int | None, int | None] | None:
    """(year, month, day) from the common ways people write a date by hand:
    "March 2018", "Nov. 2017", "24 November 2017", "November 24, 2017",
    "2017/11/24", "2017.11", "24/11/2017", "marzo de 2018". Four-digit years only."""
    words = re.findall(r"[A-Za-zÀ-ÿ]+|[0-9]+", text.lower())
    words = [w for w in words if w not in {"de", "of", "the", "st", "nd", "rd", "th"}]
    year = month = day = None
    numbers = []
    for word in words:
        if word.isdigit():
            numbers.append(word)
        elif word.rstrip(".") in _MONTHS and month is None:
            month = _MONTHS[word.rstrip(".")]
        else:
            return None
    years = [n for n in numbers if len(n) == 4]
    if len(years) != 1:
        return None
    year = int(years[0])
    rest = [int(n) for n in numbers if len(n) != 4]
    if month is None:
        if not rest:
            return (year, None, None)
        if len(rest) == 1:
            month = rest[0]
        elif len(rest) == 2 and numbers.index(years[0]) == 0:   # 2017/11/24
            month, day = rest
        elif len(rest) == 2:                                     # 24/11/2017 (day first, as in the sources)
            day, month = rest
        else:
            return None
    elif len(rest) == 1:
        day = rest[0]
    elif rest:
        return None
    if not 1 <= month <= 12 or (day is not None and not 1 <= day <= _days_in_month(year, month)):
        return None
    return (year, month, day)


def _date_fix(lexical: str) -> str:
    read = _read_date(lexical)
    if read is None:
        return ('Write the date as precisely as the source gives it: "2017-11-24"^^xsd:date, '
                '"2017-11"^^xsd:gYearMonth or "2017"^^xsd:gYear')
    year, month, day = read
    if day is not None:
        return f"Write {_typed(f'{year:04d}-{month:02d}-{day:02d}', 'date')}"
    if month is not None:
        return f"Write {_typed(f'{year:04d}-{month:02d}', 'gYearMonth')}"
    return f"Write {_typed(f'{year:04d}', 'gYear')}"


def _date_reason(local: str, match: re.Match[str] | None, lexical: str) -> str | None:
    """Why a date-like literal is wrong, or None if it is fine."""
    if match is None:
        if local == "gYear" and re.fullmatch(r"[0-9]{1,3}", lexical.strip()):
            return "a year needs four digits"
        return f"xsd:{local} is {PATTERNS[local][2]}, e.g. {_typed(PATTERNS[local][1], local)}"
    groups = match.groupdict()
    month = int(groups["month"]) if groups.get("month") else None
    day = int(groups["day"]) if groups.get("day") else None
    if month is not None and not 1 <= month <= 12:
        return f"month {groups['month']} does not exist (months run 01–12)"
    if day is not None:
        limit = _days_in_month(int(groups["year"]) if groups.get("year") else 2000, month or 1)
        if not 1 <= day <= limit:
            return f"day {groups['day']} does not exist in month {month:02d} (it has {limit} days)"
    return None


def _number_fix(lexical: str, local: str) -> str:
    cleaned = re.sub(r"[\s,_]|US\$|\$|€|%", "", lexical)
    if local in INTEGERS and re.fullmatch(r"[+-]?[0-9]+\.0*", cleaned):
        cleaned = cleaned.split(".")[0]
    pattern = _INTEGER if local in INTEGERS else PATTERNS[local][0]
    if cleaned and cleaned != lexical and re.fullmatch(pattern, cleaned):
        return f"Write {_typed(cleaned, local)} if that is the number meant (no units or thousands separators)"
    example = "1281" if local in INTEGERS else PATTERNS[local][1]
    return (f"Write the number alone, e.g. {_typed(example, local)}; put a unit or currency "
            f"in its own property (gl:currency, gl:unit)")


def check(literal: Literal) -> LexicalError | None:
    """None if the literal's lexical form is in its datatype's lexical space
    (or its datatype is not one this module knows); the error otherwise."""
    datatype = literal.datatype
    if datatype is None or not str(datatype).startswith(XSD):
        return None
    local = str(datatype)[len(XSD):]
    lexical = str(literal)
    name = f"xsd:{local}"
    if local in INTEGERS:
        if not re.fullmatch(_INTEGER, lexical):
            return LexicalError(name, "an integer is digits with an optional sign", _number_fix(lexical, local))
        low, high = INTEGERS[local]
        value = int(lexical)
        if (low is not None and value < low) or (high is not None and value > high):
            bounds = f"{low if low is not None else '-∞'}..{high if high is not None else '∞'}"
            return LexicalError(name, f"{value} is outside {bounds}",
                                "Use xsd:integer or xsd:decimal, or correct the value")
        return None
    if local not in PATTERNS:
        return None  # xsd:string and its relatives take any text
    pattern, example, words = PATTERNS[local]
    match = re.fullmatch(pattern, lexical)
    if local in ("date", "gYearMonth", "gYear", "gMonthDay", "gMonth", "gDay", "dateTime", "dateTimeStamp"):
        reason = _date_reason(local, match, lexical)
        if reason is None:
            return None
        if match is not None:  # the form is right but the month or day does not exist
            return LexicalError(name, reason, "Check the date in the source")
        short = lexical.strip()
        if local == "gYear" and re.fullmatch(r"[0-9]{2}", short):
            return LexicalError(name, reason, f"Write all four digits, e.g. {_typed('20' + short, local)} "
                                              f"or {_typed('19' + short, local)}, as the source says")
        return LexicalError(name, reason, _date_fix(lexical))
    if match is not None:
        return None
    if local in ("decimal", "float", "double"):
        return LexicalError(name, f"xsd:{local} is {words}", _number_fix(lexical, local))
    if local == "boolean":
        lowered = lexical.strip().lower()
        fix = {"yes": "true", "no": "false", "true": "true", "false": "false"}.get(lowered)
        return LexicalError(name, "a boolean is true or false",
                            f"Write {_typed(fix, local)}" if fix else 'Write "true"^^xsd:boolean or "false"^^xsd:boolean')
    if local == "anyURI":
        return LexicalError(name, "a URI cannot contain spaces or any of <>\"{}|\\^`",
                            "Percent-encode those characters (a space is %20)")
    return LexicalError(name, f"xsd:{local} is {words}", f"Write it like {_typed(example, local)}")

