"""Write the small inputs of recipes/curriculum-cloudflare.yaml (no third-party data, fixed seed).

- ``spam-synthetic.jsonl``: rows shaped like the output of ``mlp augment recipes/spam-synthetic.yaml``
  (``text``, ``label``, ``level``, numeric ``difficulty`` where higher is harder, ``_provenance``),
  cycling through the generator's five levels: uniform, unigram, bigram, trigram, complex;
- ``sms-real.tsv``: a real-style SMS sample, ``label<TAB>text`` without a header, like the
  SMS Spam Collection.

Run from anywhere::

    python samples/curriculum/make_samples.py                  # 600 synthetic + 400 real rows
    python samples/curriculum/make_samples.py --synthetic 100 --real 50
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
LEVELS = {"uniform": 0.0, "unigram": 0.25, "bigram": 0.5, "trigram": 0.75, "complex": 1.0}

WORDS = (
    "ok see you later at home work the gym town station uni shop pub class bus stop tonight tmrw soon "
    "pizza curry chips dinner lunch coffee tea cake call text me when you get there sorry busy tired "
    "can we do it after i am on my way love haha yes no maybe just got back will be late free now"
).split()
HAM = [
    "Hey {name}, are you coming to {place} {time}?",
    "Ok lar... see you {time}",
    "I'm at {place}, will call you {time}",
    "Can you pick up some {food} on the way?",
    "Sorry, I'm {feeling}. Can we do it {time}?",
    "{name} said {food} at {place} {time}. You in?",
    "Just got to {place}. Text me when you're free",
]
SPAM = [
    "WINNER!! You have won a {prize}. Call 0906{digits} now to claim. T&C apply",
    "FREE entry to win a {prize}! Text WIN to 8{digits} (std rate, 18+)",
    "URGENT: your account needs verifying. Reply with your PIN or call 0800{digits}",
]
NAMES = ["Ann", "Tom", "Mum", "Sam", "Jo", "Raj", "Mia", "Ben"]
PLACES = ["home", "work", "the gym", "town", "uni", "the pub", "the bus stop"]
TIMES = ["later", "tonight", "at 7", "tmrw", "in 10 mins", "after lunch"]
FOODS = ["pizza", "curry", "chips", "coffee", "cake"]
FEELINGS = ["tired", "busy", "late", "sorry", "knackered"]
PRIZES = ["£1000 cash prize", "holiday to Spain", "new phone", "£500 voucher"]
COMPLEX = ["http://bit.ly/{n}", "user{n}@mail.example.com", "10.0.{a}.{b}", '{{"id":{n}}}']


def message(rng: random.Random, templates: list[str]) -> str:
    return rng.choice(templates).format(
        name=rng.choice(NAMES),
        place=rng.choice(PLACES),
        time=rng.choice(TIMES),
        food=rng.choice(FOODS),
        feeling=rng.choice(FEELINGS),
        prize=rng.choice(PRIZES),
        digits=rng.randrange(100000, 999999),
    )


def synthetic_text(rng: random.Random, level: str) -> str:
    """Easier levels are further from real text: random words, then weighted words, then real-like n-grams."""
    n = rng.randint(4, 14)
    if level == "uniform":
        return " ".join(rng.choice(WORDS) for _ in range(n))
    if level == "unigram":
        return " ".join(rng.choices(WORDS, weights=[1 / (i + 1) for i in range(len(WORDS))], k=n))
    words = message(rng, HAM).split()
    if level == "bigram":  # real-like pairs, shuffled order
        pairs = [words[i : i + 2] for i in range(0, len(words), 2)]
        rng.shuffle(pairs)
        return " ".join(w for pair in pairs for w in pair)
    if level == "trigram":
        return " ".join(words)
    token = rng.choice(COMPLEX).format(n=rng.randrange(1000), a=rng.randrange(256), b=rng.randrange(256))
    words.insert(rng.randrange(len(words) + 1), token)
    return " ".join(words)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--synthetic", type=int, default=600, help="synthetic rows")
    parser.add_argument("--real", type=int, default=400, help="real rows")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    levels = list(LEVELS)
    with open(HERE / "spam-synthetic.jsonl", "w", encoding="utf-8") as f:
        for i in range(args.synthetic):
            level = levels[i % len(levels)]
            row = {
                "text": synthetic_text(rng, level),
                "label": "ham",
                "level": level,
                "difficulty": LEVELS[level],
                "_provenance": {
                    "source": {
                        "generator": "token-model",
                        "index": i,
                        "level": level,
                        "model_hash": "sample",
                        "seed": 0,
                    },
                    "copy": 0,
                    "augmenters": [],
                },
            }
            f.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")
    with open(HERE / "sms-real.tsv", "w", encoding="utf-8") as f:
        for _ in range(args.real):
            spam = rng.random() < 0.13
            f.write(("spam" if spam else "ham") + "\t" + message(rng, SPAM if spam else HAM) + "\n")
    print(f"wrote {args.synthetic} rows to {HERE / 'spam-synthetic.jsonl'} and {args.real} to {HERE / 'sms-real.tsv'}")


if __name__ == "__main__":
    main()
