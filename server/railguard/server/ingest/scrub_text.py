"""The rules that scrub inside strings, and the per-payload check that skips impossible ones.

Each rule is a bit. `possible_rules(raw, policy)` looks at a payload's JSON text once and keeps
only the rules whose trigger occurs in it; `scrub_string(text, rules)` then applies those rules
to one string. The rules, in the order they run (docs/privacy.md lists them with examples):

- `PEM`: PEM private keys; `BEARER`: `Bearer <token>`; `USERINFO`: the password of
  `scheme://user:password@host`;
- `KV`: the value of `key=value` pairs whose key is sensitive (`password=…`, `?access_token=…`,
  `api_key=…`, `cvv=…`), and `key: value` for the password family (`password: hunter2`), in
  messages, query strings and any other text;
- `CARD`: Luhn-valid card numbers (13–19 digits, spaces or dashes allowed);
- `SSN`: US social security numbers (`078-05-1120`; invalid areas 000, 666, 9xx are left);
- `EMAIL` and `IP` only when the project's policy asks for them: email addresses become
  `[email]`, IPv4/IPv6 addresses `[ip]`.

Written by hand: the rule set follows the defaults of Sentry's Relay, which is Rust and has no
Python binding; what is Python-specific here is the speed trick (decide once per payload which
rules can match at all, on the orjson text, at C speed).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

__all__ = [
    "ALL_RULES",
    "CODE_RULES",
    "EMAIL_TOKEN",
    "FILTERED",
    "IP_TOKEN",
    "ScrubPolicy",
    "is_sensitive_key",
    "possible_rules",
    "scrub_string",
]

FILTERED = "[Filtered]"
EMAIL_TOKEN = "[email]"
IP_TOKEN = "[ip]"


@dataclass(frozen=True, slots=True)
class ScrubPolicy:
    """A project's optional rules; the others always run. Both are off by default, as in
    Relay's defaults: the `user` an SDK sends (email, IP) is how incidents count users."""

    emails: bool = False
    ip_addresses: bool = False


PEM, BEARER, USERINFO, KV, CARD, SSN, EMAIL, IP = (1 << bit for bit in range(8))
ALL_RULES = PEM | BEARER | USERINFO | KV | CARD | SSN
# Source lines (frame context) keep their text for placement: only real secrets go.
CODE_RULES = PEM | BEARER | USERINFO | CARD

_SENSITIVE_WORDS = (
    "password|passwd|secret|api_key|apikey|auth|credential|mysql_pwd|private_key|privatekey"
    "|token|cookie|session|access_key|signature|cvv|cvc|card_verification|security_code"
)
_SENSITIVE_KEY_RE = re.compile(_SENSITIVE_WORDS)
# Short names that would match far too much as substrings ("ssn" is in "classname").
_EXACT_KEYS = frozenset(
    {"pwd", "pass", "sig", "signature", "csc", "cvc2", "ssn", "social_security_number"}
)
_PASSWORD_FAMILY_RE = re.compile(r"pass(?:wd|word)|pwd|secret|cvv|cvc")


def is_sensitive_key(key: str) -> bool:
    """Whether a field named `key` holds a secret (case-insensitive, `-` read as `_`)."""
    name = key.lower().replace("-", "_")
    return name in _EXACT_KEYS or bool(_SENSITIVE_KEY_RE.search(name))


