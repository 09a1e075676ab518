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


def dea_check_digit(six: str) -> str:
    """The check digit of a DEA number's six digits: (d1+d3+d5 + 2*(d2+d4+d6)) mod 10."""
    d = [int(c) for c in six]
    return str((d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])) % 10)


def dea_valid(text: str) -> bool:
    """True for a DEA registration number (two letters, seven digits, valid check digit)."""
    if not re.fullmatch(r"[A-Z]{2}\d{7}", text):
        return False
    return dea_check_digit(text[2:8]) == text[8]


_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def base58_encode(data: bytes) -> str:
    """Bitcoin's Base58 (leading zero bytes become '1')."""
    n = int.from_bytes(data, "big")
    out = []
    while n:
        n, r = divmod(n, 58)
        out.append(_B58[r])
    pad = len(data) - len(data.lstrip(b"\0"))
    return "1" * pad + "".join(reversed(out))


def btc_address_valid(text: str) -> bool:
    """True for a Base58Check Bitcoin address (version 0x00 or 0x05) whose checksum holds."""
    import hashlib

    if not text or any(c not in _B58 for c in text):
        return False
    n = 0
    for c in text:
        n = n * 58 + _B58.index(c)
    pad = len(text) - len(text.lstrip("1"))
    raw = b"\0" * pad + (n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b"")
    if len(raw) != 25 or raw[0] not in (0x00, 0x05):
        return False
    return hashlib.sha256(hashlib.sha256(raw[:21]).digest()).digest()[:4] == raw[21:]
