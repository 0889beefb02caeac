"""scrm/labels.py, scrm/infra/clock.py and the Chinese validation messages: one translation and
one clock for every page, script and notification."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, Field, ValidationError

from admin.api.validation_text import details
from scrm import labels
from scrm.infra import clock
from scrm.services import lead_import


def test_keys_become_chinese_and_unknown_ones_stay_as_given() -> None:
    assert labels.label("Discovery", "stage") == "需求挖掘"
    assert labels.label("lead.sla_breach", "event") == "首次响应超时"
    assert labels.label("wecom_add", "event") == "添加企业微信"
    assert labels.label("wecom", "source") == "企业微信"
    assert labels.label("resolve", "action") == "解决"
    assert labels.label("compliance/alerts", "object") == "合规告警"
    assert labels.label("我们的阶段", "stage") == "我们的阶段"  # a corp's own stage name
    assert labels.label(None, "stage") == ""


def test_one_clock_in_the_corps_zone_whatever_the_input_shape() -> None:
    at = datetime(2026, 12, 3, 18, 40, tzinfo=UTC)
    assert clock.when(at, "Asia/Shanghai") == "2026-12-04 02:40"
    assert clock.when(at.replace(tzinfo=None), "Asia/Shanghai") == "2026-12-04 02:40"  # naive=UTC
    assert clock.when("2026-12-03T18:40:00+00:00", None) == "2026-12-04 02:40"
    assert clock.when("2026-12-03T18:40:05Z", "Asia/Shanghai", seconds=True) == (
        "2026-12-04 02:40:05"
    )
    assert clock.when(at, "Europe/Berlin") == "2026-12-03 19:40"
    assert clock.when(at, "Not/AZone") == "2026-12-04 02:40"  # a bad zone falls back
    assert clock.when(None, "Asia/Shanghai") == ""


class _Node(BaseModel):
    kind: str = Field(pattern="^(wait|send)$")
    name: str = Field(max_length=3)


def test_validation_errors_are_chinese_sentences_with_machine_types() -> None:
    try:
        _Node.model_validate({"kind": "fly", "name": "toolong", "extra": 1})
    except ValidationError as exc:
        said = details(exc.errors())
    by_loc = {d["loc"]: d for d in said}
    assert by_loc["name"]["msg"] == "名称：最多 3 个字符"
    assert by_loc["name"]["type"] == "string_too_long"
    assert by_loc["kind"]["msg"] == "类型：格式不正确"
    assert all(not d["msg"].isascii() for d in said)


def test_csv_headers_may_be_chinese_and_short_numbers_are_refused() -> None:
    rows = lead_import._parse("姓名,手机号,城市\n张三,13800138000,上海\n")
    assert rows == [{"name": "张三", "phone": "13800138000", "city": "上海"}]
    try:
        lead_import._parse("foo,bar\n1,2\n")
    except ValueError as exc:
        assert "表头至少要有一列" in str(exc)
    else:
        raise AssertionError("a header without name/phone/unionid must be refused")
