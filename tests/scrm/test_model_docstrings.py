"""Guard: tortoise writes model docstrings into SQLite DDL comments and splits on ';'."""

from __future__ import annotations

from tortoise.models import Model

import scrm.models
import scrm.models.livecode


def test_no_model_docstring_has_a_semicolon() -> None:
    models = [
        obj
        for module in (scrm.models, scrm.models.livecode)
        for obj in vars(module).values()
        if isinstance(obj, type) and issubclass(obj, Model) and obj is not Model
    ]
    assert len(models) > 20
    offenders = [m.__name__ for m in models if ";" in (m.__doc__ or "")]
    assert offenders == [], (
        f"a ';' in these docstrings breaks `scrm-bot migrate` on SQLite: {offenders}"
    )
