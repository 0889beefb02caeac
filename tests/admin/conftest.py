from tests.livecode.conftest import AUTH, Linked, linked  # noqa: F401
