"""Sandbox configuration: the corps it plays and the WeCom rules it enforces."""

from __future__ import annotations

from pydantic import BaseModel, Field


class SandboxStaff(BaseModel):
    userid: str
    name: str
    department: list[int] = [1]
    resigned: bool = False
    dimission_time: int = 0  # when they left (sandbox clock), for get_unassigned_list
    customer_limit: int = 0  # takeovers past this many customers end in status 4; 0 = none


# The departments every sandbox corp starts with (id → name); members default to 1, the root.
DEFAULT_DEPARTMENTS: dict[int, str] = {1: "总部", 2: "销售部", 3: "市场部"}


class SandboxCorp(BaseModel):
    corp_id: str
    secret: str
    token: str  # callback Token
    aes_key: str  # callback EncodingAESKey
    agent_id: int = 1000002
    callback_url: str = ""
    staff: list[SandboxStaff] = []
    departments: dict[int, str] = dict(DEFAULT_DEPARTMENTS)  # department/list names


class SandboxConfig(BaseModel):
    corps: list[SandboxCorp]
    token_lifetime: float = 7200.0
    rate_per_minute: int = 10_000  # per corp per API, like WeCom
    rate_window: float = 60.0  # seconds; tests shorten it instead of waiting a minute
    callback_timeout: float = 5.0
    callback_retries: int = 3
    callback_retry_delay: float = 1.0
    welcome_code_ttl: float = 20.0
    # 群发: tracking APIs answer 41063 this long after a task is made; each customer or group
    # receives at most this many 群发 a month (0: as many as the month has days, WeCom's rule).
    groupmsg_settle_seconds: float = 2.0
    monthly_receive_cap: int = 0
    refuse_ip: bool = False  # answer 60020 (IP not trusted) to every API but gettoken
    public_url: str = ""
    clock_skew: float = 0.0  # seconds added to the hand-over clock (POST /sandbox/clock)
    # Every /cgi-bin answer is held this long: real WeCom is tens to hundreds of ms away (from
    # China), so a benchmark on one machine can model the wait instead of a free local call.
    api_latency_ms: float = Field(default=0.0, ge=0, le=60_000)

    seed: int = 0  # makes generated names, genders, avatars and add times repeatable
    state_file: str = ""  # when set, the world is loaded from it at start and saved at stop
