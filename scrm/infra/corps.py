"""Corp registry: callback crypto per corp, cached in memory, plus the settings bootstrap."""

from __future__ import annotations

import time
from dataclasses import dataclass

from scrm.infra.logging import get_logger
from scrm.infra.settings import Settings
from scrm.models import Corp
from wecom.crypto import WeComCrypto

log = get_logger("scrm.infra.corps")

# An unknown corp id is answered from memory for this long, so a flood of foreign
# callbacks cannot turn into a flood of database lookups.
_NEGATIVE_TTL = 5.0


@dataclass(frozen=True)
class CorpEntry:
    pk: int
    corp_id: str
    crypto: WeComCrypto


class CorpRegistry:
    def __init__(self) -> None:
        self._known: dict[str, CorpEntry] = {}
        self._unknown: dict[str, float] = {}

    async def get(self, corp_id: str) -> CorpEntry | None:
        entry = self._known.get(corp_id)
        if entry is not None:
            return entry
        seen = self._unknown.get(corp_id)
        if seen is not None and time.monotonic() - seen < _NEGATIVE_TTL:
            return None
        corp = await Corp.get_or_none(corp_id=corp_id, active=True)
        if corp is None:
            if len(self._unknown) > 10_000:
                self._unknown.clear()
            self._unknown[corp_id] = time.monotonic()
            return None
        entry = CorpEntry(corp.id, corp.corp_id, WeComCrypto(corp.token, corp.aes_key, corp_id))
        self._known[corp_id] = entry
        return entry

    def forget(self, corp_id: str) -> None:
        """Drop a cached corp after its credentials change."""
        self._known.pop(corp_id, None)
        self._unknown.pop(corp_id, None)


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
