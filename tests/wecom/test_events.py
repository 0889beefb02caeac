"""Every customer-contact event model parses a real-shaped fixture (wecom-reference.md §2)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from tests.callbacks import add_contact_xml, event_xml
from wecom import events as ev
from wecom.xmlparse import parse_xml

CORP = "ww1436e0e65a779aee"
T = 1700000000
EXT = "woAJ2GCAAAXtWyujaWJHDDGi0mACAAAA"
CHAT = "wrOgQhDgAAMYQiS5ol9G7gK9JVAAAA"
TAG = "etm7wjCgAAe5uXmR4bM0XmCDEDFOzjQ"


def xml(body: str, t: int = T, msg_type: str = "event", from_user: str = "sys") -> bytes:
    """A decrypted callback as WeCom sends it: CDATA strings, bare ints, one line per field."""
    return (
        f"<xml><ToUserName><![CDATA[{CORP}]]></ToUserName>\n"
        f"<FromUserName><![CDATA[{from_user}]]></FromUserName>\n"
        f"<CreateTime>{t}</CreateTime>\n"
        f"<MsgType><![CDATA[{msg_type}]]></MsgType>\n{body}</xml>"
    ).encode()


def contact(change: str, extra: str = "", ext: str = EXT, t: int = T) -> bytes:
    return xml(
        "<Event><![CDATA[change_external_contact]]></Event>\n"
        f"<ChangeType><![CDATA[{change}]]></ChangeType>\n"
        "<UserID><![CDATA[zhangsan]]></UserID>\n"
        f"<ExternalUserID><![CDATA[{ext}]]></ExternalUserID>\n{extra}",
        t=t,
    )


def chat(change: str, extra: str = "") -> bytes:
    return xml(
        "<Event><![CDATA[change_external_chat]]></Event>\n"
        f"<ChatId><![CDATA[{CHAT}]]></ChatId>\n"
        f"<ChangeType><![CDATA[{change}]]></ChangeType>\n{extra}"
    )


def tag(change: str, extra: str = "") -> bytes:
    return xml(
        "<Event><![CDATA[change_external_tag]]></Event>\n"
        f"<Id><![CDATA[{TAG}]]></Id>\n"
        f"<ChangeType><![CDATA[{change}]]></ChangeType>\n{extra}"
    )


JOIN = (
    "<UpdateDetail><![CDATA[add_member]]></UpdateDetail>\n<JoinScene>3</JoinScene>\n"
    "<MemChangeCnt>2</MemChangeCnt>\n"
    "<MemChangeList><Item><![CDATA[wmJack]]></Item><Item><![CDATA[Rose]]></Item></MemChangeList>\n"
    "<LastMemVer><![CDATA[9c3f97c2ada667dfb5f6d03308d963e1]]></LastMemVer>\n"
    "<CurMemVer><![CDATA[71217227bbd112ecfe3a49c482195cb4]]></CurMemVer>\n"
)
QUIT = (
    "<UpdateDetail><![CDATA[del_member]]></UpdateDetail>\n<QuitScene>1</QuitScene>\n"
    "<MemChangeCnt>1</MemChangeCnt>\n"
    "<MemChangeList><Item><![CDATA[Rose]]></Item></MemChangeList>\n"
    "<LastMemVer><![CDATA[71217227bbd112ecfe3a49c482195cb4]]></LastMemVer>\n"
    "<CurMemVer><![CDATA[a1b2c3d4e5f60718293a4b5c6d7e8f90]]></CurMemVer>\n"
)

CASES: list[tuple[str, bytes, type[ev.WecomEvent], dict[str, Any]]] = [
    (
        "add",
        contact(
            "add_external_contact",
            "<State><![CDATA[teststate]]></State>\n"
            "<WelcomeCode><![CDATA[WELCOMECODE]]></WelcomeCode>\n",
        ),
        ev.AddExternalContact,
        {
            "kind": "change_external_contact.add_external_contact",
            "user_id": "zhangsan",
            "external_user_id": EXT,
            "state": "teststate",
            "welcome_code": "WELCOMECODE",
        },
    ),
    (
        "add-no-welcome-code",
        contact("add_external_contact"),
        ev.AddExternalContact,
        {"state": "", "welcome_code": None},
    ),
    (
        "add-half",
        contact(
            "add_half_external_contact",
            "<State><![CDATA[lc_42]]></State>\n<WelcomeCode><![CDATA[HALFCODE]]></WelcomeCode>\n",
        ),
        ev.AddHalfExternalContact,
        {
            "kind": "change_external_contact.add_half_external_contact",
            "state": "lc_42",
            "welcome_code": "HALFCODE",
            "external_user_id": EXT,
        },
    ),
    (
        "edit",
        contact("edit_external_contact", "<State><![CDATA[poster]]></State>\n"),
        ev.EditExternalContact,
        {"user_id": "zhangsan", "external_user_id": EXT, "state": "poster"},
    ),
    (
        "del-by-member",
        contact("del_external_contact"),
        ev.DelExternalContact,
        {"source": None, "by_transfer": False, "external_user_id": EXT},
    ),
    (
        "del-by-transfer",
        contact("del_external_contact", "<Source><![CDATA[DELETE_BY_TRANSFER]]></Source>\n"),
        ev.DelExternalContact,
        {"source": "DELETE_BY_TRANSFER", "by_transfer": True},
    ),
    (
        "del-follow-user",
        contact("del_follow_user"),
        ev.DelFollowUser,
        {"kind": "change_external_contact.del_follow_user", "user_id": "zhangsan"},
    ),
    (
        "transfer-fail",
        contact("transfer_fail", "<FailReason><![CDATA[customer_refused]]></FailReason>\n"),
        ev.TransferFail,
        {"fail_reason": "customer_refused", "user_id": "zhangsan", "external_user_id": EXT},
    ),
    (
        "msg-audit-approved",
        contact("msg_audit_approved", "<WelcomeCode><![CDATA[AUDITCODE]]></WelcomeCode>\n"),
        ev.MsgAuditApproved,
        {"welcome_code": "AUDITCODE", "external_user_id": EXT},
    ),
    (
        "chat-create",
        chat("create"),
        ev.ExternalChatCreate,
        {"kind": "change_external_chat.create", "chat_id": CHAT},
    ),
    (
        "chat-update-join",
        chat("update", JOIN),
        ev.ExternalChatUpdate,
        {
            "chat_id": CHAT,
            "update_detail": "add_member",
            "join_scene": 3,
            "quit_scene": None,
            "mem_change_cnt": 2,
            "mem_change_list": ["wmJack", "Rose"],
            "last_mem_ver": "9c3f97c2ada667dfb5f6d03308d963e1",
            "cur_mem_ver": "71217227bbd112ecfe3a49c482195cb4",
        },
    ),
    (
        "chat-update-quit-one-item",
        chat("update", QUIT),
        ev.ExternalChatUpdate,
        {
            "update_detail": "del_member",
            "join_scene": None,
            "quit_scene": 1,
            "mem_change_cnt": 1,
            "mem_change_list": ["Rose"],  # a single <Item> is still a list
            "last_mem_ver": "71217227bbd112ecfe3a49c482195cb4",
            "cur_mem_ver": "a1b2c3d4e5f60718293a4b5c6d7e8f90",
        },
    ),
    (
        "chat-update-join-scene-zero",
        chat(
            "update",
            "<UpdateDetail><![CDATA[add_member]]></UpdateDetail><JoinScene>0</JoinScene>"
            "<QuitScene>0</QuitScene><MemChangeCnt>1</MemChangeCnt>"
            "<MemChangeList><Item><![CDATA[wmA]]></Item></MemChangeList>",
        ),
        ev.ExternalChatUpdate,
        {"join_scene": 0, "quit_scene": 0, "mem_change_list": ["wmA"]},
    ),
    (
        "chat-update-rename",
        chat(
            "update",
            "<UpdateDetail><![CDATA[change_name]]></UpdateDetail><JoinScene></JoinScene>"
            "<MemChangeList></MemChangeList>",
        ),
        ev.ExternalChatUpdate,
        {
            "update_detail": "change_name",
            "join_scene": None,
            "mem_change_cnt": None,
            "mem_change_list": [],
            "cur_mem_ver": None,
        },
    ),
    (
        "chat-dismiss",
        chat("dismiss"),
        ev.ExternalChatDismiss,
        {"kind": "change_external_chat.dismiss", "chat_id": CHAT},
    ),
    (
        "tag-create",
        tag("create", "<TagType><![CDATA[tag]]></TagType>\n"),
        ev.ExternalTagCreate,
        {"id": TAG, "tag_type": "tag", "strategy_id": None},
    ),
    (
        "tag-create-default-type",
        tag("create"),
        ev.ExternalTagCreate,
        {"tag_type": "tag"},
    ),
    (
        "tag-update-group-strategy",
        tag("update", "<TagType><![CDATA[tag_group]]></TagType>\n<StrategyId>7</StrategyId>\n"),
        ev.ExternalTagUpdate,
        {"kind": "change_external_tag.update", "tag_type": "tag_group", "strategy_id": 7},
    ),
    (
        "tag-update-blank-strategy",
        tag("update", "<TagType><![CDATA[tag]]></TagType><StrategyId></StrategyId>"),
        ev.ExternalTagUpdate,
        {"strategy_id": None},
    ),
    (
        "tag-delete",
        tag("delete", "<TagType><![CDATA[tag_group]]></TagType>\n"),
        ev.ExternalTagDelete,
        {"id": TAG, "tag_type": "tag_group"},
    ),
    (
        "tag-shuffle",
        tag("shuffle", "<StrategyId>2</StrategyId>\n"),
        ev.ExternalTagShuffle,
        {"kind": "change_external_tag.shuffle", "id": TAG, "strategy_id": 2},
    ),
    (
        "tag-shuffle-blank-strategy",
        tag("shuffle", "<StrategyId><![CDATA[]]></StrategyId>"),
        ev.ExternalTagShuffle,
        {"strategy_id": None},
    ),
    (
        "msgaudit-notify",
        xml("<Event><![CDATA[msgaudit_notify]]></Event>\n<AgentID>1000002</AgentID>\n"),
        ev.MsgAuditNotify,
        {"kind": "msgaudit_notify", "change_type": None, "agent_id": "1000002"},
    ),
]


@pytest.mark.parametrize(
    ("body", "model", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_fixture_parses_to_its_model(
    body: bytes, model: type[ev.WecomEvent], expected: dict[str, Any]
) -> None:
    event = ev.parse_event(body)
    assert type(event) is model
    assert event.to_user_name == CORP and event.from_user_name == "sys"
    assert event.msg_type == "event"
    assert event.create_time == T and isinstance(event.create_time, int)
    assert event.created_at == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
    assert event.raw == parse_xml(body)  # everything kept, including fields the model ignores
    for name, value in expected.items():
        assert getattr(event, name) == value, name


def test_text_message() -> None:
    body = xml(
        "<Content><![CDATA[你好，我想了解一下报价]]></Content>\n"
        "<MsgId>7291234567890123456</MsgId>\n<AgentID>1000002</AgentID>\n",
        msg_type="text",
        from_user="zhangsan",
    )
    event = ev.parse_event(body)
    assert type(event) is ev.TextMessage
    assert event.kind == "text" and event.event is None and event.change_type is None
    assert event.content == "你好，我想了解一下报价"
    assert event.msg_id == "7291234567890123456" and event.agent_id == "1000002"
    assert event.from_user_name == "zhangsan" and event.create_time == T


def test_other_message_types_are_generic_messages() -> None:
    body = xml(
        "<PicUrl><![CDATA[https://p.qpic.cn/x]]></PicUrl><MediaId><![CDATA[m1]]></MediaId>"
        "<MsgId>1</MsgId><AgentID>1000002</AgentID>",
        msg_type="image",
    )
    event = ev.parse_event(body)
    assert type(event) is ev.Message and not isinstance(event, ev.TextMessage)
    assert event.kind == "image" and event.raw["MediaId"] == "m1"


@pytest.mark.parametrize(
    "body",
    [
        xml(
            "<Event><![CDATA[change_external_future]]></Event>"
            "<ChangeType><![CDATA[whatever]]></ChangeType><Foo><![CDATA[bar]]></Foo>"
            "<Nested><Item>a</Item><Item>b</Item></Nested>"
        ),
        # A known Event with a ChangeType we have no model for.
        contact(
            "merge_external_contact",
            "<Foo><![CDATA[bar]]></Foo><Nested><Item>a</Item><Item>b</Item></Nested>",
        ),
    ],
    ids=["unknown-event", "unknown-change-type"],
)
def test_unknown_event_is_generic_and_keeps_raw_fields(body: bytes) -> None:
    event = ev.parse_event(body)
    assert type(event) is ev.UnknownEvent
    assert event.msg_type == "event" and event.create_time == T
    assert event.raw["Foo"] == "bar" and event.raw["Nested"] == ["a", "b"]
    assert event.raw == parse_xml(body)
    assert event.kind == f"{event.event}.{event.change_type}"


def test_callbacks_helpers_and_dicts_and_str_parse_alike() -> None:
    body = add_contact_xml(CORP, "zhangsan", EXT, T, State="s1", WelcomeCode="WC")
    from_bytes = ev.parse_event(body)
    from_str = ev.parse_event(body.decode())
    from_dict = ev.parse_event(parse_xml(body))
    assert from_bytes == from_str == from_dict
    assert isinstance(from_dict, ev.AddExternalContact)
    assert (from_dict.state, from_dict.welcome_code) == ("s1", "WC")
    chat_body = event_xml(
        CORP, T, Event="change_external_chat", ChangeType="update", ChatId=CHAT,
        UpdateDetail="add_member", JoinScene="3", MemChangeList=["wm1", "wm2", "wm3"],
    )  # fmt: skip
    update = ev.parse_event(chat_body)
    assert isinstance(update, ev.ExternalChatUpdate)
    assert update.mem_change_list == ["wm1", "wm2", "wm3"] and update.join_scene == 3


def test_dict_events_coerce_like_xml() -> None:
    fields = {
        "ToUserName": CORP, "FromUserName": "sys", "CreateTime": str(T), "MsgType": "event",
        "Event": "CHANGE_EXTERNAL_CHAT", "ChangeType": "update", "ChatId": CHAT,
        "MemChangeList": "wmSolo", "MemChangeCnt": "1",
    }  # fmt: skip
    event = ev.parse_event(fields)
    assert isinstance(event, ev.ExternalChatUpdate)  # Event is matched case-insensitively
    assert event.create_time == T and event.mem_change_cnt == 1
    assert event.mem_change_list == ["wmSolo"]


def test_events_are_frozen() -> None:
    event = ev.parse_event(contact("add_external_contact"))
    with pytest.raises(ValidationError):
        event.user_id = "lisi"  # type: ignore[misc]


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not xml at all",
        b"<xml><ToUserName>x</ToUserName>",  # truncated
        b"<root><MsgType>event</MsgType><CreateTime>1</CreateTime></root>",  # wrong root
        b'<!DOCTYPE xml [<!ENTITY e "event">]><xml><MsgType>&e;</MsgType>'
        b"<CreateTime>1</CreateTime></xml>",
        b"<xml><MsgType><![CDATA[event]]></MsgType></xml>",  # no CreateTime
        b"<xml><CreateTime>1700000000</CreateTime></xml>",  # no MsgType
        b"<xml><CreateTime>1700000000</CreateTime><MsgType></MsgType></xml>",  # blank MsgType
        xml("<Event><![CDATA[msgaudit_notify]]></Event>", msg_type="event").replace(
            str(T).encode(), b"yesterday"
        ),  # CreateTime not an int
        contact("add_external_contact").replace(b"<UserID><![CDATA[zhangsan]]></UserID>", b""),
        contact("del_follow_user")
        .replace(f"<![CDATA[{EXT}]]>".encode(), b"")
        .replace(b"<ExternalUserID></ExternalUserID>", b""),
        chat("create").replace(f"<ChatId><![CDATA[{CHAT}]]></ChatId>".encode(), b""),
        tag("delete").replace(f"<Id><![CDATA[{TAG}]]></Id>".encode(), b""),
        chat("update", "<JoinScene>abc</JoinScene>"),
        tag("update", "<StrategyId>rule-1</StrategyId>"),
    ],
)
def test_malformed_or_incomplete_events_raise(body: bytes) -> None:
    with pytest.raises(ev.EventParseError):
        ev.parse_event(body)


@pytest.mark.parametrize(
    "fields",
    [{}, {"MsgType": "event"}, {"CreateTime": T}, {"MsgType": "event", "CreateTime": None}],
)
def test_incomplete_dicts_raise(fields: dict[str, Any]) -> None:
    with pytest.raises(ev.EventParseError):
        ev.parse_event(fields)


def test_parse_error_names_the_model_and_field() -> None:
    body = chat("create").replace(f"<ChatId><![CDATA[{CHAT}]]></ChatId>".encode(), b"")
    with pytest.raises(ev.EventParseError, match="ExternalChatCreate.*ChatId"):
        ev.parse_event(body)


def added(ext: str, t: int = T, **extra: str) -> dict[str, Any]:
    return parse_xml(add_contact_xml(CORP, "zhangsan", ext, t, **extra))


def test_identity_tells_same_second_customers_apart() -> None:
    # FromUserName is `sys` and CreateTime is the same: only the customer differs.
    a, b = added("wmA"), added("wmB")
    assert a["FromUserName"] == b["FromUserName"] and a["CreateTime"] == b["CreateTime"]
    assert ev.event_identity(a) != ev.event_identity(b)


def test_identity_is_stable_for_a_redelivered_event() -> None:
    first = added("wmA", State="lc_1", WelcomeCode="W1")
    again = parse_xml(add_contact_xml(CORP, "zhangsan", "wmA", T, State="lc_1", WelcomeCode="W1"))
    assert first is not again
    assert ev.event_identity(first) == ev.event_identity(again)
    # Field order in the body does not matter.
    assert ev.event_identity(dict(reversed(list(first.items())))) == ev.event_identity(first)


def test_identity_includes_welcome_code() -> None:
    with_code = ev.event_identity(added("wmA", WelcomeCode="W1"))
    assert "W1" in with_code
    assert with_code != ev.event_identity(added("wmA", WelcomeCode="W2"))
    assert with_code != ev.event_identity(added("wmA"))


@pytest.mark.parametrize(
    ("one", "other"),
    [
        (contact("add_external_contact"), contact("add_half_external_contact")),
        (contact("add_external_contact"), contact("add_external_contact", t=T + 1)),
        (
            contact("del_external_contact"),
            contact("del_external_contact", "<Source><![CDATA[DELETE_BY_TRANSFER]]></Source>"),
        ),
        (
            contact("transfer_fail", "<FailReason>customer_refused</FailReason>"),
            contact("transfer_fail", "<FailReason>customer_limit_exceed</FailReason>"),
        ),
        (chat("update", JOIN), chat("update", JOIN.replace("Rose", "Tom"))),
        (chat("update", JOIN), chat("update", QUIT)),
        (tag("create", "<TagType>tag</TagType>"), tag("create", "<TagType>tag_group</TagType>")),
        (xml("<MsgId>1</MsgId>", msg_type="text"), xml("<MsgId>2</MsgId>", msg_type="text")),
    ],
    ids=["change", "time", "source", "fail-reason", "members", "detail", "tag-type", "msgid"],
)
def test_identity_separates_distinct_events(one: bytes, other: bytes) -> None:
    assert ev.event_identity(parse_xml(one)) != ev.event_identity(parse_xml(other))


def test_identity_of_member_list_matches_between_xml_and_dict() -> None:
    from_xml = parse_xml(chat("update", QUIT))
    as_dict = {**from_xml, "MemChangeList": "Rose"}
    assert ev.event_identity(from_xml) == ev.event_identity(as_dict)
    assert ev.event_identity(from_xml)[-1] == "Rose"
