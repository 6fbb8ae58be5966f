"""Whether an utterance says yes or no: the spoken or typed answer to "may this tool run?".

Only the first few words count ("yes please, go on" is a yes; "I think the
answer is no" is neither), so an answer that is really a new question stays one.
"""

from __future__ import annotations

import re

_YES_WORDS = frozenset(
    {"yes", "yeah", "yep", "yup", "sure", "ok", "okay", "allow", "allowed", "affirmative",
     "certainly", "absolutely", "proceed", "approve", "approved", "run"}
)  # fmt: skip
_NO_WORDS = frozenset(
    {"no", "nope", "nah", "deny", "denied", "cancel", "stop", "never", "negative", "dont",
     "refuse", "decline", "abort"}
)  # fmt: skip
_YES_PHRASES = ("go ahead", "do it", "of course", "please do", "yes please")
_NO_PHRASES = ("do not", "don't", "not now", "no thanks")
#: How many words from the start may hold the answer.
_LEAD = 3


def yes_or_no(text: str) -> bool | None:
    """True for yes, False for no, None when the words say neither."""
    words = re.findall(r"[a-z']+", text.lower())
    lead = " ".join(words[:_LEAD])
    for phrase in _NO_PHRASES:
        if lead.startswith(phrase):
            return False
    for phrase in _YES_PHRASES:
        if lead.startswith(phrase):
            return True
    for word in words[:_LEAD]:
        plain = word.replace("'", "")
        if plain in _NO_WORDS:
            return False
        if plain in _YES_WORDS:
            return True
    return None
