"""Default bounds for every request model: no int, float, string, list or map is unbounded.

A value the database cannot hold (an int past PostgreSQL's `integer`, a 100 000-digit number)
used to reach the ORM and come back as a 500. Every body model registered with the API gets,
on each field (and inside lists, maps and optionals, and in nested models) that does not
set its own, the bounds below. Fields narrower than these (64-character columns, money, ids
of bigint tables) say so themselves with `Field(...)`."""

from __future__ import annotations

import types
import typing
from typing import Annotated, Any, Union, get_args, get_origin

import annotated_types as at
from pydantic import BaseModel

INT_MIN, INT_MAX = -(2**31), 2**31 - 1  # PostgreSQL `integer`, the widest common column
FLOAT_ABS = 1e15  # also refuses inf and nan
STR_MAX = 10_000  # free text (a welcome message, a note); columns set their own
ITEMS_MAX = 1_000  # entries of a list or a map in one request
_SEQUENCES = (list, set, frozenset, tuple)


def _has(metadata: list[Any], *kinds: type) -> bool:
    return any(isinstance(m, kinds) for m in metadata)


def _scalar_bounds(tp: Any, metadata: list[Any]) -> list[Any]:
    """The constraints `tp` is missing, given those it has."""
    extra: list[Any] = []
    if tp is int or tp is float:
        low, high = (INT_MIN, INT_MAX) if tp is int else (-FLOAT_ABS, FLOAT_ABS)
        if not _has(metadata, at.Ge, at.Gt, at.Interval):
            extra.append(at.Ge(low))
        if not _has(metadata, at.Le, at.Lt, at.Interval):
            extra.append(at.Le(high))
    elif tp is str:
        if not _has(metadata, at.MaxLen, at.Len):
            extra.append(at.MaxLen(STR_MAX))
    elif get_origin(tp) in (*_SEQUENCES, dict) and not _has(metadata, at.MaxLen, at.Len):
        extra.append(at.MaxLen(ITEMS_MAX))
    return extra


def _bound_type(tp: Any, seen: set[type], nested: bool = False) -> Any:
    """`tp` with bounded scalars inside containers, unions and nested models."""
    origin = get_origin(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        bound_model(tp, seen)
        return tp
    if origin is Annotated:
        inner, *meta = get_args(tp)
        bounded = _bound_type(inner, seen, nested)
        return Annotated[(bounded, *meta, *_scalar_bounds(inner, list(meta)))]
    if origin in (Union, types.UnionType):
        return typing.Union[tuple(_bound_type(a, seen, nested) for a in get_args(tp))]  # noqa: UP007
    if origin in _SEQUENCES or origin is dict:
        args = tuple(_bound_type(a, seen, True) if a is not Ellipsis else a for a in get_args(tp))
        inner_tp = origin[args] if args else tp
        # The field's own length bound goes into its metadata; a list inside a list here.
        return Annotated[inner_tp, at.MaxLen(ITEMS_MAX)] if nested else inner_tp
    extra = _scalar_bounds(tp, [])
    if extra and origin is None and tp in (int, float, str):
        return Annotated[(tp, *extra)]
    return tp


def bound_model(model: type[BaseModel], seen: set[type] | None = None) -> type[BaseModel]:
    """Adds the default bounds to `model` (and the models it nests), in place; idempotent."""
    seen = set() if seen is None else seen
    if model in seen or model.__dict__.get("__scrm_bounded__", False):  # not inherited
        return model
    seen.add(model)
    for field in model.model_fields.values():
        tp = field.annotation
        field.annotation = _bound_type(tp, seen)
        field.metadata.extend(_scalar_bounds(tp, field.metadata))
    # Always rebuilt: a nested model bounded just now (or earlier, through another model) is
    # only seen by this one's validator after a rebuild.
    model.model_rebuild(force=True)
    model.__scrm_bounded__ = True  # type: ignore[attr-defined]
    return model
