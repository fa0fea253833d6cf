"""`casebot simulate --input FILE.jsonl`: a what-if on applications and register answers nothing recorded,
decided before with today's parameters and after with the alternative; a line that is no such object is
named by its number."""

import json
import re
import subprocess
import sys

from robots.config import load_seed_mix
from robots.synthetic import population


def casebot(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "robots", "simulate", *args], capture_output=True, text=True, timeout=120, cwd=cwd)


def jsonl(path, n=40, seed=5):
    with open(path, "w", encoding="utf-8") as f:
        for i, case in enumerate(population(n, seed, "2023-11", load_seed_mix())):
            application = case.application | {"application_id": f"T-{i}"} | ({"history": case.history} if case.history else {})
            f.write(json.dumps({"application": application, "registry": case.answers}, ensure_ascii=False) + "\n")
    return path


def raised(tmp_path):
    from robots.config import config_dir

    text = (config_dir() / "policy" / "2021-01-01.toml").read_text(encoding="utf-8")
    text = re.sub(r"(?m)^(one_adult|two_adults) = (\d+)", lambda m: f"{m.group(1)} = {int(m.group(2)) + 9000}", text)
    text = re.sub(r"(?m)^with_children = \[([\d, ]+)\]", lambda m: "with_children = [" + ", ".join(
        str(int(x) + 9000) for x in m.group(1).split(",")) + "]", text)
    (tmp_path / "raised.toml").write_text(text, encoding="utf-8")
    return tmp_path / "raised.toml"


def test_a_file_of_applications_is_simulated_without_a_store(tmp_path):
    done = casebot("--input", str(jsonl(tmp_path / "month.jsonl")), "--period", "2023-11", "--policy", str(raised(tmp_path)),
                   "--out", str(tmp_path / "report"))
    assert done.returncode == 0, done.stderr
    assert "40 households re-decided" in done.stdout and "RENT_ABOVE_CEILING" in done.stdout
    assert (tmp_path / "report" / "report.html").is_file() and (tmp_path / "report" / "report.xlsx").is_file()


def test_a_line_that_is_no_application_is_named_by_its_number(tmp_path):
    path = jsonl(tmp_path / "month.jsonl", n=3)
    with open(path, "a", encoding="utf-8") as f:
        f.write("{not json\n")
    done = casebot("--input", str(path))
    assert done.returncode == 2 and f"{path}:4: not a JSON object on one line" in done.stderr


def test_a_policy_needs_the_month_it_is_for(tmp_path):
    done = casebot("--input", str(jsonl(tmp_path / "m.jsonl", n=1)), "--policy", str(raised(tmp_path)))
    assert done.returncode == 2 and "needs --period" in done.stderr


def test_next_years_norm_is_tried_on_a_month_it_is_not_dated_for(tmp_path):
    """A directory whose tables do not cover the month: its latest table is put in force for it, as a
    proposal is (the 2026 norm on a month of 2023 here), never a month of NORM_TABLE_MISSING."""
    from robots.config import config_dir

    (tmp_path / "norms").mkdir()
    (tmp_path / "norms" / "2026.toml").write_text((config_dir() / "norms" / "2026.toml").read_text(encoding="utf-8"), encoding="utf-8")
    done = casebot("--input", str(jsonl(tmp_path / "month.jsonl", n=20)), "--period", "2023-11", "--norms", str(tmp_path / "norms"),
                   "--out", str(tmp_path / "report"))
    assert done.returncode == 0, done.stderr
    assert "NORM_TABLE_MISSING" not in done.stdout and "households that gain" in done.stdout
    gain = int(re.search(r"households that gain (\d+)", done.stdout).group(1))
    assert gain > 0  # the 2026 norm is higher than 2023's
