"""The note's header and sign-off: date of service, payer (and the unit method it implies),
discipline, provider, signature, supervising therapist, assistant involvement.

Never guesses: a date of birth is not a date of service, an unsigned draft has no signature,
a supervising therapist needs a name.
"""

from __future__ import annotations

import re

from reviewer.extract.rules_based._scan import Gated
from reviewer.extract.rules_based.timeparse import DATE_RE, parse_date
from reviewer.facts import (
    AssistantInvolvement,
    AssistantRole,
    DateFact,
    Method,
    Payer,
    Person,
    Signature,
    ValueFact,
)
from reviewer.intake import Note

# ---------------------------------------------------------------------------------------------
# Credentials and names

_CRED_ROLE = {
    "PT": "PT",
    "DPT": "PT",
    "MPT": "PT",
    "MSPT": "PT",
    "LPT": "PT",
    "PT-DPT": "PT",
    "PTA": "PTA",
    "LPTA": "PTA",
    "PTA-C": "PTA",
    "OT": "OT",
    "OTR": "OT",
    "OTR/L": "OT",
    "OTD": "OT",
    "MOT": "OT",
    "OT/L": "OT",
    "OTL": "OT",
    "OTA": "OTA",
    "COTA": "OTA",
    "COTA/L": "OTA",
    "OTA/L": "OTA",
    "LOTA": "OTA",
    "SLP": "SLP",
    "CCC-SLP": "SLP",
    "MS-CCC-SLP": "SLP",
    "CF-SLP": "SLP",
    "SLP-CCC": "SLP",
    "SLPA": "SLPA",
}
_EXTRA_CREDS = (
    "MS",
    "MA",
    "PhD",
    "ATC",
    "CSCS",
    "OCS",
    "NCS",
    "GCS",
    "SCS",
    "CHT",
    "CLT",
    "CSRS",
    "CCS",
    "CEEAA",
    "CBIS",
    "CMPT",
    "FAAOMPT",
    "BS",
    "MSOT",
    "CPAM",
    "CSRS",
)
_ROLE_CREDS = sorted(_CRED_ROLE, key=len, reverse=True)
CRED = (
    r"(?:"
    + "|".join(re.escape(c) for c in _ROLE_CREDS + sorted(_EXTRA_CREDS, key=len, reverse=True))
    + r")"
)
ROLE_CRED = r"(?:" + "|".join(re.escape(c) for c in _ROLE_CREDS) + r")"


def _creds(sep: str) -> str:
    """One credential or more, ``sep`` between them ("PT, DPT", "OTR/L")."""
    return CRED + r"(?![A-Za-z/])(?:" + sep + CRED + r"(?![A-Za-z/]))*"


CREDS = _creds(r"\s*[,/]\s*")
# Latin letters with accents count as letters of a name ("Noem\u00ed", "S\u00f8rli", "\u00c9lodie").
_UPPER_ACC = "\u00c0-\u00d6\u00d8-\u00de"
_LETTER_ACC = "\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f"
_NAME_WORD = (
    r"(?!" + CRED + r"(?![A-Za-z]))[A-Z" + _UPPER_ACC + r"][A-Za-z'\-" + _LETTER_ACC + r"]+"
)
# Lower-case particles inside a surname ("Lena van der Berg", "Ana de la Cruz").
_PARTICLE = (
    r"(?:van|von|der|den|de|del|della|la|le|da|das|dos|di|du|bin|al|el|ter|ten)(?=[ \t]+[A-Za-z])"
)
NAME = (
    r"(?:(?:Dr\.?\s+)?(?:[A-Z]\.\s*){1,2}"
    + _NAME_WORD
    + r"|(?:Dr\.?\s+)?"
    + _NAME_WORD
    # a name never runs across a line break ("Note\nJane Doe, PTA" is Jane Doe's)
    + r"(?:[ \t]+(?:[A-Z]\.|"
    + _PARTICLE
    + r"|"
    + _NAME_WORD
    + r")){1,4})"
)
_PERSON = r"(?P<name>(?-i:" + NAME + r"))\s*,?\s*(?P<creds>" + CREDS + r")"
# A dictated sign-off spells its commas ("Name comma PT comma DPT"): read as written with ",".
_SAID_COMMA = r"[ \t]+comma[ \t]+"
_SIG_CREDS = _creds(r"(?:\s*[,/]\s*|" + _SAID_COMMA + r")")
_SIG_PERSON = (
    r"(?P<name>(?-i:" + NAME + r"))(?:\s*,?\s*|" + _SAID_COMMA + r")(?P<creds>" + _SIG_CREDS + r")"
)

