"""The aiogram-style router: filters, injection, order, nesting, middlewares, errors."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from scrm.infra.dispatch import (
    UNHANDLED,
    BaseMiddleware,
    Dispatcher,
    F,
    Filter,
    Router,
    SkipHandler,
    and_f,
    invert_f,
    or_f,
)
from scrm.infra.dispatch import handler as handler_module
from tests.callbacks import add_contact_xml, event_xml
from wecom.events import (
    AddExternalContact,
    AddHalfExternalContact,
    DelFollowUser,
    ExternalChatUpdate,
    UnknownEvent,
    WecomEvent,
    parse_event,
)

CORP = "ww1436e0e65a779aee"
T = 1700000000


def add(state: str = "", ext: str = "wm1") -> WecomEvent:
    extra = {"State": state} if state else {}
    return parse_event(add_contact_xml(CORP, "zhangsan", ext, T, **extra))


def half(state: str = "") -> WecomEvent:
    return parse_event(
        event_xml(
            CORP, T, Event="change_external_contact", ChangeType="add_half_external_contact",
            UserID="zhangsan", ExternalUserID="wm2", State=state,
        )
    )  # fmt: skip


def join(*members: str) -> WecomEvent:
    return parse_event(
        event_xml(
            CORP, T, Event="change_external_chat", ChangeType="update", ChatId="wrChat",
            UpdateDetail="add_member", JoinScene="3", MemChangeCnt=str(len(members)),
            MemChangeList=list(members),
        )
    )  # fmt: skip


def unfollow() -> WecomEvent:
    return parse_event(
        {
            "ToUserName": CORP, "FromUserName": "sys", "CreateTime": T, "MsgType": "event",
            "Event": "change_external_contact", "ChangeType": "del_follow_user",
            "UserID": "zhangsan", "ExternalUserID": "wm3",
        }
    )  # fmt: skip


# --- dependency injection -------------------------------------------------------------------


async def test_handler_gets_only_the_dependencies_it_names() -> None:
    dp = Dispatcher(greeting="hi", db="the-db")
    seen: list[dict[str, Any]] = []

    @dp.event(AddExternalContact)
    async def on_add(event: AddExternalContact, greeting: str, corp: str) -> str:
        seen.append({"event": event, "greeting": greeting, "corp": corp})
        return "ok"

    event = add()
    assert await dp.feed(event, corp="c1", unused=object()) == "ok"
    assert seen == [{"event": event, "greeting": "hi", "corp": "c1"}]


async def test_handler_without_event_param_and_with_var_kwargs() -> None:
    dp = Dispatcher(greeting="hi")
    received: dict[str, Any] = {}

    @dp.event(AddHalfExternalContact)
    async def no_event(corp: str) -> str:  # does not even take the event
        return f"half for {corp}"

    @dp.event(AddExternalContact)
    async def everything(**kwargs: Any) -> str:
        received.update(kwargs)
        return "all"

    assert await dp.feed(half(), corp="c1") == "half for c1"
    assert await dp.feed(add(), corp="c1") == "all"
    assert received["greeting"] == "hi" and received["corp"] == "c1"
    assert isinstance(received["event"], AddExternalContact)
    assert received["flags"] == {}


async def test_feed_data_overrides_workflow_data_and_item_access() -> None:
    dp = Dispatcher(tenant="default")
    dp["extra"] = 42
    assert dp["extra"] == 42 and dp.workflow_data == {"tenant": "default", "extra": 42}

    @dp.event()
    async def h(tenant: str, extra: int) -> tuple[str, int]:
        return tenant, extra

    assert await dp.feed(add()) == ("default", 42)
    assert await dp.feed(add(), tenant="override") == ("override", 42)
    assert dp.workflow_data["tenant"] == "default"  # feed data does not leak into the dispatcher


async def test_flags_are_injected() -> None:
    dp = Dispatcher()

    @dp.event(AddExternalContact, flags={"welcome": True})
    async def h(flags: dict[str, Any]) -> Any:
        return flags

    assert await dp.feed(add()) == {"welcome": True}


async def test_sync_handlers_run_off_the_event_loop() -> None:
    dp = Dispatcher()
    loop_thread = threading.get_ident()

    @dp.event(AddExternalContact)
    def blocking(event: AddExternalContact, corp: str) -> tuple[bool, str]:
        return threading.get_ident() != loop_thread, corp

    assert await dp.feed(add(), corp="c1") == (True, "c1")


# --- filters --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("event", "expected"),
    [(add(), "full"), (half(), "half"), (join("wmA"), UNHANDLED)],
    ids=["add", "half", "group"],
)
async def test_class_filters_route_siblings_apart(event: WecomEvent, expected: Any) -> None:
    dp = Dispatcher()
    # Registered in both orders across the two routers: neither class swallows the other.
    first, second = Router(name="first"), Router(name="second")

    @first.event(AddExternalContact)
    async def full(event: AddExternalContact) -> str:
        assert not isinstance(event, AddHalfExternalContact)
        return "full"

    @second.event(AddHalfExternalContact)
    async def half_(event: AddHalfExternalContact) -> str:
        assert not isinstance(event, AddExternalContact)
        return "half"

    dp.include_routers(first, second)
    assert await dp.feed(event) == expected


async def test_base_class_filter_catches_subclasses() -> None:
    dp = Dispatcher()

    @dp.event(WecomEvent)
    async def anything(event: WecomEvent) -> str:
        return type(event).__name__

    assert await dp.feed(unfollow()) == "DelFollowUser"
    unknown = parse_event(event_xml(CORP, T, Event="brand_new_event", Foo="bar"))
    assert await dp.feed(unknown) == "UnknownEvent"


async def test_magic_filters() -> None:
    dp = Dispatcher()

    @dp.event(AddExternalContact, F.state.startswith("lc_"))
    async def live(event: AddExternalContact) -> str:
        return "live"

    @dp.event(F.state == "poster")  # no class filter: F must not blow up on other events
    async def poster(event: WecomEvent) -> str:
        return "poster"

    @dp.event(ExternalChatUpdate, F.mem_change_list.len() > 1)
    async def many(event: ExternalChatUpdate) -> str:
        return "many"

    @dp.event(F.change_type.in_({"del_follow_user", "del_external_contact"}))
    async def gone(event: WecomEvent) -> str:
        return "gone"

    assert await dp.feed(add("lc_7")) == "live"
    assert await dp.feed(add("poster")) == "poster"
    assert await dp.feed(half("poster")) == "poster"
    assert await dp.feed(add("other")) is UNHANDLED
    assert await dp.feed(join("a", "b")) == "many"
    assert await dp.feed(join("a")) is UNHANDLED
    assert await dp.feed(unfollow()) == "gone"


async def test_callable_filter_injects_data_and_sees_dependencies() -> None:
    dp = Dispatcher(prefix="code")
    checked: list[str] = []

    async def live_code(event: AddExternalContact, prefix: str) -> dict[str, str] | bool:
        checked.append(event.state)
        return {"code": f"{prefix}:{event.state}"} if event.state.startswith("lc_") else False

    def channel(code: str) -> dict[str, str]:  # sync filter sees the previous filter's data
        return {"channel": code.upper()}

    @dp.event(AddExternalContact, live_code, channel)
    async def live(code: str, channel: str) -> tuple[str, str]:
        return code, channel

    assert await dp.feed(add("lc_1")) == ("code:lc_1", "CODE:LC_1")
    assert await dp.feed(add("poster")) is UNHANDLED
    assert checked == ["lc_1", "poster"]


async def test_filter_subclass_and_combinators() -> None:
    class FromCorp(Filter):
        async def __call__(self, event: Any, corp: str) -> bool | dict[str, Any]:  # type: ignore[override]
            return {"corp_ok": True} if event.to_user_name == corp else False

    dp = Dispatcher(corp=CORP)
    is_add = or_f(AddExternalContact, AddHalfExternalContact)

    @dp.event(and_f(FromCorp(), is_add, invert_f(F.state == "spam")))
    async def h(event: WecomEvent, corp_ok: bool) -> str:
        return f"{type(event).__name__}:{corp_ok}"

    assert await dp.feed(add()) == "AddExternalContact:True"
    assert await dp.feed(half()) == "AddHalfExternalContact:True"
    assert await dp.feed(add("spam")) is UNHANDLED
    assert await dp.feed(unfollow()) is UNHANDLED
    assert await dp.feed(add(), corp="wwOther") is UNHANDLED


def test_a_non_filter_is_rejected() -> None:
    with pytest.raises(TypeError, match="not a filter"):
        Router().event.register(lambda: None, "AddExternalContact")


async def test_class_and_magic_filters_do_not_hop_threads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def no_threads(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a class/F filter went through asyncio.to_thread")

    monkeypatch.setattr(handler_module.asyncio, "to_thread", no_threads)
    dp = Dispatcher()

    @dp.event(AddHalfExternalContact)
    async def other(event: WecomEvent) -> str:
        return "wrong"

    @dp.event(AddExternalContact, F.state == "s")
    async def h(event: WecomEvent) -> str:
        return "ok"

    assert await dp.feed(add("s")) == "ok"


# --- order ----------------------------------------------------------------------------------


async def test_first_match_wins_and_none_counts_as_handled() -> None:
    dp, later = Dispatcher(), Router()
    dp.include_router(later)
    calls: list[str] = []

    @dp.event(AddExternalContact)
    async def first(event: AddExternalContact) -> None:
        calls.append("first")

    @dp.event(AddExternalContact)
    async def second(event: AddExternalContact) -> str:
        calls.append("second")
        return "second"

    @later.event(AddExternalContact)
    async def in_sub(event: AddExternalContact) -> str:
        calls.append("sub")
        return "sub"

    assert await dp.feed(add()) is None
    assert calls == ["first"]


async def test_own_handlers_come_before_sub_routers() -> None:
    dp, sub = Dispatcher(), Router()
    dp.include_router(sub)  # included before the parent's handler is registered

    @sub.event(AddExternalContact)
    async def in_sub(event: AddExternalContact) -> str:
        return "sub"

    @dp.event(AddExternalContact)
    async def in_root(event: AddExternalContact) -> str:
        return "root"

    assert await dp.feed(add()) == "root"


async def test_skip_handler_falls_through_to_the_next_match() -> None:
    dp, sub = Dispatcher(), Router()
    dp.include_router(sub)
    calls: list[str] = []

    @dp.event(AddExternalContact)
    async def shy(event: AddExternalContact) -> str:
        calls.append("shy")
        raise SkipHandler

    @dp.event(AddHalfExternalContact)
    async def not_matching(event: AddHalfExternalContact) -> str:
        calls.append("half")
        return "half"

    @dp.event(AddExternalContact, F.state == "skip-again")
    async def also_shy(event: AddExternalContact) -> str:
        calls.append("also_shy")
        raise SkipHandler

    @sub.event(AddExternalContact)
    async def next_one(event: AddExternalContact) -> str:
        calls.append("next")
        return "next"

    assert await dp.feed(add("skip-again")) == "next"
    assert calls == ["shy", "also_shy", "next"]


async def test_everyone_skipping_is_unhandled() -> None:
    dp = Dispatcher()

    @dp.event()
    async def shy() -> None:
        raise SkipHandler

    assert await dp.feed(add()) is UNHANDLED


async def test_unhandled_sentinel() -> None:
    dp = Dispatcher()

    @dp.event(DelFollowUser)
    async def h(event: DelFollowUser) -> str:
        return "x"

    result = await dp.feed(add())
    assert result is UNHANDLED and repr(result) == "UNHANDLED"
    assert await Dispatcher().feed(add()) is UNHANDLED  # no handlers at all
    assert isinstance(parse_event(event_xml(CORP, T, Event="x")), UnknownEvent)


# --- nesting --------------------------------------------------------------------------------


async def test_nested_routers_are_searched_depth_first_in_inclusion_order() -> None:
    dp, a, a1, b = Dispatcher(), Router(name="a"), Router(name="a1"), Router(name="b")
    a.include_router(a1)
    dp.include_routers(a, b)
    assert a.parent is dp and a1.parent is a and dp.sub_routers == [a, b]

    @a1.event(AddExternalContact)
    async def deep(event: AddExternalContact) -> str:
        return "a1"

    @b.event(AddExternalContact)
    async def sibling(event: AddExternalContact) -> str:
        return "b"

    @b.event(AddHalfExternalContact)
    async def b_half(event: AddHalfExternalContact) -> str:
        return "b-half"

    assert await dp.feed(add()) == "a1"
    assert await dp.feed(half()) == "b-half"


def test_cycles_and_double_attachment_are_refused() -> None:
    root, child, grandchild = Router(name="root"), Router(name="child"), Router(name="gc")
    root.include_router(child)
    child.include_router(grandchild)
    with pytest.raises(RuntimeError, match="already attached"):
        Router(name="other").include_router(child)
    with pytest.raises(RuntimeError, match="already attached"):
        root.include_router(child)
    with pytest.raises(RuntimeError, match="cycle"):
        grandchild.include_router(root)
    with pytest.raises(RuntimeError, match="cycle"):
        root.include_router(root)
    assert child.parent is root and root.parent is None and root.sub_routers == [child]
    assert grandchild.sub_routers == []


async def test_router_gate_skips_the_router_and_its_children_only() -> None:
    dp, vip, vip_child, rest = Dispatcher(), Router(name="vip"), Router(), Router(name="rest")
    vip.event.filter(AddExternalContact, F.state == "vip")
    vip.include_router(vip_child)
    dp.include_routers(vip, rest)

    @vip_child.event()
    async def vip_handler() -> str:
        return "vip"

    @rest.event()
    async def rest_handler() -> str:
        return "rest"

    assert await dp.feed(add("vip")) == "vip"
    assert await dp.feed(add("other")) == "rest"
    assert await dp.feed(join("a")) == "rest"  # gate's F on an event without .state: rejects


async def test_router_gate_data_reaches_handlers_below() -> None:
    dp, sub, subsub = Dispatcher(), Router(), Router()
    dp.include_router(sub)
    sub.include_router(subsub)

    def tenant_of(event: WecomEvent) -> dict[str, str]:
        return {"tenant": f"t-{event.to_user_name}"}

    sub.event.filter(tenant_of)

    @subsub.event()
    async def h(tenant: str) -> str:
        return tenant

    assert await dp.feed(add()) == f"t-{CORP}"


# --- middlewares ----------------------------------------------------------------------------


async def test_middleware_order_across_routers() -> None:
    dp, child = Dispatcher(), Router()
    dp.include_router(child)
    trail: list[str] = []

    def tracer(name: str) -> Any:
        async def mw(handler: Any, event: Any, data: dict[str, Any]) -> Any:
            trail.append(f"{name}>")
            result = await handler(event, data)
            trail.append(f"<{name}")
            return result

        return mw

    dp.event.outer_middleware(tracer("dp-outer1"))
    dp.event.outer_middleware(tracer("dp-outer2"))
    dp.event.middleware(tracer("dp-inner"))
    child.event.outer_middleware(tracer("child-outer"))
    child.event.middleware(tracer("child-inner"))

    @child.event(AddExternalContact)
    async def handler(event: AddExternalContact) -> str:
        trail.append("handler")
        return "done"

    assert await dp.feed(add()) == "done"
    assert trail == [
        "dp-outer1>", "dp-outer2>", "child-outer>", "dp-inner>", "child-inner>", "handler",
        "<child-inner", "<dp-inner", "<child-outer", "<dp-outer2", "<dp-outer1",
    ]  # fmt: skip


async def test_outer_runs_for_every_event_inner_only_around_a_chosen_handler() -> None:
    dp = Dispatcher()
    trail: list[str] = []

    @dp.event.outer_middleware
    async def outer(handler: Any, event: Any, data: dict[str, Any]) -> Any:
        trail.append("outer")
        return await handler(event, data)

    @dp.event.middleware
    async def inner(handler: Any, event: Any, data: dict[str, Any]) -> Any:
        trail.append("inner")
        return await handler(event, data)

    @dp.event(AddExternalContact)
    async def h(event: AddExternalContact) -> str:
        return "x"

    assert await dp.feed(half()) is UNHANDLED
    assert trail == ["outer"]
    trail.clear()
    assert await dp.feed(add()) == "x"
    assert trail == ["outer", "inner"]


async def test_middlewares_add_injectable_data() -> None:
    dp, child = Dispatcher(), Router()
    dp.include_router(child)

    class Tenant(BaseMiddleware):
        async def __call__(self, handler: Any, event: Any, data: dict[str, Any]) -> Any:
            data["tenant"] = "t1"
            return await handler(event, data)

    async def session(handler: Any, event: Any, data: dict[str, Any]) -> Any:
        return await handler(event, {**data, "session": f"s-for-{data['tenant']}"})

    dp.event.outer_middleware(Tenant())
    child.event.middleware(session)

    @child.event(F.state == "a", lambda tenant: tenant == "t1")  # filters see outer data
    async def h(tenant: str, session: str) -> str:
        return f"{tenant}/{session}"

    assert await dp.feed(add("a")) == "t1/s-for-t1"


async def test_middlewares_can_short_circuit() -> None:
    dp, child = Dispatcher(), Router()
    dp.include_router(child)
    calls: list[str] = []

    async def drop_blocked(handler: Any, event: Any, data: dict[str, Any]) -> Any:
        if getattr(event, "state", "") == "blocked":
            return "dropped"
        return await handler(event, data)

    async def veto(handler: Any, event: Any, data: dict[str, Any]) -> Any:
        if getattr(event, "state", "") == "veto":
            return "vetoed"
        return await handler(event, data)

    dp.event.outer_middleware(drop_blocked)
    child.event.middleware(veto)

    @child.event(AddExternalContact)
    async def h(event: AddExternalContact) -> str:
        calls.append(event.state)
        return "handled"

    assert await dp.feed(add("blocked")) == "dropped"
    assert await dp.feed(add("veto")) == "vetoed"
    assert await dp.feed(add("fine")) == "handled"
    assert calls == ["fine"]


async def test_base_middleware_passes_through() -> None:
    dp = Dispatcher()
    dp.event.outer_middleware(BaseMiddleware())
    dp.event.middleware(BaseMiddleware())

    @dp.event(AddExternalContact)
    async def h(corp: str) -> str:
        return corp

    assert await dp.feed(add(), corp="c9") == "c9"


# --- errors ---------------------------------------------------------------------------------


async def test_without_an_error_handler_feed_reraises() -> None:
    dp, sub = Dispatcher(), Router()
    dp.include_router(sub)

    @sub.event(AddExternalContact)
    async def boom(event: AddExternalContact) -> str:
        raise ValueError("bad state")

    with pytest.raises(ValueError, match="bad state"):
        await dp.feed(add())


async def test_errors_observer_claims_a_handler_failure() -> None:
    dp, sub, errs = Dispatcher(), Router(name="features"), Router(name="errors")
    dp.include_routers(sub, errs)

    @sub.event(AddExternalContact)
    async def boom(event: AddExternalContact) -> str:
        raise ValueError("bad state")

    @errs.errors(lambda exception: isinstance(exception, KeyError))
    async def on_key_error(exception: Exception) -> str:
        return "key"

    @errs.errors(AddExternalContact)
    async def on_error(event: AddExternalContact, exception: Exception, corp: str) -> str:
        return (
            f"caught {type(exception).__name__}: {exception} for {event.external_user_id}@{corp}"
        )

    assert await dp.feed(add(ext="wm9"), corp="c1") == "caught ValueError: bad state for wm9@c1"


async def test_an_error_handler_that_does_not_match_lets_it_propagate() -> None:
    dp = Dispatcher()

    @dp.event()
    async def boom() -> None:
        raise RuntimeError("down")

    @dp.errors(lambda exception: isinstance(exception, KeyError))
    async def only_key_errors(exception: Exception) -> str:
        return "key"

    @dp.errors()
    async def skipping(exception: Exception) -> str:
        raise SkipHandler

    with pytest.raises(RuntimeError, match="down"):
        await dp.feed(add())


async def test_middleware_failures_reach_the_errors_observer() -> None:
    dp = Dispatcher()

    @dp.event.middleware
    async def broken(handler: Any, event: Any, data: dict[str, Any]) -> Any:
        raise LookupError("no session")

    @dp.event()
    async def h() -> str:
        return "never"

    @dp.errors()
    async def on_error(exception: Exception) -> str:
        return repr(exception)

    assert await dp.feed(add()) == "LookupError('no session')"
