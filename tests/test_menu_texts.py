"""Real-looking texts shared by tests (menu items, SMS-style messages, punctuation, unicode)."""

TEXTS = [
    "Rice noodles with tamarind. Topped with peanuts! Served hot.",
    "Free entry in 2 a wkly comp to win FA Cup final tkts 21st May 2005. Text FA to 87121 to receive entry",
    "Ok lar... Joking wif u oni...",
    "Our Spinach curry, made with garam masala, paneer and garlic. The garlic comes from a local supplier.",
    "Café crème brûlée — naïve façade, 10% off (today only)!",
    "URGENT! You have won a 1 week FREE membership in our £100,000 Prize Jackpot! Txt the word: CLAIM to No: 81010",
    "a",
    "   ",
    "Hello    world\twith\ttabs and  double  spaces",
    "I HAVE A DATE ON SUNDAY WITH WILL!!",
]
