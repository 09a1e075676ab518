"""Write the sample data of `mlp mine-negatives` (written for this project; no downloaded data).

- ``questions.jsonl``: question/passage pairs (anchor, positive), some questions with two answers;
- ``passages.jsonl``: the corpus (id, text): every answer, same-topic distractors and other topics;
- ``messages.jsonl``: a pool of short messages (id, text, label: spam or ham);
- ``predictions.jsonl``: a simulated classifier's output on that pool (id, label, predicted,
  confidence), with some mistakes and some unsure answers.

Deterministic: re-running gives the same files.  Usage: python samples/mine/make_samples.py
"""

from __future__ import annotations

import json
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent

# topic -> (question, answers, same-topic sentences that do not answer it)
TOPICS = {
    "glaciers": (
        "how do glaciers move downhill?",
        ["Glaciers move downhill because their own weight makes the ice deform and slide over the bed."],
        ["Glaciers store about seventy percent of the world's fresh water.", "Some glaciers are hundreds of metres thick."],
    ),
    "volcanoes": (
        "why do volcanoes erupt?",
        ["Volcanoes erupt when pressure from gas-rich magma forces it up through cracks in the crust."],
        ["The largest volcano in the solar system is Olympus Mons on Mars.", "Volcanic soil is often very fertile."],
    ),
    "tides": (
        "what causes ocean tides?",
        [
            "Ocean tides are caused mainly by the gravitational pull of the moon on the oceans.",
            "The sun's gravity also raises tides, making spring tides when it lines up with the moon.",
        ],
        ["Tide pools shelter crabs, anemones and small fish.", "Some harbours can only be entered at high tide."],
    ),
    "photosynthesis": (
        "how do plants make their food?",
        ["Plants make sugar by photosynthesis, using sunlight to combine carbon dioxide and water."],
        ["Many houseplants prefer indirect light.", "Leaves change colour in autumn when chlorophyll breaks down."],
    ),
    "bread": (
        "why does bread dough rise?",
        ["Bread dough rises because yeast ferments sugars and releases carbon dioxide gas that is trapped by gluten."],
        ["Sourdough bread has a tangy taste.", "Bread goes stale as its starch recrystallises."],
    ),
    "rainbows": (
        "how is a rainbow formed?",
        ["A rainbow forms when sunlight is refracted, reflected and dispersed inside raindrops."],
        ["Double rainbows have their colours in reverse order.", "Rainbows are often seen after afternoon showers."],
    ),
    "vaccines": (
        "how do vaccines protect people?",
        [
            "Vaccines train the immune system to recognise a germ without causing the disease.",
            "After vaccination, memory cells let the body respond quickly to a later infection.",
        ],
        ["The first vaccine was developed against smallpox.", "Some vaccines need to be kept frozen."],
    ),
    "bees": (
        "how do bees make honey?",
        ["Bees make honey by collecting nectar, adding enzymes and evaporating the water in the hive."],
        ["A queen bee can lay over a thousand eggs a day.", "Bees communicate with a waggle dance."],
    ),
    "thunder": (
        "what makes the sound of thunder?",
        ["Thunder is the sound of air expanding explosively when lightning heats it suddenly."],
        ["Thunderstorms are most common in the tropics.", "Lightning strikes the Earth many times each second."],
    ),
    "compass": (
        "why does a compass point north?",
        ["A compass needle is a small magnet that lines up with the Earth's magnetic field."],
        ["Sailors used compasses for centuries before satellites.", "Magnetic north slowly drifts over the years."],
    ),
    "coffee": (
        "where does caffeine in coffee come from?",
        ["Caffeine is made by the coffee plant and is found in its seeds, the coffee beans."],
        ["Espresso is brewed by forcing hot water through fine grounds.", "Coffee was first cultivated in Yemen."],
    ),
    "eclipses": (
        "what happens during a solar eclipse?",
        ["During a solar eclipse the moon passes between the Earth and the sun and blocks its light."],
        ["Eclipse glasses protect the eyes from sunlight.", "Ancient astronomers recorded eclipses on clay tablets."],
    ),
}

FILLER_SUBJECTS = ["The museum", "A local bakery", "The city council", "Our hiking club", "The library", "A new bridge"]
FILLER_VERBS = ["opened", "announced", "renovated", "celebrated", "planned", "closed"]
FILLER_OBJECTS = ["a summer exhibition", "longer opening hours", "a charity run", "its hundredth year", "a free workshop"]

SPAM = [
    "WINNER! You have been selected for a free cruise, call now to claim",
    "Urgent: your account is locked, verify your password at this link",
    "Congratulations, you won a gift card, reply YES to collect your prize",
    "Cheap loans approved instantly, no credit check, text LOAN now",
    "Limited offer: claim your free phone today, reply STOP to opt out",
    "You have a pending reward, click the link to receive cash",
]
HAM = [
    "Are we still meeting for lunch tomorrow at noon?",
    "Can you pick up milk on the way home please",
    "The train is late, I will be there in twenty minutes",
    "Happy birthday! Hope you have a lovely day",
    "Did you finish the report for the meeting on Monday?",
    "Thanks for dinner last night, it was great to see you",
]
SUFFIXES = ["", " today", " tonight", " this week", " asap", " thanks", " ok", " !!"]


def write_jsonl(path: Path, rows: list[dict]) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def make_questions(rng: random.Random) -> tuple[list[dict], list[dict]]:
    pairs, passages = [], []
    for topic, (question, answers, others) in TOPICS.items():
        for answer in answers:
            pairs.append({"anchor": question, "positive": answer})
        for n, text in enumerate(answers + others):
            passages.append({"id": f"{topic}-{n}", "text": text})
    for n in range(60):
        text = f"{rng.choice(FILLER_SUBJECTS)} {rng.choice(FILLER_VERBS)} {rng.choice(FILLER_OBJECTS)} in week {n + 1}."
        passages.append({"id": f"news-{n}", "text": text})
    return pairs, passages


def make_messages(rng: random.Random) -> tuple[list[dict], list[dict]]:
    pool, predictions = [], []
    for n in range(120):
        label = "spam" if n % 3 == 0 else "ham"
        text = rng.choice(SPAM if label == "spam" else HAM) + rng.choice(SUFFIXES)
        mid = f"m{n:03d}"
        pool.append({"id": mid, "text": text, "label": label})
        # The simulated classifier: mostly right and sure; sometimes unsure, sometimes wrong.
        roll = rng.random()
        if roll < 0.08:
            predicted, confidence = ("ham" if label == "spam" else "spam"), round(rng.uniform(0.55, 0.95), 3)
        elif roll < 0.2:
            predicted, confidence = label, round(rng.uniform(0.5, 0.65), 3)
        else:
            predicted, confidence = label, round(rng.uniform(0.85, 0.999), 3)
        predictions.append({"id": mid, "label": label, "predicted": predicted, "confidence": confidence})
    return pool, predictions


def main() -> None:
    rng = random.Random(0)
    pairs, passages = make_questions(rng)
    write_jsonl(HERE / "questions.jsonl", pairs)
    write_jsonl(HERE / "passages.jsonl", passages)
    pool, predictions = make_messages(rng)
    write_jsonl(HERE / "messages.jsonl", pool)
    write_jsonl(HERE / "predictions.jsonl", predictions)
    print(f"wrote {len(pairs)} pairs, {len(passages)} passages, {len(pool)} messages and their predictions to {HERE}")


if __name__ == "__main__":
    main()
