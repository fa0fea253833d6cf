"""The Robot Framework tasks on their own, `casebot run` and `status`, and the scheduler."""

import re
import signal
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from robots.config import load_settings
from robots.scheduler import build_scheduler
from robots.workdays import deadline_for, is_working_day, next_working_day
from tests.worlds import ready_config

ROOT = Path(__file__).resolve().parent.parent.parent
PERSONNUMMER = re.compile(r"(19|20)\d{6}-?\d{4}")


def test_robot_rpa_tasks_runs_a_pass_on_its_own(world):
    world.seed(10, seed=31)
    robot = Path(sys.executable).parent / "robot"
    result = subprocess.run([str(robot), "--rpa", "tasks/"], cwd=ROOT, env=world.env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "1 task, 1 passed, 0 failed" in result.stdout
    folder = Path(re.search(r"Robot's output moved to (\S+)/", result.stdout).group(1))
    assert folder.parent == world.log_dir / "runs"  # config/casebot.toml's [logs] dir (the project's logs/ by default)
    output = folder / "output.xml"
    assert output.is_file() and (folder / "log.html").is_file() and (folder / "report.html").is_file()
    assert not (ROOT / "output.xml").exists() and not (ROOT / "log.html").exists()
    assert not PERSONNUMMER.search(output.read_text(encoding="utf-8")), "no personnummer in clear in Robot's output"
    assert re.search(r"intake: new 10, claimed 10,.*fetch: ready \d+.*write_back: written \d+", output.read_text(encoding="utf-8"), re.S)
    assert world.open_items() == 0


def test_casebot_run_logs_to_its_own_folder_and_status_reports(world):
    world.seed(12, seed=32)
    run = subprocess.run([sys.executable, "-m", "robots", "run"], env=world.env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    folder = Path(re.search(r"log: (\S+)/log.html", run.stdout).group(1))
    assert folder.parent == world.log_dir / "runs" and (folder / "output.xml").is_file()
    assert not PERSONNUMMER.search((folder / "output.xml").read_text(encoding="utf-8"))
    status = subprocess.run([sys.executable, "-m", "robots", "status"], env=world.env, capture_output=True, text=True, timeout=60)
    assert status.returncode == 0
    assert re.search(r"WRITTEN\s+\d+", status.stdout) and "Nothing is waiting." in status.stdout
    assert folder.name in status.stdout and " ok " in status.stdout


def test_a_robot_run_goes_on_beside_another_workers_run(world, monkeypatch):
    from robots.runner import run_tasks

    world.seed(8, seed=33)
    for key in ("CASEBOT_SSBTEK_URL", "CASEBOT_CASESYSTEM_URL", "CASEBOT_DATABASE_URL", "CASEBOT_CONFIG_DIR"):
        monkeypatch.setenv(key, world.env[key])
    worker = world.worker()
    ctx = worker.start_run()
    try:
        run_id, rc, outdir = run_tasks(console="none")
    finally:
        worker.finish_run(ctx, {}, "ok")
        worker.close()
    assert rc == 0
    assert 'status="SKIP"' not in (outdir / "output.xml").read_text(encoding="utf-8")
    assert world.open_items() == 0


def test_the_schedule_is_set_on_purpose():
    scheduler = build_scheduler(load_settings())
    [job] = scheduler.get_jobs()
    assert (job.max_instances, job.coalesce, job.misfire_grace_time) == (1, True, 90)
    times, t = [], datetime(2026, 11, 20, 17, 50, tzinfo=UTC)  # a Friday, 18:50 in Stockholm
    for _ in range(3):
        t = job.trigger.get_next_fire_time(t, t)
        times.append(t)
    # after 18:00 on a Friday the next runs are Monday from 07:00, every two minutes
    assert [x.astimezone().isoformat() for x in times] == [
        datetime(2026, 11, 23, 6, 0, tzinfo=UTC).astimezone().isoformat(),
        datetime(2026, 11, 23, 6, 2, tzinfo=UTC).astimezone().isoformat(),
        datetime(2026, 11, 23, 6, 4, tzinfo=UTC).astimezone().isoformat(),
    ]


def _scheduler(tmp_path, world, *, until: str, program: list[str]) -> tuple[int, str]:
    """Start a scheduler process on a schedule that never fires, SIGTERM it once `until` is printed."""


    ready_config(tmp_path / "scheduler-config")
    settings = tmp_path / "scheduler-config" / "casebot.toml"
    settings.write_text(settings.read_text(encoding="utf-8").replace('cron = "*/2 7-17 * * mon-fri"', 'cron = "0 3 1 1 *"'), encoding="utf-8")
    env = world.env | {"CASEBOT_CONFIG_DIR": str(tmp_path / "scheduler-config"), "CASEBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'casebot.sqlite3'}"}
    process = subprocess.Popen([sys.executable, *program], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    seen = []
    try:
        for line in process.stdout:  # wait until it is there, however long imports take
            seen.append(line)
            if until in line:
                break
        process.send_signal(signal.SIGTERM)
        out, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:  # never leave it running, whatever failed above
            process.kill()
            process.wait()
    return process.returncode, "".join(seen) + out


def test_the_scheduler_stops_cleanly_on_sigterm(tmp_path, world):
    rc, out = _scheduler(tmp_path, world, until="scheduler started", program=["-m", "robots", "scheduler"])
    assert rc == 0, out
    assert "scheduler started" in out and "SIGTERM: finishing the current run" in out and "scheduler stopped" in out


# A scheduler whose pass starts at once and takes a while, so that SIGTERM lands in the middle of it.
SLOW_PASS = """
import logging, sys, time
from datetime import datetime, UTC
from pathlib import Path
import robots.scheduler as s
from robots.config import load_settings
def slow_pass(console):
    print("pass began", flush=True); time.sleep(2); print("pass finished", flush=True)
    return "run-x", 0, Path("logs/none")
s.run_tasks, s.is_working_day, build = slow_pass, (lambda day: True), s.build_scheduler
def at_once(settings, metrics=None):
    scheduler = build(settings, metrics)
    scheduler.get_jobs()[0].modify(next_run_time=datetime.now(UTC))
    return scheduler
s.build_scheduler = at_once
logging.basicConfig(level=logging.INFO, stream=sys.stdout)
s.run_scheduler(load_settings())
"""


def test_a_second_scheduler_waits_as_standby_and_takes_over_when_the_first_dies(tmp_path, world):
    import time


    ready_config(tmp_path / "scheduler-config")
    env = world.env | {"CASEBOT_CONFIG_DIR": str(tmp_path / "scheduler-config"), "CASEBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'casebot.sqlite3'}"}

    def start():
        return subprocess.Popen([sys.executable, "-m", "robots", "scheduler"], cwd=ROOT, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, env=env)

    def wait_for(process, text):
        for line in process.stdout:
            if text in line:
                return line
        raise AssertionError(f"{text!r} never came")

    active = start()
    standby = None
    try:
        wait_for(active, "scheduler started")
        standby = start()
        wait_for(standby, "standby: another scheduler holds this store's lock")
        active.kill()  # SIGKILL: no goodbye, its lock dies with it
        active.wait()
        killed = time.monotonic()
        wait_for(standby, "scheduler started")
        taken_over_in = time.monotonic() - killed
        standby.send_signal(signal.SIGTERM)
        out, _ = standby.communicate(timeout=30)
        assert standby.returncode == 0 and "scheduler stopped" in out
        print(f"the standby took over {taken_over_in:.1f} s after the active scheduler died")
    finally:
        for p in (active, standby):
            if p is not None and p.poll() is None:
                p.kill()
                p.wait()


def test_sigterm_lets_the_pass_under_way_finish(tmp_path, world):
    rc, out = _scheduler(tmp_path, world, until="pass began", program=["-c", SLOW_PASS])
    assert rc == 0, out
    assert out.index("pass began") < out.index("SIGTERM: finishing") < out.index("pass finished") < out.index("scheduler stopped"), out


def test_working_days_and_deadlines():
    assert not is_working_day(date(2024, 6, 21))  # midsommarafton
    assert not is_working_day(date(2024, 12, 24)) and not is_working_day(date(2024, 12, 31))
    assert not is_working_day(date(2024, 5, 9))  # Kristi himmelsfärd
    assert is_working_day(date(2024, 5, 10))
    assert next_working_day(date(2024, 6, 20)) == date(2024, 6, 24)
    # submitted on a Friday evening before Christmas: due at the end of the next working day
    due = deadline_for(datetime(2023, 12, 22, 20, 0, tzinfo=UTC))
    assert due.isoformat() == "2023-12-27T23:59:59+01:00"
    # 23:30 UTC on a Monday is already Tuesday in Stockholm
    assert deadline_for(datetime(2024, 3, 4, 23, 30, tzinfo=UTC)).date() == date(2024, 3, 6)


def test_casebot_worker_keeps_a_folder_for_each_pass_that_did_something_and_none_for_idle_ones(world, tmp_path):
    import json
    import signal
    import time

    import requests
    from sqlalchemy import select

    from connectors.serving import free_port
    from robots.store import Run, open_store

    world.seed(6, seed=35)
    port = free_port()
    settings = world.config_dir / "casebot.toml"
    settings.write_text(settings.read_text(encoding="utf-8").replace("port = 0", f"port = {port}"), encoding="utf-8")
    env = world.env | {"CASEBOT_LOG_DIR": str(tmp_path / "logs")}
    worker = subprocess.Popen([sys.executable, "-m", "robots", "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    metrics = ""
    try:
        deadline = time.monotonic() + 120
        store = open_store(world.database_url)
        while time.monotonic() < deadline:  # done, and at least one pass after that found nothing
            with store.sessions() as session:
                runs = session.scalars(select(Run).where(Run.outcome == "ok").order_by(Run.started_at)).all()
            if world.open_items() == 0 and runs and not any(runs[-1].counts["intake"].values()):
                metrics = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text  # the worker's own endpoint
                break
            time.sleep(0.5)
        store.engine.dispose()
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)
    assert 'casebot_passes_total{outcome="ok"}' in metrics and 'casebot_items{state="NEW"} 0.0' in metrics
    kept = {f.name: json.loads((f / "summary.json").read_text(encoding="utf-8")) for f in (tmp_path / "logs" / "runs").iterdir()}
    assert kept and len(kept) < len(runs)
    assert all(any(v for c in s["counts"].values() for v in c.values() if isinstance(v, int)) for s in kept.values())
    assert sum(s["counts"]["intake"].get("new", 0) for s in kept.values()) == 6


def test_casebot_run_passes_robots_options_on(world, tmp_path):
    world.seed(4, seed=36)
    out = tmp_path / "månad"
    run = subprocess.run([sys.executable, "-m", "robots", "run", "--outputdir", str(out), "--name", "Novemberkörning", "--loglevel", "DEBUG"],
                         env=world.env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    assert {"output.xml", "log.html", "summary.json", "events.jsonl", "items.csv"} <= {f.name for f in out.iterdir()}
    output = (out / "output.xml").read_text(encoding="utf-8")
    assert 'name="Novemberkörning"' in output and "<tag>försörjningsstöd</tag>" in output and 'level="DEBUG"' in output
