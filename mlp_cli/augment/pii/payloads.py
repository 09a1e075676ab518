"""Render a sample as plain text or inside a payload (JSON, XML, CSV row, log line), spans still exact.

The message is escaped piece by piece with the payload's own escaping; every escape rule here maps
one character to a fixed string, so escaping the pieces one by one gives exactly the escaped
message, and each entity's span is the escaped value where it lands in the rendered text.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Callable

FORMATS = ("plain", "json", "xml", "csv", "log")
_CHANNELS = ("chat", "email", "web-form", "phone-transcript", "ticket")
_EPOCH = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)


def _json_escape(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)[1:-1]


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _csv_escape(text: str) -> str:
    return text.replace('"', '""')


def _plain(text: str) -> str:
    return text


ESCAPES: dict[str, Callable[[str], str]] = {
    "plain": _plain,
    "json": _json_escape,
    "xml": _xml_escape,
    "csv": _csv_escape,
    "log": _json_escape,  # logfmt-style msg="...": quotes, backslashes and newlines escaped as in JSON
}


def envelope(fmt: str, rng: random.Random) -> tuple[str, str]:
    """The text before and after the message for payload ``fmt``, with metadata drawn from ``rng``."""
    if fmt == "plain":
        return "", ""
    ticket = f"T-{rng.randint(100000, 999999)}"
    when = (_EPOCH + dt.timedelta(seconds=rng.randrange(366 * 86400))).strftime("%Y-%m-%dT%H:%M:%SZ")
    channel = rng.choice(_CHANNELS)
    if fmt == "json":
        head = json.dumps({"id": ticket, "created_at": when, "channel": channel})[:-1]
        return head + ', "message": "', '"}'
    if fmt == "xml":
        return (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<ticket id="{ticket}" created_at="{when}">\n'
            f"  <channel>{channel}</channel>\n  <message>",
            "</message>\n</ticket>\n",
        )
    if fmt == "csv":
        return f'id,created_at,channel,message\n{ticket},{when},{channel},"', '"\n'
    level = rng.choice(("INFO", "INFO", "WARN", "DEBUG"))
    return f'{when} {level} support-api ticket={ticket} channel={channel} msg="', '"'