_BEARER_RE = re.compile(r"(?i)\bbearer\s+[A-Za-z0-9\-._~+/]+=*")
_CARD_RE = re.compile(r"(?<![\w-])\d(?:[ -]?\d){12,18}(?![\w-])")
_CARD_HINT_RE = re.compile(r"\d(?:[ -]?\d){12}")  # cheap pre-check before the Luhn pass
_USERINFO_RE = re.compile(r"\b([A-Za-z][A-Za-z0-9+.-]{0,20}://[^:/@\s]{0,256}):[^@/\s]{1,256}@")
_PEM_RE = re.compile(
    r"-----BEGIN [A-Z ]{0,40}PRIVATE KEY-----.*?(?:-----END [A-Z ]{0,40}PRIVATE KEY-----|$)",
    re.DOTALL,
)
# A sensitive key (as `is_sensitive_key` judges, `-` or `_` alike), its separator (a closing
# quote allowed before it: `"password": "x"`) and its value (up to the next `&`, `;`, `,`, `?`,
# `#`, space or quote, or a quoted string). Only sensitive keys match, so an ordinary pair never
# swallows the sensitive one after it.
_KEY_WORD = _SENSITIVE_WORDS.replace("_", "[_-]")
_EXACT_KEY = "|".join(sorted(_EXACT_KEYS, key=len, reverse=True)).replace("_", "[_-]")
_KV_RE = re.compile(
    rf"(?ai)(?<![\w.-])((?:[\w.-]{{0,40}}(?:{_KEY_WORD})[\w.-]{{0,40}})|(?:{_EXACT_KEY})(?![\w.-]))"
    r"([\"']?[ \t]{0,8}(?:=[ \t]{0,8}|:(?=[ \t\"'])[ \t]{0,8}))"
    r"(\"[^\"]*\"|'[^']*'|[^\s&;,?#\"'<>]+)"
)
_SSN_RE = re.compile(r"(?a)(?<![\w-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\w-])")
_EMAIL_RE = re.compile(
    r"(?<![\w.+-])[\w.+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*\.[A-Za-z]{2,24}"
    r"(?![\w-])"
)
# Candidates only; `ipaddress` decides. A version after a product (`Chrome/1.2.3.4`) is not one.
_IPV4_RE = re.compile(r"(?a)(?<![\w./])\d{1,3}(?:\.\d{1,3}){3}(?![\w.])")
_IPV6_RE = re.compile(r"(?<![\w:.])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![\w:])")


