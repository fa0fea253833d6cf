"""Parameters are data: the bundled tables, policy versions and legal references load; a broken file is
named with its key and problem; versions are chosen by date, never by calendar year alone."""

import shutil
from datetime import date
from pathlib import Path

import pytest

from robots.config import (
    LAW_FILE,
    ConfigError,
    config_dir,
    load_law,
    load_norms,
    load_parameters,
    load_policies,
    load_settings,
)


def test_the_bundled_tables_policy_versions_and_law_load():
    norms = load_norms()
    assert [t.name for t in norms] == ["riksnorm 2021", "riksnorm 2023", "riksnorm 2026"]
    assert all(t.source and len(t.digest) == 64 for t in norms)
    assert norms[0].lunch_outside_home and not norms[1].lunch_outside_home
    policies = load_policies()
    assert [p.valid_from for p in policies] == [date(2021, 1, 1), date(2026, 1, 1), date(2026, 12, 1)]
    assert [p.referral_delegation is not None for p in policies] == [False, False, True]
    assert policies[0].rent_ceiling_with_children == (6192, 7416, 8046, 8650, 9255)
    assert policies[0].accepted_costs == ("childcare",)
    assert load_law().cite("sol_right", date(2026, 1, 1)) == "Socialtjänstlagen (2025:400) 12 kap. 1 §"


def test_nothing_in_the_2026_table_is_provisional():
    t = load_parameters().for_period("2026-01")[0]
    assert t.name == "riksnorm 2026"
    assert not any(a.provisional for a in [*t.personal.values(), *t.lunch_outside_home.values(), *t.common])


@pytest.mark.parametrize(
    "period,table,policy",
    [
        ("2020-12", None, None),
        ("2021-01", "riksnorm 2021", date(2021, 1, 1)),
        ("2022-06", None, date(2021, 1, 1)),  # no 2022 table here
        ("2023-12", "riksnorm 2023", date(2021, 1, 1)),
        ("2024-03", None, date(2021, 1, 1)),  # 2024 and 2025 not added from the statute text yet
        ("2025-12", None, date(2021, 1, 1)),
        ("2026-01", "riksnorm 2026", date(2026, 1, 1)),  # the committee's new version takes effect too
        ("2026-11", "riksnorm 2026", date(2026, 1, 1)),
        ("2026-12", "riksnorm 2026", date(2026, 12, 1)),  # and its delegation for referrals
        ("2027-01", None, date(2026, 12, 1)),
    ],
)
def test_the_table_and_policy_in_force_on_the_first_day_of_the_period(period, table, policy):
    found_table, found_policy = load_parameters().for_period(period)
    assert (found_table.name if found_table else None) == table
    assert (found_policy.valid_from if found_policy else None) == policy


@pytest.fixture
def norms_dir(tmp_path):
    d = tmp_path / "norms"
    shutil.copytree(config_dir() / "norms", d)
    return d


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    "old,new,expected",
    [
        ("child_0 = 2180", 'child_0 = "lots"', "2021.toml: personal_costs.child_0: Value error, must be an amount in whole kronor"),
        ("child_0 = 2180", "child_0 = -1", "2021.toml: personal_costs.child_0.amount: Input should be greater than or equal to 0"),
        ("child_0 = 2180\n", "", "2021.toml: personal_costs.child_0: Field required"),
        ("7 = 2270\n", "", "2021.toml: common_costs: "),
        ('source = "Socialtj', 'sorce = "Socialtj', "2021.toml: table.source: Field required"),
        ("valid_to = 2021-12-31", "valid_to = 2022-01-31", "valid_from and valid_to must lie within one calendar year"),
        ("valid_to = 2021-12-31", "valid_to = 2020-12-31", "valid_from and valid_to must lie within one calendar year, in that order"),
        ("[common_costs]", "[common_costs", "2021.toml: not valid TOML"),
    ],
)
def test_a_broken_norm_table_is_named_with_key_and_problem(norms_dir, old, new, expected):
    edit(norms_dir / "2021.toml", old, new)
    with pytest.raises(ConfigError) as e:
        load_norms(norms_dir)
    assert expected in str(e.value)
    assert str(norms_dir / "2021.toml") in str(e.value)


def test_a_table_can_change_mid_year(norms_dir):
    edit(norms_dir / "2026.toml", "valid_to = 2026-12-31", "valid_to = 2026-06-30")
    later = (norms_dir / "2026.toml").read_text(encoding="utf-8").replace("valid_from = 2026-01-01", "valid_from = 2026-07-01")
    later = later.replace("valid_to = 2026-06-30", "valid_to = 2026-12-31").replace("adult_alone = 3940", "adult_alone = 3990")
    (norms_dir / "2026-07.toml").write_text(later.replace('name = "riksnorm 2026"', 'name = "riksnorm 2026 från juli"'), encoding="utf-8")
    params = load_parameters(norms_dir)
    assert params.for_period("2026-06")[0].personal["adult_alone"].amount == 3940
    assert params.for_period("2026-07")[0].personal["adult_alone"].amount == 3990
    assert params.for_period("2026-07")[0].name == "riksnorm 2026 från juli"


def test_two_tables_in_force_on_one_day_are_refused(norms_dir):
    shutil.copy(norms_dir / "2026.toml", norms_dir / "2026-copy.toml")
    with pytest.raises(ConfigError, match=r"valid_from 2026-01-01: norm table 2026.*toml is still in force that day"):
        load_norms(norms_dir)


