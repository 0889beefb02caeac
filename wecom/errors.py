"""Typed WeCom API errors: one class per errcode family the project branches on."""

from __future__ import annotations

# errcodes we rely on (wecom-reference.md §3.13). Branch on these, never on errmsg.
SYSTEM_BUSY = -1
INVALID_SECRET = 40001
INVALID_USERID = 40003
INVALID_MEDIA_ID = 40007
INVALID_CORPID = 40013
INVALID_TOKEN = 40014
INVALID_PARAMETER = 40058
TAG_NOT_FOUND = 40068
TAG_NAME_EXISTS = 40071
INVALID_EXTERNAL_USERID = 40096
HANDOVER_NOT_RESIGNED = 40097
MISSING_TOKEN = 41001
NO_RECIPIENTS = 41048
WELCOME_CODE_SPENT = 41051
RESULT_NOT_READY = 41063
WELCOME_BEING_SENT = 41096
TOKEN_EXPIRED = 42001
TOKEN_EXPIRED_SUITE = 42009
MEDIA_TOO_LARGE = 45001
CONTENT_TOO_LONG = 45002
RATE_LIMITED = 45009
CONCURRENCY_LIMITED = 45033
WRONG_JSON = 47001
API_NOT_AUTHORISED = 48001
API_NO_PERMISSION = 48002
OUT_OF_RANGE = 60011
IP_NOT_ALLOWED = 60020
ALL_RECIPIENTS_INVALID = 81013
TOO_MANY_ITEMS = 81017
NOT_A_FRIEND = 84061
NO_CONTACT_PERMISSION = 84074
INVALID_CHAT_ID = 86001

# A stale token: refresh once and replay the call (never loop).
TOKEN_ERRCODES = frozenset({INVALID_TOKEN, TOKEN_EXPIRED, TOKEN_EXPIRED_SUITE, MISSING_TOKEN})
# Transient: back off with jitter and retry.
RETRYABLE_ERRCODES = frozenset({SYSTEM_BUSY, RATE_LIMITED, CONCURRENCY_LIMITED})


class WeComError(Exception):
    """An API answer with errcode != 0, or a call that could not be completed."""

    def __init__(self, errcode: int, errmsg: str = "", api: str = "") -> None:
        super().__init__(f"{api or 'wecom'}: errcode {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg
        self.api = api


class RetryableError(WeComError):
    """Transient; the client has already retried `max_retries` times when this surfaces."""


class SystemBusy(RetryableError):
    pass


class RateLimited(RetryableError):
    pass


class ConcurrencyLimited(RetryableError):
    pass


class NetworkError(RetryableError):
    """Timeout, refused connection or a non-JSON answer; errcode is -2 (ours, not WeCom's)."""

    def __init__(self, errmsg: str, api: str = "") -> None:
        super().__init__(-2, errmsg, api)


class TokenError(WeComError):
    """The token stayed invalid after one refresh."""


class CredentialError(WeComError):
    """Wrong corp id or secret: configuration, not a transient fault. Never retried."""


class PermissionDenied(WeComError):
    """API not authorised for the app, member out of its visible range, or IP not trusted."""


class InvalidParameter(WeComError):
    pass


class ContentTooLong(InvalidParameter):
    pass


class MediaTooLarge(InvalidParameter):
    pass


class InvalidMedia(InvalidParameter):
    """Unknown or expired media_id (temporary media lives 3 days)."""


class NotFound(WeComError):
    """An id WeCom does not know: user, external user, tag, chat."""


class TagNameExists(WeComError):
    pass


class NotAFriend(WeComError):
    """No external-contact relationship between the member and the customer."""


class WelcomeCodeSpent(WeComError):
    """41051: the welcome was sent already or the customer started chatting; never retry."""


class WelcomeBeingSent(RetryableError):
    """41096: another app is sending the welcome; retrying is allowed but may still lose."""


class NoRecipients(WeComError):
    pass


class ResultNotReady(RetryableError):
    """41063: a mass-message result asked for too soon after the task was created."""


class TooManyItems(WeComError):
    pass


class HandoverNotResigned(WeComError):
    pass


_BY_CODE: dict[int, type[WeComError]] = {
    SYSTEM_BUSY: SystemBusy,
    RATE_LIMITED: RateLimited,
    CONCURRENCY_LIMITED: ConcurrencyLimited,
    INVALID_TOKEN: TokenError,
    TOKEN_EXPIRED: TokenError,
    TOKEN_EXPIRED_SUITE: TokenError,
    MISSING_TOKEN: TokenError,
    INVALID_SECRET: CredentialError,
    INVALID_CORPID: CredentialError,
    API_NOT_AUTHORISED: PermissionDenied,
    API_NO_PERMISSION: PermissionDenied,
    OUT_OF_RANGE: PermissionDenied,
    IP_NOT_ALLOWED: PermissionDenied,
    NO_CONTACT_PERMISSION: PermissionDenied,
    INVALID_PARAMETER: InvalidParameter,
    WRONG_JSON: InvalidParameter,
    CONTENT_TOO_LONG: ContentTooLong,
    MEDIA_TOO_LARGE: MediaTooLarge,
    INVALID_MEDIA_ID: InvalidMedia,
    INVALID_USERID: NotFound,
    INVALID_EXTERNAL_USERID: NotFound,
    TAG_NOT_FOUND: NotFound,
    INVALID_CHAT_ID: NotFound,
    TAG_NAME_EXISTS: TagNameExists,
    NOT_A_FRIEND: NotAFriend,
    WELCOME_CODE_SPENT: WelcomeCodeSpent,
    WELCOME_BEING_SENT: WelcomeBeingSent,
    NO_RECIPIENTS: NoRecipients,
    ALL_RECIPIENTS_INVALID: NoRecipients,
    RESULT_NOT_READY: ResultNotReady,
    TOO_MANY_ITEMS: TooManyItems,
    HANDOVER_NOT_RESIGNED: HandoverNotResigned,
}


def error_for(errcode: int, errmsg: str, api: str = "") -> WeComError:
    """The typed exception for an errcode; unknown codes get the WeComError base."""
    return _BY_CODE.get(errcode, WeComError)(errcode, errmsg, api)
