"""Campaign tests reuse the bot + sandbox pair of the live-code tests."""

from tests.livecode.conftest import AUTH, Linked, linked  # noqa: F401
