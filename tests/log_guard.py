"""Test-run plugin: the whole run logs through the production pipeline
(scrm/infra/logging.py), and a handler on the root logger looks at every formatted line for the
suite's known secrets and for raw phone numbers; the session fails at the end if any line held
one (issue 14, finding 6)."""

from __future__ import annotations

import logging
import re

import pytest

from scrm import phones
from scrm.infra.logging import formatter, setup_logging
from tests.conftest import AES_KEY, SECRET, TOKEN

# Every secret the tests hand the service. Passwords of test logins and bootstrap tokens are
# listed here too; tests that log them on purpose would have to scrub them like production.
KNOWN_SECRETS = (
    TOKEN,
    AES_KEY,
    SECRET,
    "test-master-key-0123456789abcdef",  # make_settings' secret_key
    "test-admin-token",  # tests/livecode/conftest.py ADMIN_TOKEN
    "Secret-pass-1",
    "Passw0rd-e2e",
)
_PHONE = re.compile(r"(?<![\d*])1[3-9]\d{9}(?!\d)")


class SecretGuard(logging.Handler):
    """Formats like production and remembers where a secret or a phone got through."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.setFormatter(formatter("json"))
        self.leaks: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
        except Exception as exc:  # a line we cannot format is a bug of its own: report it
            self.leaks.append(f"unformattable record from {record.name}: {exc!r}")
            return
        found = [f"secret #{i}" for i, s in enumerate(KNOWN_SECRETS) if s in line]
        found += ["a phone" for m in _PHONE.finditer(line) if phones.key(m.group(0))]
        if found and len(self.leaks) < 50:
            shown = line
            for s in KNOWN_SECRETS:
                shown = shown.replace(s, "<SECRET>")
            self.leaks.append(
                f"{', '.join(found)} in {record.name}: {_PHONE.sub('<PHONE>', shown)[:300]}"
            )


GUARD = SecretGuard()


def pytest_configure(config: pytest.Config) -> None:
    setup_logging("INFO", "console")
    logging.getLogger().addHandler(GUARD)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if GUARD not in logging.getLogger().handlers:  # something reconfigured logging mid-run
        GUARD.leaks.append("the log guard was detached from the root logger during the run")
    if not GUARD.leaks:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    lines = ["Log lines of this run held secrets or phone numbers (scrm/infra/log_redact.py):"]
    lines += [f"  {leak}" for leak in GUARD.leaks]
    if reporter is not None:
        reporter.write_line("\n".join(lines), red=True)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
