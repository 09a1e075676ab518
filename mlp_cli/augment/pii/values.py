"""Where every placeholder's value comes from: Faker providers, mlp's own rule-valid generators,
linked identities, and the look-alikes that are not PII.

Every function here draws only from the ``random.Random`` it is given (the sample's), so a value
depends on nothing but (seed, sample index). Values whose validity is defined (SSN, card number)
and values Faker would make depend on today's date (date of birth) are generated here, not by Faker.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import ipaddress
import random
import re
import uuid
from collections.abc import Callable

from mlp_cli.augment.pii.checks import (
    SSN_NEVER_ISSUED,
    base58_encode,
    dea_check_digit,
    gs1_check_digit,
    luhn_check_digit,
)

# Default entity label of each provider; `labels:` in the recipe overrides or adds to it.
DEFAULT_LABELS: dict[str, str] = {
    "name": "PERSON",
    "first_name": "PERSON",
    "last_name": "PERSON",
    "email": "EMAIL_ADDRESS",
    "username": "USERNAME",
    "user_name": "USERNAME",
    "phone_number": "PHONE_NUMBER",
    "ssn": "US_SSN",
    "credit_card_number": "CREDIT_CARD",
    "iban": "IBAN_CODE",
    "street_address": "STREET_ADDRESS",
    "address": "ADDRESS",
    "city": "CITY",
    "postcode": "POSTCODE",
    "zipcode": "POSTCODE",
    "date_of_birth": "DATE_OF_BIRTH",
    "ipv4": "IP_ADDRESS",
    "ipv6": "IP_ADDRESS",
    "url": "URL",
    "passport_number": "PASSPORT",
    "license_plate": "LICENSE_PLATE",
}

# Providers bound to the sample's person (``{{name#2}}`` is the second person): the email and the
# username are derived from that person's name, so "Jane Roe (jane.roe@…)" is consistent.
IDENTITY_PROVIDERS = frozenset({"name", "first_name", "last_name", "email", "username", "user_name"})

# Faker providers an identity is built from (pooled per locale like any other provider).
IDENTITY_PARTS = ("first_name", "last_name", "free_email_domain")

# Dates of birth are drawn relative to this fixed day, not today, so output never changes with the date.
REFERENCE_DATE = dt.date(2025, 1, 1)

_DOB_STYLES = {
    "en_US": ("%m/%d/%Y", "%B %d, %Y"),
    "de_DE": ("%d.%m.%Y",),
    "de_AT": ("%d.%m.%Y",),
    "fr_FR": ("%d/%m/%Y",),
    "en_GB": ("%d/%m/%Y", "%d %B %Y"),
    "es_ES": ("%d/%m/%Y",),
    "it_IT": ("%d/%m/%Y",),
    "nl_NL": ("%d-%m-%Y",),
}

# (prefixes, length) of the main card brands: the number looks like a real brand's card.
_CARD_BRANDS = (
    (("4",), 16),  # Visa
    (("51", "52", "53", "54", "55", "2221", "2720"), 16),  # Mastercard
    (("34", "37"), 15),  # American Express
    (("6011", "65"), 16),  # Discover
    (("3528", "3589"), 16),  # JCB
)


def _digits(rng: random.Random, n: int) -> str:
    return f"{rng.randrange(10**n):0{n}d}"


def _group(number: str, rng: random.Random) -> str:
    """A card number as people write it: plain, or in groups with spaces or dashes."""
    style = rng.random()
    if style < 0.4:
        return number
    sep = " " if style < 0.8 else "-"
    sizes = (4, 6, 5) if len(number) == 15 else (4,) * (len(number) // 4)
    parts, at = [], 0
    for size in sizes:
        parts.append(number[at : at + size])
        at += size
    return sep.join(parts)


def _card_digits(rng: random.Random) -> str:
    prefixes, length = rng.choice(_CARD_BRANDS)
    prefix = rng.choice(prefixes)
    return prefix + _digits(rng, length - len(prefix) - 1)


def credit_card_number(rng: random.Random, locale: str) -> str:
    """A card number of a real brand's shape whose last digit makes it pass Luhn."""
    payload = _card_digits(rng)
    return _group(payload + luhn_check_digit(payload), rng)


