"""Write samples/payloads.txt (benign HTTP request lines) and samples/dangerous-ngrams.txt.

The project's own small, license-free stand-in for a payload classifier's benign traffic: request
lines of a made-up shop, API and static site, built from fixed word lists with a fixed seed, so
the same bytes come out on every machine. Run from anywhere:

    python samples/make_payloads.py            # 3000 lines
    python samples/make_payloads.py --lines 500
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent

METHODS = ["GET"] * 12 + ["POST"] * 4 + ["PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]
VERSIONS = ["HTTP/1.1"] * 6 + ["HTTP/2", "HTTP/1.0"]
SECTIONS = ["products", "cart", "orders", "users", "search", "blog", "help", "account", "checkout", "reviews"]
RESOURCES = ["item", "list", "detail", "summary", "history", "settings", "profile", "images", "tags", "stats"]
WORDS = [
    "red", "shoes", "coffee", "mug", "garden", "chair", "laptop", "bag", "winter", "jacket", "desk", "lamp",
    "book", "kids", "sale", "gift", "card", "phone", "case", "tea", "cotton", "shirt", "blue", "light",
]
PARAMS = ["q", "page", "sort", "limit", "offset", "lang", "currency", "ref", "utm_source", "category", "size", "color"]
SORTS = ["price_asc", "price_desc", "newest", "rating", "relevance"]
LANGS = ["en", "de", "fr", "es", "it", "nl"]
STATIC = ["css/site.css", "js/app.js", "js/vendor.min.js", "img/logo.png", "img/banner.jpg", "fonts/inter.woff2", "favicon.ico"]
HEADERS = [
    "Accept: text/html,application/xhtml+xml",
    "Accept: application/json",
    "Accept-Language: en-US,en;q=0.9",
    "Content-Type: application/json",
    "Content-Type: application/x-www-form-urlencoded",
    "Cache-Control: no-cache",
    "Connection: keep-alive",
]
# Substrings that attacks use (SQL injection, XSS, traversal, command injection): benign rows that
# contain them teach a classifier that a keyword alone is not an attack.
DANGEROUS_NGRAMS = [
    "' OR '1'='1",
    "UNION SELECT",
    "SELECT * FROM",
    "DROP TABLE",
    "<script>",
    "</script>",
    "javascript:",
    "onerror=",
    "../../",
    "/etc/passwd",
    "; cat ",
    "| wget ",
    "$(curl",
    "%00",
    "<?php",
    "eval(",
    "base64_decode(",
    "${jndi:ldap://",
    "<!ENTITY",
    "xp_cmdshell",
]


def _value(rng: random.Random, name: str) -> str:
    if name == "q":
        return "+".join(rng.sample(WORDS, rng.randint(1, 3)))
    if name in ("page", "offset", "limit", "size"):
        return str(rng.randint(1, 200))
    if name == "sort":
        return rng.choice(SORTS)
    if name == "lang":
        return rng.choice(LANGS)
    if name == "currency":
        return rng.choice(["EUR", "USD", "GBP"])
    if name == "color":
        return rng.choice(WORDS[:12])
    return rng.choice(["newsletter", "google", "partner", "home", "email"])


def request_line(rng: random.Random) -> str:
    """One request line, sometimes followed by a header or a small body (on the same line)."""
    method = rng.choice(METHODS)
    roll = rng.random()
    if roll < 0.2:
        path = "/static/" + rng.choice(STATIC)
    elif roll < 0.55:
        path = f"/api/v{rng.randint(1, 3)}/{rng.choice(SECTIONS)}/{rng.randint(1, 99999)}"
        if rng.random() < 0.5:
            path += "/" + rng.choice(RESOURCES)
    else:
        path = "/" + rng.choice(SECTIONS) + "/" + "-".join(rng.sample(WORDS, rng.randint(1, 3)))
    if method == "GET" and rng.random() < 0.6:
        names = rng.sample(PARAMS, rng.randint(1, 4))
        path += "?" + "&".join(f"{n}={_value(rng, n)}" for n in names)
    line = f"{method} {path} {rng.choice(VERSIONS)}"
    if method in ("POST", "PUT", "PATCH") and rng.random() < 0.7:
        if rng.random() < 0.5:
            body = {"id": rng.randint(1, 9999), "qty": rng.randint(1, 5), "note": rng.choice(WORDS)}
            line += " " + json.dumps(body, separators=(",", ":"))
        else:
            line += f" name={rng.choice(WORDS)}&qty={rng.randint(1, 5)}"
    elif rng.random() < 0.3:
        line += " " + rng.choice(HEADERS)
    return line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=20240)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    lines = [request_line(rng) for _ in range(args.lines)]
    (HERE / "payloads.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (HERE / "dangerous-ngrams.txt").write_text(
        "# Substrings seen in attacks; inserted into benign synthetic rows as complex tokens.\n"
        + "\n".join(DANGEROUS_NGRAMS)
        + "\n",
        encoding="utf-8",
    )
    print(f"wrote {len(lines)} lines to {HERE / 'payloads.txt'} and {len(DANGEROUS_NGRAMS)} n-grams")


if __name__ == "__main__":
    main()
