"""`casebot users add`: a console user with an argon2 hash; a bad name, role or password is one line and exit 2."""

import subprocess
import sys

from sqlalchemy import select

from robots.store import open_store
from robots.store.models import AccessEvent, User


def users_add(tmp_path, *args, password="ett-långt-lösenord"):
    env = {"CASEBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'casebot.sqlite3'}", "PATH": "", "HOME": str(tmp_path)}
    return subprocess.run([sys.executable, "-m", "robots", "users", "add", *args, "--password-stdin"], input=password + "\n",
                          capture_output=True, text=True, env=env, timeout=60)


def test_a_user_is_added_with_a_hash_and_recorded(tmp_path):
    done = users_add(tmp_path, "anna", "--role", "caseworker")
    assert done.returncode == 0 and "user anna (caseworker) added" in done.stdout
    store = open_store(f"sqlite:///{tmp_path / 'casebot.sqlite3'}")
    with store.sessions() as session:
        user = session.scalars(select(User)).one()
        event = session.scalars(select(AccessEvent)).one()
    assert user.password_hash.startswith("$argon2id$") and "ett-långt-lösenord" not in user.password_hash
    assert (event.who, event.what, event.detail["role"]) == ("anna", "user added", "caseworker")


def test_what_cannot_be_a_user_is_one_line_and_exit_2(tmp_path):
    assert users_add(tmp_path, "anna", "--role", "caseworker").returncode == 0
    for args, password, message in [
        (("anna", "--role", "auditor"), "ett-långt-lösenord", "there is already a user 'anna'"),
        (("bo", "--role", "caseworker"), "kort", "at least 10 characters"),
        (("bo b", "--role", "caseworker"), "ett-långt-lösenord", "without spaces"),
    ]:
        done = users_add(tmp_path, *args, password=password)
        assert done.returncode == 2 and done.stderr.startswith("casebot: error: ") and message in done.stderr, done.stderr
        assert len(done.stderr.strip().splitlines()) == 1