def ssn(rng: random.Random, locale: str) -> str:
    """A US SSN that follows the SSA rules (area 001-899 but 666, group 01-99, serial 0001-9999)."""
    while True:
        area = rng.randint(1, 899)
        if area == 666:
            continue
        number = f"{area:03d}{rng.randint(1, 99):02d}{rng.randint(1, 9999):04d}"
        if number not in SSN_NEVER_ISSUED:
            return f"{number[:3]}-{number[3:5]}-{number[5:]}"


def date_of_birth(rng: random.Random, locale: str) -> str:
    """A birth date of someone aged 18 to 90 on REFERENCE_DATE, written the locale's way or ISO."""
    day = REFERENCE_DATE - dt.timedelta(days=rng.randint(18 * 365, 90 * 365))
    styles = ("%Y-%m-%d",) + _DOB_STYLES.get(locale, ("%d/%m/%Y",))
    return day.strftime(rng.choice(styles))


_IPV4_FIRST_OCTETS = tuple(n for n in range(1, 224) if n not in (10, 127))


def ipv4(rng: random.Random, locale: str) -> str:
    """A public-looking IPv4 address (no 0/10/127/multicast first octet)."""
    first = rng.choice(_IPV4_FIRST_OCTETS)
    return f"{first}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


def ipv6(rng: random.Random, locale: str) -> str:
    """A global unicast IPv6 address, compressed as usual."""
    value = (0x2 << 125) | rng.getrandbits(125)  # 2000::/3
    return ipaddress.IPv6Address(value).compressed


# Providers mlp generates itself; every other provider name is a Faker provider.
NATIVE_PROVIDERS: dict[str, Callable[[random.Random, str], str]] = {
    "credit_card_number": credit_card_number,
    "ssn": ssn,
    "date_of_birth": date_of_birth,
    "ipv4": ipv4,
    "ipv6": ipv6,
}

_ASCII_WORD = re.compile(r"[^a-z0-9]+")


@functools.lru_cache(maxsize=1 << 16)  # names come from pools: the same few thousand again and again
def ascii_slug(text: str) -> str:
    """Lower-case ASCII letters and digits of a name (``Jürgen`` -> ``jurgen``), for emails and usernames."""
    from faker.decode import unidecode

    return _ASCII_WORD.sub("", unidecode(text).lower())


# How people build email local parts and usernames from a name (f: first, s: surname, i: initial, n: number).
_EMAIL_LOCAL_PARTS = ("{f}.{s}", "{f}{s}", "{i}{s}", "{f}.{s}{n}", "{f}_{s}", "{s}.{f}")
_USERNAMES = ("{f}{s}", "{i}{s}{n}", "{f}_{s}", "{s}{i}", "{f}.{s}", "{f}{n:02d}")

# Locales that write the family name first, without a space (曾玉华).
_FAMILY_NAME_FIRST = ("zh_", "ja_", "ko_")


def make_identity(first: str, last: str, domain: str, rng: random.Random, locale: str = "en_US") -> dict[str, str]:
    """One person: the name, and an email and username derived from it."""
    f, s = ascii_slug(first), ascii_slug(last)
    if not f or not s:  # a script unidecode cannot romanise: fall back to a neutral handle
        f, s = f or "user", s or str(rng.randint(100, 9999))
    n = rng.randint(1, 99)
    local = rng.choice(_EMAIL_LOCAL_PARTS).format(f=f, s=s, i=f[0], n=n)
    username = rng.choice(_USERNAMES).format(f=f, s=s, i=f[0], n=n)
    return {
        "first_name": first,
        "last_name": last,
        "name": f"{last}{first}" if locale.startswith(_FAMILY_NAME_FIRST) else f"{first} {last}",
        "email": f"{local}@{domain}",
        "username": username,
        "user_name": username,
    }


# ---- look-alikes: text that looks like PII and is not ----------------------------------------


def invalid_card(rng: random.Random) -> str:
    """A card-shaped number of a real brand's prefix and length that fails Luhn."""
    payload = _card_digits(rng)
    good = int(luhn_check_digit(payload))
    return _group(payload + str((good + rng.randint(1, 9)) % 10), rng)