def test_adding_a_year_is_adding_a_file(norms_dir):
    text = (norms_dir / "2023.toml").read_text(encoding="utf-8").replace("2023", "2024")
    (norms_dir / "2024.toml").write_text(text, encoding="utf-8")
    assert [t.valid_from.year for t in load_norms(norms_dir)] == [2021, 2023, 2024, 2026]


def test_a_missing_directory_or_an_empty_one_says_so(tmp_path):
    with pytest.raises(ConfigError, match="no such directory"):
        load_norms(tmp_path / "nope")
    with pytest.raises(ConfigError, match="holds no norm table"):
        load_norms(tmp_path)
    with pytest.raises(ConfigError, match="holds no policy version"):
        load_policies(tmp_path)


def test_the_digest_covers_the_content_not_the_layout(norms_dir):
    before = load_norms(norms_dir)[2].digest
    edit(norms_dir / "2026.toml", "# Riksnorm", "# A comment changes nothing decided.\n# Riksnorm")
    assert load_norms(norms_dir)[2].digest == before
    edit(norms_dir / "2026.toml", "adult_alone = 3940", "adult_alone = 3941")
    assert load_norms(norms_dir)[2].digest != before


@pytest.mark.parametrize(
    "old,new,expected",
    [
        ("tolerance = 100", "tolerance = 100.5", "income.tolerance: Input should be a valid integer"),
        ("buffer = 5000", "buffer = -5", "assets.buffer: Input should be greater than or equal to 0"),
        ('"TS", "MIV"]', '"TS", "MIG"]', "registry.adult_sources.7: Input should be"),
        ("limit = 30000", "limit = 30000\nextra = 1", "amount.extra: Extra inputs are not permitted"),
        ('["childcare"]', '["dental_care"]', "costs.accepted_beyond_statute.0: Input should be 'childcare'"),
    ],
)
def test_a_broken_policy_is_named_with_key_and_problem(tmp_path, old, new, expected):
    path = tmp_path / "2021-01-01.toml"
    shutil.copy(config_dir() / "policy" / "2021-01-01.toml", path)
    edit(path, old, new)
    with pytest.raises(ConfigError) as e:
        load_policies(tmp_path)
    assert str(e.value).startswith(f"{path}: ")
    assert expected in str(e.value)


def test_two_policy_versions_from_one_day_are_refused(tmp_path):
    shutil.copy(config_dir() / "policy" / "2021-01-01.toml", tmp_path / "a.toml")
    shutil.copy(config_dir() / "policy" / "2021-01-01.toml", tmp_path / "b.toml")
    with pytest.raises(ConfigError, match="b.toml: valid_from 2021-01-01: policy version a.toml is still in force"):
        load_policies(tmp_path)


def test_every_provision_of_the_law_has_a_source_and_its_versions_do_not_overlap():
    law = load_law()
    for key, versions in law.provisions.items():
        assert all(v.source for v in versions), key
        for newer, older in zip(versions, versions[1:]):
            assert older.valid_to is not None and older.valid_to < newer.valid_from, key


def test_a_broken_law_file_is_named(tmp_path):
    path = tmp_path / "law.toml"
    path.write_text(LAW_FILE.read_text(encoding="utf-8").replace('cite = "Socialtjänstlagen (2025:400) 12 kap. 1 §", ', "", 1), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"law.toml: sol_right: versions.0.cite: Field required"):
        load_law(path)


def test_worker_settings_are_in_casebot_toml_not_the_policy():
    settings = load_settings()
    assert (settings.retry.attempts, settings.retry.seconds, settings.sample.share) == (5, 60, 0.05)
    assert [settings.retry.wait(n).total_seconds() for n in (1, 2, 3, 7, 8)] == [60, 120, 240, 3600, 3600]
    assert "fetch_attempts" not in (config_dir() / "policy" / "2026-01-01.toml").read_text(encoding="utf-8")


def test_the_log_folder_comes_from_the_environment_else_the_settings(tmp_path, monkeypatch):
    import shutil

    from robots.config import config_dir
    from robots.folders import log_dir

    shutil.copytree(config_dir(), tmp_path / "config")
    settings = tmp_path / "config" / "casebot.toml"
    settings.write_text(settings.read_text(encoding="utf-8").replace('dir = ""', f'dir = "{tmp_path / "kept-logs"}"'), encoding="utf-8")
    monkeypatch.setenv("CASEBOT_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.delenv("CASEBOT_LOG_DIR", raising=False)
    assert log_dir() == tmp_path / "kept-logs"
    monkeypatch.setenv("CASEBOT_LOG_DIR", str(tmp_path / "env-logs"))
    assert log_dir() == tmp_path / "env-logs"


def test_casebot_config_points_every_command_at_another_folder(tmp_path):
    import shutil
    import subprocess
    import sys

    from robots.config import config_dir

    shutil.copytree(config_dir(), tmp_path / "config")
    (tmp_path / "config" / "policy" / "2026-01-01.toml").write_text("[policy]\nname = 'broken'\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "robots", "--config", str(tmp_path / "config"), "check"], capture_output=True, text=True,
                          timeout=120, env={"PATH": "", "HOME": str(tmp_path), "CASEBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'c.sqlite3'}"})
    assert done.returncode == 2 and "2026-01-01.toml" in done.stderr, done.stderr
