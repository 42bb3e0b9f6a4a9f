"""Passwords nobody should use: the 10,000 most common ones, refused when an account is created.

The list is the ranked `passwords` frequency list shipped with the `zxcvbn` package (from a
public corpus of leaked passwords); docs/accounts.md says where it comes from. Comparison is on
the lower-cased password, so `Password1` is as common as `password1`.
"""

from __future__ import annotations

from functools import cache

from zxcvbn.frequency_lists import FREQUENCY_LISTS

TOP = 10_000


@cache
def _common() -> frozenset[str]:
    return frozenset(FREQUENCY_LISTS["passwords"][:TOP])


def is_common(password: str) -> bool:
    return password.lower() in _common()
