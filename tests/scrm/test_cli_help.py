"""Every `scrm-bot` command and option says what it does in --help."""

from __future__ import annotations

import argparse

import pytest

from bot.cli import _parser, main


def _walk(parser: argparse.ArgumentParser, path: str = "scrm-bot") -> list[tuple[str, str]]:
    """(where, what) for every option, positional and sub-command without help text."""
    missing = []
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        if isinstance(action, argparse._SubParsersAction):
            helped = {a.dest for a in action._choices_actions if a.help}
            for name, sub in action.choices.items():
                if name not in helped:
                    missing.append((path, f"command {name}"))
                missing += _walk(sub, f"{path} {name}")
            continue
        if not action.help:
            missing.append((path, "/".join(action.option_strings) or action.dest))
    return missing


def test_every_option_has_help_text() -> None:
    assert _walk(_parser()) == []


def test_help_prints_and_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["demo", "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert "--exit" in out and "--scans" in out and "customers who scan" in out
