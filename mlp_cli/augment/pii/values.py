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
_ORGANIZATIONS: tuple[str, ...] = (
    "Google",
    "Microsoft",
    "Amazon",
    "Apple",
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
    "Emirates",
    "Vodafone",
    "Verizon",
    "AT&T",
    "Coca-Cola",
    "Pepsi",
    "Nestle",
    "Unilever",
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
_PLACES: tuple[str, ...] = (
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


# More of the same, one "|"-separated string per kind (general knowledge, not from any test set).
_ORGANIZATIONS += tuple(
    "|".join(
        (
            (
                # companies and brands
                "Amazon Prime|Alibaba|Baidu|Tencent|Huawei|Xiaomi|Lenovo|Dell|HP|Cisco|Nvidia|AMD|Qualcomm|Adobe|"
                "Salesforce|SAP|Accenture|Deloitte|KPMG|PwC|Goldman Sachs|JPMorgan|Morgan Stanley|Citi|Wells Fargo|"
                "Bank of America|American Express|Mastercard|Lloyds|NatWest|Santander|BNP Paribas|ING|UBS|"
                "Credit Suisse|Allianz|AXA|Boeing|Airbus|Lockheed Martin|General Electric|GE|General Motors|GM|"
                "Chrysler|Honda|Nissan|Hyundai|Kia|Audi|Mercedes|Porsche|Ferrari|Volvo|Renault|Peugeot|Fiat|"
                "ExxonMobil|BP|Chevron|Gazprom|Pfizer|Moderna|Johnson & Johnson|Bayer|Novartis|Roche|"
                "GlaxoSmithKline|AstraZeneca|Procter & Gamble|L'Oreal|Gucci|Prada|Louis Vuitton|Chanel|Rolex|"
                "Burberry|Primark|Tesco|Sainsbury's|Asda|Aldi|Lidl|Carrefour|Kroger|Walgreens|CVS|Home Depot|"
                "Best Buy|GameStop|Macy's|Nordstrom|Levi's|Under Armour|Puma|Reebok|Converse|Vans|"
                "Burger King|KFC|Subway|Wendy's|Taco Bell|Domino's|Pizza Hut|Dunkin|Chipotle|Red Bull|Heineken|"
                "Budweiser|Guinness|Nestle|Kellogg's|Heinz|Cadbury|Lego|Hasbro|Mattel|Sega|Ubisoft|"
                "Electronic Arts|EA|Activision|Blizzard|Valve|Epic Games|Rockstar|Twitch|Discord|"
                "Skype|WhatsApp|Telegram|Pinterest|Tumblr|Yahoo|Bing|Firefox|Mozilla|Wikipedia|GitHub|"
                "Dropbox|Shopify|Etsy|Lyft|DoorDash|Deliveroo|Expedia|Booking.com|TripAdvisor|Hilton|Marriott|"
                "FedEx|UPS|DHL|Royal Mail|Amtrak|Greyhound|British Airways|Air France|KLM|Qantas|easyJet|"
                "United Airlines|American Airlines|Southwest|JetBlue|T-Mobile|Comcast|"
                "Virgin Media|BT|Telefonica|Hulu|HBO|Showtime|Paramount|Sony Pictures|"
                "20th Century Fox|Fox News|NBC|CBS|ABC|ESPN|MTV|CNBC|Bloomberg|the New York Times|"
                "the Guardian|the Times|Washington Post|Wall Street Journal|BuzzFeed|Vogue|Rolling Stone|"
                "Billboard|Associated Press|AP|Al Jazeera|Sky News|ITV|Channel 4|Netflix Studios|DreamWorks|"
                "Lionsgate|DC Comics|Warner Music|Universal Music|Sony Music|Atlantic Records|Def Jam"
            ),
            (
                # sports teams and clubs
                "Liverpool FC|Man City|Manchester City|Man Utd|Tottenham|Everton|Newcastle United|"
                "Aston Villa|West Ham|Leeds United|Celtic|Rangers|FC Barcelona|Barca|Atletico Madrid|Juventus|"
                "AC Milan|Inter Milan|PSG|Borussia Dortmund|Ajax|Benfica|Porto|Boston Celtics|Celtics|"
                "Chicago Bulls|Golden State Warriors|Miami Heat|Knicks|Brooklyn Nets|Cavaliers|"
                "Clippers|Dallas Cowboys|Green Bay Packers|Packers|Steelers|"
                "49ers|Seahawks|Broncos|Raiders|Red Sox|Dodgers|Cubs|Mets|Astros|"
                "Blue Jays|Maple Leafs|Canadiens|Bruins|Penguins|Blackhawks|Red Wings|All Blacks|"
                "Team USA|Team GB|Mercedes AMG|Red Bull Racing|McLaren"
            ),
            (
                # bands and groups
                "the Rolling Stones|Rolling Stones|U2|Radiohead|Arctic Monkeys|"
                "Foo Fighters|Nirvana|Pearl Jam|Green Day|Linkin Park|Red Hot Chili Peppers|Maroon 5|"
                "Imagine Dragons|One Direction|1D|Little Mix|Spice Girls|Backstreet Boys|NSYNC|Westlife|"
                "Take That|Jonas Brothers|Fall Out Boy|Paramore|Panic! at the Disco|Twenty One Pilots|"
                "The Killers|The Strokes|The Weeknd|Daft Punk|ABBA|AC/DC|Guns N' Roses|Iron Maiden|"
                "Black Sabbath|Led Zeppelin|Pink Floyd|the Who|the Doors|Aerosmith|Bon Jovi|Slipknot|"
                "Blink-182|Gorillaz|Florence and the Machine|Mumford & Sons|Fleetwood Mac|the Eagles|"
                "Destiny's Child|Fifth Harmony|Blackpink|EXO|Wu-Tang Clan|Public Enemy|Run DMC|Beastie Boys"
            ),
            (
                # public bodies, parties, charities, schools
                "CIA|NSA|NHS|IRS|FDA|CDC|EPA|DHS|ICE|TSA|DMV|USPS|Pentagon|White House|the White House|"
                "Supreme Court|the Supreme Court|House of Commons|Bundestag|Kremlin|European Commission|"
                "World Bank|IMF|WTO|OPEC|Interpol|Amnesty International|Greenpeace|Save the Children|"
                "Salvation Army|WWF|Peace Corps|Boy Scouts|Girl Scouts|YMCA|FIFA|UEFA|NFL|NBA|MLB|NHL|NCAA|"
                "Premier League|Olympics|IOC|GOP|Democrats|Republicans|Tories|Conservatives|Lib Dems|SNP|"
                "UKIP|Green Party|Labour Party|Yale|Princeton|Columbia|Cornell|Berkeley|UCLA|NYU|USC|"
                "Cambridge University|Imperial College|LSE|Duke|Georgetown|Johns Hopkins|"
                "Caltech|Notre Dame|Penn State|Ohio State|Michigan State"
            ),
        )
    ).split("|")
)
_PLACES += tuple(
    "|".join(
        (
            (
                # cities
                "Philadelphia|Phoenix|San Diego|San Antonio|San Jose|Austin|Denver|Portland|Las Vegas|Vegas|"
                "Nashville|Memphis|New Orleans|Baltimore|Washington|DC|Washington DC|Pittsburgh|Cleveland|"
                "Cincinnati|Columbus|Indianapolis|Milwaukee|Minneapolis|St. Louis|Kansas City|Salt Lake City|"
                "Sacramento|Oakland|Orlando|Tampa|Charlotte|Raleigh|Richmond|Buffalo|Albany|Honolulu|"
                "Anchorage|Montreal|Ottawa|Calgary|Edmonton|Quebec|Birmingham|Leeds|Sheffield|Bristol|"
                "Newcastle|Nottingham|Leicester|Cardiff|Belfast|Aberdeen|Brighton|Cambridge|Oxford|York|"
                "Bath|Lisbon|Porto|Seville|Valencia|Marseille|Lyon|Frankfurt|Cologne|Stuttgart|"
                "Dusseldorf|Zurich|Geneva|Prague|Budapest|Warsaw|Krakow|Copenhagen|Stockholm|Oslo|Helsinki|"
                "Athens|Venice|Florence|Naples|Kiev|Kyiv|St Petersburg|Tel Aviv|Jerusalem|Beirut|Baghdad|"
                "Tehran|Riyadh|Doha|Abu Dhabi|Karachi|Lahore|Dhaka|Kolkata|Bangalore|Chennai|Bangkok|"
                "Singapore|Kuala Lumpur|Jakarta|Manila|Hanoi|Taipei|Osaka|Kyoto|Auckland|Perth|Brisbane|"
                "Cape Town|Accra|Addis Ababa|Casablanca|Havana|Bogota|Santiago|Sao Paulo|Caracas|Kingston"
            ),
            (
                # countries, regions, states
                "United States|US|U.S.|United Kingdom|Britain|Great Britain|Northern Ireland|New Zealand|"
                "South Africa|Nigeria|Kenya|Egypt|Morocco|Ghana|Ethiopia|Israel|Palestine|Gaza|Iran|Iraq|Syria|"
                "Turkey|Saudi Arabia|Qatar|Pakistan|Afghanistan|Bangladesh|Sri Lanka|Nepal|Thailand|Vietnam|"
                "Indonesia|Malaysia|Philippines|Korea|South Korea|North Korea|Taiwan|Ukraine|Poland|Greece|"
                "Portugal|Netherlands|Holland|Belgium|Switzerland|Austria|Sweden|Norway|Denmark|Finland|"
                "Iceland|Hungary|Romania|Argentina|Chile|Colombia|Peru|Venezuela|Cuba|Jamaica|Puerto Rico|"
                "Middle East|Latin America|South America|North America|Scandinavia|Siberia|Antarctica|"
                "New Jersey|New Mexico|Arizona|Nevada|Oregon|Colorado|Georgia|Virginia|Carolina|"
                "North Carolina|South Carolina|Tennessee|Kentucky|Louisiana|Alabama|Mississippi|Missouri|"
                "Michigan|Wisconsin|Minnesota|Iowa|Illinois|Indiana|Pennsylvania|Massachusetts|Connecticut|"
                "Maryland|Oklahoma|Kansas|Nebraska|Montana|Idaho|Utah|Vermont|Maine|Ontario|Quebec|"
                "British Columbia|Alberta|Yorkshire|Cornwall|Kent|Bavaria|Tuscany|Catalonia|Queensland"
            ),
            (
                # landmarks, districts, streets, nature
                "Broadway|Fifth Avenue|Hyde Park|Soho|Camden|Shoreditch|Notting Hill|Westminster|"
                "Buckingham Palace|Big Ben|Trafalgar Square|Piccadilly Circus|the Eiffel Tower|Eiffel Tower|"
                "the Louvre|Montmartre|Golden Gate Bridge|Alcatraz|the Bronx|Harlem|Venice Beach|"
                "Malibu|Beverly Hills|Santa Monica|Long Beach|Miami Beach|the Grand Canyon|Grand Canyon|"
                "Niagara Falls|Mount Everest|Everest|the Rockies|the Sahara|the Amazon|the Nile|"
                "the Mediterranean|the Caribbean|the Pacific|the Atlantic|Bali|Ibiza|Mallorca|Cancun|"
                "Disneyland|Disney World|Central London|Downtown LA|Midtown|Wembley|Madison Square Garden|"
                "Heathrow|JFK|LAX|the Bay Area|Bay Area|Long Island|Staten Island|Cape Cod|the Hamptons"
            ),
        )
    ).split("|")
)
# Teams as fans name them (the nickname, often without the city), online services and apps, TV
# channels and studios, game makers, more bands: what posts and comments name most (general knowledge).
_ORGANIZATIONS += tuple(
    "|".join(
        (
            (
                # US leagues' teams by nickname: NFL, NBA, MLB, NHL
                "Cardinals|Falcons|Ravens|Bills|Panthers|Bears|Bengals|Browns|Cowboys|Lions|Texans|Colts|"
                "Jaguars|Chiefs|Chargers|Rams|Dolphins|Vikings|Saints|Giants|Jets|Eagles|Titans|Commanders|"
                "Redskins|Buccaneers|Bucs|Hawks|Nets|Hornets|Bulls|Cavs|Mavericks|Mavs|Nuggets|Pistons|Warriors|"
                "Rockets|Pacers|Grizzlies|Heat|Bucks|Timberwolves|Pelicans|Thunder|Magic|76ers|Sixers|Suns|"
                "Trail Blazers|Blazers|Kings|Spurs|Raptors|Jazz|Wizards|Lakers|Diamondbacks|Braves|Orioles|"
                "White Sox|Reds|Guardians|Indians|Rockies|Tigers|Royals|Angels|Brewers|Twins|Athletics|A's|"
                "Phillies|Pirates|Padres|Mariners|Rays|Rangers|Nationals|Ducks|Coyotes|Sabres|Flames|"
                "Hurricanes|Avalanche|Blue Jackets|Stars|Oilers|Wild|Predators|Devils|Islanders|Senators|"
                "Flyers|Sharks|Kraken|Lightning|Canucks|Golden Knights|Capitals|Caps"
            ),
            (
                # football clubs and national sides as fans name them
                "Arsenal FC|Chelsea FC|Man United|United|City|Gunners|Blues|Toffees|"
                "Villa|Hammers|Magpies|Wolves|Leicester City|Southampton|Brighton FC|Crystal Palace|Fulham|"
                "Brentford|Nottingham Forest|Sunderland|Celtic FC|Hearts|Hibs|Real|Atleti|Sevilla FC|"
                "Valencia CF|Bayern|BVB|Dortmund|Schalke|Leverkusen|Juve|Inter|Roma|Napoli|Lazio|"
                "Marseille FC|Lyon FC|Galatasaray|Fenerbahce|Flamengo|Boca Juniors|River Plate|LA Galaxy|"
                "Inter Miami|Red Bulls|Sounders|Timbers|Toronto FC|Socceroos|Three Lions|Les Bleus|Azzurri|"
                "Seleccao|La Roja|Black Caps|Proteas|Springboks|Wallabies|Blue Devils|Tar Heels|Wildcats|"
                "Buckeyes|Longhorns|Crimson Tide|Gators|Seminoles|Ferrari F1|"
                "Williams F1|Red Bull F1|Alpine F1|Aston Martin F1|Haas"
            ),
            (
                # online services, apps and tech
                "Google Maps|Gmail|Google Drive|Chrome|Android|iTunes|App Store|iCloud|Siri|Alexa|Kindle|"
                "Prime Video|Disney+|Disney Plus|Hulu Plus|Crunchyroll|Vimeo|SoundCloud|Bandcamp|Pandora|"
                "Deezer|Tidal|Shazam|Uber Eats|Grubhub|Instacart|Postmates|Venmo|Cash App|Zelle|Stripe|"
                "Coinbase|Binance|Robinhood|Patreon|Kickstarter|Indiegogo|GoFundMe|OnlyFans|Tinder|Bumble|"
                "Hinge|Grindr|Zoom|Slack|Teams|Outlook|Hotmail|AOL|MySpace|Vine|Periscope|Quora|Tumblr|"
                "Flickr|Imgur|9GAG|4chan|Twitch TV|Steam|Origin|Uplay|Xbox Live|PSN|Nintendo eShop|Roblox|"
                "Mojang|Riot Games|Bungie|Bethesda|Naughty Dog|Capcom|Konami|Square Enix|Bandai Namco|"
                "Nvidia GeForce|Razer|Logitech|Corsair|Asus|Acer|MSI|Toshiba|Panasonic|LG|Philips|Bose|"
                "Beats|Sennheiser|GoPro|Canon|Nikon|Fitbit|Garmin|BlackBerry|Nokia|Motorola|OnePlus|Oppo|"
                "Vivo|Huawei Mobile|Verizon Wireless|Sprint|AT&T Mobility|O2|EE|Three|Sky|Netflix Inc|"
                "OpenAI|DeepMind|Meta|Alphabet|WeWork|Palantir|Snap Inc|ByteDance|Yelp|Zillow|Craigslist|"
                "Groupon|Wish|AliExpress|Wayfair|Overstock|Newegg|Argos|Currys|John Lewis|Marks & Spencer|M&S|"
                "Boots|Superdrug|Waitrose|Morrisons|Co-op|Greggs|Nando's|Pret|Costa|Tim Hortons|Krispy Kreme|"
                "Dairy Queen|Arby's|Popeyes|Chick-fil-A|In-N-Out|Five Guys|Shake Shack|Panera|Applebee's|"
                "Denny's|IHOP|Olive Garden|Papa John's|Little Caesars|Target|Walgreens Boots|Safeway|"
                "Whole Foods|Trader Joe's|7-Eleven|Sephora|Ulta|Victoria's Secret|Gap|Old Navy|Uniqlo|"
                "Forever 21|Urban Outfitters|ASOS|Boohoo|Shein|Supreme|Off-White|Balenciaga|Versace|"
                "Dior|Hermes|Fendi|Armani|Calvin Klein|Tommy Hilfiger|Ralph Lauren|Lacoste|North Face|"
                "Patagonia|Timberland|Dr. Martens|Crocs|Skechers|New Balance|Asics|Fila|Champion|Jordan"
            ),
            (
                # TV channels, networks, studios, media
                "Nickelodeon|Cartoon Network|Disney Channel|Discovery Channel|Discovery|National Geographic|"
                "Nat Geo|History Channel|Comedy Central|Adult Swim|AMC|FX|TNT|TBS|USA Network|Syfy|Bravo|"
                "E!|VH1|BET|PBS|NPR|C-SPAN|MSNBC|Fox|FOX|Fox Sports|Sky Sports|BT Sport|Eurosport|BBC One|"
                "BBC News|BBC Radio 1|Channel 5|CBBC|CBeebies|Netflix Originals|Amazon Studios|Apple TV|"
                "Universal|Universal Pictures|Columbia Pictures|Warner Brothers|WB|MGM|Miramax|A24|Blumhouse|"
                "Legendary|Studio Ghibli|Toei|Marvel Studios|Lucasfilm|ILM|Vice|Vox|The Verge|Wired|TechCrunch|"
                "Mashable|HuffPost|Huffington Post|Breitbart|Daily Mail|The Sun|Mirror|Telegraph|Independent|"
                "Forbes|Time|TIME|Newsweek|The Economist|Financial Times|FT|USA Today|LA Times|Chicago Tribune|"
                "Politico|The Atlantic|New Yorker|Variety|Deadline|IGN|GameSpot|Kotaku|Polygon|Pitchfork|"
                "TMZ|E! News|Buzzfeed News|CollegeHumor|Funny or Die|SNL|WWE|UFC|ESPN 2|NBA TV"
            ),
            (
                # bands and groups
                "Beatles|Queen|Oasis|Blur|Muse|Kiss|KISS|Rush|Genesis|Journey|Toto|Styx|"
                "Foreigner|Weezer|Incubus|Korn|Deftones|Tool|Megadeth|"
                "Slayer|Anthrax|Pantera|Disturbed|Evanescence|Nickelback|Creed|Staind|Shinedown|"
                "Three Days Grace|Breaking Benjamin|Papa Roach|System of a Down|Rage Against the Machine|"
                "Avenged Sevenfold|Bring Me the Horizon|My Chemical Romance|MCR|All Time Low|Sum 41|"
                "The Offspring|Bad Religion|Rancid|The Clash|Sex Pistols|Ramones|The Cure|The Smiths|"
                "Joy Division|New Order|Depeche Mode|Duran Duran|Tears for Fears|Eurythmics|Pet Shop Boys|"
                "The Police|Dire Straits|Def Leppard|Motley Crue|Poison|Van Halen|ZZ Top|Lynyrd Skynyrd|"
                "The Beach Boys|The Supremes|The Temptations|Jackson 5|Earth Wind & Fire|Bee Gees|"
                "The Chainsmokers|Major Lazer|Swedish House Mafia|Disclosure|Rudimental|Clean Bandit|"
                "The 1975|Bastille|Alt-J|Tame Impala|Vampire Weekend|MGMT|Glass Animals|Haim|"
                "The Black Keys|The White Stripes|Kings of Leon|Franz Ferdinand|Kaiser Chiefs|Snow Patrol|"
                "Keane|Travis|Stereophonics|Manic Street Preachers|Kasabian|Biffy Clyro|Royal Blood|"
                "Migos|OutKast|N.W.A|NWA|A Tribe Called Quest|De La Soul|Fugees|Black Eyed Peas|"
                "TLC|Boyz II Men|En Vogue|Pussycat Dolls|Sugababes|Girls Aloud|BTS Army|"
                "Twice|Red Velvet|Big Bang|Super Junior|Stray Kids|NCT|Seventeen|Got7|Mamamoo|"
                "Pentatonix|Glee Cast|Hanson|Savage Garden|Roxette|Ace of Base|Aqua|Scooter|Rammstein|"
                "Tokio Hotel|Scorpions|Kraftwerk|Sigur Ros|Mumford|Arcade Fire|Pixies|REM|R.E.M.|"
                "Sonic Youth|Smashing Pumpkins|Soundgarden|Alice in Chains|Stone Temple Pilots|"
                "Third Eye Blind|Matchbox Twenty|Goo Goo Dolls|Counting Crows|Hootie & the Blowfish|"
                "Dixie Chicks|Lady Antebellum|Rascal Flatts|Florida Georgia Line|Little Big Town|"
                "The Lumineers|OneRepublic|Train|Fun.|Neon Trees|Foster the People|Walk the Moon|"
                "Cage the Elephant|Portugal. The Man|Grouplove|X Ambassadors|Bleachers|The Script"
            ),
            (
                # public bodies, agencies, companies named in news
                "Secret Service|Homeland Security|Border Patrol|National Guard|US Army|Army|Navy|Marines|"
                "Air Force|RAF|Royal Navy|Met Police|Scotland Yard|MI5|MI6|LAPD|NYPD|FEMA|NOAA|SEC|FCC|FTC|"
                "DOJ|Justice Department|State Department|Treasury|Fed|Federal Reserve|Bank of England|ECB|"
                "Senate|House|Parliament UK|Labour MPs|Downing Street|Elysee|European Parliament|UN Security "
                "Council|UNESCO|UNHCR|WHO Europe|Red Crescent|Doctors Without Borders|MSF|Oxfam GB|"
                "Habitat for Humanity|ACLU|NAACP|NRA|Planned Parenthood|Black Lives Matter|BLM|Antifa|"
                "ISIS|ISIL|Taliban|Al Qaeda|Hamas|Hezbollah|KKK|Mafia|Yakuza|Anonymous|WikiLeaks|"
                "Greenpeace UK|PETA|RSPCA|RSPB|National Trust|English Heritage|BBC Trust|Ofcom|Ofsted|DVLA|"
                "HMRC|DWP|TfL|Network Rail|National Rail|MTA|BART|Metro|Eurostar|Virgin Trains|Virgin|"
                "Virgin Atlantic|Delta|Air Canada|Alaska Airlines|Spirit Airlines|Frontier|Aer Lingus|"
                "Iberia|Turkish Airlines|Etihad|Qatar Airways|Singapore Airlines|Cathay Pacific|ANA|JAL|"
                "Exxon|Shell|Total|Halliburton|Monsanto|Dow|DuPont|3M|Honeywell|Caterpillar|John Deere|"
                "Raytheon|Northrop Grumman|BAE Systems|Rolls-Royce|Jaguar|Land Rover|Mini|Bentley|"
                "Lamborghini|Maserati|Alfa Romeo|Subaru|Mazda|Mitsubishi|Suzuki|Yamaha|Kawasaki|Ducati|"
                "Harley-Davidson|Harley|Jeep|Dodge|Chevy|Chevrolet|Cadillac|Buick|Lincoln Motors|Rivian|"
                "Lucid|Polestar|Skoda|Seat|Opel|Vauxhall|Citroen|Dacia|Tata|Mahindra|Infosys|Wipro|TCS|"
                "Reliance|Jio|Airtel|Flipkart|Paytm|Ola|Zomato|Swiggy|Grab|Gojek|Shopee|Lazada|Rakuten|"
                "SoftBank|Toshiba Corp|Hitachi|Fujitsu|Canon Inc|Foxconn|TSMC|ARM|Arm|Broadcom|Micron|"
                "Western Digital|Seagate|SanDisk|Xerox|Kodak|Polaroid|Nestle SA|Danone|Mars|"
                "Hershey's|Ferrero|Haribo|Kraft|Heinz Kraft|General Mills|Quaker|Tropicana|Gatorade|"
                "Monster Energy|Sprite|Fanta|Dr Pepper|Mountain Dew|Lipton|Nescafe|Carlsberg|Corona|"
                "Stella Artois|Smirnoff|Jack Daniel's|Bacardi|Absolut|Johnnie Walker|Jameson"
            ),
        )
    ).split("|")
)
_ORGANIZATIONS = tuple(dict.fromkeys(_ORGANIZATIONS))  # in order, once each
_PLACES = tuple(dict.fromkeys(_PLACES))


def _without_article(names: tuple[str, ...], other: tuple[str, ...]) -> tuple[str, ...]:
    # "the Beatles" -> "Beatles": templates write the article ("the {{organization}}"), and a span
    # that starts with "the" teaches the detector that "the" starts a name. Kept where the bare
    # name is the other kind's ("the Amazon" is the river, "Amazon" the company).
    bare = (n[4:] if n.startswith("the ") and n[4:] not in other else n for n in names)
    return tuple(dict.fromkeys(bare))


_ORGANIZATIONS, _PLACES = _without_article(_ORGANIZATIONS, _PLACES), _without_article(_PLACES, _ORGANIZATIONS)


# Pieces of made-up organisation names: real text keeps naming organisations no list holds yet.
_ORG_SUFFIXES = (  # not everyday words ("Party", "Club"), which chat capitalises too
    "Inc",
    "Inc.",
    "Corp",
    "Co.",
    "Ltd",
    "LLC",
    "Records",
    "Studios",
    "Labs",
    "FC",
    "Entertainment",
    "Motors",
    "Airlines",
    "Technologies",
    "Pictures",
    "Foundation",
    "Association",
    "Academy",
    "University",
    "Holdings",
    "Industries",
    "Solutions",
    "Enterprises",
)
_BRAND_HEADS = (
    "Snap",
    "Data",
    "Cloud",
    "Pay",
    "Net",
    "Blue",
    "Red",
    "Go",
    "Smart",
    "Star",
    "Sun",
    "Open",
    "Bright",
    "Quick",
    "Fresh",
    "Pixel",
    "Hyper",
    "Meta",
    "Nova",
    "Zen",
    "Flex",
    "Green",
    "True",
    "Next",
    "Sky",
)
_BRAND_TAILS = (
    "ly",
    "ify",
    "Hub",
    "box",
    "flix",
    "book",
    "gram",
    "bit",
    "soft",
    "works",
    "Lab",
    "Point",
    "Spot",
    "cast",
    "ware",
    "base",
    "feed",
    "Wave",
    "Path",
    "mart",
    "Pay",
    "Link",
    "Zone",
    "Fire",
    "hub",
)


def coined_organization(rng: random.Random) -> str:
    """A made-up organisation name of a real shape: an acronym, a CamelCase brand, or 'Surname Records'.

    Its words are never everyday words (those are the chatter's), so a capitalised word of chat is
    not taught as part of an organisation.
    """
    style = rng.choice((0, 1, 1, 2, 2))  # acronyms 1 in 5: a word in capitals is more often shouting
    if style < 2:
        words = everyday_words()
        while True:  # "WE", "Openly": a word of chat, draw again
            if style == 0:
                name = "".join(rng.choice(_LETTERS) for _ in range(rng.randint(2, 4)))
            else:
                name = rng.choice(_BRAND_HEADS) + rng.choice(_BRAND_TAILS)
            if name.lower() not in words:
                return name
    surnames = _surnames()
    return f"{surnames[rng.randrange(len(surnames))]} {rng.choice(_ORG_SUFFIXES)}"


@functools.lru_cache(maxsize=1)
def _surnames() -> tuple[str, ...]:
    """Faker's en_US last names that are not everyday words, for made-up organisation names."""
    from faker.providers.person.en_US import Provider as Person

    words = everyday_words()
    return tuple(n for n in Person.last_names if n.lower() not in words)


def organization(rng: random.Random, locale: str) -> str:
    """An organisation: a well-known company, brand, team, band, party, agency or university, or (2 in 5)
    a made-up one of a real shape (:func:`coined_organization`)."""
    if rng.random() < 0.25:
        return coined_organization(rng)
    # The head of the list (the most named ones) more often than its tail, as in real text.
    return _ORGANIZATIONS[int(len(_ORGANIZATIONS) * rng.random() ** 2)]


def place(rng: random.Random, locale: str) -> str:
    """A well-known place: a city, state, country, region, street or landmark."""
    return rng.choice(_PLACES)


# Words of everyday chat, for {{chatter}}: the most frequent ones of any chat (drawn most often, the
# first of the list more often than the last), texting shorthand, and Faker's English word list for
# an open vocabulary. Written for mlp from general knowledge of how people text; no corpus behind it.
_CHAT_COMMON = tuple(
    "i you the to a and it is me my that in of for on so but be just not do have at with this we are was "
    "get go can if what all up no now out know like your when about how will one there got lol ok yeah "
    "im its dont cant really too good time day love want see come back think need still then going some "
    "well did he she they him her them his our us an or as from had has would could more much very here "
    "where why who oh haha hey hi night home work tonight tomorrow today week lot make take thing said "
    "say tell call text let way feel new last first little right never always sure yes nice happy sorry "
    "thanks please wait done gonna though also every only any off over after before again next around".split()
)
_CHAT_SLANG = tuple(
    "u ur r n k kk ya yea yep nah nope pls plz thx ty lmao omg idk btw imo tbh smh ikr brb ttyl gr8 l8r "
    "2day 2moro 2nite b4 4 2 wat wot dat dis da wanna gotta kinda dunno lemme gimme cuz coz bc tho thru "
    "msg txt luv xx hehe hahaha nvm ppl pic pics vid fav bday bro sis dude mate fam omw asap fyi jk np "
    "hmm ugh meh yay wow aww oops okay okie gud nite tmr tmrw wknd sry soz cya hun babe srsly prob def "
    "lor lah ah eh huh ohh yo sup wassup ya'll ain't y'know "
    "i'm it's don't can't i'll you're that's didn't won't isn't".split()
)
# Everyday words of texts and posts that chat capitalises mid-sentence ("my Heart", "Life is", "Dear"):
# people, feelings, family, food, places of a day, things. None is a name, a place or an organisation.
_CHAT_EVERYDAY = tuple(
    "life love heart smile friend friends friendship truth reason person people nobody somebody everyone "
    "someone anyone everything nothing something man woman girl boy guy guys lady kid kids baby babies mom "
    "mum dad mommy daddy mother father brother sister son daughter wife husband hubby family uncle aunt "
    "cousin grandma grandpa boss teacher doctor nurse dear darling sweetheart honey sweetie lover buddy "
    "pal neighbour neighbor stranger angel princess king queen hero legend genius idiot loser fool "
    "morning afternoon evening weekend holiday holidays vacation birthday party wedding dinner lunch "
    "breakfast supper tea coffee beer wine vodka whisky drinks food pizza burger chips chicken rice cake "
    "chocolate ice cream milk water juice snack fruit home house room bed kitchen bathroom office school "
    "college uni class lecture exam test homework project job work shift meeting interview gym pool park "
    "beach shop shops store mall market bank church hospital station airport bus train car taxi bike "
    "road street town city village downtown place country world earth moon sun sky star stars rain snow "
    "weather phone mobile laptop computer tv telly movie movies film show music song songs radio game "
    "games football soccer basketball match team club band book books news paper letter card gift money "
    "cash bill bills rent price sale deal offer plan plans trip ticket tickets time times day days night "
    "nights week weeks month year years hour hours minute minutes moment today tonight tomorrow yesterday "
    "sorry thanks thank please welcome congrats congratulations cheers bless luck hope dream dreams wish "
    "wishes prayer prayers joy peace pain fear anger hate care trust faith pride shame hurt tears kiss "
    "kisses hug hugs miss sad happy glad lucky crazy funny silly cute sweet lovely beautiful pretty ugly "
    "nice cool great awesome amazing perfect terrible horrible bad good best worst fine okay alright "
    "busy free tired sleepy sick hungry angry bored late early ready sure true real fake simple hard easy "
    "big small huge tiny long short old young new hot cold warm wet dry clean dirty full empty "
    "enjoy relax chill sleep wake eat drink cook clean drive walk run swim dance sing play watch listen "
    "read write study learn teach help check call text ring reply send wait stay leave move plus "
    "still even yet maybe almost ever just also though anyway whatever seriously honestly literally "
    "actually totally finally probably definitely basically".split()
)
# Texting shorthand beside _CHAT_SLANG's: sounds spelt out (den, dun, neva), vowels dropped (hw, frm).
_CHAT_SHORTHAND = tuple(
    "cos coz bcoz becoz den dun wen dey dem neva eva nt d c b y w v hw frm abt hav gd nw wan wanna ard sch "
    "juz jus oso wif tat dat wat thk tink tot wil shd cld wud rly ok okk okies ni8 gn gm tc hru wbu wyd "
    "hbu bf gf bff ily ilu xoxo lolz lmfao rofl omfg wtf ffs fml tmi irl dm rt ff smh oml ngl fr deadass "
    "lit bae fam squad goals mood af tbt yolo swag bruh bro bruv innit ya yall y'all gonna gotta outta "
    "lotsa sumthin nuthin nothin somethin tryna finna boutta".split()
)
# Capitalised words that are no entity: greetings, wishes and sign-offs as texts write them.
_CHAT_PHRASES = (
    "Good Morning", "Good morning", "Morning", "Good Night", "Good night", "Gud nite", "Nite nite",
    "Happy Birthday", "Happy bday", "HAPPY BIRTHDAY", "Happy Anniversary", "Congrats", "Congratulations",
    "Have A Nice Day", "Have a great day", "Have a Good Weekend", "Take Care", "Take care", "Sweet Dreams",
    "Miss U", "Miss you", "Love U", "Love you", "Love You", "Luv ya", "Much Love", "Lots of Love",
    "God bless", "Thank God", "Oh my God", "OMG", "Thank You", "Thanks a lot", "Thank u", "Bless you",
    "Best Wishes", "All the Best", "Good Luck", "Well Done", "Get Well Soon", "Safe Journey",
    "Happy Monday", "Happy Friday", "Happy weekend", "Happy New Year", "Merry Christmas", "Merry Xmas",
    "Happy Holidays", "Happy Easter", "Happy Valentine's Day", "Happy Mother's Day", "Happy Father's Day",
    "Season's Greetings", "Cheers", "Dear", "My Dear", "Hi Dear", "Hey Babe", "Hi Sweetie", "Hello Sir",
    "Yes Sir", "Ok Boss", "Mom", "Dad", "Mum", "Bro", "Sis", "Babe", "Baby", "Honey", "Darling",
)  # fmt: skip
# No organisation that is one of chat's most frequent words ("Time", "City", "Who", "Three"): a
# capitalised "Time" in a text is no organisation, whatever a magazine is called.
_FREQUENT_WORDS = frozenset((*_CHAT_COMMON, *_CHAT_SLANG, *_CHAT_EVERYDAY, *_CHAT_SHORTHAND))
# Nor one with a single letter as a word ("H&M", "E!"): a detector's tokens would make a lone "H" a name.
_ORGANIZATIONS = tuple(
    n
    for n in _ORGANIZATIONS
    if n.lower() not in _FREQUENT_WORDS and not re.search(r"(?<![\w.'’])[A-Za-z](?![\w.'’])", n)
)
_CHAT_PUNCT = (",", ",", ".", ".", "...", "!", "?", "!!", ":)", ":(", ":D", "<3", "-", "&", "lol", "haha")
_SENTENCE_ENDS = frozenset((".", "...", "!", "?", "!!", ":)", ":(", ":D"))


def _misspell(word: str, rng: random.Random) -> str:
    """Now and then the way people type in chat: a letter dropped, doubled or swapped, vowels left out,
    a word cut short or stretched ("sooo").

    So a word the model never saw is not, by itself, a sign of a name: real chat is full of them.
    """
    u = rng.random()
    if u > 0.3 or len(word) < 3:
        return word
    i = rng.randrange(len(word) - 1)
    if u < 0.08:
        return word[:i] + word[i + 1 :]
    if u < 0.13:
        return word[:i] + word[i] + word[i:]
    if u < 0.18:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if u < 0.23:
        return word[0] + "".join(c for c in word[1:] if c not in "aeiou") or word
    if u < 0.27:
        return word[: rng.randint(2, 4)]
    return word + word[-1] * rng.randint(1, 3)


@functools.lru_cache(maxsize=1)
def chat_lexicon() -> tuple[tuple[str, ...], dict[str, tuple[str, ...]]]:
    """English words and the ways people misspell them, for {{chatter}}: an open vocabulary.

    From nlpaug's English spelling list (``nlpaug/res/word/spelling/spelling_en.txt``, MIT; nlpaug is
    a dependency of mlp): about 8,000 lower-case words with real misspellings of each, plus Faker's
    English word list. Words that are also written capitalised in the list or are Faker first or last
    names (``john``, ``mark``) are left out, so the filler never holds a name.
    """
    import importlib.util
    from pathlib import Path

    from faker.providers.lorem.en_US import Provider as Lorem
    from faker.providers.person.en_US import Provider as Person

    names = {n.lower() for n in (*Person.first_names, *Person.last_names)}
    words: dict[str, None] = dict.fromkeys(w for w in Lorem.word_list if w.isalpha() and w not in names)
    typos: dict[str, tuple[str, ...]] = {}
    spec = importlib.util.find_spec("nlpaug")  # the file only: importing nlpaug would pull in numpy
    path = Path(spec.submodule_search_locations[0]) / "res/word/spelling/spelling_en.txt" if spec else None
    if path is not None and path.exists():
        rows = [line.split() for line in path.read_text(encoding="utf-8").splitlines()]
        capitalised = {r[0].lower() for r in rows if r and not r[0].islower()}
        for row in rows:
            if not row or not (row[0].isalpha() and row[0].islower()) or row[0] in names or row[0] in capitalised:
                continue
            words[row[0]] = None
            wrong = tuple(w for w in row[1:] if w.isalpha() and w.islower() and w not in names)
            if wrong:
                typos[row[0]] = wrong
    return tuple(words), typos


@functools.lru_cache(maxsize=1)
def everyday_words() -> frozenset[str]:
    """Lower-case everyday words (chat words and :func:`chat_lexicon`); ``word_names: drop`` keeps them out of names."""
    from faker.providers.lorem.en_US import Provider as Lorem

    return frozenset(
        (*_CHAT_COMMON, *_CHAT_SLANG, *_CHAT_EVERYDAY, *_CHAT_SHORTHAND, *Lorem.word_list, *chat_lexicon()[0])
    )


def _chat_word(rng: random.Random, lexicon: tuple[str, ...], typos: dict[str, tuple[str, ...]]) -> str:
    u = rng.random()
    if u < 0.38:
        word = _CHAT_COMMON[int(len(_CHAT_COMMON) * rng.random() ** 2)]
    elif u < 0.53:
        table = _CHAT_SLANG if u < 0.47 else _CHAT_SHORTHAND
        word = table[rng.randrange(len(table))]
        c = rng.random()  # texts write "U", "Ur", "LOL" as often as not
        return word if c > 0.3 else word.upper() if c < 0.1 else word.capitalize()
    elif u < 0.68:
        word = _CHAT_EVERYDAY[rng.randrange(len(_CHAT_EVERYDAY))]
        c = rng.random()  # texts capitalise the words that matter to them: "my Heart", "Happy Life"
        return word if c > 0.25 else word.upper() if c < 0.04 else word.capitalize()
    else:
        word = lexicon[rng.randrange(len(lexicon))]
        wrong = typos.get(word)
        if wrong and rng.random() < 0.15:
            word = wrong[rng.randrange(len(wrong))]
        else:
            word = _misspell(word, rng)
    c = rng.random()
    if c < 0.09:
        return word.capitalize()
    if c < 0.105:
        return word.upper()
    return word


def chatter(rng: random.Random) -> str:
    """A few words of everyday chat: text around and between entities that is no PII.

    Frequent chat words, texting shorthand and English words of :func:`chat_lexicon` (now and then
    misspelt), with the capitals, punctuation and emoticons of real chat: a sentence-initial capital,
    a capital after ``.`` ``!`` ``?``, a word in capitals, ``,`` ``...`` ``:)``. An open vocabulary,
    so that an unseen word or a capital alone is no sign of a name.
    """
    lexicon, typos = chat_lexicon()
    n = rng.randint(1, 10)
    words = [_chat_word(rng, lexicon, typos) for _ in range(n)]
    for k in range(n - 1, 0, -1):
        if rng.random() < 0.1:
            mark = _CHAT_PUNCT[rng.randrange(len(_CHAT_PUNCT))]
            if mark in _SENTENCE_ENDS and rng.random() < 0.7:  # a new sentence, as people write it
                words[k] = words[k][:1].upper() + words[k][1:]
            words.insert(k, mark)
    if rng.random() < 0.15:  # a greeting or wish: capitals that name nobody ("Happy Birthday", "Dear")
        words.insert(rng.randint(0, len(words)), _CHAT_PHRASES[rng.randrange(len(_CHAT_PHRASES))])
    if rng.random() < 0.35:
        words.append(_CHAT_PUNCT[rng.randrange(len(_CHAT_PUNCT))])
    return " ".join(words)


def chat_word(rng: random.Random) -> str:
    """One word of chat where a template could hold a name ("{{chat_word}} is ...", "thanks {{chat_word}}"):
    a pronoun or other frequent word, an everyday noun or adjective (capitalised 3 times in 10) or
    shorthand. The entity-free twin of an entity's context, so the context alone is no sign of one."""
    u = rng.random()
    if u < 0.5:
        return _CHAT_COMMON[int(len(_CHAT_COMMON) * rng.random() ** 2)]
    if u < 0.85:
        word = _CHAT_EVERYDAY[rng.randrange(len(_CHAT_EVERYDAY))]
    else:
        word = _CHAT_SHORTHAND[rng.randrange(len(_CHAT_SHORTHAND))]
    return word.capitalize() if rng.random() < 0.3 else word


NATIVE_PROVIDERS.update({"organization": organization, "place": place})
DEFAULT_LABELS.update({"place": "LOCATION"})
# Filler words, not a look-alike of any PII: recorded neither in `spans` nor in `lookalikes`.
FILLERS: dict[str, Callable[[random.Random], str]] = {"chatter": chatter, "chat_word": chat_word}
LOOKALIKES.update(FILLERS)


# ---- names as people are named online: many countries, one word or two ----------------------
# Faker locales (Latin script) whose person lists {{world_first_name}} and {{world_last_name}} draw from.
# A locale's own {{first_name}} has a few hundred names (en_US: 690); a social-media post names people
# of any country, so a detector must not learn the few hundred names of one locale.
WORLD_NAME_LOCALES = (
    "en", "en_US", "en_GB", "en_IE", "en_IN", "en_KE", "en_NG", "en_NZ", "en_PK", "yo_NG", "ig_NG", "ha_NG",
    "tw_GH", "zu_ZA", "sw", "id_ID", "es_ES", "es_MX", "es_CO", "es_AR", "pt_BR", "it_IT", "fr_FR", "de_DE",
    "nl_NL", "sv_SE", "da_DK", "fi_FI", "pl_PL", "tr_TR", "ro_RO",
)  # fmt: skip
_LATIN_NAME = re.compile(r"[A-Za-zÀ-ÖØ-öø-ɏ]{2,}")


def _names_of(provider: object, attribute: str) -> list[str]:
    value = getattr(provider, attribute, ())
    if isinstance(value, dict):  # weighted lists (OrderedDict name -> weight)
        return list(value)
    return list(value) if isinstance(value, (list, tuple)) else []


@functools.lru_cache(maxsize=1)
def world_names() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """First names and last names of :data:`WORLD_NAME_LOCALES` (Faker's lists), once each, sorted.

    Only one-word names in Latin letters; none that is an everyday word (``Love``, ``Will``,
    ``Young``), so a capitalised word of chat is not taught as a name.
    """
    import importlib

    words = everyday_words()
    firsts: set[str] = set()
    lasts: set[str] = set()
    for locale in WORLD_NAME_LOCALES:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        for into, attribute in ((firsts, "first_names"), (lasts, "last_names")):
            into.update(
                n for n in _names_of(provider, attribute) if _LATIN_NAME.fullmatch(n) and n.lower() not in words
            )
    return tuple(sorted(firsts)), tuple(sorted(lasts))


@functools.lru_cache(maxsize=1)
def _english_names() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The names of :func:`world_names` that Faker's English lists (en, en_US, en_GB) hold: the common ones."""
    from faker.providers.person.en import Provider as En
    from faker.providers.person.en_GB import Provider as EnGB
    from faker.providers.person.en_US import Provider as EnUS

    firsts, lasts = world_names()
    known_firsts = {n for p in (En, EnUS, EnGB) for n in _names_of(p, "first_names")}
    known_lasts = {n for p in (En, EnUS, EnGB) for n in _names_of(p, "last_names")}
    return tuple(n for n in firsts if n in known_firsts), tuple(n for n in lasts if n in known_lasts)


def _world_pick(rng: random.Random, which: int) -> str:
    # Half from the English lists (common names are named most), half from every country's.
    names = (_english_names() if rng.random() < 0.5 else world_names())[which]
    return names[rng.randrange(len(names))]


def world_first_name(rng: random.Random, locale: str) -> str:
    """A first name from the name lists of many countries (:func:`world_names`), whatever the locale;
    half of them from the English lists."""
    return _world_pick(rng, 0)


def world_last_name(rng: random.Random, locale: str) -> str:
    """A last name from the name lists of many countries (:func:`world_names`), whatever the locale;
    half of them from the English lists."""
    return _world_pick(rng, 1)


def world_name(rng: random.Random, locale: str) -> str:
    """A first and a last name, each from :func:`world_names` (a person of any country)."""
    return f"{world_first_name(rng, locale)} {world_last_name(rng, locale)}"


# Public figures as posts name them: politicians, musicians, actors, athletes, business people,
# writers (general knowledge, not drawn from any test set). {{famous_person}} writes a full name,
# its last word alone ("Obama", "Messi") or, for one-word stage names, that name.
_FAMOUS_PEOPLE = tuple(
    "|".join(
        (
            "Barack Obama|Michelle Obama|Donald Trump|Hillary Clinton|Bill Clinton|Joe Biden|Kamala Harris|"
            "Bernie Sanders|George Bush|Ronald Reagan|Abraham Lincoln|John Kennedy|Vladimir Putin|Angela Merkel|"
            "Emmanuel Macron|Theresa May|Boris Johnson|David Cameron|Tony Blair|Jeremy Corbyn|Justin Trudeau|"
            "Narendra Modi|Xi Jinping|Kim Jong Un|Nelson Mandela|Martin Luther King|Gandhi|Mike Pence|"
            "Nancy Pelosi|Ted Cruz|Marco Rubio|Elizabeth Warren|Sarah Palin|Winston Churchill|Queen Elizabeth|"
            "Prince Harry|Prince William|Meghan Markle|Kate Middleton|Pope Francis|Dalai Lama|Greta Thunberg",
            "Beyonce|Rihanna|Adele|Drake|Eminem|Kanye West|Jay Z|Taylor Swift|Katy Perry|Lady Gaga|Madonna|"
            "Justin Bieber|Ariana Grande|Selena Gomez|Miley Cyrus|Britney Spears|Ed Sheeran|Bruno Mars|Shakira|"
            "Nicki Minaj|Cardi B|Kendrick Lamar|Snoop Dogg|Lil Wayne|Travis Scott|Post Malone|Billie Eilish|"
            "Dua Lipa|Harry Styles|Zayn Malik|Niall Horan|Shawn Mendes|Camila Cabello|Demi Lovato|Sia|Lorde|"
            "Cher|Elton John|Paul McCartney|John Lennon|Mick Jagger|Freddie Mercury|David Bowie|"
            "Michael Jackson|Whitney Houston|Mariah Carey|Celine Dion|Bob Dylan|Bob Marley|Elvis|Tupac|"
            "Biggie|Kurt Cobain|Dr Dre|Ice Cube|50 Cent|Pitbull|Usher|Chris Brown|Frank Ocean|SZA|Lizzo|"
            "Khalid|Halsey|Avicii|Skrillex|Calvin Harris|David Guetta|Marshmello|Diplo|Kesha|Pharrell|"
            "Childish Gambino|Chance the Rapper|Mac Miller|J Cole|Quavo|Lil Nas X",
            "Tom Hanks|Tom Cruise|Brad Pitt|Angelina Jolie|Leonardo DiCaprio|Johnny Depp|Will Smith|"
            "Denzel Washington|Morgan Freeman|Robert Downey|Chris Evans|Chris Hemsworth|Scarlett Johansson|"
            "Jennifer Lawrence|Jennifer Aniston|Jennifer Lopez|Emma Watson|Emma Stone|Ryan Gosling|Ryan Reynolds|"
            "Keanu Reeves|Dwayne Johnson|Vin Diesel|Jackie Chan|Bruce Lee|Arnold Schwarzenegger|"
            "Sylvester Stallone|Samuel Jackson|Meryl Streep|Julia Roberts|Nicole Kidman|Hugh Jackman|"
            "Benedict Cumberbatch|Tom Hardy|Tom Holland|Zendaya|Margot Robbie|Gal Gadot|Matt Damon|"
            "Ben Affleck|George Clooney|Kevin Hart|Jim Carrey|Adam Sandler|Will Ferrell|Steve Carell|"
            "Oprah|Ellen|Jimmy Fallon|Jimmy Kimmel|Conan|Kim Kardashian|Kylie Jenner|Kendall Jenner|"
            "Paris Hilton|Steven Spielberg|Quentin Tarantino|Christopher Nolan|Martin Scorsese|Stan Lee|"
            "Charlie Chaplin|Marilyn Monroe|Audrey Hepburn|Heath Ledger|Robin Williams|Mr Bean|PewDiePie|"
            "MrBeast|Logan Paul|Jake Paul|KSI|Markiplier|Jacksepticeye|Casey Neistat|Lilly Singh",
            "Lionel Messi|Cristiano Ronaldo|Neymar|Kylian Mbappe|David Beckham|Wayne Rooney|Zlatan|Pele|"
            "Maradona|Zidane|Mohamed Salah|Harry Kane|Mesut Ozil|Gareth Bale|Luka Modric|Sergio Ramos|"
            "LeBron James|Kobe Bryant|Michael Jordan|Stephen Curry|Kevin Durant|Shaq|Kyrie Irving|James Harden|"
            "Giannis|Tom Brady|Peyton Manning|Aaron Rodgers|Patrick Mahomes|Odell Beckham|Serena Williams|"
            "Venus Williams|Roger Federer|Rafael Nadal|Novak Djokovic|Andy Murray|Usain Bolt|Mo Farah|"
            "Michael Phelps|Simone Biles|Tiger Woods|Muhammad Ali|Mike Tyson|Floyd Mayweather|Conor McGregor|"
            "Ronda Rousey|Lewis Hamilton|Max Verstappen|Michael Schumacher|Sachin Tendulkar|Virat Kohli|"
            "Wayne Gretzky|Sidney Crosby|Babe Ruth|Derek Jeter|Shohei Ohtani",
            "Elon Musk|Bill Gates|Steve Jobs|Mark Zuckerberg|Jeff Bezos|Warren Buffett|Tim Cook|Larry Page|"
            "Sergey Brin|Jack Dorsey|Richard Branson|Oprah Winfrey|Sundar Pichai|Satya Nadella|Albert Einstein|"
            "Isaac Newton|Stephen Hawking|Charles Darwin|Marie Curie|Shakespeare|JK Rowling|"
            "Stephen King|George Orwell|Mark Twain|Picasso|Van Gogh|Leonardo da Vinci|Mozart|Beethoven|"
            "Napoleon|Hitler|Stalin|Mao|Cleopatra|Julius Caesar|Neil Armstrong|Buzz Aldrin|Bob Ross|"
            "Gordon Ramsay|Jamie Oliver|Anthony Bourdain|Joe Rogan|Jordan Peterson|Ben Shapiro|Alex Jones|"
            "Tucker Carlson|Piers Morgan|Simon Cowell|David Attenborough|Bill Nye|Neil deGrasse Tyson",
        )
    ).split("|")
)


def famous_person(rng: random.Random, locale: str) -> str:
    """A public figure (:data:`_FAMOUS_PEOPLE`): the full name, or its last word alone 2 times in 5."""
    name = _FAMOUS_PEOPLE[rng.randrange(len(_FAMOUS_PEOPLE))]
    if " " in name and rng.random() < 0.4:
        last = name.rsplit(" ", 1)[1]
        if last.lower() not in everyday_words():  # "May", "King", "Cook" alone name nobody
            return last
    return name


NATIVE_PROVIDERS.update(
    {"world_first_name": world_first_name, "world_last_name": world_last_name, "world_name": world_name}
)
NATIVE_PROVIDERS["famous_person"] = famous_person
DEFAULT_LABELS.update(
    {"world_first_name": "PERSON", "world_last_name": "PERSON", "world_name": "PERSON", "famous_person": "PERSON"}
)
