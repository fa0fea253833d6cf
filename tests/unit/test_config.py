"""Parameters are data: the bundled tables load, and a broken file is named with its key and problem."""

import shutil
from pathlib import Path

import pytest

from robots.config import CONFIG_DIR, ConfigError, load_norms, load_policy


def test_the_bundled_tables_and_policy_load():
    norms = load_norms()
    assert sorted(norms) == [2021, 2023, 2026]
    assert all(t.source for t in norms.values())
    assert norms[2021].lunch_outside_home and not norms[2023].lunch_outside_home
    assert load_policy().rent_ceiling_with_children == (6192, 7416, 8046, 8650, 9255)


def test_2026_marks_exactly_the_cells_not_found_in_an_official_source():
    t = load_norms()[2026]
    provisional = {k for k, a in t.personal.items() if a.provisional}
    assert provisional == {"child_0", "child_1_2", "child_3", "child_4_6", "child_15_18", "youth_19_20"}
    assert [a.provisional for a in t.common] == [False, False, True, False, True, True, True]
    assert (t.personal["adult_alone"].amount, t.common[0].amount) == (3940, 1280)


@pytest.fixture
def norms_dir(tmp_path):
    d = tmp_path / "norms"
    shutil.copytree(CONFIG_DIR / "norms", d)
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
        ("year = 2021", "year = 2022", "valid_from and valid_to must lie within 2022"),
        ("[common_costs]", "[common_costs", "2021.toml: not valid TOML"),
    ],
)
def test_a_broken_norm_table_is_named_with_key_and_problem(norms_dir, old, new, expected):
    edit(norms_dir / "2021.toml", old, new)
    with pytest.raises(ConfigError) as e:
        load_norms(norms_dir)
    assert expected in str(e.value)
    assert str(norms_dir / "2021.toml") in str(e.value)


def test_a_table_named_for_another_year_is_refused(norms_dir):
    (norms_dir / "2021.toml").rename(norms_dir / "2020.toml")
    with pytest.raises(ConfigError, match=r"2020.toml: table.year: is 2021, but the file is named for 2020"):
        load_norms(norms_dir)


def test_adding_a_year_is_adding_a_file(norms_dir):
    text = (norms_dir / "2023.toml").read_text(encoding="utf-8").replace("2023", "2024")
    (norms_dir / "2024.toml").write_text(text, encoding="utf-8")
    assert sorted(load_norms(norms_dir)) == [2021, 2023, 2024, 2026]


def test_a_missing_directory_or_an_empty_one_says_so(tmp_path):
    with pytest.raises(ConfigError, match="no such directory"):
        load_norms(tmp_path / "nope")
    with pytest.raises(ConfigError, match="holds no norm table"):
        load_norms(tmp_path)


@pytest.mark.parametrize(
    "old,new,expected",
    [
        ("tolerance = 100", "tolerance = 100.5", "income.tolerance: Input should be a valid integer"),
        ("buffer = 5000", "buffer = -5", "assets.buffer: Input should be greater than or equal to 0"),
        ('"TS", "MIV"]', '"TS", "MIG"]', "registry.adult_sources.7: Input should be"),
        ("limit = 30000", "limit = 30000\nextra = 1", "amount.extra: Extra inputs are not permitted"),
    ],
)
def test_a_broken_policy_is_named_with_key_and_problem(tmp_path, old, new, expected):
    path = tmp_path / "policy.toml"
    shutil.copy(CONFIG_DIR / "policy.toml", path)
    edit(path, old, new)
    with pytest.raises(ConfigError) as e:
        load_policy(path)
    assert str(e.value).startswith(f"{path}: ")
    assert expected in str(e.value)
