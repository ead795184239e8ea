"""The README stays true: its commands are the ones CI runs, its settings table is the
one the code declares."""

from __future__ import annotations

import re

from kg.settings import REPO_ROOT, markdown_table

README = (REPO_ROOT / "README.md").read_text()


def quickstart_commands() -> list[str]:
    section = README.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", section)


def test_the_quickstart_has_exactly_two_commands():
    commands = quickstart_commands()
    assert len(commands) == 2
    assert commands[0].endswith("kg serve") and "pytest" in commands[1]


def test_ci_runs_the_readme_test_command():
    ci = (REPO_ROOT / ".ci" / "run").read_text()
    assert quickstart_commands()[1] in ci.splitlines()


def test_every_setting_is_documented_in_the_readme():
    table = README.split("<!-- settings-table", 1)[1].split("-->", 1)[1]
    table = table.split("<!-- /settings-table -->", 1)[0].strip()
    assert table == markdown_table()
