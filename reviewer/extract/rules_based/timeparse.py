"""Clock times, clock spans, durations and dates, as therapists write them.

Everything here works on the normalised note text (``Note.text``: dashes are ``-``) and returns
offsets into that text. Regular expressions are compiled once at import; none of them can
backtrack badly (bounded repetitions only).

- clock spans: ``10:02-10:27``, ``0900-0925``, ``9:00 am to 9:25 am``, ``9:58a-10:21a``,
  ``2:00-2:25 pm``, ``From 1:30 pm to 1:55 pm``, ``between 10:27 and 10:38``;
- durations: ``25 min``, ``x25'``, ``25 minutes``, ``15m``, ``~23 min``, ``1 hr 5 min``;
  a time of day (``at 0845``, ``10:30``) is never a duration, and seconds (``30 s``) are not
  minutes;
- dates: ``03/04/2025``, ``3/4/25``, ``2025-03-04``, ``Mar 4, 2025``, ``4 March 2025``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from reviewer.extract.rules_based._scan import Gated

# A clock time: H:MM / HH:MM (optionally am/pm) or HHMM (24-hour, plausible clinic hours).
_MERIDIEM = r"(?:a\.?m\.?|p\.?m\.?|a|p)(?![a-z])"
# Military time may carry "hrs"/"h" ("0900 hrs", "14:30h").
_HRS = r"(?:\s?(?:hrs|hr|h)(?![A-Za-z]))?"
_TIME = (
    r"(?:(?P<{n}h>[01]?\d|2[0-3]):(?P<{n}m>[0-5]\d)(?:\s?(?P<{n}ap>"
    + _MERIDIEM
    + r")|"
    + _HRS
    + r")"
    r"|(?P<{n}hh>0[5-9]|1\d|2[0-2])(?P<{n}mm>[0-5]\d)(?![\d:/.])" + _HRS + r""
    r"|(?P<{n}h12>1[0-2]|0?[1-9])\s?(?P<{n}ap12>" + _MERIDIEM + r")"
    # EMR exports with a dot: "10.00", "2.35 pm" (never hour 0: "0.45" is a decimal)
    r"|(?P<{n}dh>1\d|2[0-3]|0?[1-9])\.(?P<{n}dm>[0-5]\d)(?!\d)(?:\s?(?P<{n}dap>"
    + _MERIDIEM
    + r"))?)"
)
# A dotted span followed by a unit is a range of numbers ("1.25-1.50 lb"), not clock times.
_NOT_CLOCK_UNIT = (
    r"(?!\s*(?:lbs?\b|kg\b|#|in\b|inch|cm\b|mm\b|%|x\b|reps?\b|sets?\b|\"|°|deg|mph\b|km\b"
    r"|mi\b|oz\b|g\b|cups?\b|m/s|sec|s\b|ft\b|feet|meters?\b))"
)
_SPAN_SEP = r"\s*(?:-{1,2}|to|until|till|through|thru)\s*"
SPAN_RE = re.compile(
    # "between 10:27 and 10:38" (only after "between" is "and" a separator)
    r"(?<![\d:/.#-])(?:from\s+|(?P<btw>between\s+))?(?:"
    + _TIME.format(n="a")
    # A bare start hour before H:MM ("9-9:25", "10 - 10:40 am"); checked in find_spans.
    + r"|(?P<abh>1[0-2]|0?[1-9])(?=\s*-\s*(?:1[0-2]|0?[1-9]):[0-5]\d))"
    + r"(?(btw)\s*(?:and|-{1,2})\s*|"
    + _SPAN_SEP
    + r")"
    + _TIME.format(n="b")
    + r"(?![\d/])(?(adh)"
    + _NOT_CLOCK_UNIT
    + r"|(?(bdh)"
    + _NOT_CLOCK_UNIT
    + r"))",
    re.IGNORECASE,
)
SINGLE_TIME_RE = re.compile(r"(?<![\d:/.#-])" + _TIME.format(n="a") + r"(?![\d/])", re.IGNORECASE)

#: A duration in minutes ("25 min", "x25'", "~23 min", "1 hr 5 min", "15m").
DURATION_RE = re.compile(
    r"(?:(?<=x)|(?<![\w:./-]))(?P<approx>~|approx\.?\s*|about\s+|approximately\s+)?"
    # "1h05", "1h05m", "1h05min"
    r"(?:(?P<hc>\d{1,2})h(?P<hcm>[0-5]\d)(?:m(?:in(?:ute)?s?)?)?(?![\w:])"
    r"|(?P<hr>\d{1,2})\s*(?:hours?|hrs?|h)\b\.?(?:\s*(?:and\s+)?(?P<hm>\d{1,2})\s*"
    r"(?:minutes?|mins?|m)\b\.?)?"
    r"|(?P<min>\d{1,3})\s*(?:-\s*)?(?:minutes?|mins?\b\.?|min\b\.?|m\b(?!\s*(?:walk|ft|feet|meter))|'(?!'))"
    r"|(?<![A-Za-z-])(?P<word>(?:twenty|thirty|forty|fifty)(?:[\s-](?:one|two|three|four|five|six|seven"
    r"|eight|nine))?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen"
    r"|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|sixty)[\s-](?:minutes?|mins?)\b\.?)",
    re.IGNORECASE,
)

# Where a span or a duration can start: a digit not right after a digit (both patterns look
# behind for digits), "from", "~", "approx"/"about", or a number word (see ``_scan``).
_DIGIT_START = re.compile(r"\d(?<!\d\d)")
_SPANS = Gated(SPAN_RE, ci=("from", "between"), starts=_DIGIT_START)
#: Number words a duration may be written in ("twenty minutes", "forty-five min").
_UNITS_WORDS = {
    w: i
    for i, w in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
        ]
    )
}
_TENS_WORDS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60}
_NUMBER_WORDS = [*_TENS_WORDS, *(w for w in _UNITS_WORDS if w != "zero")]
# (A number word opens a duration only after a non-letter; "~"/"approx" may follow an "x".)
_DURATIONS = Gated(
    DURATION_RE,
    ci=tuple(_NUMBER_WORDS),
    word=True,
    inner=("~", "approx", "about"),
    starts=_DIGIT_START,
)


def word_number(words: str) -> int:
    """The value of number words ("forty four", "forty-five", "two" -> 44, 45, 2)."""
    total = 0
    for w in re.split(r"[\s-]+", words.lower()):
        total += _TENS_WORDS.get(w, _UNITS_WORDS.get(w, 0))
    return total


#: A whole number written in words ("two", "forty four", "forty-four"), never part of a longer
#: word or of a hyphenated phrase ("one-on-one"); "a"/"an" are not numbers.
_UNITS_ALT = "|".join(w for w in _UNITS_WORDS if w != "zero")
WORD_NUMBER = (
    r"(?<![A-Za-z-])(?:(?:"
    + "|".join(w for w in _TENS_WORDS if w != "sixty")
    + r")(?:[ \t-](?:"
    + "|".join(w for w, n in _UNITS_WORDS.items() if 1 <= n <= 9)
    + r"))?|sixty|"
    + _UNITS_ALT
    + r")(?![A-Za-z-])"
)
#: A small count in words ("two units"): one to ten.
WORD_COUNT = (
    r"(?<![A-Za-z-])(?:"
    + "|".join(w for w, n in _UNITS_WORDS.items() if 1 <= n <= 10)
    + r")(?![A-Za-z-])"
)


_MONTHS = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
_MONTH_NAME = (
    r"(?P<mon>Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_DAY = r"(?:[12]\d|3[01]|0?[1-9])"
_YEAR4 = r"(?:19|20)\d{2}"
DATE_RE = re.compile(
    r"(?<![\d/.-])(?:"
    # 03/04/2025, 3/4/25
    r"(?P<m1>0?[1-9]|1[0-2])/(?P<d1>" + _DAY + r")/(?P<y1>\d{4}|\d{2})"
    # 2025-03-04, 2025/03/04
    r"|(?P<y2>" + _YEAR4 + r")(?P<s2>[-/])(?P<m2>0?[1-9]|1[0-2])(?P=s2)(?P<d2>" + _DAY + r")"
    # 03-04-2025, 03.04.2025 (a four-digit year: "3.4.25" may be a version or a decimal)
    r"|(?P<m3>0?[1-9]|1[0-2])(?P<s3>[-.])(?P<d3>" + _DAY + r")(?P=s3)(?P<y3>" + _YEAR4 + r")"
    # Mar 4, 2025; March 4th 2025; Mar-04-2025; Mar. 4 '25 is not read (no century)
    r"|"
    + _MONTH_NAME
    + r"(?:\s+|-)(?P<d4>"
    + _DAY
    + r")(?:st|nd|rd|th)?(?:,?\s+|-)(?P<y4>"
    + _YEAR4
    + r")"
    # 4 March 2025; 04-Mar-2026; 04-Mar-26; 4 Mar, 2025
    r"|(?P<d5>"
    + _DAY
    + r")(?:\s+|(?P<s5>[-/]))"
    + _MONTH_NAME.replace("?P<mon>", "?P<mon5>")
    + r"(?:(?(s5)(?P=s5)|,?\s+)(?P<y5>"
    + _YEAR4
    + r"|(?(s5)\d{2}|(?!))))"
    r")(?![\d/]|\.\d)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Clock:
    """A parsed clock span: minutes of the day for start and end, and where it was written."""

    start: int
    end: int
    pos: int
    endpos: int

    @property
    def minutes(self) -> int:
        return self.end - self.start

    @property
    def start_hhmm(self) -> str:
        return f"{self.start // 60:02d}:{self.start % 60:02d}"

    @property
    def end_hhmm(self) -> str:
        return f"{self.end // 60:02d}:{self.end % 60:02d}"


def _part(m: re.Match, n: str) -> tuple[int, str | None, bool] | None:
    """(minutes of day before am/pm handling, meridiem, four_digit) for time ``n`` of a match."""
    if m.group(f"{n}h") is not None:
        return int(m.group(f"{n}h")) * 60 + int(m.group(f"{n}m")), m.group(f"{n}ap"), False
    if m.group(f"{n}hh") is not None:
        return int(m.group(f"{n}hh")) * 60 + int(m.group(f"{n}mm")), None, True
    if m.group(f"{n}h12") is not None:
        return int(m.group(f"{n}h12")) * 60, m.group(f"{n}ap12"), False
    if m.group(f"{n}dh") is not None:
        return int(m.group(f"{n}dh")) * 60 + int(m.group(f"{n}dm")), m.group(f"{n}dap"), False
    if n == "a" and "abh" in m.re.groupindex and m.group("abh") is not None:
        return int(m.group("abh")) * 60, None, False
    return None


def _apply(minutes: int, meridiem: str | None) -> int:
    hour = minutes // 60
    if meridiem is None:
        return minutes
    pm = meridiem.lower().startswith("p")
    if pm and hour < 12:
        return minutes + 12 * 60
    if not pm and hour == 12:
        return minutes - 12 * 60
    return minutes


def _guess_half(minutes: int, four_digit: bool) -> int:
    """No am/pm written: a 12-hour clock reading 1:00-6:59 in a clinic is afternoon."""
    if not four_digit and 60 <= minutes < 7 * 60:
        return minutes + 12 * 60
    return minutes


def resolve_pair(
    a: tuple[int, str | None, bool], b: tuple[int, str | None, bool]
) -> tuple[int, int] | None:
    """Start and end in minutes of the day, or None when they do not make a plausible span."""
    (sa, ma, fa), (sb, mb, fb) = a, b
    if (ma is None and sa // 60 > 12) or (mb is None and sb // 60 > 12):
        # 24-hour clock on either side: no am/pm guessing at all.
        start, end = _apply(sa, ma), _apply(sb, mb)
    elif ma is None and mb is not None:
        end = _apply(sb, mb)
        start = _apply(sa, mb)
        if start > end:
            start = _apply(sa, "am") if sa // 60 != 12 else sa
    elif ma is not None and mb is None:
        start = _apply(sa, ma)
        end = _apply(sb, ma)
        if end < start:
            end = _apply(sb, "pm")
    elif ma is None and mb is None:
        start, end = _guess_half(sa, fa), _guess_half(sb, fb)
        if end < start and not fb and end + 12 * 60 > start:
            end += 12 * 60
    else:
        start, end = _apply(sa, ma), _apply(sb, mb)
    if end <= start or end - start > 8 * 60:
        return None
    return start, end


def _clock(m: re.Match) -> Clock | None:
    """The clock span a :data:`SPAN_RE` match writes, or None when it is not a plausible one."""
    a, b = _part(m, "a"), _part(m, "b")
    if a is None or b is None:
        return None
    # A bare hour on both sides ("3-4 pm") is not written as a clock span in notes.
    if m.group("ah12") is not None and m.group("bh12") is not None:
        return None
    # "9-9:25", "9-10:05": a bare start hour only when the end is in that hour or the next.
    if m.group("abh") is not None and (b[0] // 60 - a[0] // 60) % 12 not in (0, 1):
        return None
    pair = resolve_pair(a, b)
    if pair is None:
        return None
    if m.group("abh") is not None and pair[1] - pair[0] > 75:
        return None  # "2-3:30" is more likely a ratio or a range than one intervention
    return Clock(pair[0], pair[1], m.start(), m.end())


def find_spans(text: str, start: int = 0, end: int | None = None) -> list[Clock]:
    """Every plausible clock span in ``text[start:end]`` (offsets into ``text``)."""
    out: list[Clock] = []
    for m in _SPANS.finditer(text, start, len(text) if end is None else end):
        clock = _clock(m)
        if clock is not None:
            out.append(clock)
    return out


def leading_span(text: str, start: int, upto: int, end: int) -> Clock | None:
    """``find_spans(text, start, end)[0]`` when it starts at or before ``upto`` (a span that
    opens the range), else None; without reading the rest of the range. Exact because a match
    that starts at or before ``upto`` ends after it (callers pass ``upto`` no further than the
    end of a "from " at ``start``), so when that first match is no plausible span, the next
    plausible one starts after ``upto``."""
    m = _SPANS.first(text, start, upto, end)
    return None if m is None else _clock(m)


@dataclass(frozen=True)
class Duration:
    minutes: int
    pos: int
    endpos: int
    apostrophe: bool = False


def find_durations(text: str, start: int = 0, end: int | None = None) -> list[Duration]:
    """Every duration in minutes in ``text[start:end]``; never a time of day."""
    out: list[Duration] = []
    for m in _DURATIONS.finditer(text, start, len(text) if end is None else end):
        if m.group("hc") is not None:
            minutes = int(m.group("hc")) * 60 + int(m.group("hcm"))
        elif m.group("hr") is not None:
            minutes = int(m.group("hr")) * 60 + int(m.group("hm") or 0)
        elif m.group("word") is not None:
            minutes = word_number(m.group("word"))
        else:
            minutes = int(m.group("min"))
        if minutes <= 0 or minutes > 600:
            continue
        token = m.group(0)
        out.append(Duration(minutes, m.start(), m.end(), apostrophe=token.rstrip().endswith("'")))
    return out


def parse_date(m: re.Match) -> str | None:
    """ISO date from a :data:`DATE_RE` match (two-digit years are 20YY)."""
    g = m.groupdict()
    if g["m1"]:
        month, day, year = int(g["m1"]), int(g["d1"]), g["y1"]
    elif g["y2"]:
        month, day, year = int(g["m2"]), int(g["d2"]), g["y2"]
    elif g["m3"]:
        month, day, year = int(g["m3"]), int(g["d3"]), g["y3"]
    elif g["mon"]:
        month, day, year = _MONTHS[g["mon"][:3].lower()], int(g["d4"]), g["y4"]
    else:
        month, day, year = _MONTHS[g["mon5"][:3].lower()], int(g["d5"]), g["y5"]
    y = int(year)
    if len(year) == 2:
        y += 2000
    try:
        import datetime

        return datetime.date(y, month, day).isoformat()
    except ValueError:
        return None


# A start and an end written as two labelled fields ("Start: 14:00  End: 14:25", "Time in 9:00,
# time out 9:40", "Began 2:10 pm / ended 2:35 pm").
_START_WORD = r"(?:start(?:ed)?|began|begin|time\s+in|in)(?:\s+time)?"
_END_WORD = r"(?:end(?:ed)?|stop(?:ped)?|finish(?:ed)?|time\s+out|out)(?:\s+time)?"
_START_END_RE = re.compile(
    r"(?<![A-Za-z])"
    + _START_WORD
    + r"\s*[:=]?\s*(?P<a>[^\s,;|/]{3,8}(?:\s?[ap]\.?m?\.?(?![a-z]))?)"
    r"[\s,;|/]{1,6}" + _END_WORD + r"\s*[:=]?\s*(?P<b>[^\s,;|/]{3,8}(?:\s?[ap]\.?m?\.?(?![a-z]))?)",
    re.IGNORECASE,
)


def clock_of(text: str, start: int, end: int) -> tuple[int, str | None, bool] | None:
    """The one clock time that is all of ``text[start:end]`` (a table cell, a field's value)."""
    m = SINGLE_TIME_RE.fullmatch(text[start:end].strip())
    if m is None:
        return None
    if m.group("ah12") is not None:
        return None  # "9 am" alone: a bare hour is never a start or end in a table
    return _part(m, "a")


def start_end_span(text: str, a: tuple[int, int], b: tuple[int, int]) -> Clock | None:
    """The clock span of a start time at ``text[a[0]:a[1]]`` and an end time at ``text[b[0]:b[1]]``
    written apart (two table cells, two labelled fields); None unless both are clock times that
    make a plausible span."""
    ta, tb = clock_of(text, *a), clock_of(text, *b)
    if ta is None or tb is None:
        return None
    pair = resolve_pair(ta, tb)
    if pair is None:
        return None
    return Clock(pair[0], pair[1], a[0], b[1])


def find_start_end(text: str, start: int = 0, end: int | None = None) -> Clock | None:
    """The first "Start: 14:00  End: 14:25" pair of labelled fields in ``text[start:end]``."""
    for m in _START_END_RE.finditer(text, start, len(text) if end is None else end):
        clock = start_end_span(text, m.span("a"), m.span("b"))
        if clock is not None:
            return Clock(clock.start, clock.end, m.start(), m.end())
    return None