SIGNATURE_RE = re.compile(
    r"^[ \t]*(?:[-*]+[ \t]*)?"
    r"(?P<prefix>(?:(?:electronically|digitally)[ \t]+|e-?)?(?:signed|signature)"
    r"(?:[ \t]+(?:electronically|digitally))?"
    # "Signed 07/21/2026 14:05 by", "Signed on 07/21/2026 by": the date before the name
    r"(?:[ \t]+(?:on[ \t]+)?(?P<pre_date>[0-9][0-9/.\-]{4,9})(?:[ \t]+(?:at[ \t]+)?[0-9:]{3,5}"
    r"(?:[ \t]?[ap]\.?m\.?)?)?(?=[ \t]+by\b))?"
    r"(?:[ \t]+by)?[ \t]*[:\-,.]?[ \t]*"
    r"|(?:therapist[ \t]+|provider[ \t]+|clinician[ \t]+)?(?:signature|sign[ \t-]?off)(?:[ \t]*/[ \t]*date)?"
    r"(?:[ \t]+by)?[ \t]*[:\-][ \t]*"
    r"|(?:authenticated|attested)[ \t]+by[ \t]*:?[ \t]*|/s/[ \t]*)?"
    + _SIG_PERSON
    + r"(?P<tail>[^\n]*)$",
    re.MULTILINE | re.IGNORECASE,
)
# Another signer on the same line ("Renata Quist, PT, DPT      Dominic Ashworth, PTA").
_TAIL_PERSON = re.compile(r"(?:&|\band\b|/|\||;)?[ \t]*(?-i:" + NAME + r")\s*,?\s*" + CREDS)
_UNSIGNED = re.compile(
    r"\b(?:signature\s+pending|pending\s+signature|not\s+(?:yet\s+)?signed|unsigned|"
    r"awaiting\s+signature|to\s+be\s+signed)\b",
    re.IGNORECASE,
)
_LABELLED_PERSON = re.compile(
    r"(?P<label>(?:supervising|supv?\.?|supvr\.?|supervisory)(?:\s+(?:pt|ot|slp|therapist|physical\s+therapist"
    r"|occupational\s+therapist|clinician|"
    + ROLE_CRED
    + r"))(?![A-Za-z])|supervising(?![A-Za-z])|supervised\s+by|(?:pt|ot|slp|"
    + ROLE_CRED
    + r")\s+(?:supervisor|supv?\.?|on\s+site|onsite|on-site)(?![A-Za-z])|supervisor|supervision\s*(?=:)"
    r"|overseen\s+by|under\s+(?:the\s+)?(?:direct\s+|on-?site\s+)?supervision\s+of"
    r"|co-?signed(?:\s+by)?|cosign(?:ed|er|ing\s+therapist)?(?:\s+by)?"
    r"|treating(?:\s+(?:clinician|therapist|provider))?|provider|therapist|clinician|rendering(?:\s+provider)?"
    r"|(?:treatment\s+)?(?:provided|performed|furnished|rendered)\s+by|treated\s+by|seen\s+by)"
    r"\s*[:\-]?\s*" + _PERSON,
    re.IGNORECASE,
)
# Where a labelled person can start (see ``_scan``): the first word of every label.
_LABELLED = Gated(
    _LABELLED_PERSON,
    ci=(
        "sup",
        "pt",
        "ot",
        "slp",
        "overseen",
        "under",
        "co",
        "treating",
        "provider",
        "therapist",
        "clinician",
        "rendering",
        "treatment",
        "provided",
        "performed",
        "furnished",
        "rendered",
        "treated",
        "seen",
        *(c.lower() for c in _CRED_ROLE),
    ),
)
_SUPERVISOR_LABEL = re.compile(
    r"^(?:supervis|sup(?:v|vr)?\b|under|co-?sign|cosign|overseen|(?:pt|ot|slp|"
    + ROLE_CRED
    + r")\s+(?:supervisor|sup|on))",
    re.IGNORECASE,
)


