"""`/api/v1/compliance/words` and `/allow-phrases`: the sensitive-word library (admin only)."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from tortoise.exceptions import IntegrityError

from admin.api.auth import actor, require
from admin.api.common import corp_for, error, ok, owned, parse, query_int
from admin.api.openapi import API
from scrm.compliance import words
from scrm.compliance.matcher import words_version
from scrm.models import AllowPhrase, SensitiveWord

TAG = "compliance words"


def _word(row: SensitiveWord) -> dict[str, Any]:
    return {
        "id": row.id,
        "word": row.word,
        "category": row.category,
        "severity": row.severity,
        "directions": row.directions,
        "scope_userids": row.scope_userids,
        "scope_departments": row.scope_departments,
        "enabled": row.enabled,
    }


def _phrase(row: AllowPhrase) -> dict[str, Any]:
    return {"id": row.id, "phrase": row.phrase, "note": row.note, "created_by": row.created_by}


@API.route("GET", "/api/v1/compliance/words", "The word library (?q= ?category=)", tag=TAG)
async def list_words(request: web.Request) -> web.Response:
    require(request, "admin")
    corp = await corp_for(request)
    q = SensitiveWord.filter(corp_id=corp.id)
    if request.query.get("q"):
        q = q.filter(word__contains=request.query["q"])
    if request.query.get("category"):
        q = q.filter(category=request.query["category"])
    limit = query_int(request, "limit", 500, 1, 5000)
    offset = query_int(request, "offset", 0, 0, 10**9)
    rows = await q.order_by("id").offset(offset).limit(limit)
    return ok(
        {
            "version": await words_version(corp.id),
            "total": await q.count(),
            "words": [_word(r) for r in rows],
        }
    )


@API.route(
    "POST",
    "/api/v1/compliance/words",
    "Add a word",
    tag=TAG,
    body=words.WordSpec,
    status=201,
    also=(409,),
)
async def add_word(request: web.Request) -> web.Response:
    require(request, "admin")
    corp = await corp_for(request)
    spec = await parse(request, words.WordSpec)
    row = await words.add_word(corp.id, spec, actor(request).userid)
    if row is None:
        return error(409, "the word is already in the library", word=spec.word)
    return ok(_word(row), status=201)


@API.route(
    "POST",
    "/api/v1/compliance/words/import",
    "Bulk import: add or update by word, `replace` drops the rest (all or nothing)",
    tag=TAG,
    body=words.BulkImport,
    also=(409,),
)
async def import_words(request: web.Request) -> web.Response:
    require(request, "admin")
    corp = await corp_for(request)
    spec = await parse(request, words.BulkImport)
    try:
        return ok(await words.bulk_import(corp.id, spec, actor(request).userid))
    except IntegrityError:
        # Two imports at once added the same word: this one was rolled back whole (the
        # import is one transaction), so trying again is safe.
        return error(409, "另一个词库导入正在进行，本次导入未生效，请稍后重试")


@API.route("GET", "/api/v1/compliance/words/{id}", "One word", tag=TAG)
async def get_word(request: web.Request) -> web.Response:
    require(request, "admin")
    _, row = await owned(request, SensitiveWord, "word")
    return ok(_word(row))


@API.route(
    "PUT",
    "/api/v1/compliance/words/{id}",
    "Edit a word",
    tag=TAG,
    body=words.WordSpec,
    also=(409,),
)
async def edit_word(request: web.Request) -> web.Response:
    require(request, "admin")
    _, row = await owned(request, SensitiveWord, "word")
    spec = await parse(request, words.WordSpec)
    if not await words.update_word(row, spec, actor(request).userid):
        return error(409, "another entry already has this word", word=spec.word)
    return ok(_word(row))


@API.route("DELETE", "/api/v1/compliance/words/{id}", "Delete a word", tag=TAG)
async def delete_word(request: web.Request) -> web.Response:
    require(request, "admin")
    _, row = await owned(request, SensitiveWord, "word")
    await words.delete_word(row, actor(request).userid)
    return ok({"deleted": row.id})


@API.route("GET", "/api/v1/compliance/allow-phrases", "The allow-list", tag=TAG)
async def list_phrases(request: web.Request) -> web.Response:
    require(request, "admin")
    corp = await corp_for(request)
    rows = await AllowPhrase.filter(corp_id=corp.id).order_by("id")
    return ok([_phrase(r) for r in rows])


@API.route(
    "POST",
    "/api/v1/compliance/allow-phrases",
    "Allow a phrase (a word inside it no longer alerts)",
    tag=TAG,
    body=words.AllowSpec,
    status=201,
    also=(409,),
)
async def add_phrase(request: web.Request) -> web.Response:
    require(request, "admin")
    corp = await corp_for(request)
    spec = await parse(request, words.AllowSpec)
    row = await words.add_allow(corp.id, spec, actor(request).userid)
    if row is None:
        return error(409, "the phrase is already allowed", phrase=spec.phrase)
    return ok(_phrase(row), status=201)


@API.route("DELETE", "/api/v1/compliance/allow-phrases/{id}", "Remove an allowed phrase", tag=TAG)
async def delete_phrase(request: web.Request) -> web.Response:
    require(request, "admin")
    _, row = await owned(request, AllowPhrase, "allow phrase")
    await words.delete_allow(row)
    return ok({"deleted": row.id})
