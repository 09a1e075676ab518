"""Write samples/menu.jsonl: restaurant menu items written for this project (no downloaded data).

Each item has a name, a multi-sentence description, a menu category, comma-separated tags and a
label (the cuisine), like the menu data DoorDash augmented by dropping categories and attributes.
Deterministic: re-running gives the same file.  Usage: python samples/make_menu.py
"""

from __future__ import annotations

import json
import random
from pathlib import Path

CUISINES = {
    "thai": {
        "dishes": [
            ("Pad Thai", "rice noodles", ["tamarind", "peanuts", "bean sprouts", "lime"]),
            ("Green Curry", "coconut curry", ["Thai basil", "bamboo shoots", "green chilli", "eggplant"]),
            ("Tom Yum Soup", "hot and sour soup", ["lemongrass", "galangal", "kaffir lime", "mushrooms"]),
            ("Massaman Curry", "slow-cooked curry", ["potatoes", "roasted peanuts", "cinnamon", "cardamom"]),
            ("Pad See Ew", "wide rice noodles", ["Chinese broccoli", "sweet soy", "egg", "garlic"]),
            ("Som Tam", "green papaya salad", ["cherry tomatoes", "long beans", "fish sauce", "chilli"]),
            ("Mango Sticky Rice", "sweet sticky rice", ["ripe mango", "coconut cream", "sesame", "palm sugar"]),
            ("Larb Gai", "minced chicken salad", ["toasted rice powder", "mint", "shallots", "lime"]),
        ],
        "categories": ["Noodles", "Curries", "Soups", "Salads", "Desserts"],
    },
    "italian": {
        "dishes": [
            ("Margherita Pizza", "wood-fired pizza", ["San Marzano tomatoes", "fior di latte", "basil", "olive oil"]),
            ("Spaghetti Carbonara", "spaghetti", ["guanciale", "pecorino romano", "egg yolk", "black pepper"]),
            ("Lasagne al Forno", "baked lasagne", ["beef ragù", "béchamel", "parmesan", "fresh pasta"]),
            ("Risotto ai Funghi", "creamy risotto", ["porcini", "white wine", "parmesan", "thyme"]),
            ("Tiramisu", "layered dessert", ["mascarpone", "espresso", "savoiardi", "cocoa"]),
            ("Penne Arrabbiata", "penne", ["spicy tomato sauce", "garlic", "chilli flakes", "parsley"]),
            ("Caprese Salad", "salad", ["buffalo mozzarella", "heirloom tomatoes", "basil", "balsamic"]),
            ("Osso Buco", "braised veal shank", ["gremolata", "saffron risotto", "white wine", "carrots"]),
        ],
        "categories": ["Pizza", "Pasta", "Mains", "Salads", "Desserts"],
    },
    "mexican": {
        "dishes": [
            ("Tacos al Pastor", "corn tortilla tacos", ["marinated pork", "pineapple", "onion", "cilantro"]),
            ("Chicken Burrito", "flour tortilla burrito", ["grilled chicken", "black beans", "rice", "pico de gallo"]),
            ("Guacamole and Chips", "fresh guacamole", ["avocado", "lime", "jalapeño", "tortilla chips"]),
            ("Enchiladas Verdes", "rolled tortillas", ["salsa verde", "queso fresco", "crema", "shredded chicken"]),
            ("Elote", "grilled street corn", ["mayonnaise", "cotija", "chilli powder", "lime"]),
            ("Churros", "fried dough", ["cinnamon sugar", "chocolate sauce", "vanilla", "caramel"]),
            ("Carne Asada Plate", "grilled steak", ["rice", "refried beans", "charred onions", "tortillas"]),
            ("Pozole Rojo", "hominy stew", ["pork shoulder", "guajillo chilli", "radish", "oregano"]),
        ],
        "categories": ["Tacos", "Burritos", "Sides", "Mains", "Desserts"],
    },
    "indian": {
        "dishes": [
            ("Butter Chicken", "creamy tomato curry", ["tandoori chicken", "butter", "fenugreek", "cream"]),
            ("Palak Paneer", "spinach curry", ["paneer", "garlic", "ginger", "garam masala"]),
            ("Chicken Biryani", "layered rice", ["basmati", "saffron", "fried onions", "raita"]),
            ("Chana Masala", "chickpea curry", ["tomato", "cumin", "amchur", "coriander"]),
            ("Garlic Naan", "tandoor bread", ["garlic", "butter", "coriander", "nigella seeds"]),
            ("Samosas", "crisp pastries", ["spiced potatoes", "peas", "tamarind chutney", "mint chutney"]),
            ("Dal Makhani", "black lentil stew", ["urad dal", "kidney beans", "butter", "cream"]),
            ("Gulab Jamun", "milk dumplings", ["rose syrup", "cardamom", "pistachio", "saffron"]),
        ],
        "categories": ["Curries", "Rice", "Breads", "Starters", "Desserts"],
    },
    "japanese": {
        "dishes": [
            ("Salmon Nigiri", "hand-pressed sushi", ["fresh salmon", "seasoned rice", "wasabi", "soy sauce"]),
            ("Tonkotsu Ramen", "pork broth ramen", ["chashu pork", "soft egg", "nori", "spring onion"]),
            ("Chicken Katsu", "breaded cutlet", ["panko", "tonkatsu sauce", "cabbage", "rice"]),
            ("Vegetable Tempura", "light batter fry", ["sweet potato", "shiitake", "courgette", "dipping sauce"]),
            ("Miso Soup", "soybean broth", ["tofu", "wakame", "spring onion", "dashi"]),
            ("Gyoza", "pan-fried dumplings", ["pork", "cabbage", "ginger", "ponzu"]),
            ("Matcha Ice Cream", "frozen dessert", ["green tea", "cream", "red bean", "mochi"]),
            ("Beef Teriyaki Don", "rice bowl", ["sliced beef", "teriyaki glaze", "sesame", "pickled ginger"]),
        ],
        "categories": ["Sushi", "Noodles", "Mains", "Starters", "Desserts"],
    },
    "american": {
        "dishes": [
            ("Classic Cheeseburger", "beef burger", ["cheddar", "pickles", "brioche bun", "house sauce"]),
            ("Buffalo Wings", "chicken wings", ["hot sauce", "blue cheese dip", "celery", "butter"]),
            ("Mac and Cheese", "baked pasta", ["three cheeses", "breadcrumbs", "mustard", "elbow macaroni"]),
            ("BBQ Pulled Pork Sandwich", "smoked pork", ["coleslaw", "bbq sauce", "soft roll", "pickles"]),
            ("Caesar Salad", "romaine salad", ["croutons", "parmesan", "anchovy dressing", "lemon"]),
            ("Clam Chowder", "creamy soup", ["clams", "potatoes", "bacon", "oyster crackers"]),
            ("New York Cheesecake", "baked cheesecake", ["cream cheese", "graham crust", "berry compote", "vanilla"]),
            ("Sweet Potato Fries", "crispy fries", ["sea salt", "chipotle mayo", "paprika", "rosemary"]),
        ],
        "categories": ["Burgers", "Sandwiches", "Sides", "Salads", "Desserts"],
    },
}