_CRED_SPLIT = re.compile(r"\s*,\s*|" + _SAID_COMMA + r"|\s+(?=[A-Z])")
_CAPITAL_CREDS = re.compile(r"[A-Z/\-, ]+(?:PhD)?")


def _role(creds: list[str]) -> str | None:
    roles = [_CRED_ROLE[c.upper()] for c in creds if c.upper() in _CRED_ROLE]
    for preferred in ("PT", "OT", "SLP"):
        if preferred in roles:
            return preferred
    return roles[0] if roles else None


def _split_creds(text: str) -> list[str]:
    return [c.strip() for c in _CRED_SPLIT.split(text) if c.strip()]


def _case_ok(name: str, creds: str) -> bool:
    """Credentials are written in capitals; a name is not a sentence ("Standing at bar, PT ...")."""
    creds = re.sub(_SAID_COMMA, ", ", creds)
    if not any(ch.isupper() for ch in creds.replace("/", "")):
        return False
    return creds == creds.upper() or creds in ("PhD",) or bool(_CAPITAL_CREDS.fullmatch(creds))


# ---------------------------------------------------------------------------------------------
# Date of service

_DOS_LABEL = re.compile(
    # (the words of a label never run across a line break: "Treatment\nDate:" is "Date:")
    r"\b(?:DOS|D\.O\.S\.|date[ \t]+of[ \t]+(?:service|visit|treatment|tx|encounter)|"
    r"service[ \t]+date|visit[ \t]+date|treatment[ \t]+date|tx[ \t]+date|session[ \t]+date|"
    r"encounter[ \t]+date|appointment[ \t]+date|DOV|"
    r"(?<!next\s)(?<!last\s)(?<!prior\s)(?<!previous\s)(?:encounter|seen|treated)(?:[ \t]+on)?|date)"
    r"\b\s*[:#\-]?\s*",
    re.IGNORECASE,
)
_DOS = Gated(
    _DOS_LABEL,
    ci=(
        "dos",
        "d.o.s.",
        "date",
        "service",
        "visit",
        "treatment",
        "tx",
        "session",
        "encounter",
        "appointment",
        "dov",
        "seen",
        "treated",
    ),
    word=True,
)
# The first section heading (S:, Subjective, O:, Treatment ...): the header ends there.
_FIRST_SECTION = re.compile(
    r"^[ \t]*(?:S|O|A|P|subj(?:ective)?|obj(?:ective)?|treatment|tx|interventions?|assessment|plan"
    r"|history|hpi)\b[ \t]*(?::|-\s|$)",
    re.IGNORECASE | re.MULTILINE,
)
_NOT_DOS = re.compile(
    r"(?:\bDOB\b|birth|\bborn\b|onset|\bDOI\b|injury|surgery|\bs/p\b|since|last|\beval(?:uation)?\b|"
    r"referral|\bcert|\bon\b|\bnext\b|appt|appointment|through|until|\bby\b|due|signed|\bprior\b"
    r"|\b(?:next|last|prior|previous|f/u)\s+\w+)\W*$",
    re.IGNORECASE,
)


def date_of_service(note: Note) -> DateFact | None:
    text = note.text
    for m in _DOS.finditer(text):
        label = m.group(0).strip().lower()
        if label.startswith("date") and label.rstrip(":#- ") == "date":
            # "Date:" alone counts only when it starts a field (not "to date", "update").
            before = text[max(0, m.start() - 12) : m.start()]
            if re.search(r"[A-Za-z][ \t]*\Z", before) and not re.search(
                r"(?:\||\s{2,})\s*$", before
            ):
                continue
        d = DATE_RE.match(text, m.end())
        if d:
            return DateFact(value=parse_date(d), evidence=note.span(m.start(), d.end()))
    # No label: a date in the note's header (its first lines, or every line before the first
    # section heading when the header is longer) that is not a birth/onset/surgery date.
    head_end = _nth_line_end(text, 6)
    first_section = _FIRST_SECTION.search(text)
    if first_section is not None and first_section.start() > head_end:
        head_end = min(first_section.start(), _nth_line_end(text, 14))
    for d in DATE_RE.finditer(text, 0, head_end):
        line_start = text.rfind("\n", 0, d.start()) + 1
        before = text[max(line_start, d.start() - 24) : d.start()]
        if _NOT_DOS.search(before):
            continue
        line_end = text.find("\n", d.start())
        sig = SIGNATURE_RE.match(text, line_start, len(text) if line_end < 0 else line_end)
        if sig is not None and _case_ok(sig.group("name"), sig.group("creds")):
            continue  # the date a short note was signed is not its date of service
        return DateFact(value=parse_date(d), evidence=note.span(d.start(), d.end()))
    return None


