"""Where every placeholder's value comes from: Faker providers, mlp's own rule-valid generators,
linked identities, and the look-alikes that are not PII.

Every function here draws only from the ``random.Random`` it is given (the sample's), so a value
depends on nothing but (seed, sample index). Values whose validity is defined (SSN, card number)
and values Faker would make depend on today's date (date of birth) are generated here, not by Faker.
"""

from __future__ import annotations

import datetime as dt
import functools
import ipaddress
import random
import re
import uuid
from collections.abc import Callable

from mlp_cli.augment.pii.checks import SSN_NEVER_ISSUED, gs1_check_digit, luhn_check_digit

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