def invalid_ssn(rng: random.Random) -> str:
    """An SSN-shaped number the SSA never issues (area 000/666/9xx, group 00 or serial 0000)."""
    area, group, serial = rng.randint(1, 899), rng.randint(1, 99), rng.randint(1, 9999)
    flaw = rng.randrange(5)
    if flaw == 0:
        area = 0
    elif flaw == 1:
        area = 666
    elif flaw == 2:
        area = rng.randint(900, 999)
    elif flaw == 3:
        group = 0
    else:
        serial = 0
    return f"{area:03d}-{group:02d}-{serial:04d}"


def zip_plus4(rng: random.Random) -> str:
    """A US ZIP+4 code (12345-6789): a postal routing code, shaped like part of an SSN."""
    return f"{rng.randint(501, 99950):05d}-{rng.randint(1, 9999):04d}"


def isbn13(rng: random.Random) -> str:
    """An ISBN-13 with a valid check digit, hyphenated or not."""
    payload = rng.choice(("978", "979")) + _digits(rng, 9)
    code = payload + gs1_check_digit(payload)
    if rng.random() < 0.5:
        return code
    group = rng.randint(1, 2)
    publisher = rng.randint(2, 5)
    title_end = 12
    return "-".join(
        (
            code[:3],
            code[3 : 3 + group],
            code[3 + group : 3 + group + publisher],
            code[3 + group + publisher : title_end],
            code[12],
        )
    )


def ean13(rng: random.Random) -> str:
    """An EAN-13 product barcode with a valid check digit."""
    payload = rng.choice(("400", "401", "304", "500", "590", "690", "800", "871", "880")) + _digits(rng, 9)
    return payload + gs1_check_digit(payload)


def imei(rng: random.Random) -> str:
    """A 15-digit IMEI (a phone's serial) with a valid Luhn digit: passes Luhn, is not a card."""
    payload = rng.choice(("35", "86", "01", "99")) + _digits(rng, 12)
    code = payload + luhn_check_digit(payload)
    if rng.random() < 0.5:
        return code
    return f"{code[:2]}-{code[2:8]}-{code[8:14]}-{code[14]}"