def _nth_line_end(text: str, n: int) -> int:
    pos = -1
    for _ in range(n):
        pos = text.find("\n", pos + 1)
        if pos < 0:
            return len(text)
    return pos


# ---------------------------------------------------------------------------------------------
# Payer and method

_PAYER_LABEL = re.compile(
    r"\b(?:payer|payor|insurance|ins|insurer|primary|primary\s+(?:ins(?:urance)?|payer|payor)|coverage|carrier|funding|health\s+plan)"
    r"\s*[:\-]\s*(?P<value>[^\n|]+)",
    re.IGNORECASE,
)
_MEDICARE = re.compile(
    r"\bmedicare(?:\s+(?:part\s+b|b|advantage|replacement|hmo|ppo))?\b|\bMCR\b|\bMedicare\s+Adv\b",
    re.IGNORECASE,
)
_AMA_METHOD = re.compile(
    r"\bAMA\b|per[\s\-]code|units?\s+per\s+code|each\s+code\s+(?:rounded|on\s+its\s+own)|"
    r"cpt\s+midpoint|midpoint\s+rule|substantial[\s\-]portion|rule\s+of\s+eights",
    re.IGNORECASE,
)
_CMS_METHOD = re.compile(
    r"\(\s*cms\s*\)|\bCMS\b|8[\s\-]minute\s+rule|eight[\s\-]minute\s+rule|total[\s\-]time\s+method",
    re.IGNORECASE,
)
_COMMERCIAL = re.compile(
    r"\bcommercial\b|\bAetna\b|\bBCBS\b|\bBlue\s*Cross\b|\bBlue\s*Shield\b|\bAnthem\b|\bCigna\b|"
    r"\bUHC\b|\bUnited\s*Health\s*care\b|\bUnitedHealthcare\b|\bHumana\b|\bHarvard\s+Pilgrim\b|"
    r"\bKaiser\b|\bOscar\b|\bTufts\b|\bEmblem\b|\bOxford\b|\bGeisinger\b|\bWellmark\b|\bPremera\b|"
    r"\bRegence\b|\bHorizon\b|\bCareFirst\b|\bPPO\b|\bHMO\b|\bEPO\b|\bPOS\b",
    re.IGNORECASE,
)
_OTHER_PAYER = re.compile(
    r"\bmedicaid\b|\bworkers'?\s*comp|\bwork\s+comp\b|\bWC\b|\bauto\b|\bno[\s\-]fault\b|\bself[\s\-]pay\b"
    r"|\bTRICARE\b|\bVA\b|\bcash\b",
    re.IGNORECASE,
)


_PAYER = Gated(
    _PAYER_LABEL,
    ci=("payer", "payor", "ins", "primary", "coverage", "carrier", "funding", "health"),
    word=True,
)


def payer(note: Note) -> Payer | None:
    text = note.text
    head_end = _nth_line_end(text, 8)
    m = _PAYER.search(text, 0, head_end) or _PAYER.search(text)
    if m:
        value = m.group("value")
        line_end = text.find("\n", m.start())
        line_end = len(text) if line_end < 0 else line_end
        context = text[m.start("value") : line_end]
        lead = len(value) - len(value.lstrip())
        name = re.split(
            r"\s{2,}|\s+[-/]\s+|\(|\.\s|;|\s+(?=(?:DOS|Pt|Patient|MRN|Dx)\b)", value.strip()
        )[0].strip(" .;,")
        method = _method(context, name)
        end = (
            m.start("value") + lead + len(name) if name else m.start("value") + len(value.rstrip())
        )
        return Payer(name=name or value.strip(), method=method, evidence=note.span(m.start(), end))
    # No label: a Medicare or commercial payer named in the first lines (title, header).
    for rx in (_MEDICARE, _COMMERCIAL):
        found = rx.search(text, 0, head_end)
        if found:
            line_start = text.rfind("\n", 0, found.start()) + 1
            line_end = text.find("\n", found.start())
            line_end = len(text) if line_end < 0 else line_end
            context = text[line_start:line_end]
            _, seg_end = _segment(context, found.start() - line_start, found.end() - line_start)
            seg_start = found.start() - line_start
            cut = re.search(r"\(|\)|\.\s|;|,", context[seg_start:seg_end])
            if cut:
                seg_end = max(seg_start + len(found.group(0)), seg_start + cut.start())
            name = context[seg_start:seg_end].strip(" -|.;,")
            seg_end = seg_start + len(context[seg_start:seg_end].rstrip(" -|.;,"))
            method = _method(context, found.group(0))
            return Payer(
                name=name or found.group(0),
                method=method,
                evidence=note.span(line_start + seg_start, line_start + seg_end),
            )
    return None


