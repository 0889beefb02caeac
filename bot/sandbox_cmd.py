"""`scrm-bot sandbox`: run the WeCom sandbox with the corp from SCRM_WECOM_* settings."""

from __future__ import annotations

from scrm.infra.settings import Settings
from wecom.sandbox import SandboxConfig, SandboxCorp, SandboxStaff, run_sandbox


def parse_staff(spec: str) -> list[SandboxStaff]:
    """`userid:name,userid:name` → members; a bad entry is a clear error, not a silent skip."""
    staff = []
    for item in filter(None, (part.strip() for part in spec.split(","))):
        userid, sep, name = item.partition(":")
        if not sep or not userid or not name:
            raise SystemExit(f"--staff entry {item!r} is not userid:name")
        staff.append(SandboxStaff(userid=userid, name=name))
    return staff


def sandbox_corp(
    settings: Settings, callback_base: str, staff: list[SandboxStaff] | None = None
) -> SandboxCorp:
    return SandboxCorp(
        corp_id=settings.wecom_corp_id,
        secret=settings.wecom_secret.get_secret_value(),
        token=settings.wecom_token.get_secret_value(),
        aes_key=settings.wecom_aes_key.get_secret_value(),
        agent_id=settings.wecom_agent_id or 1000002,
        callback_url=f"{callback_base}/wecom/callback/{settings.wecom_corp_id}",
        staff=staff or [],
    )


async def run_sandbox_from_settings(
    settings: Settings, host: str, port: int | None, *, state_file: str = "", staff: str = ""
) -> None:
    if not settings.wecom_corp_id:
        raise SystemExit(
            "scrm-bot sandbox needs SCRM_WECOM_CORP_ID, SCRM_WECOM_TOKEN, SCRM_WECOM_AES_KEY and "
            "SCRM_WECOM_SECRET (the sandbox plays that corp and calls back the bot); "
            "`scrm-bot demo` sets them up for you"
        )
    bot_url = settings.public_url or f"http://{settings.host}:{settings.port}"
    corp = sandbox_corp(settings, bot_url.rstrip("/"), parse_staff(staff))
    config = SandboxConfig(corps=[corp], state_file=state_file)
    await run_sandbox(config, host, port or settings.sandbox_port)
