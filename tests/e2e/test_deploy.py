"""deploy/: the systemd units pass `systemd-analyze verify`, the compose file runs casebot commands that
exist with the image the Dockerfile builds, and the Dockerfile copies what is there. The image itself is
built only where a Docker engine runs (not on the development machine, which has only the client)."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from robots.cli import main

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def test_the_systemd_units_verify(tmp_path):
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not on this machine")
    casebot = Path(sys.executable).parent / "casebot"
    names = []
    for unit in sorted((DEPLOY / "systemd").glob("*.service")):
        name = unit.name.replace("@.", "@1.")  # a template is verified as one of its instances
        (tmp_path / name).write_text(unit.read_text(encoding="utf-8").replace("/opt/casebot/venv/bin/casebot", str(casebot)), encoding="utf-8")
        names.append(str(tmp_path / name))
        assert re.search(r"^ExecStart=/opt/casebot/venv/bin/casebot (scheduler|worker|console)", unit.read_text(encoding="utf-8"), re.M)
    done = subprocess.run(["systemd-analyze", "verify", *names], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stderr.strip() == "", done.stderr
    assert len(names) == 3


def test_compose_runs_casebot_commands_that_exist_from_what_the_dockerfile_copies():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert set(services) == {"postgres", "scheduler", "worker", "console"}
    for name in ("scheduler", "worker", "console"):
        assert services[name]["command"][0] in main.commands, name
        assert services[name]["env_file"] == "casebot.env" and "CASEBOT_DATABASE_URL" in services[name]["environment"]
        assert any(v.endswith(":/etc/casebot/config:ro") for v in services[name]["volumes"])  # its configuration
        assert services[name]["environment"]["CASEBOT_CONFIG_DIR"] == "/etc/casebot/config"
        assert "/health" in " ".join(services[name]["healthcheck"]["test"])
    assert services["scheduler"]["build"]["dockerfile"] == "deploy/Dockerfile"
    copied = re.findall(r"^COPY (\S+)", (DEPLOY / "Dockerfile").read_text(encoding="utf-8"), re.M)
    assert copied and all((ROOT / path).exists() for path in copied), copied
    env = (DEPLOY / "casebot.env.example").read_text(encoding="utf-8")
    assert all(f"CASEBOT_{k}=" in env for k in ("DATABASE_URL", "CASESYSTEM_URL", "SSBTEK_URL", "CONFIG_DIR", "DATA_DIR", "LOG_DIR"))


def test_the_image_builds_where_docker_runs():
    if shutil.which("docker") is None or subprocess.run(["docker", "info"], capture_output=True, timeout=30).returncode != 0:
        pytest.skip("no Docker engine runs here (the client alone cannot build)")
    done = subprocess.run(["docker", "build", "-f", str(DEPLOY / "Dockerfile"), "-t", "casebot-test", str(ROOT)],
                          capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stderr[-3000:]