def _segment(line: str, start: int, end: int) -> tuple[int, int]:
    """The header field around ``[start, end)``: between separators (``|``, two spaces, dashes)."""
    seps = [m.end() for m in re.finditer(r"\||\s{2,}|\s[-/]\s|:\s", line[:start])]
    s = max(seps) if seps else 0
    nxt = re.search(r"\||\s{2,}|\s[-/]\s", line[end:])
    e = end + nxt.start() if nxt else len(line)
    while s < start and line[s] == " ":
        s += 1
    return s, e


def _method(context: str, name: str) -> Method | None:
    if _AMA_METHOD.search(context):
        return "ama"
    if _CMS_METHOD.search(context) or _MEDICARE.search(name) or _MEDICARE.search(context):
        return "cms"
    if _OTHER_PAYER.search(name):
        return None
    if _COMMERCIAL.search(context):
        # The labelled notes read a commercial payer as per-code (AMA) unit counting.
        return "ama"
    return None


# ---------------------------------------------------------------------------------------------
# Discipline

_DISC_TITLE = [
    ("PT", re.compile(r"\bphysical\s+therap|\bPT\b|\bPTA\b|\bDPT\b")),
    ("OT", re.compile(r"\boccupational\s+therap|\bOT\b|\bOTR\b|\bCOTA\b|\bOTA\b", re.IGNORECASE)),
    ("SLP", re.compile(r"\bspeech|\bSLP\b|\bST\s+(?:daily|treatment|note)", re.IGNORECASE)),
]


_LINE = re.compile(r"[^\n]+")


def discipline(note: Note, people: list[Person]) -> ValueFact | None:
    text = note.text
    # The title: the first two non-empty lines.
    lines: list[re.Match[str]] = []
    for ln in _LINE.finditer(text):
        if ln.group(0).strip():
            lines.append(ln)
            if len(lines) == 2:
                break
    for ln in lines:
        hits = []
        for disc, rx in _DISC_TITLE:
            flags_text = ln.group(0)
            found = (
                rx.search(flags_text)
                if disc != "PT"
                else re.search(r"\bphysical\s+therap|\bPT\b|\bPTA\b", flags_text, re.IGNORECASE)
            )
            if disc == "PT" and found and found.group(0).lower() == "pt" and found.group(0) != "PT":
                found = None  # "Pt:" is the patient
            if found:
                hits.append((found.start(), disc, found))
        if hits:
            hits.sort()
            _, disc, found = hits[0]
            return ValueFact(
                value=disc, evidence=note.span(ln.start() + found.start(), ln.start() + found.end())
            )
    for person in people:
        if person.role:
            disc = {"PTA": "PT", "OTA": "OT", "SLPA": "SLP"}.get(person.role, person.role)
            return ValueFact(value=disc, evidence=person.evidence)
    return None


# ---------------------------------------------------------------------------------------------
# People


def _person(note: Note, m: re.Match, start: int, end: int, cls=Person, **extra):
    creds = _split_creds(m.group("creds"))
    return cls(
        name=m.group("name").strip(),
        credentials=creds,
        role=_role(creds),
        evidence=note.span(start, end),
        **extra,
    )


_TAIL_NOISE = re.compile(
    r"\([^)\n]*\)|\d{1,2}/\d{1,2}/\d{2,4}|\d{4}-\d{2}-\d{2}|\d{1,2}:\d{2}\s*(?:[ap]\.?m\.?)?"
    r"|\b(?:on|at|signed|electronically|digitally|e-?signed|date|time|npi|lic(?:ense)?|no)\b"
    r"|[-,:;#./|\s\d]",
    re.IGNORECASE,
)
_COSIGN = re.compile(
    r"\b(?:(?:reviewed[ \t]*(?:/|and|&)[ \t]*)?co-?sign(?:ed|er|ature)?|reviewed[ \t]+by|supervising|supervised\s+by|supervisor|under\s+(?:the\s+)?supervision)\b.*$",
    re.IGNORECASE,
)


