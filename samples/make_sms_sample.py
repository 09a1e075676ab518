"""Write samples/sms-sample.tsv: a small SMS-style corpus, label<TAB>text, like the SMS Spam Collection.

Made by the project from fixed templates and word lists with a fixed seed (no third-party data),
so a clean clone can run recipes/spam-synthetic.yaml. About 13% of rows are spam, as in the real
collection. Run from anywhere:

    python samples/make_sms_sample.py              # 1500 messages
    python samples/make_sms_sample.py --messages 300
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent

NAMES = ["Ann", "Tom", "Mum", "Dad", "Sam", "Jo", "Raj", "Mia", "Ben", "Lee"]
PLACES = ["home", "work", "the gym", "town", "the station", "uni", "the shop", "the pub", "class", "the bus stop"]
TIMES = ["later", "tonight", "at 7", "tmrw", "in 10 mins", "after lunch", "this evening", "on sat", "at 6.30", "soon"]
FOODS = ["pizza", "curry", "chips", "dinner", "lunch", "coffee", "tea", "cake", "noodles", "breakfast"]
FEELINGS = ["tired", "hungry", "bored", "fine", "busy", "late", "happy", "sorry", "ok", "knackered"]
HAM = [
    "Hey {name}, are you coming to {place} {time}?",
    "Ok lar... see you {time}",
    "I'm at {place}, will call you {time}",
    "Can you pick up some {food} on the way?",
    "Sorry, I'm {feeling}. Can we do it {time}?",
    "{name} said {food} at {place} {time}. You in?",
    "Don't forget your keys. I'm {feeling} so I'll be {time}",
    "Haha ok. Just got to {place}",
    "U dun say so early... I'm {feeling} already",
    "What time is {food}? I'm leaving {place} {time}",
    "Love you! See you at {place} {time} x",
    "Call me when you get this, it's about {food}",
    "Nah I don't think so, {name} is at {place}",
    "K. Will text when I'm done at {place}",
    "Is {name} coming {time}? Need to know for {food}",
]
PRIZES = ["a free holiday", "a £1000 cash prize", "a new phone", "2 free tickets", "a £500 voucher", "a brand new camera"]
CODES = ["WIN", "FREE", "CLAIM", "PRIZE", "STOP", "YES", "CASH"]
SPAM = [
    "URGENT! You have won {prize}. Call 09{num} now to claim. T&Cs apply",
    "FREE entry into our weekly comp to win {prize}! Text {code} to 8{short} to receive entry. 18+",
    "Congratulations! You've been selected for {prize}. Reply {code} to 8{short}. £1.50/msg",
    "You are a winner! To claim {prize} call 09{num} before midnight. Box 97 ST4 5XY",
    "Your mobile number has won {prize}! Claim at www.{site}.com/claim code {code}{short}",
    "Txt {code} to 8{short} for {prize}. Std txt rate. To opt out reply STOP",
]
SITES = ["prize-now", "win4u", "bigclaim", "freebies247", "txtwin"]


def message(rng: random.Random) -> tuple[str, str]:
    if rng.random() < 0.13:
        text = rng.choice(SPAM).format(
            prize=rng.choice(PRIZES),
            num=rng.randint(10_000_000, 99_999_999),
            short=rng.randint(1000, 9999),
            code=rng.choice(CODES),
            site=rng.choice(SITES),
        )
        return "spam", text
    text = rng.choice(HAM).format(
        name=rng.choice(NAMES),
        place=rng.choice(PLACES),
        time=rng.choice(TIMES),
        food=rng.choice(FOODS),
        feeling=rng.choice(FEELINGS),
    )
    if rng.random() < 0.3:  # a second sentence: lengths vary like real messages
        text += " " + rng.choice(HAM).format(
            name=rng.choice(NAMES),
            place=rng.choice(PLACES),
            time=rng.choice(TIMES),
            food=rng.choice(FOODS),
            feeling=rng.choice(FEELINGS),
        )
    return "ham", text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=5574)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    rows = [message(rng) for _ in range(args.messages)]
    out = HERE / "sms-sample.tsv"
    out.write_text("".join(f"{label}\t{text}\n" for label, text in rows), encoding="utf-8")
    print(f"wrote {len(rows)} messages to {out} ({sum(1 for r in rows if r[0] == 'spam')} spam)")


if __name__ == "__main__":
    main()
