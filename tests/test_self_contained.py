"""The project stands on its own: nothing in it reads the shared folder it was started from."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("robots", "connectors", "tasks", "tests", "benchmarks", "scripts", "config", ".ci")


def test_no_file_refers_to_the_shared_folder():
    offenders = [
        str(path.relative_to(ROOT))
        for folder in SOURCES
        if (ROOT / folder).exists()
        for path in (ROOT / folder).rglob("*")
        if path.is_file() and path.suffix in (".py", ".toml", ".robot", ".json", "") and path != Path(__file__)
        and "../shared" in path.read_text(encoding="utf-8", errors="replace")
    ]
    assert offenders == []


def test_the_contract_and_example_are_bundled():
    contract = ROOT / "robots" / "contract"
    for name in ("application", "registry", "decision"):
        assert (contract / "schemas" / f"{name}.schema.json").is_file()
    assert len(list((contract / "examples").glob("repeat-single-parent.*.json"))) == 3