def uuid4(rng: random.Random) -> str:
    """A random (version 4) UUID."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def hex_hash(rng: random.Random) -> str:
    """A hex digest the length of MD5, SHA-1 or SHA-256."""
    bits = rng.choice((128, 160, 256))
    return f"{rng.getrandbits(bits):0{bits // 4}x}"


def version_number(rng: random.Random) -> str:
    """A four-part version string shaped like an IPv4 address (e.g. 10.4.2.118)."""
    return f"{rng.randint(1, 24)}.{rng.randint(0, 40)}.{rng.randint(0, 9)}.{rng.randint(0, 255)}"


def order_number(rng: random.Random) -> str:
    """A shop order number."""
    style = rng.randrange(3)
    if style == 0:
        return f"ORD-{rng.randint(2019, 2025)}-{_digits(rng, 6)}"
    if style == 1:
        return "#" + _digits(rng, 10)
    return "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(3)) + "-" + _digits(rng, 7)


def tracking_number(rng: random.Random) -> str:
    """A parcel tracking number (UPS, USPS or FedEx shape)."""
    style = rng.randrange(3)
    if style == 0:
        alnum = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"
        return "1Z" + "".join(rng.choice(alnum) for _ in range(6)) + _digits(rng, 10)
    if style == 1:
        return "9400" + _digits(rng, 18)
    return _digits(rng, 12)


# Look-alike kinds usable as placeholders: {{isbn13}} puts an ISBN in the text and in `lookalikes`.
LOOKALIKES: dict[str, Callable[[random.Random], str]] = {
    "invalid_card": invalid_card,
    "invalid_ssn": invalid_ssn,
    "zip_plus4": zip_plus4,
    "isbn13": isbn13,
    "ean13": ean13,
    "imei": imei,
    "uuid": uuid4,
    "hash": hex_hash,
    "version_number": version_number,
    "order_number": order_number,
    "tracking_number": tracking_number,
}

# A negative template with no placeholder at all: context words ("card", "SSN") and no PII.
CONTEXT_WORDS = "context_words"
NEGATIVE_KINDS = (*LOOKALIKES, CONTEXT_WORDS)


# ---- the rest of presidio-analyzer's entity set ------------------------------------------------
# Each draws only from the sample's RNG; those with a check digit (DEA number, Bitcoin address)
# compute it, so `checks.py` accepts every value (tests/test_pii_entities.py).

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_RELATIVE_DATES = (
    "today",
    "tomorrow",
    "yesterday",
    "tonight",
    "last night",
    "this morning",
    "this weekend",
    "next week",
    "last week",
    "next month",
    "last month",
    "next year",
    "last year",
)


def _day(rng: random.Random) -> dt.date:
    return REFERENCE_DATE + dt.timedelta(days=rng.randint(-3650, 730))


def date_time(rng: random.Random, locale: str) -> str:
    """A date or time as people write it: absolute (many formats), relative ('next Friday'), or a time."""
    style = rng.randrange(12)
    day = _day(rng)
    if style == 0:
        return rng.choice(_RELATIVE_DATES)
    if style == 1:
        return f"{rng.choice(('next', 'last', 'this'))} {rng.choice(_WEEKDAYS)}"
    if style == 2:
        n = rng.randint(2, 12)
        return f"{n} {rng.choice(('days', 'weeks', 'months', 'years'))} ago" if rng.random() < 0.5 else f"in {n} days"
    if style == 3:
        return time_of_day(rng, locale)
    if style == 4:
        return f"{_MONTHS[day.month - 1]} {day.day}"
    if style == 5:
        return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"
    if style == 6:
        return f"{_MONTHS[day.month - 1][:3]} {day.day}, {day.year}"
    if style == 7:
        return f"{rng.choice(_WEEKDAYS)} {time_of_day(rng, locale)}"
    if style == 8:
        return f"{_MONTHS[day.month - 1]} {day.year}"
    if style == 9:
        return str(day.year)
    sep = rng.choice(("/", "-", ".")) if style == 10 else "-"
    if style == 11:
        return day.isoformat()
    order = (day.month, day.day) if locale == "en_US" else (day.day, day.month)
    return f"{order[0]:02d}{sep}{order[1]:02d}{sep}{day.year if rng.random() < 0.7 else day.year % 100:02d}"


def time_of_day(rng: random.Random, locale: str) -> str:
    """A clock time: 24-hour, 12-hour with am/pm, or 'noon'."""
    h, m = rng.randrange(24), rng.choice((0, 0, 15, 30, 45, rng.randrange(60)))
    style = rng.randrange(4)
    if style == 0:
        return f"{h:02d}:{m:02d}"
    if style == 1:
        return f"{(h % 12) or 12}:{m:02d} {rng.choice(('am', 'pm', 'AM', 'PM', 'a.m.', 'p.m.'))}"
    if style == 2:
        return f"{(h % 12) or 12}{rng.choice(('am', 'pm'))}"
    return rng.choice(("noon", "midnight", f"{(h % 12) or 12} o'clock"))


_NRP = (
    "American",
    "British",
    "German",
    "French",
    "Spanish",
    "Italian",
    "Mexican",
    "Chinese",
    "Japanese",
    "Indian",
    "Nigerian",
    "Brazilian",
    "Canadian",
    "Irish",
    "Polish",
    "Turkish",
    "Korean",
    "Russian",
    "Dutch",
    "Swedish",
    "Christian",
    "Catholic",
    "Muslim",
    "Jewish",
    "Hindu",
    "Buddhist",
    "Sikh",
    "Protestant",
    "Orthodox",
    "Democrat",
    "Republican",
    "Conservative",
    "Liberal",
    "Socialist",
    "Labour",
    "Green",
)


def nrp(rng: random.Random, locale: str) -> str:
    """A nationality, religion or political group (presidio's NRP)."""
    return rng.choice(_NRP)


_TITLES = ("Mr.", "Mrs.", "Ms.", "Miss", "Dr.", "Prof.", "Mr", "Mrs", "Ms", "Dr", "Sir", "Rev.", "Capt.")


def title(rng: random.Random, locale: str) -> str:
    """A courtesy or professional title (Mr., Dr., Prof.)."""
    return rng.choice(_TITLES)


def age(rng: random.Random, locale: str) -> str:
    """An age: '34', '34 years old', '34-year-old', 'aged 34'."""
    n = rng.randint(1, 99)
    return rng.choice((str(n), f"{n} years old", f"{n}-year-old", f"{n} yrs", f"{n} y/o"))


_COUNTRY_CODE = {
    "en_US": "1",
    "en_GB": "44",
    "de_DE": "49",
    "fr_FR": "33",
    "es_ES": "34",
    "it_IT": "39",
    "nl_NL": "31",
    "de_AT": "43",
    "en_CA": "1",
    "en_AU": "61",
    "en_IN": "91",
}


def phone_international(rng: random.Random, locale: str) -> str:
    """A phone number in international form: +CC then the national number, with varied separators."""
    cc = _COUNTRY_CODE.get(locale, "1")
    digits = _digits(rng, 10 if cc == "1" else 9)
    sep = rng.choice((" ", "-", ".", ""))
    body = sep.join((digits[:3], digits[3:6], digits[6:])) if sep else digits
    return f"{rng.choice(('+', '00'))}{cc}{rng.choice((' ', '-', ''))}{body}"


_DL_STATES = {  # a few US states' driver-license shapes: (letters, digits)
    "CA": (1, 7),
    "NY": (0, 9),
    "FL": (1, 12),
    "IL": (1, 11),
    "PA": (0, 8),
    "WA": (1, 11),
    "TX": (0, 8),
}
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def us_driver_license(rng: random.Random, locale: str) -> str:
    """A US driver-license number of one state's shape (CA: A1234567, NY: 9 digits...)."""
    letters, digits = _DL_STATES[rng.choice(sorted(_DL_STATES))]
    return "".join(rng.choice(_LETTERS) for _ in range(letters)) + _digits(rng, digits)


def us_passport(rng: random.Random, locale: str) -> str:
    """A US passport number: 9 digits, or a letter and 8 digits (next-generation books)."""
    return _digits(rng, 9) if rng.random() < 0.5 else rng.choice(_LETTERS) + _digits(rng, 8)


def us_bank_number(rng: random.Random, locale: str) -> str:
    """A US bank account number: 8 to 17 digits."""
    n = rng.randint(8, 17)
    return str(rng.randint(1, 9)) + _digits(rng, n - 1)


def medical_license(rng: random.Random, locale: str) -> str:
    """A DEA registration number: two letters and seven digits, the last a check digit."""
    first = rng.choice("ABFGMPRX")
    body = _digits(rng, 6)
    return first + rng.choice(_LETTERS) + body + dea_check_digit(body)


def crypto(rng: random.Random, locale: str) -> str:
    """A Bitcoin P2PKH/P2SH address with a valid Base58Check checksum."""
    payload = bytes([rng.choice((0x00, 0x05))]) + rng.getrandbits(160).to_bytes(20, "big")
    check = hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4]
    return base58_encode(payload + check)


