"""The hashed n-gram vectors behind similar incidents, and the user key behind users affected:
pure functions, checked on their own."""

from __future__ import annotations

from railguard.server import similarity as s
from railguard.server.pipeline.curation import user_key


def _vec(error_type: str, message: str, path: str, function: str) -> list[float]:
    return s.vector(s.incident_text(error_type, message, path, function))


def test_ids_and_numbers_do_not_separate_one_error() -> None:
    a = _vec("KeyError", "'order 4071' for 0x7f3a2b", "shop/orders.py", "load_order")
    b = _vec("KeyError", "'order 88' for 0x1d0e99", "shop/orders.py", "load_order")
    assert s.cosine(a, b) > 0.99


def test_related_errors_score_above_unrelated_ones() -> None:
    base = _vec("KeyError", "'invoice 4071'", "shop/billing.py", "load_invoice")
    near = _vec("KeyError", "'invoice 4071 lines'", "shop/billing.py", "load_invoice_lines")
    far = _vec("ZeroDivisionError", "division by zero", "shop/stats.py", "average")
    assert s.cosine(base, near) > 0.7 > 0.2 > s.cosine(base, far)


def test_vectors_survive_their_storage_format() -> None:
    v = _vec("TypeError", "unsupported operand", "app/x.py", "handle")
    raw = s.encode(v)
    assert len(raw) == s.DIMENSIONS * 2
    back = s.decode(raw)
    assert back is not None and s.cosine(v, back) > 0.999
    assert s.decode(b"short") is None and s.decode(None) is None
    assert s.vector("") == [0.0] * s.DIMENSIONS and s.cosine(s.vector(""), v) == 0.0


def test_the_keyword_query_holds_only_quoted_words() -> None:
    q = s.tsquery_words("KeyError: 'a' | !b & (c) loadInvoice 4071")
    assert q.split(" | ") == ["'keyerror'", "'loadinvoice'", "'key'", "'error'", "'load'",
                             "'invoice'"]  # fmt: skip
    assert s.tsquery_words("42 ! & |") == ""


def test_user_key_takes_the_first_identifying_field() -> None:
    assert user_key({}) is None and user_key({"user": "x"}) is None
    assert user_key({"user": {"ip_address": "{{auto}}"}}) is None
    by_id = user_key({"user": {"id": "7", "email": "a@example.com"}})
    assert by_id == user_key({"user": {"id": "7"}}) != user_key({"user": {"email": "7"}})
    assert by_id is not None and len(by_id) == 8
    assert user_key({"user": {"ip_address": "10.0.0.1"}}) is not None