OPENERS = [
    "{base} with {a} and {b}.",
    "Our {base}, made with {a}, {b} and {c}.",
    "A house favourite: {base} finished with {a}.",
    "Freshly made {base} with {a}.",
    "{base} served with {a} on the side.",
]
MIDDLES = [
    "Topped with {c}.",
    "Finished with {d} and a squeeze of lime.",
    "Cooked to order in our kitchen.",
    "Made fresh every morning.",
    "The {c} comes from a local supplier.",
    "Slow-cooked for a deeper flavour.",
    "Garnished with {d}.",
    "Perfect for sharing.",
]
CLOSERS = [
    "Serves one.",
    "Serves two to share.",
    "Contains nuts.",
    "Ask about our gluten-free option.",
    "Best enjoyed hot.",
    "Pairs well with a cold drink.",
    "Available for lunch and dinner.",
    "",
]
TAGS = ["spicy", "vegetarian", "vegan", "gluten-free", "popular", "new", "chef's pick", "contains nuts",
        "dairy-free", "family size", "mild", "halal", "low calorie", "seasonal"]
SIZES = ["", "Small ", "Large ", "Family ", "Half "]


def make_items(count: int = 480, seed: int = 2026) -> list[dict]:
    rng = random.Random(seed)
    items = []
    cuisines = sorted(CUISINES)
    for i in range(count):
        label = cuisines[i % len(cuisines)]
        spec = CUISINES[label]
        name, base, ingredients = rng.choice(spec["dishes"])
        a, b, c, d = rng.sample(ingredients, 4)
        sentences = [rng.choice(OPENERS).format(base=base.capitalize(), a=a, b=b, c=c)]
        for middle in rng.sample(MIDDLES, rng.randint(1, 2)):
            sentences.append(middle.format(c=c, d=d))
        closer = rng.choice(CLOSERS)
        if closer:
            sentences.append(closer)
        tags = rng.sample(TAGS, rng.randint(1, 4))
        items.append(
            {
                "id": f"m{i:04d}",
                "name": rng.choice(SIZES) + name,
                "description": " ".join(sentences),
                "category": rng.choice(spec["categories"]),
                "tags": ", ".join(tags),
                "price": round(rng.uniform(4, 28), 2),
                "label": label,
            }
        )
    return items


def main() -> None:
    out = Path(__file__).resolve().parent / "menu.jsonl"
    with open(out, "w", encoding="utf-8") as f:
        for item in make_items():
            f.write(json.dumps(item, ensure_ascii=False) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
