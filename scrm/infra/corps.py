"""Corp registry (corps by corp id with their callback crypto, cached 30 s) and the bootstrap."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from scrm.infra.cache import TtlCache
from scrm.infra.logging import get_logger
from scrm.infra.settings import Settings
from scrm.models import Corp
from wecom.crypto import WeComCrypto

log = get_logger("scrm.infra.corps")

# A corp changed by another process (its secrets, its active flag) is seen within this; this
# process's own edits call forget(). A loaded corp's secrets are decrypted once per load.
CORP_TTL = 30.0
# An unknown corp id is answered from memory for this long, so a flood of foreign
# callbacks cannot turn into a flood of database lookups.
_NEGATIVE_TTL = 5.0


@dataclass(frozen=True)
class CorpEntry:
    pk: int
    corp_id: str
    corp: Corp

    @cached_property
    def crypto(self) -> WeComCrypto:
        return WeComCrypto(self.corp.token, self.corp.aes_key, self.corp_id)


class CorpRegistry:
    """One read of a corp's row per `ttl` however many callers ask at once (TtlCache)."""

    def __init__(self, *, ttl: float = CORP_TTL, miss_ttl: float = _NEGATIVE_TTL) -> None:
        self._entries: TtlCache[str, CorpEntry | None] = TtlCache(ttl, miss_ttl=miss_ttl)

    async def _entry(self, corp_id: str) -> CorpEntry | None:
        return await self._entries.get_or_load(corp_id, lambda: _load(corp_id))

    async def get(self, corp_id: str) -> CorpEntry | None:
        """An active corp (the callback edge accepts no other)."""
        entry = await self._entry(corp_id)
        return entry if entry is not None and entry.corp.active else None

    async def row(self, corp_id: str) -> Corp | None:
        """The corp, active or not (a stored event of a corp since switched off still runs)."""
        entry = await self._entry(corp_id)
        return None if entry is None else entry.corp

    def forget(self, corp_id: str) -> None:
        """Drop a cached corp after its credentials change."""
        self._entries.forget(corp_id)


async def _load(corp_id: str) -> CorpEntry | None:
    corp = await Corp.get_or_none(corp_id=corp_id)
    return None if corp is None else CorpEntry(corp.id, corp.corp_id, corp)


async def bootstrap_corp(settings: Settings) -> Corp | None:
    """Create or update the first corp from SCRM_WECOM_* (the settings win over the row)."""
    if not settings.wecom_corp_id:
        return None
    token = settings.wecom_token.get_secret_value()
    aes_key = settings.wecom_aes_key.get_secret_value()
    WeComCrypto(token, aes_key, settings.wecom_corp_id)  # fails early on a malformed AES key
    values: dict[str, object] = {
        "token": token,
        "aes_key": aes_key,
        "secret": settings.wecom_secret.get_secret_value(),
        "agent_id": settings.wecom_agent_id,
        "api_base": settings.wecom_api_base,
        "timezone": settings.timezone,
    }
    corp, created = await Corp.get_or_create(
        corp_id=settings.wecom_corp_id, defaults={**values, "name": settings.wecom_corp_id}
    )
    if not created and any(getattr(corp, k) != v for k, v in values.items()):
        await corp.update_from_dict(values).save()
        log.info("corp.bootstrap.updated", corp_id=corp.corp_id)
    elif created:
        log.info("corp.bootstrap.created", corp_id=corp.corp_id)
    return corp
