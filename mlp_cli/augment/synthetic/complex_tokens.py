"""Complex tokens: valid URIs, URLs, user agents, emails, IP addresses, file paths, hashes, JSON and XML.

Cloudflare made its synthetic benign data harder by inserting such structured strings (and the
n-grams that attacks use), so that a classifier learns structure instead of keywords. Faker makes
the values; it draws from the per-row ``random.Random`` it is handed, so a token depends only on
(seed, row), never on the worker. Faker is imported on first use, not when mlp starts.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from mlp_cli.errors import InputDataError

KINDS = ("uri", "url", "user_agent", "email", "ipv4", "ipv6", "file_path", "hash", "json", "xml")
# The kind name of entries from a user-supplied n-gram file.
NGRAM = "ngram"

_FAKERS: dict[str, Any] = {}


def _faker(locale: str) -> Any:
    """One Faker per locale and process (building one costs milliseconds)."""
    fake = _FAKERS.get(locale)
    if fake is None:
        from faker import Faker

        try:
            fake = Faker(locale)
        except AttributeError:
            from faker.config import AVAILABLE_LOCALES

            raise InputDataError(
                f"unknown Faker locale {locale!r}; e.g. {', '.join(sorted(AVAILABLE_LOCALES)[:8])}, ..."
            ) from None
        _FAKERS[locale] = fake
    return fake


def read_ngrams(path: Path) -> list[str]:
    """The n-grams of a user file: one per line, blank lines and lines starting with '#' left out."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputDataError(f"{path}: n-gram file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputDataError(f"{path}: cannot read n-gram file: {exc}") from None
    ngrams = [line.rstrip("\r\n") for line in text.splitlines()]
    ngrams = [g for g in ngrams if g.strip() and not g.lstrip().startswith("#")]
    if not ngrams:
        raise InputDataError(f"{path}: n-gram file has no entries (one n-gram per line; '#' starts a comment)")
    return ngrams


class ComplexTokens:
    """Makes complex tokens of the configured kinds, plus entries of a user n-gram list.

    Picklable: the Faker instance lives in a per-process cache, not on the object.
    """

    def __init__(
        self, kinds: list[str] | tuple[str, ...] = KINDS, ngrams: list[str] | None = None, locale: str = "en_US"
    ):
        unknown = [k for k in kinds if k not in KINDS]
        if unknown:
            raise ValueError(f"unknown complex token kind {unknown[0]!r}; accepted: {', '.join(KINDS)}")
        self.kinds = list(kinds) + ([NGRAM] if ngrams else [])
        if not self.kinds:
            raise ValueError("complex tokens need at least one kind or an n-gram list")
        self.ngrams = list(ngrams or [])
        self.locale = locale

    def sample(self, rng: random.Random) -> tuple[str, str]:
        """One ``(kind, token)``; the kind is drawn uniformly from the configured ones."""
        kind = self.kinds[int(rng.random() * len(self.kinds))]
        return kind, self.make(kind, rng)

    def make(self, kind: str, rng: random.Random) -> str:
        """A token of ``kind`` drawn from ``rng`` (Faker is pointed at ``rng`` for this call)."""
        if kind == NGRAM:
            return self.ngrams[int(rng.random() * len(self.ngrams))]
        fake = _faker(self.locale)
        fake.random = rng
        if kind == "uri":
            return fake.uri()
        if kind == "url":
            return fake.url() + fake.uri_path() + "?" + fake.word() + "=" + str(rng.randrange(10_000))
        if kind == "user_agent":
            return fake.user_agent()
        if kind == "email":
            return fake.email()
        if kind == "ipv4":
            return fake.ipv4()
        if kind == "ipv6":
            return fake.ipv6()
        if kind == "file_path":
            return fake.file_path(depth=rng.randint(1, 4))
        if kind == "hash":
            return (fake.md5, fake.sha1, fake.sha256)[rng.randrange(3)]()
        if kind == "json":
            return json.dumps(self._record(fake, rng), ensure_ascii=False, separators=(",", ":"))
        if kind == "xml":
            return self._xml(fake, rng)
        raise ValueError(f"unknown complex token kind {kind!r}")

    @staticmethod
    def _record(fake: Any, rng: random.Random) -> dict[str, Any]:
        record: dict[str, Any] = {"id": rng.randrange(1, 1_000_000), "user": fake.user_name()}
        extras = [
            ("email", fake.email),
            ("ip", fake.ipv4),
            ("url", fake.url),
            ("active", lambda: rng.random() < 0.5),
            ("score", lambda: round(rng.random() * 100, 2)),
            ("tags", lambda: [fake.word() for _ in range(rng.randint(1, 3))]),
        ]
        for name, make in extras:
            if rng.random() < 0.5:
                record[name] = make()
        return record

    def _xml(self, fake: Any, rng: random.Random) -> str:
        root = ElementTree.Element("record", {"id": str(rng.randrange(1, 100_000)), "type": fake.word()})
        for key, value in self._record(fake, rng).items():
            child = ElementTree.SubElement(root, "field", {"name": key})
            child.text = json.dumps(value, ensure_ascii=False) if isinstance(value, (list, bool, float)) else str(value)
        return ElementTree.tostring(root, encoding="unicode")
