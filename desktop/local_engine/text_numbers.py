"""Numbers written as words or digits: parsing and speaking them."""

from __future__ import annotations

import re

UNITS = {
    word: value
    for value, word in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
        ]
    )
}
TENS = {
    word: 10 * (index + 2)
    for index, word in enumerate(
        ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
    )
}
SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
NUMBER_WORDS = {**UNITS, **TENS, **SCALES, "a": 1, "an": 1, "half": 0.5}
_TOKEN = re.compile(r"\d+(?:\.\d+)?|[a-z]+(?:'[a-z]+)?|[^\sa-z\d]")


def tokenize(text: str) -> list[str]:
    return _TOKEN.findall(text.lower().replace(",", ""))


def _words_value(words: list[str]) -> float:
    total = 0.0
    current = 0.0
    for word in words:
        if word in ("a", "an"):
            current = max(current, 1)
        elif word in UNITS or word in TENS:
            current += UNITS.get(word, 0) + TENS.get(word, 0)
        elif word == "hundred":
            current = max(current, 1) * 100
        elif word in SCALES:
            total += max(current, 1) * SCALES[word]
            current = 0
    return total + current


def normalize_numbers(text: str) -> list[str]:
    """Tokens with every run of number words replaced by its digits ("twenty five" -> "25")."""
    tokens = tokenize(text)
    result: list[str] = []
    run: list[str] = []

    def flush() -> None:
        # A lone "a"/"an" is an article, not a number.
        if run and any(w not in ("a", "an", "and") for w in run):
            while run and run[-1] == "and":
                run.pop()
            result.append(format_number(_words_value(run)))
        else:
            result.extend(run)
        run.clear()

    for index, token in enumerate(tokens):
        following = tokens[index + 1] if index + 1 < len(tokens) else ""
        is_article = token in ("a", "an") and following not in SCALES
        is_joiner = token == "and" and bool(run) and following in NUMBER_WORDS
        if (token in UNITS or token in TENS or token in SCALES or is_joiner) or (
            token in ("a", "an") and not is_article
        ):
            run.append(token)
            continue
        flush()
        result.append(token)
    flush()
    return result


def is_number(token: str) -> bool:
    return re.fullmatch(r"\d+(?:\.\d+)?", token) is not None


def format_number(value: float) -> str:
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.4f}".rstrip("0").rstrip(".")
