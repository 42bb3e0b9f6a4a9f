"""Secrets: password hashing (Argon2id), personal API tokens and ingest keys. Pure functions."""

from __future__ import annotations

import hashlib
import secrets
import string
import zlib

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

TOKEN_PREFIX = "rgp_"
_ALPHABET = string.ascii_letters + string.digits
_TOKEN_BODY = 40  # ~238 bits from a CSPRNG
_CHECKSUM = 6


def password_hasher(memory_kib: int = 19_456, time_cost: int = 2) -> PasswordHasher:
    """Argon2id at OWASP's minimum (m=19 MiB, t=2, p=1) unless told otherwise (tests)."""
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=1, type=Type.ID)


def hash_password(hasher: PasswordHasher, password: str) -> str:
    return hasher.hash(password)


def verify_password(hasher: PasswordHasher, stored_hash: str | None, password: str) -> bool:
    """True when the password matches; False for a mismatch, no hash, or a corrupt hash."""
    if not stored_hash:
        # Spend the same time as a real check, so unknown accounts are not told apart by timing.
        hasher.hash(password)
        return False
    try:
        return hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _base62(number: int, width: int) -> str:
    digits = []
    for _ in range(width):
        number, rem = divmod(number, 62)
        digits.append(_ALPHABET[rem])
    return "".join(reversed(digits))


def new_token() -> str:
    """`rgp_` + 40 random base62 characters + a 6-character CRC32 checksum (GitHub's format)."""
    body = "".join(secrets.choice(_ALPHABET) for _ in range(_TOKEN_BODY))
    return TOKEN_PREFIX + body + _base62(zlib.crc32(body.encode()), _CHECKSUM)


def token_looks_valid(token: str) -> bool:
    """Offline check of prefix, length and checksum; cheap rejection before any lookup."""
    if not token.startswith(TOKEN_PREFIX):
        return False
    rest = token[len(TOKEN_PREFIX) :]
    if len(rest) != _TOKEN_BODY + _CHECKSUM or any(c not in _ALPHABET for c in rest):
        return False
    body, checksum = rest[:_TOKEN_BODY], rest[_TOKEN_BODY:]
    return secrets.compare_digest(_base62(zlib.crc32(body.encode()), _CHECKSUM), checksum)


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def token_display_prefix(token: str) -> str:
    """The non-secret start kept for display: `rgp_` and 6 characters."""
    return token[: len(TOKEN_PREFIX) + 6]


def new_ingest_key() -> str:
    """A DSN public key: 32 lowercase hex characters (uuid4-like, matches JS's `\\w+`)."""
    return secrets.token_hex(16)
