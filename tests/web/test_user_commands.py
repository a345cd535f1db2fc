"""manage.py create-user, users, set-password, delete-user."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import text

from data_access.db import get_engine
from data_access.users import LoginOutcome, authenticate
from manage import cli


def _run(*args, input=None):
    return CliRunner().invoke(cli, list(args), input=input)


def test_user_lifecycle(fixture_database):
    try:
        typed = "pass word 123\npass word 123\n"
        asked = _run("create-user", "Ann@Shop.test", "--role", "viewer", "--segment", "Consumer", input=typed)
        assert asked.exit_code == 0, asked.output
        assert "created viewer Ann@Shop.test (sees segments Consumer)" in asked.output
        assert "pass word 123" not in asked.output

        mismatch = _run("create-user", "bob@shop.test", "--role", "admin", input="first password\nsecond password\n")
        assert mismatch.exit_code != 0

        piped = _run("create-user", "boss@shop.test", "--role", "admin", "--password-stdin", input="admin password 1\n")
        assert piped.exit_code == 0, piped.output
        twice = _run("create-user", "BOSS@shop.test", "--role", "admin", "--password-stdin", input="admin password 1\n")
        assert twice.exit_code == 1 and "a user BOSS@shop.test already exists" in twice.output
        assert "Traceback" not in twice.output

        listed = _run("users").output.splitlines()
        assert [line.split()[:2] for line in listed] == [["Ann@Shop.test", "viewer"], ["boss@shop.test", "admin"]]
        assert listed[1].endswith("sees all data")

        assert _run("set-password", "ann@shop.test", "--password-stdin", input="a new password\n").exit_code == 0
        assert authenticate("ann@shop.test", "pass word 123", "127.0.0.1")[0] is LoginOutcome.REFUSED
        assert authenticate("ann@shop.test", "a new password", "127.0.0.1")[0] is LoginOutcome.OK

        assert _run("delete-user", "ann@shop.test").exit_code == 0
        gone = _run("delete-user", "ann@shop.test")
        assert gone.exit_code == 1 and "there is no user ann@shop.test" in gone.output
    finally:
        with get_engine().begin() as conn:
            conn.execute(text("DELETE FROM users; DELETE FROM login_failures"))
    assert "local demo mode" in _run("users").output
