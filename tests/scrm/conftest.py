"""Tests here may use the bot + sandbox pair of the live-code tests."""

from tests.livecode.conftest import Linked, linked  # noqa: F401
