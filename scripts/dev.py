#!/usr/bin/env python3
"""Set up and run casebot from a fresh clone with nothing but Python 3.11+.

    python3 scripts/dev.py demo      # the main job, end to end, on the embedded defaults
    python3 scripts/dev.py test      # the whole test suite (what CI runs)
    python3 scripts/dev.py casebot … # any casebot command inside the project's environment

The first run creates .venv/ and installs the project with its screen adapter (the `ui` extra) and its test tools from pyproject.toml; later runs
reinstall only when pyproject.toml has changed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".casebot-installed"


def say(message: str) -> None:
    print(f"[dev] {message}", file=sys.stderr, flush=True)


def ensure_environment() -> None:
    if sys.version_info < (3, 11):
        sys.exit(f"casebot needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    if not (BIN / "python").exists():
        say(f"creating the virtual environment in {VENV} …")
        venv.EnvBuilder(with_pip=True).create(VENV)
    say("installing casebot and its test tools from pyproject.toml (first run takes a minute) …")
    pip = [str(BIN / "python"), "-m", "pip", "--disable-pip-version-check", "install", "--quiet"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "--editable", f"{ROOT}[ui,test]"], check=True)
    STAMP.write_text(wanted)


BROWSER_PACKAGES = ("chromium", "chromium-driver")  # the console's tests and the case system's screen adapter


def ensure_browser() -> None:
    """The browser tests drive Debian's chromium, and the screen adapter its chromedriver (never a browser or
    driver a test tool downloads). Installed with apt-get when missing and this is a Debian machine we may
    install on; otherwise say what to do."""
    if shutil.which("chromium") and shutil.which("chromedriver"):
        return
    if shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
        say("installing Debian's chromium and chromium-driver for the browser tests (apt-get) …")
        quiet = {"stdout": subprocess.DEVNULL, "env": os.environ | {"DEBIAN_FRONTEND": "noninteractive"}}
        install = ["apt-get", "install", "-y", "--no-install-recommends", *BROWSER_PACKAGES]
        if subprocess.run(install, **quiet).returncode != 0:
            subprocess.run(["apt-get", "update"], check=True, **quiet)
            subprocess.run(install, check=True, **quiet)
        return
    say("the browser tests need Chromium and its driver: install them (Debian: apt-get install chromium chromium-driver)"
        " or set CASEBOT_CHROMIUM and CASEBOT_CHROMEDRIVER")


def run(argv: list[str]) -> int:
    return subprocess.run(argv, cwd=ROOT).returncode


def main(args: list[str]) -> int:
    if not args or args[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if args else 2
    command, rest = args[0], args[1:]
    ensure_environment()
    if command == "demo":
        return run([str(BIN / "casebot"), "demo", *rest])
    if command == "test":
        ensure_browser()
        code = run([str(BIN / "python"), "-m", "pytest", "-n", "auto", *rest])
        if code == 5:
            say("pytest collected no tests: that is a failure here")
            return 1
        return code
    if command == "casebot":
        return run([str(BIN / "casebot"), *rest])
    print(f"unknown command {command!r}\n{__doc__}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