_US_STATES = (
    "Alabama",
    "Alaska",
    "Arizona",
    "California",
    "Colorado",
    "Florida",
    "Georgia",
    "Illinois",
    "Iowa",
    "Kansas",
    "Kentucky",
    "Maine",
    "Maryland",
    "Michigan",
    "Minnesota",
    "Nevada",
    "New Jersey",
    "New York",
    "North Carolina",
    "Ohio",
    "Oregon",
    "Pennsylvania",
    "Texas",
    "Utah",
    "Virginia",
    "Washington",
)
_REGIONS = {
    "de_DE": ("Bayern", "Hessen", "Sachsen", "Berlin", "Hamburg", "Niedersachsen", "Bavaria", "Saxony"),
    "fr_FR": ("Bretagne", "Normandie", "Provence", "Alsace", "Occitanie", "Île-de-France"),
    "en_GB": ("Kent", "Yorkshire", "Devon", "Scotland", "Wales", "Cornwall", "Essex", "Lancashire"),
}


def state(rng: random.Random, locale: str) -> str:
    """A state, region or county of the locale's country (US states elsewhere)."""
    return rng.choice(_REGIONS.get(locale, _US_STATES))


NATIVE_PROVIDERS.update(
    {
        "date_time": date_time,
        "time_of_day": time_of_day,
        "nrp": nrp,
        "title": title,
        "age": age,
        "phone_international": phone_international,
        "us_driver_license": us_driver_license,
        "us_passport": us_passport,
        "us_bank_number": us_bank_number,
        "medical_license": medical_license,
        "crypto": crypto,
        "state": state,
    }
)

