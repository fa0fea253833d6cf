"""casebot installed from its wheel, outside the checkout, runs the demo: the wheel carries the task files
and the default config/, and the demo's data and logs go to the current folder, not site-packages."""

import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_wheel_installed_elsewhere_runs_the_demo(tmp_path):
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet", "-w", str(tmp_path / "dist"), str(ROOT)],
                           capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stderr[-2000:]
    [wheel] = (tmp_path / "dist").glob("casebot-*.whl")
    target = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(target)
    python = target / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                               capture_output=True, text=True, check=True).stdout.strip())
    # casebot's dependencies from the project's environment (no download here); casebot itself only from the wheel:
    # a path in a .pth file is importable, but that folder's own .pth files (the checkout's editable install) are not run.
    (site / "dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")
    installed = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--quiet", "--target", str(site), str(wheel)],
                               capture_output=True, text=True, timeout=300)
    assert installed.returncode == 0, installed.stderr[-2000:]
    # --target puts data files under the target, not the venv's prefix: move share/ where an install puts it
    (site / "share").rename(target / "share")
    where = subprocess.run([str(python), "-c", "import robots, robots.folders as f; print(robots.__file__); print(f.tasks_dir())"],
                           capture_output=True, text=True, cwd=tmp_path, check=True).stdout.split()
    assert where[0].startswith(str(site)) and where[1] == str(target / "share" / "casebot" / "tasks")
    work = tmp_path / "elsewhere"
    work.mkdir()
    demo = subprocess.run([str(python), "-m", "robots", "demo", "--applications", "20"], capture_output=True, text=True, cwd=work, timeout=600)
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    assert "applications taken from the case system" in demo.stdout and "granted and paid" in demo.stdout
    assert (work / "data" / "demo" / "casebot.sqlite3").is_file() and any((work / "logs" / "runs").iterdir())