def _tail_ok(tail: str) -> bool:
    """What may follow a signature on its line: a date, a time, a licence number, a co-signature."""
    return not _TAIL_NOISE.sub("", _TAIL_PERSON.sub("", _COSIGN.sub("", tail)))


# A sign-off written as a labelled field ("Evaluating therapist: Name, PT, DPT  03/23/2026 09:20",
# "Treating therapist - Name, OTR/L"): a signature only at the note's end (see
# ``_labelled_signature``); at the top it is the provider field.
_SIGN_LABEL_RE = re.compile(
    r"^[ \t]*(?:[-*]+[ \t]*)?(?P<prefix>(?:(?:evaluating|treating|rendering|attending|primary"
    r"|examining|performing)[ \t]+)?(?:(?:physical|occupational)[ \t]+)?"
    r"(?:therapist|clinician|provider)(?:[ \t]+signature)?[ \t]*(?:[:\-\u2013\u2014][ \t]*)?)"
    + _PERSON
    + r"(?P<tail>[^\n]*)$",
    re.MULTILINE | re.IGNORECASE,
)


def _labelled_signature(note: Note) -> Signature | None:
    """The last labelled sign-off line, when nothing but blank lines, dates/times and
    co-signatures follow it and the rest of its own line is a date/time."""
    text = note.text
    for m in reversed(list(_SIGN_LABEL_RE.finditer(text))):
        line_end = m.end()
        if any(line.strip() and not _tail_ok(line) for line in text[line_end:].split("\n")):
            return None  # the note goes on: a provider field, not the sign-off
        tail = m.group("tail")
        if not _case_ok(m.group("name"), m.group("creds")) or _UNSIGNED.search(m.group(0)):
            continue
        if tail.strip() and not _tail_ok(tail):
            continue
        date = DATE_RE.search(tail)
        end = m.start("tail") + date.end() if date else m.end("creds")
        return _person(
            note,
            m,
            m.start("prefix"),
            end,
            cls=Signature,
            electronic=False,
            signed_date=parse_date(date) if date else None,
        )
    return None


def signature(note: Note) -> Signature | None:
    """The last signature line: a name with credentials standing alone (optionally 'Signed:')."""
    text = note.text
    best = None
    # (Anchored at line starts, the pattern fails at once elsewhere: ``re`` scans it quickly.)
    for m in SIGNATURE_RE.finditer(text):
        if not _case_ok(m.group("name"), m.group("creds")):
            continue
        line_start = text.rfind("\n", 0, m.start() + 1) + 1
        line_end = text.find("\n", m.start())
        line_end = len(text) if line_end < 0 else line_end
        line = text[line_start:line_end]
        if _UNSIGNED.search(line):
            continue
        tail = m.group("tail")
        # The rest of the line may hold a date/time, "- signed DATE", or a co-signature only.
        if tail.strip() and not _tail_ok(tail):
            continue
        best = m
    if best is None:
        return _labelled_signature(note)
    end = best.end("creds")
    date = DATE_RE.search(best.group("tail") or "")
    signed_date = parse_date(date) if date else None
    if date:
        end = best.start("tail") + date.end()
    elif best.group("pre_date"):
        pre = DATE_RE.match(best.group("pre_date"))
        signed_date = parse_date(pre) if pre else None
    return _person(
        note,
        best,
        best.start("prefix") if best.group("prefix") else best.start("name"),
        end,
        cls=Signature,
        electronic=bool(
            best.group("prefix") and re.search(r"electronic|e-?signed", best.group("prefix"), re.I)
        ),
        signed_date=signed_date,
    )


_ROLE_CRED_RE = re.compile(r"(?<![A-Za-z])" + ROLE_CRED + r"(?![A-Za-z])")
_ROLE_CRED = Gated(_ROLE_CRED_RE, cs=tuple(_ROLE_CREDS), word=True)


# The matches of the last text read (some notes are read twice: see ``extract_facts``).
_LABELLED_MEMO: tuple[str, list[re.Match]] = ("", [])


