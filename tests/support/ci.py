"""A missing prerequisite skips a test on a developer's machine and fails it in CI.

CI sets ``CI=true``: there the virtual sound card, Xvfb, espeak-ng and the
offline speech model are all installed, so a test that cannot run means the
machine is broken, and a silent skip would leave the suite green anyway.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def in_ci() -> bool:
    return bool(os.environ.get("CI"))


def unavailable(reason: str) -> NoReturn:
    """Stop the current test: a failure in CI, a skip elsewhere."""
    if in_ci():
        pytest.fail(reason)
    pytest.skip(reason)
