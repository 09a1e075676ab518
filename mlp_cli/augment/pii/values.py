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
_ORGANIZATIONS = (
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
_ORGANIZATIONS = tuple(dict.fromkeys(_ORGANIZATIONS))  # in order, once each
_PLACES = tuple(dict.fromkeys(_PLACES))


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
    style = rng.randrange(3)
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
    if rng.random() < 0.4:
        return coined_organization(rng)
    return rng.choice(_ORGANIZATIONS)


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

    return frozenset((*_CHAT_COMMON, *_CHAT_SLANG, *Lorem.word_list, *chat_lexicon()[0]))


def _chat_word(rng: random.Random, lexicon: tuple[str, ...], typos: dict[str, tuple[str, ...]]) -> str:
    u = rng.random()
    if u < 0.45:
        word = _CHAT_COMMON[int(len(_CHAT_COMMON) * rng.random() ** 2)]
    elif u < 0.6:
        word = _CHAT_SLANG[rng.randrange(len(_CHAT_SLANG))]
        c = rng.random()  # texts write "U", "Ur", "LOL" as often as not
        return word if c > 0.3 else word.upper() if c < 0.1 else word.capitalize()
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
    if rng.random() < 0.35:
        words.append(_CHAT_PUNCT[rng.randrange(len(_CHAT_PUNCT))])
    return " ".join(words)


NATIVE_PROVIDERS.update({"organization": organization, "place": place})
DEFAULT_LABELS.update({"place": "LOCATION"})
# Filler words, not a look-alike of any PII: recorded neither in `spans` nor in `lookalikes`.
FILLERS: dict[str, Callable[[random.Random], str]] = {"chatter": chatter}
LOOKALIKES.update(FILLERS)
