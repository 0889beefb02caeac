"""Service settings: every `SCRM_*` environment variable, validated by pydantic-settings."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from scrm.infra import clock


class Settings(BaseSettings):
    """All configuration. Names map to `SCRM_<FIELD>`; `.env.example` documents each one."""

    model_config = SettingsConfigDict(
        env_prefix="SCRM_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    # --- storage -------------------------------------------------------------------------
    database_url: str = "sqlite://./scrm.db"
    redis_url: str = "redis://127.0.0.1:6379/0"
    # Master key for secrets at rest (corp secrets, AES keys, phone numbers). When empty a
    # random key is created in `secret_key_file` on first start, so a demo needs no setup.
    secret_key: SecretStr = SecretStr("")
    secret_key_file: str = ".scrm_secret_key"

    # --- web -----------------------------------------------------------------------------
    host: str = "127.0.0.1"
    port: int = 8080
    public_url: str = ""  # how WeCom reaches us, e.g. https://scrm.example.com; shown in docs/logs
    callback_max_body: int = 64 * 1024
    # WeCom documents no timestamp check; a wide window plus dedup hardens against replays.
    callback_max_skew_seconds: int = 3600
    # Addresses users give (quick-reply pictures, journey webhooks) may not reach loopback,
    # private, link-local or reserved networks; these hosts (`host` or `host:port`,
    # comma-separated) are let through, e.g. an intranet picture server.
    fetch_allow_hosts: str = ""

    # --- first corp (bootstrap) ----------------------------------------------------------
    wecom_corp_id: str = ""
    wecom_token: SecretStr = SecretStr("")
    wecom_aes_key: SecretStr = SecretStr("")
    wecom_secret: SecretStr = SecretStr("")
    wecom_agent_id: int = 0
    wecom_api_base: str = "https://qyapi.weixin.qq.com"
    # WeCom's OAuth page (网页授权) the sidebar sends staff to; the sandbox in tests and demos.
    wecom_oauth_base: str = "https://open.weixin.qq.com"

    # --- outbound WeCom client -----------------------------------------------------------
    wecom_rate_per_minute: int = 6000  # per corp per API; WeCom refuses above 10 000/min
    wecom_timeout_seconds: float = 10.0
    wecom_max_retries: int = 3

    # --- inbox / jobs --------------------------------------------------------------------
    inbox_sweep_seconds: float = 5.0
    inbox_max_attempts: int = 6
    inbox_backoff_seconds: float = 10.0
    # Lead pushes are stored encrypted; a processed push's raw body (it holds phones) is
    # emptied this many days after processing (0: kept). Dead pushes keep theirs for replay.
    lead_event_retention_days: int = 30
    worker_max_jobs: int = 50
    # On SIGTERM the worker takes no new job and lets running ones finish for this long (a
    # lead drain stops after its current batch); what is still running then is cancelled.
    worker_shutdown_grace_seconds: float = 30.0
    # `scrm-bot worker` answers GET /healthz and /metrics on this port (0: off); `serve` and `up`
    # serve them on their web port. Welcome latency and job counters live in the worker.
    worker_metrics_port: int = Field(default=0, ge=0, le=65535)
    # On SIGTERM `serve`/`up` first answer /healthz with 503 for this long while still serving,
    # so a load balancer takes the process out before it stops accepting (rolling restarts).
    web_drain_seconds: float = Field(default=0.0, ge=0, le=120)
    # The welcome worker (decision 0024) runs in a child process of `up` / `worker`, so CPU-heavy
    # bulk work in the main worker cannot starve it; False runs it inside the worker's process.
    welcome_process: bool = True
    # On PostgreSQL `up` runs its bulk worker in a child process at this `nice` (0–19), so the
    # web edge and the welcome get the CPU first when a burst shares the machine (decision 0033).
    bulk_nice: int = Field(default=10, ge=0, le=19)
    # …and starts no job while welcomes are in flight, for at most this long at a time (then it
    # runs a second before it may wait again): crons and drains are delayed, never starved.
    bulk_yield_seconds: float = Field(default=15.0, ge=0, le=120)
    # A lead webhook waits at most this long while a scan, an add with a welcome code or a
    # welcome is in flight (priority_gate.py); 0: never. Platforms allow seconds to answer.
    webhook_yield_seconds: float = Field(default=1.0, ge=0, le=10)
    # `up`, `serve` and `worker` run on uvloop when it is installed; False: asyncio's own loop.
    uvloop: bool = True

    # Hour (0–23, worker's local time) of the nightly reconcile with WeCom (scrm-bot sync).
    sync_hour: int = Field(default=3, ge=0, le=23)

    # --- behaviour -----------------------------------------------------------------------
    timezone: str = clock.DEFAULT_ZONE
    # 群发: how many 群发 one customer or group may receive a month (0: the month's days, WeCom's
    # default; set 4 or 7 if the corp changed it in 群发助手).
    mass_monthly_cap: int = 0
    log_level: str = "INFO"
    log_format: Literal["json", "console"] = "console"

    # --- admin API ---------------------------------------------------------------------
    # A bootstrap bearer token for /api/v1, admin of every corp. Empty: none (people log in).
    admin_token: SecretStr = SecretStr("")
    # POST /admin/login attempts allowed per client address and per username in each window
    # (Redis counters shared by all processes); 0 turns a limit off. Behind a proxy every
    # client shares its address: raise the per-IP limit there.
    login_rate_per_ip: int = 30
    login_rate_per_account: int = 10
    login_rate_window_seconds: int = 60

    # --- compliance: chat archive (会话内容存档) and WeCom intercept rules --------------------
    # off | sandbox (the sandbox's /sandbox/finance/chatdata) | finance_sdk (the native .so)
    archive_source: Literal["off", "sandbox", "finance_sdk"] = "off"
    archive_sdk_path: str = ""  # libWeWorkFinanceSdk_C.so; the source is used only if it exists
    archive_secret: SecretStr = SecretStr("")  # the 会话内容存档 secret; empty: the corp's secret
    archive_keys_dir: str = ""  # <dir>/<corp_id>/<publickey_ver>.pem, RSA private keys
    archive_batch_size: int = 500  # GetChatData limit (WeCom allows up to 1000)
    # Words at or above this severity are pushed to WeCom's intercept rule (empty: none).
    intercept_min_severity: Literal["", "low", "medium", "high", "critical"] = "high"
    intercept_type: Literal[1, 2] = 1  # 1 warn and block sending, 2 warn only

    # --- sandbox -------------------------------------------------------------------------
    sandbox_port: int = 8090

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith(("postgres://", "postgresql://", "asyncpg://"))

    def model_post_init(self, __context: object) -> None:
        if self.callback_max_body < 1024:
            raise ValueError("SCRM_CALLBACK_MAX_BODY must be at least 1024 bytes")


class _Bound:
    value: Settings | None = None


def get_settings() -> Settings:
    """The process-wide settings (tests replace them with `override_settings`)."""
    if _Bound.value is None:
        _Bound.value = _load()
    return _Bound.value


def override_settings(settings: Settings | None) -> None:
    _Bound.value = settings


@lru_cache(maxsize=1)
def _load() -> Settings:
    return Settings()


__all__ = ["Settings", "get_settings", "override_settings"]
