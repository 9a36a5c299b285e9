"""Passwords, session tokens and CSRF tokens.

* Passwords are hashed with Argon2id (argon2-cffi, memory-hard; its RFC 9106 low-memory
  profile: 64 MiB, 3 passes) and re-hashed on login when the parameters change.
* A session cookie holds 32 random bytes; the store keeps only their SHA-256, so a stolen
  database does not yield live sessions.
* CSRF: every visitor gets a random ``ecoledger_csrf`` cookie; forms and unsafe API calls must
  send ``HMAC(secret, cookie)`` (signed double-submit). A page of another origin can neither
  read the cookie nor forge the signature.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()  # argon2id, RFC 9106 low-memory parameters
MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)


def password_problem(password: str) -> str | None:
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"the password must have at least {MIN_PASSWORD_LENGTH} characters"
    return None


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def csrf_token(secret: bytes, nonce: str) -> str:
    return hmac.new(secret, nonce.encode("utf-8", "replace"), hashlib.sha256).hexdigest()


def csrf_valid(secret: bytes, nonce: str | None, token: str | None) -> bool:
    if not nonce or not token:
        return False
    # bytes, because compare_digest refuses str with non-ASCII characters (a forged token may have them)
    return hmac.compare_digest(csrf_token(secret, nonce).encode(), token.encode("utf-8", "replace"))


def load_secret(path: Path) -> bytes:
    """The server's signing key, created once (mode 0600) in the platform's data folder."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(secrets.token_bytes(32))
        tmp.chmod(0o600)
        tmp.replace(path)
    return path.read_bytes()
