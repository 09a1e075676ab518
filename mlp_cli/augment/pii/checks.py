"""Validity rules of identifiers: the checks that make fake PII valid and look-alikes invalid.

Each rule is written once here and used both to generate values (check digits) and by tests and
users to verify them: Luhn (payment cards, IMEI), ISO 13616 mod-97 (IBAN), the SSA rules for US
Social Security numbers, and the GS1 check digit (EAN-13, ISBN-13).
"""

from __future__ import annotations

import re

# Numbers the SSA never issues although they pass the area/group/serial rules (advertising samples).
SSN_NEVER_ISSUED = frozenset({"078051120", "219099999", "457555462"})
_SSN_SHAPE = re.compile(r"\d{3}([- ]?)\d{2}\1\d{4}")


def digits_of(text: str) -> str:
    """The digits of ``text``, separators (spaces, dashes, dots) removed."""
    return "".join(c for c in text if c.isdigit())


def luhn_check_digit(payload: str) -> str:
    """The Luhn digit that makes ``payload + digit`` valid."""
    total = 0
    for i, c in enumerate(reversed(payload)):
        d = int(c)
        if i % 2 == 0:  # doubled: these become the odd positions once the check digit is appended
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return str((10 - total % 10) % 10)


def luhn_valid(number: str) -> bool:
    """True if the digits of ``number`` pass the Luhn (mod 10) check."""
    digits = digits_of(number)
    return len(digits) >= 2 and luhn_check_digit(digits[:-1]) == digits[-1]


def iban_valid(iban: str) -> bool:
    """True if ``iban`` (spaces allowed) passes the ISO 13616 mod-97 check."""
    compact = iban.replace(" ", "").upper()
    if len(compact) < 15 or not compact[:2].isalpha() or not compact[2:4].isdigit() or not compact.isalnum():
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def ssn_valid(ssn: str) -> bool:
    """True if ``ssn`` follows the SSA rules: AAA-GG-SSSS, area not 000/666/9xx, group not 00, serial not 0000."""
    if not _SSN_SHAPE.fullmatch(ssn):
        return False
    digits = digits_of(ssn)
    area, group, serial = int(digits[:3]), int(digits[3:5]), int(digits[5:])
    if area == 0 or area == 666 or area >= 900 or group == 0 or serial == 0:
        return False
    return digits not in SSN_NEVER_ISSUED


def gs1_check_digit(payload: str) -> str:
    """The GS1 (EAN-13 / ISBN-13) check digit of the first 12 digits."""
    total = sum(int(c) * (3 if i % 2 else 1) for i, c in enumerate(payload))
    return str((10 - total % 10) % 10)


def ean13_valid(code: str) -> bool:
    """True if the 13 digits of ``code`` carry a valid EAN-13 check digit (ISBN-13 included)."""
    digits = digits_of(code)
    return len(digits) == 13 and gs1_check_digit(digits[:12]) == digits[12]
