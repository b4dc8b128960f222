"""The rules for usernames, passwords and API tokens: checking, hashing and making them."""

from __future__ import annotations

import hashlib
import re
import secrets
from functools import cached_property

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from nervepath.errors import UserError
from nervepath.storage.models import ROLES

__all__ = [
    "MAX_PASSWORD",
    "MIN_PASSWORD",
    "TOKEN_PREFIX",
    "Passwords",
    "check_clinic",
    "check_label",
    "check_password",
    "check_role",
    "check_username",
    "hash_token",
    "looks_like_token",
    "new_token",
    "shown_prefix",
]

USERNAME = re.compile(r"[a-z0-9_.-]{3,64}")
MIN_PASSWORD = 12
MAX_PASSWORD = 1024  # argon2 takes any length; the cap keeps a huge body from costing CPU
MAX_LABEL = 100
TOKEN_PREFIX = "np_"
TOKEN_BYTES = 32  # 256 bits
SHOWN_PREFIX = 8
_MAX_TOKEN = 128  # a real token has 46 characters; anything much longer is not one


def check_username(username: str) -> str:
    if not USERNAME.fullmatch(username):
        raise UserError(
            f"username {username!r}: use 3 to 64 characters from a-z, 0-9, '_', '.' and '-'"
        )
    return username


def check_clinic(name: str) -> str:
    if not USERNAME.fullmatch(name):
        raise UserError(f"clinic {name!r}: use 3 to 64 characters from a-z, 0-9, '_', '.' and '-'")
    return name


def check_role(role: str) -> str:
    if role not in ROLES:
        raise UserError(f"role {role!r}: expected one of {', '.join(ROLES)}")
    return role


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise UserError(f"the password is too short: use at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise UserError(f"the password is too long: use at most {MAX_PASSWORD} characters")
    return password


def check_label(label: str) -> str:
    label = label.strip()
    if not label or len(label) > MAX_LABEL:
        raise UserError(f"a token label needs 1 to {MAX_LABEL} characters, not {len(label)}")
    return label


def new_token() -> str:
    """A fresh API token: ``np_`` and 43 URL-safe characters (256 random bits)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)


def shown_prefix(token: str) -> str:
    """The start of a token, enough to tell tokens apart in a list and nothing to guess with."""
    return token[:SHOWN_PREFIX]


def looks_like_token(token: str) -> bool:
    """Whether ``token`` can be one of ours at all (cheap, before any database lookup)."""
    return token.startswith(TOKEN_PREFIX) and len(token) <= _MAX_TOKEN


def hash_token(token: str) -> str:
    """The stored form of a token: its SHA-256, in hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Passwords:
    """Argon2id hashing with a decoy for unknown users, so a login takes as long either way."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self.hasher = hasher or PasswordHasher()

    def hash(self, password: str) -> str:
        return self.hasher.hash(check_password(password))

    def verify(self, stored_hash: str | None, password: str) -> bool:
        """Whether ``password`` matches; with no stored hash, spend the same time and say no."""
        if len(password) > MAX_PASSWORD:
            return False
        try:
            matched = self.hasher.verify(stored_hash or self._decoy, password)
        except (VerificationError, InvalidHashError):
            return False
        return matched and stored_hash is not None

    def needs_rehash(self, stored_hash: str) -> bool:
        return self.hasher.check_needs_rehash(stored_hash)

    @cached_property
    def _decoy(self) -> str:
        # Hashed with this hasher's parameters on first need, so it costs what a real one does.
        return self.hasher.hash(secrets.token_urlsafe(16))
