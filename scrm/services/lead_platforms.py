"""Each platform's push protocol: how it signs, names its messages and shapes its leads."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from scrm import phones
from scrm.storable import clean_json


class PushError(ValueError):
    """A push we refuse; `status` is the HTTP answer (400 malformed, 401 bad signature)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


@dataclass
class LeadFields:
    name: str = ""
    phone: str = ""
    unionid: str = ""
    city: str = ""
    ad_id: str = ""
    campaign: str = ""
    utm: dict[str, str] = field(default_factory=dict)
    attributes: dict[str, Any] = field(default_factory=dict)
    other_phones: list[str] = field(default_factory=list)  # found by value, normalised


@dataclass
class Push:
    message_id: str
    reply: dict[str, Any] | None = None  # a handshake to answer instead of a lead


_ALIASES = {
    "name": ("name", "nick_name", "nickname", "姓名", "customer_name"),
    "phone": (
        "phone",
        "telephone",
        "mobile",
        "tel",
        "phone_number",
        "mobile_phone",
        "电话",
        "手机",
        "手机号",
        "手机号码",
        "联系电话",
        "联系方式",
    ),
    "unionid": ("unionid", "union_id"),
    "city": ("city", "location", "城市", "地区"),
    "ad_id": ("ad_id", "promotion_id", "creative_id", "ad"),
    "campaign": ("campaign", "campaign_id", "campaign_name", "plan_id"),
}


def map_fields(data: Mapping[str, Any]) -> LeadFields:
    """Platform payloads differ and are partly undocumented; map the usual names, keep the rest."""
    out = LeadFields()
    used: set[str] = set()
    for target, names in _ALIASES.items():
        for name in names:
            if data.get(name) not in (None, ""):
                setattr(out, target, str(data[name])[:64])
                used.add(name)
                break
    for key, value in data.items():
        if key.startswith("utm_") and isinstance(value, str):
            out.utm[key] = value[:128]
            used.add(key)
    answers = data.get("answers") or data.get("form") or {}
    if isinstance(answers, Mapping):
        out.attributes.update({str(k): v for k, v in answers.items()})
        used.update({"answers", "form"})
    out.attributes.update({k: v for k, v in data.items() if k not in used and _plain(v)})
    return scrub_phones(out)


def scrub_phones(out: LeadFields) -> LeadFields:
    """Phones are found by value, not only by name: any attribute that is a phone number is
    kept masked in `attributes` and normalised in `other_phones` (stored encrypted); the first
    one becomes the lead's phone when the named phone field is missing or not a phone."""
    for name, value in list(out.attributes.items()):
        found = phones.key(value) if phones.looks_like_phone(value) else None
        if found is None:
            continue
        out.attributes[name] = phones.mask(found)
        if found not in out.other_phones:
            out.other_phones.append(found)
    if phones.key(out.phone) is None and out.other_phones:
        out.phone = out.other_phones.pop(0)
    own = phones.key(out.phone)
    out.other_phones = [p for p in out.other_phones if p != own]
    return out


def _plain(value: Any) -> bool:
    return isinstance(value, str | int | float | bool) and len(str(value)) <= 256


def _json(raw: bytes) -> dict[str, Any]:
    try:
        data = json.loads(raw)
        if not isinstance(data, dict):
            raise PushError(400, "body must be a JSON object")
        # NUL and lone surrogates arrive as \u0000 / \ud800 escapes: PostgreSQL cannot store them.
        return dict(clean_json(data))
    except ValueError as exc:
        raise PushError(400, f"body is not JSON: {exc}") from exc
    except RecursionError as exc:  # JSON nested thousands deep: no lead is shaped like that
        raise PushError(400, "body is nested too deep") from exc


def _digest_id(raw: bytes) -> str:
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.strip().lower().encode(), b.strip().lower().encode())


class Platform:
    name = ""

    def verify(self, secret: str, headers: Mapping[str, str], raw: bytes) -> None:
        raise NotImplementedError

    def identify(self, headers: Mapping[str, str], raw: bytes) -> Push:
        """What the edge needs of a signed push: its message id, or the handshake's reply.
        The lead's fields are mapped by the drain, not here (the edge's CPU is the limit)."""
        raise NotImplementedError

    def fields(self, raw: bytes) -> LeadFields:
        """The lead in a stored body (the job re-reads what the edge accepted)."""
        return map_fields(_json(raw))


