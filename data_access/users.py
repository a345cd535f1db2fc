"""Accounts: who may log in, with which role and row-level limits, and failed-login limits.

Passwords are hashed with werkzeug's scrypt (memory-hard, salted) and never stored or logged
in clear. Failed logins are counted in the database, so the limits hold across gunicorn
workers and hosts; they are counted per email as typed, so an unknown email and a wrong
password are indistinguishable, locked-out included.
"""

from __future__ import annotations

import enum
import functools
import secrets
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from data_access.access import RowScope
from data_access.db import get_engine

ROLES = ("admin", "viewer")
MIN_PASSWORD_LENGTH = 10
FAILURE_WINDOW_MINUTES = 15
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20


class AccountError(ValueError):
    """A user that cannot be created or changed as asked (message says why)."""


@dataclass(frozen=True)
class User:
    user_id: int
    email: str
    role: str
    segments: tuple[str, ...]
    regions: tuple[str, ...]
    session_epoch: int

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def scope(self) -> RowScope:
        return RowScope(self.segments, self.regions)

    @property
    def session_id(self) -> str:
        """What the session cookie holds: a new password (new epoch) ends older sessions."""
        return f"{self.user_id}:{self.session_epoch}"


class LoginOutcome(enum.Enum):
    OK = "ok"
    REFUSED = "refused"  # unknown email or wrong password: deliberately the same
    THROTTLED = "throttled"


_COLUMNS = "user_id, email, role, segments, regions, session_epoch"


def _user(row) -> User:
    return User(row.user_id, row.email, row.role, tuple(row.segments), tuple(row.regions), row.session_epoch)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")


def create_user(email: str, password: str, role: str, segments=(), regions=()) -> User:
    email = email.strip()
    if "@" not in email or " " in email:
        raise AccountError(f"{email!r} is not an email address")
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    if role == "admin" and (segments or regions):
        raise AccountError("admins see all data; row-level limits are for viewers")
    _check_password(password)
    scope = RowScope(tuple(segments), tuple(regions))
    try:
        with get_engine().begin() as conn:
            row = conn.execute(
                text(
                    f"INSERT INTO users (email, password_hash, role, segments, regions) "
                    f"VALUES (:email, :hash, :role, :segments, :regions) RETURNING {_COLUMNS}"
                ),
                {
                    "email": email,
                    "hash": generate_password_hash(password),
                    "role": role,
                    "segments": list(scope.segments),
                    "regions": list(scope.regions),
                },
            ).one()
    except IntegrityError:
        raise AccountError(f"a user {email} already exists") from None
    return _user(row)


def list_users() -> list[User]:
    with get_engine().connect() as conn:
        return [_user(r) for r in conn.execute(text(f"SELECT {_COLUMNS} FROM users ORDER BY lower(email)"))]


def delete_user(email: str) -> None:
    with get_engine().begin() as conn:
        deleted = conn.execute(text("DELETE FROM users WHERE lower(email) = lower(:e)"), {"e": email}).rowcount
    if not deleted:
        raise AccountError(f"there is no user {email}")


def set_password(email: str, password: str) -> None:
    """New hash and a new session epoch: every session of this user has to log in again."""
    _check_password(password)
    with get_engine().begin() as conn:
        changed = conn.execute(
            text(
                "UPDATE users SET password_hash = :hash, session_epoch = session_epoch + 1 "
                "WHERE lower(email) = lower(:e)"
            ),
            {"e": email, "hash": generate_password_hash(password)},
        ).rowcount
    if not changed:
        raise AccountError(f"there is no user {email}")


def get_session_user(session_id: str) -> User | None:
    """The user a session cookie names, if it still exists and its password has not changed."""
    user_id, _, epoch = session_id.partition(":")
    if not (user_id.isdigit() and epoch.isdigit()):
        return None
    with get_engine().connect() as conn:
        row = conn.execute(
            text(f"SELECT {_COLUMNS} FROM users WHERE user_id = :i AND session_epoch = :e"),
            {"i": int(user_id), "e": int(epoch)},
        ).one_or_none()
    return _user(row) if row else None


def users_exist() -> bool:
    with get_engine().connect() as conn:
        return conn.execute(text("SELECT EXISTS (SELECT 1 FROM users)")).scalar_one()


@functools.cache
def _decoy_hash() -> str:
    # Checked against when the email is unknown, so both answers take the same time.
    return generate_password_hash(secrets.token_urlsafe(16))


def authenticate(email: str, password: str, address: str) -> tuple[LoginOutcome, User | None]:
    """Check a login attempt, counting failures per email and per client address."""
    email = email.strip()
    with get_engine().begin() as conn:
        recent = conn.execute(
            text(
                f"""SELECT count(*) FILTER (WHERE lower(email) = lower(:e)) AS by_email,
                          count(*) FILTER (WHERE address = :a) AS by_address
                   FROM login_failures
                   WHERE at > now() - interval '{FAILURE_WINDOW_MINUTES} minutes'
                     AND (lower(email) = lower(:e) OR address = :a)"""
            ),
            {"e": email, "a": address},
        ).one()
        if recent.by_email >= MAX_FAILURES_PER_ACCOUNT or recent.by_address >= MAX_FAILURES_PER_ADDRESS:
            return LoginOutcome.THROTTLED, None
        row = conn.execute(
            text(f"SELECT {_COLUMNS}, password_hash FROM users WHERE lower(email) = lower(:e)"), {"e": email}
        ).one_or_none()
        if row is not None and check_password_hash(row.password_hash, password):
            conn.execute(text("UPDATE users SET last_login_at = now() WHERE user_id = :i"), {"i": row.user_id})
            conn.execute(text("DELETE FROM login_failures WHERE lower(email) = lower(:e)"), {"e": email})
            return LoginOutcome.OK, _user(row)
        if row is None:
            check_password_hash(_decoy_hash(), password)
        conn.execute(text("INSERT INTO login_failures (email, address) VALUES (:e, :a)"), {"e": email, "a": address})
        conn.execute(text("DELETE FROM login_failures WHERE at < now() - interval '1 day'"))
    return LoginOutcome.REFUSED, None
