"""The README is the newcomer's contract: two commands, every setting documented."""

import pathlib

from data_access.settings import SETTINGS_HELP

README = (pathlib.Path(__file__).resolve().parents[1] / "README.md").read_text()


def test_readme_shows_the_two_commands():
    assert "make run" in README and "make test" in README


def test_readme_documents_every_setting_with_its_default():
    for name, (default, help_text) in SETTINGS_HELP.items():
        row = next((line for line in README.splitlines() if line.startswith(f"| `{name.upper()}` |")), None)
        assert row is not None, f"{name.upper()} is missing from the README"
        assert help_text in row and (f"`{default}`" in row if default else "*(unset)*" in row)