def _luhn(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if index % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _card(match: re.Match[str]) -> str:
    digits = re.sub(r"[ -]", "", match.group(0))
    return FILTERED if 13 <= len(digits) <= 19 and _luhn(digits) else match.group(0)


def _pair(match: re.Match[str]) -> str:
    key, separator, value = match.groups()
    if ":" in separator:
        sensitive = bool(_PASSWORD_FAMILY_RE.search(key.lower()))
    else:
        sensitive = is_sensitive_key(key)
    if not sensitive or value == FILTERED:
        return match.group(0)
    quote = value[0] if value[0] in "\"'" else ""
    return f"{key}{separator}{quote}{FILTERED}{quote}"


def _ip(match: re.Match[str]) -> str:
    try:
        ipaddress.ip_address(match.group(0))
    except ValueError:
        return match.group(0)
    return IP_TOKEN


def scrub_string(text: str, rules: int = ALL_RULES) -> str:
    """Apply `rules` (bits of this module) to one string."""
    if rules & PEM and "PRIVATE KEY-----" in text:
        text = _PEM_RE.sub(FILTERED, text)
    if rules & BEARER and ("earer" in text or "EARER" in text):
        text = _BEARER_RE.sub(f"Bearer {FILTERED}", text)
    if rules & USERINFO and "://" in text:
        text = _USERINFO_RE.sub(rf"\1:{FILTERED}@", text)
    if rules & KV and ("=" in text or ":" in text):
        text = _KV_RE.sub(_pair, text)
    if rules & CARD and _CARD_HINT_RE.search(text):
        text = _CARD_RE.sub(_card, text)
    if rules & SSN and "-" in text:
        text = _SSN_RE.sub(FILTERED, text)
    if rules & EMAIL and "@" in text:
        text = _EMAIL_RE.sub(EMAIL_TOKEN, text)
    if rules & IP:
        if "." in text:
            text = _IPV4_RE.sub(_ip, text)
        if ":" in text:
            text = _IPV6_RE.sub(_ip, text)
    return text


# Looser than `_USERINFO_RE` (no length bounds, no scheme): it matches wherever that one matches
# in a string, also after JSON escaping, whose escapes never contain `:`, `/`, `@` or spaces.
_USERINFO_HINT_RE = re.compile(rb"://[^:/@\s]*:[^@/\s]+@")
# Where a pair's separator can be, as JSON writes it: orjson puts no space after its own `:`
# and no quote right after its own `:` is escaped, so outside strings only `=` can occur; a quote
# inside a string is `\"`, a tab `\t`. JSON escaping never touches letters, `_`, `-`, `.`.
_KV_SEPARATORS = (b"=", b": ", b":\\t", b':\\"', b":'")
# Read backwards from a separator (on the reversed bytes, so the regex is anchored): spaces or
# `\t`, perhaps a quote (`"\` reversed), then the key. Every sensitive key of `_KV_RE` contains
# one of the words of `_KV_WORD_RE`.
_KV_KEY_BEFORE_RE = re.compile(rb"""(?:t\\| ){0,8}(?:"\\|')?([\w.-]{1,100})""")
_KV_WORD_RE = re.compile(
    rb"(?i)pass|pwd|secret|token|key|auth|credential|session|cookie|sig|cvv|cvc|csc|ssn|card"
    rb"|security"
)
_EMAIL_HINT_RE = re.compile(rb"@[A-Za-z0-9-]+\.[A-Za-z]")
_IPV6_HINT_RE = re.compile(rb":[0-9A-Fa-f]{1,4}:")


def possible_rules(raw: bytes | None, policy: ScrubPolicy) -> int:
    """The rules that can match some string of a payload, judged on its JSON text.

    Every rule's trigger is made of characters JSON never escapes (letters, digits, space, `-`,
    `.`, `:`, `/`, `@`, `=`), or escapes in a known way (`\"`, `\t`), so a trigger inside a
    string is also in the text: a rule absent from the text cannot match any string, and the
    per-string work for it is skipped. Substitutions only insert tokens with no trigger, so
    they cannot wake a skipped rule. Every check is a C-speed scan (`in`, `translate`, a regex
    with a literal first byte); a regex without one costs milliseconds on a 46 KB event.
    """
    optional = (EMAIL if policy.emails else 0) | (IP if policy.ip_addresses else 0)
    if raw is None:
        return ALL_RULES | optional
    rules = 0
    if b"PRIVATE KEY-----" in raw:
        rules |= PEM
    if b"earer" in raw or b"EARER" in raw:
        rules |= BEARER
    if b"://" in raw and _USERINFO_HINT_RE.search(raw):
        rules |= USERINFO
    if _kv_hint(raw):
        rules |= KV
    digits = raw.translate(_CARD_TABLE)
    if _card_hint(digits):
        rules |= CARD
    if b"11121121111" in digits:  # `ddd-dd-dddd` (or with spaces: a superset)
        rules |= SSN
    if optional & EMAIL and b"@" in raw and _EMAIL_HINT_RE.search(raw):
        rules |= EMAIL
    if optional & IP and (_ipv4_hint(raw) or b"::" in raw or _IPV6_HINT_RE.search(raw)):
        rules |= IP
    return rules


def _kv_hint(raw: bytes) -> bool:
    for separator in _KV_SEPARATORS:
        at = raw.find(separator)
        while at != -1:
            key = _KV_KEY_BEFORE_RE.match(raw[max(0, at - 120) : at][::-1])
            if key and _KV_WORD_RE.search(key.group(1)[::-1]):
                return True
            at = raw.find(separator, at + 1)
    return False


# Digits (and bytes of non-ASCII characters, so Unicode digits, which `\d` also matches, are
# never missed) become `1`, space and `-` become `2`, anything else `0`.
_CARD_TABLE = bytes(
    0x31 if 0x30 <= b <= 0x39 or b >= 0x80 else 0x32 if b in b" -" else 0x30 for b in range(256)
)


def _card_hint(digits: bytes) -> bool:
    """`_CARD_HINT_RE` on a whole payload without the regex engine's cost per character: a
    double separator breaks a number, single ones vanish; then 13 ones must remain."""
    return b"1111111111111" in digits.replace(b"22", b"0").replace(b"2", b"")


# Digits (and non-ASCII bytes) become `1`, `.` stays, anything else becomes `0`.
_DOTTED_TABLE = bytes(
    0x31 if 0x30 <= b <= 0x39 or b >= 0x80 else b if b == 0x2E else 0x30 for b in range(256)
)


def _ipv4_hint(raw: bytes) -> bool:
    if b"." not in raw:
        return False
    digits = raw.translate(_DOTTED_TABLE)
    if b"1.1" not in digits:
        return False
    while b"11" in digits:  # runs of digits become one: log2(run length) passes
        digits = digits.replace(b"11", b"1")
    return b"1.1.1.1" in digits