class Douyin(Platform):
    """X-Douyin-Signature = sha1_hex(client_secret + raw body); Msg-Id dedupes; content is a
    JSON string; `verify_webhook` is answered with its challenge (wecom-reference.md §6.1)."""

    name = "douyin"

    def verify(self, secret: str, headers: Mapping[str, str], raw: bytes) -> None:
        given = headers.get("X-Douyin-Signature", "")
        if not given or not _same(given, hashlib.sha1(secret.encode() + raw).hexdigest()):
            raise PushError(401, "X-Douyin-Signature does not match")

    def identify(self, headers: Mapping[str, str], raw: bytes) -> Push:
        body, content = self._content(raw)
        if body.get("event") == "verify_webhook":
            return Push("verify", reply={"challenge": content.get("challenge")})
        msg_id = headers.get("Msg-Id") or ""
        if not msg_id:
            raise PushError(400, "Msg-Id header missing")
        return Push(msg_id)

    def fields(self, raw: bytes) -> LeadFields:
        body, content = self._content(raw)
        fields = map_fields(content)
        fields.attributes.setdefault("event", str(body.get("event", "")))
        return fields

    @staticmethod
    def _content(raw: bytes) -> tuple[dict[str, Any], dict[str, Any]]:
        body = _json(raw)
        content = body.get("content")
        if isinstance(content, str):
            try:
                content = clean_json(json.loads(content)) if content else {}
            except (ValueError, RecursionError) as exc:
                raise PushError(400, "content is not a JSON string") from exc
        if not isinstance(content, dict):
            raise PushError(400, "content must be an object or a JSON string of one")
        return body, content


class Xiaohongshu(Platform):
    """X-Red-Signature: sha1=<HMAC-SHA1(token, raw body)> (wecom-reference.md §6.3)."""

    name = "xiaohongshu"

    def verify(self, secret: str, headers: Mapping[str, str], raw: bytes) -> None:
        given = headers.get("X-Red-Signature", "").removeprefix("sha1=")
        wanted = hmac.new(secret.encode(), raw, hashlib.sha1).hexdigest()
        if not given or not _same(given, wanted):
            raise PushError(401, "X-Red-Signature does not match")

    def identify(self, headers: Mapping[str, str], raw: bytes) -> Push:
        body = _json(raw)
        msg_id = str(body.get("leads_id") or body.get("lead_id") or body.get("id") or "")
        return Push(msg_id or _digest_id(raw))


class Kuaishou(Platform):
    """kwaisign = md5_hex(raw body + app secret) (wecom-reference.md §6.4)."""

    name = "kuaishou"

    def verify(self, secret: str, headers: Mapping[str, str], raw: bytes) -> None:
        given = headers.get("kwaisign", "")
        if not given or not _same(given, hashlib.md5(raw + secret.encode()).hexdigest()):
            raise PushError(401, "kwaisign does not match")

    def identify(self, headers: Mapping[str, str], raw: bytes) -> Push:
        body = _json(raw)
        data = self._data(body)
        msg_id = str(body.get("taskId") or data.get("clue_id") or data.get("lead_id") or "")
        return Push(msg_id or _digest_id(raw))

    def fields(self, raw: bytes) -> LeadFields:
        return map_fields(self._data(_json(raw)))

    @staticmethod
    def _data(body: dict[str, Any]) -> dict[str, Any]:
        inner = body.get("data")
        return inner if isinstance(inner, dict) else body


class Form(Platform):
    """Our own web forms: X-Signature = hex HMAC-SHA256(form key, raw body); X-Request-Id or
    `submission_id` dedupes."""

    name = "form"

    def verify(self, secret: str, headers: Mapping[str, str], raw: bytes) -> None:
        given = headers.get("X-Signature", "")
        wanted = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
        if not given or not _same(given, wanted):
            raise PushError(401, "X-Signature does not match")

    def identify(self, headers: Mapping[str, str], raw: bytes) -> Push:
        body = _json(raw)
        msg_id = headers.get("X-Request-Id") or str(body.get("submission_id") or "")
        return Push(msg_id or _digest_id(raw))


PLATFORMS: dict[str, Platform] = {p.name: p for p in (Douyin(), Xiaohongshu(), Kuaishou(), Form())}