DEFAULT_LABELS.update(
    {
        "company": "ORGANIZATION",
        "organization": "ORGANIZATION",
        "country": "LOCATION",
        "state": "LOCATION",
        "date_time": "DATE_TIME",
        "time_of_day": "DATE_TIME",
        "nrp": "NRP",
        "title": "TITLE",
        "age": "AGE",
        "phone_international": "PHONE_NUMBER",
        "us_driver_license": "US_DRIVER_LICENSE",
        "us_passport": "US_PASSPORT",
        "us_bank_number": "US_BANK_NUMBER",
        "medical_license": "MEDICAL_LICENSE",
        "crypto": "CRYPTO",
        "domain_name": "DOMAIN_NAME",
    }
)

# label_scheme: how presidio's names map to what a trainer expects. Labels not listed keep their name.
LABEL_SCHEMES: dict[str, dict[str, str]] = {
    "custom": {},  # the labels as declared (defaults and `labels:`)
    "presidio": {
        "CITY": "LOCATION",
        "STREET_ADDRESS": "LOCATION",
        "ADDRESS": "LOCATION",
        "DATE_OF_BIRTH": "DATE_TIME",
        "PASSPORT": "US_PASSPORT",
    },
    "spacy": {
        "ORGANIZATION": "ORG",
        "LOCATION": "GPE",
        "CITY": "GPE",
        "STREET_ADDRESS": "LOC",
        "ADDRESS": "LOC",
        "DATE_TIME": "DATE",
        "DATE_OF_BIRTH": "DATE",
        "NRP": "NORP",
    },
    "conll": {
        "PERSON": "PER",
        "ORGANIZATION": "ORG",
        "LOCATION": "LOC",
        "CITY": "LOC",
        "STREET_ADDRESS": "LOC",
        "ADDRESS": "LOC",
        "NRP": "MISC",
    },
}


