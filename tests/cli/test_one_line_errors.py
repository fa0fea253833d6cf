"""A database that does not answer is one line naming it, exit 75 (try again later: a service restarts); the
traceback only with --debug."""

import os
import subprocess
import sys

NOWHERE = "postgresql+psycopg://postgres@127.0.0.1:9/test"  # nothing listens on port 9


def casebot(*args):
    env = os.environ | {"CASEBOT_DATABASE_URL": NOWHERE}
    return subprocess.run([sys.executable, "-m", "robots", *args], env=env, capture_output=True, text=True, timeout=60)


def test_a_database_that_does_not_answer_is_one_line_naming_it():
    for command in (["status"], ["items", "--state", "FAILED"], ["audit", "verify"]):
        done = casebot(*command)
        assert done.returncode == 75, (command, done.stderr)
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in done.stderr and "127.0.0.1" in lines[0] and "port 9" in lines[0], (command, done.stderr)


def test_debug_shows_the_traceback():
    done = casebot("--debug", "status")
    assert done.returncode != 0 and "Traceback" in done.stderr
