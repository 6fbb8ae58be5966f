"""The spoken or typed answer to "may this tool run?"."""

from __future__ import annotations

import pytest

from desktop.conversation.yes_no import yes_or_no


@pytest.mark.parametrize(
    ("said", "meaning"),
    [
        ("Yes.", True),
        ("yeah, go on", True),
        ("Go ahead", True),
        ("OK", True),
        ("Sure, do it.", True),
        ("No.", False),
        ("Nope", False),
        ("Don't.", False),
        ("do not run it", False),
        ("cancel that", False),
        ("No, yes", False),  # the first word counts
        ("What does it do?", None),
        ("I think the answer would be yes", None),  # too late in the sentence
        ("", None),
        ("Tell me the time", None),
    ],
)
def test_yes_or_no(said: str, meaning: bool | None) -> None:
    assert yes_or_no(said) is meaning
