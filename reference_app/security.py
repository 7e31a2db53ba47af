"""Password hashing (argon2id) and signed tokens (password reset, API)."""

from __future__ import annotations

import re
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from zxcvbn import zxcvbn

_hasher = PasswordHasher()

MIN_PASSWORD_LENGTH = 10
# zxcvbn's score, 0 (guessed in under a thousand tries) to 4: below 2, fewer than about
# 10^8 guesses — a run of one character, a keyboard row, a common word with digits.
MIN_PASSWORD_SCORE = 2
GUESSABLE_MESSAGE = (
    "Ce mot de passe est trop facile à deviner (suite de chiffres ou de lettres, mot "
    "courant, votre nom…) : essayez par exemple trois mots sans rapport entre eux."
)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def guessable(password: str, *about_the_user: str) -> bool:
    """Whether ``password`` is too easy to guess (zxcvbn's estimate; the user's name and
    e-mail count as known words). zxcvbn reads at most 72 characters: a longer password is
    judged on them."""
    inputs = [w for text in about_the_user for w in re.split(r"[\s@._-]+", text.lower()) if w]
    return int(zxcvbn(password[:72], user_inputs=inputs)["score"]) < MIN_PASSWORD_SCORE


def verify_password(password_hash: str, password: str) -> bool:
    """True when ``password`` matches; never raises for a bad or empty hash."""
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# A hash to verify against when the account does not exist, so that timing does not tell.
DUMMY_HASH = _hasher.hash("cabas-dummy-password")


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def make_token(purpose: str, payload: dict[str, Any]) -> str:
    return _serializer(purpose).dumps(payload)


def read_token(purpose: str, token: str, max_age: int) -> dict[str, Any] | None:
    """The payload of a valid, unexpired token, else ``None``."""
    try:
        data = _serializer(purpose).loads(token, max_age=max_age)
    except (BadSignature, SignatureExpired):
        return None
    return data if isinstance(data, dict) else None