# ---- real-world names a detector meets in running text ----------------------------------------
# Faker's companies ("Smith-Jones LLC") and cities ("Christinaton") are made up; real text names
# well-known organisations and places. These lists are general knowledge, not drawn from any test set.
_ORGANIZATIONS = (
    "Google",
    "Apple",
    "Microsoft",
    "Amazon",
    "Facebook",
    "Twitter",
    "Netflix",
    "Spotify",
    "Samsung",
    "Sony",
    "Nike",
    "Adidas",
    "Starbucks",
    "McDonald's",
    "Walmart",
    "Target",
    "IKEA",
    "Toyota",
    "BMW",
    "Volkswagen",
    "Ford",
    "Uber",
    "Airbnb",
    "PayPal",
    "Visa",
    "Intel",
    "IBM",
    "Oracle",
    "Disney",
    "Warner Bros",
    "BBC",
    "CNN",
    "Reuters",
    "NASA",
    "FBI",
    "UN",
    "NATO",
    "EU",
    "WHO",
    "Red Cross",
    "Oxfam",
    "UNICEF",
    "Harvard",
    "MIT",
    "Stanford",
    "Oxford University",
    "Barclays",
    "HSBC",
    "Deutsche Bank",
    "Siemens",
    "Lufthansa",
    "Ryanair",
    "Delta",
    "Emirates",
    "Vodafone",
    "Verizon",
    "AT&T",
    "Coca-Cola",
    "Pepsi",
    "Nestle",
    "Unilever",
    "Shell",
    "Lakers",
    "Yankees",
    "Arsenal",
    "Chelsea",
    "Real Madrid",
    "Bayern Munich",
    "Manchester United",
    "Patriots",
    "the Beatles",
    "Coldplay",
    "Metallica",
    "BTS",
    "the Democrats",
    "the Republicans",
    "Labour",
    "the Senate",
    "Congress",
    "Parliament",
    "Instagram",
    "YouTube",
    "Reddit",
    "TikTok",
    "Snapchat",
    "LinkedIn",
    "Tesla",
    "SpaceX",
    "Nintendo",
    "Xbox",
    "PlayStation",
    "Marvel",
    "Pixar",
    "H&M",
    "Zara",
    "Costco",
    "eBay",
)
_PLACES = (
    "London",
    "Paris",
    "Berlin",
    "New York",
    "NYC",
    "Los Angeles",
    "LA",
    "Chicago",
    "Houston",
    "Boston",
    "Miami",
    "Seattle",
    "San Francisco",
    "Atlanta",
    "Dallas",
    "Detroit",
    "Toronto",
    "Vancouver",
    "Sydney",
    "Melbourne",
    "Tokyo",
    "Beijing",
    "Shanghai",
    "Hong Kong",
    "Seoul",
    "Mumbai",
    "Delhi",
    "Dubai",
    "Istanbul",
    "Moscow",
    "Madrid",
    "Barcelona",
    "Rome",
    "Milan",
    "Amsterdam",
    "Brussels",
    "Vienna",
    "Munich",
    "Hamburg",
    "Dublin",
    "Manchester",
    "Liverpool",
    "Glasgow",
    "Edinburgh",
    "Cairo",
    "Lagos",
    "Nairobi",
    "Johannesburg",
    "Rio",
    "Mexico City",
    "Buenos Aires",
    "Lima",
    "Texas",
    "California",
    "Florida",
    "Ohio",
    "Alaska",
    "Hawaii",
    "Scotland",
    "Wales",
    "Ireland",
    "England",
    "Europe",
    "Asia",
    "Africa",
    "America",
    "USA",
    "UK",
    "Canada",
    "Australia",
    "India",
    "China",
    "Japan",
    "Germany",
    "France",
    "Italy",
    "Spain",
    "Brazil",
    "Mexico",
    "Russia",
    "Times Square",
    "Central Park",
    "Hollywood",
    "Brooklyn",
    "Manhattan",
    "Silicon Valley",
    "Wall Street",
    "Oxford Street",
    "Sunset Blvd",
    "Main Street",
    "the Alps",
    "the Thames",
    "Lake Tahoe",
    "Yellowstone",
)


def organization(rng: random.Random, locale: str) -> str:
    """A well-known organisation: a company, brand, team, band, party, agency or university."""
    return rng.choice(_ORGANIZATIONS)


def place(rng: random.Random, locale: str) -> str:
    """A well-known place: a city, state, country, region, street or landmark."""
    return rng.choice(_PLACES)


def _misspell(word: str, rng: random.Random) -> str:
    """Now and then the way people type in chat: a letter dropped or doubled, a word cut short, a capital.

    So a word the model never saw is not, by itself, a sign of a name: real chat is full of them.
    """
    u = rng.random()
    if u > 0.35 or len(word) < 3:
        return word
    i = rng.randrange(len(word))
    if u < 0.1:
        word = word[:i] + word[i + 1 :]
    elif u < 0.18:
        word = word[:i] + word[i] + word[i:]
    elif u < 0.25:
        word = word[: rng.randint(2, 3)]
    elif u < 0.3:
        word = word.capitalize()
    else:
        word = word.upper()
    return word


def chatter(rng: random.Random) -> str:
    """A few everyday English words (Faker's word list): text around and between entities that is no PII."""
    from faker.providers.lorem.en_US import Provider

    words = Provider.word_list
    n = rng.randint(2, 9)
    text = " ".join(_misspell(words[rng.randrange(len(words))], rng) for _ in range(n))
    style = rng.random()
    if style < 0.3:
        text = text[0].upper() + text[1:]
    if style > 0.8:
        text += rng.choice((".", "!", "?", " ..", " lol", " &"))
    return text


NATIVE_PROVIDERS.update({"organization": organization, "place": place})
DEFAULT_LABELS.update({"place": "LOCATION"})
# Filler words, not a look-alike of any PII: recorded neither in `spans` nor in `lookalikes`.
FILLERS: dict[str, Callable[[random.Random], str]] = {"chatter": chatter}
LOOKALIKES.update(FILLERS)