def _labelled_matches(text: str) -> list[re.Match]:
    """``_LABELLED_PERSON`` matches, searched only in windows that end at a credential (the
    pattern cannot match elsewhere; scanning the whole note with it was the header's hot spot)."""
    global _LABELLED_MEMO
    if _LABELLED_MEMO[0] is text:
        return _LABELLED_MEMO[1]
    out = _labelled_scan(text)
    _LABELLED_MEMO = (text, out)
    return out


def _labelled_scan(text: str) -> list[re.Match]:
    windows: list[list[int]] = []
    for c in _ROLE_CRED.finditer(text):
        line_start = text.rfind("\n", 0, c.start()) + 1
        prev_start = text.rfind("\n", 0, max(0, line_start - 1)) + 1 if line_start else 0
        start = max(prev_start, c.start() - 120)
        end = min(len(text), c.end() + 40)
        if windows and start <= windows[-1][1]:
            windows[-1][1] = max(windows[-1][1], end)
        else:
            windows.append([start, end])
    out: list[re.Match] = []
    for start, end in windows:
        for m in _LABELLED.finditer(text, start, end):
            if not out or m.start() >= out[-1].end():
                out.append(m)
    return out


def labelled_people(
    note: Note, inside: list[tuple[int, int]] | None = None
) -> tuple[Person | None, Person | None]:
    """(treating provider, supervising therapist) from labelled fields anywhere in the note.

    ``inside``: ranges of the text (intervention blocks) where a person named as furnishing
    that one intervention ("TherEx ..., furnished by Sam Lee, PTA") is not the note's provider.
    """
    provider = supervisor = None
    for m in _labelled_matches(note.text):
        if not _case_ok(m.group("name"), m.group("creds")):
            continue
        person = _person(note, m, m.start(), m.end("creds"))
        if _SUPERVISOR_LABEL.match(m.group("label")):
            if supervisor is None:
                supervisor = person
        elif provider is None:
            if inside and any(s <= m.start() < e for s, e in inside):
                continue
            provider = person
    return provider, supervisor


_ASSISTANT_MENTION = re.compile(r"\b(?P<role>PTA|OTA|COTA(?:/L)?|SLPA)\b")
_ASSISTANT_TITLE = re.compile(
    r"\(\s*(?:PTA|OTA|COTA)[^)]*\)|\b(?:PTA|OTA|COTA)\s+(?:visit|treatment|tx|daily|note)\b|[-|]\s*(?:PTA|OTA|COTA)\s*$",
    re.IGNORECASE | re.MULTILINE,
)


def _assistant_role(token: str) -> AssistantRole:
    token = token.upper()
    if token.startswith("PTA"):
        return "PTA"
    if token.startswith("SLPA"):
        return "SLPA"
    return "OTA"


def assistant(
    note: Note,
    provider: Person | None,
    signer: Signature | None,
    blocks: list[tuple[int, int, str | None]],
) -> AssistantInvolvement | None:
    """Who furnished the service: a note written/signed by a PTA/OTA is the assistant's whole
    visit; an assistant named inside an intervention ("PTA performed TherEx") is part of it."""
    for person in (provider, signer):
        if person is not None and person.role in ("PTA", "OTA", "SLPA"):
            return AssistantInvolvement(role=person.role, scope="all", evidence=person.evidence)
    text = note.text
    head_end = _nth_line_end(text, 3)
    t = _ASSISTANT_TITLE.search(text, 0, head_end)
    if t:
        role_m = _ASSISTANT_MENTION.search(t.group(0).upper())
        if role_m:
            return AssistantInvolvement(
                role=_assistant_role(role_m.group("role")),
                scope="all",
                evidence=note.span(t.start(), t.end()),
            )
    codes: list[str] = []
    first = None
    for start, end, code in blocks:
        # (Every mention holds "TA" or "SLPA": str.find rules most blocks out first.)
        if text.find("TA", start, end) < 0 and text.find("SLPA", start, end) < 0:
            continue
        m = _ASSISTANT_MENTION.search(text, start, end)
        if m:
            first = first or m
            if code and code not in codes:
                codes.append(code)
    if first is not None:
        return AssistantInvolvement(
            role=_assistant_role(first.group("role")),
            scope="part",
            codes=codes,
            evidence=note.span(first.start(), first.end()),
        )
    return None
