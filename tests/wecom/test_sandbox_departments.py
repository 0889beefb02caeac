"""department/list: the client reads the sandbox corp's departments with their Chinese names,
every department a member is in has one, and the control API renames them."""

from __future__ import annotations

import pytest

from tests.wecom.sandbox_fixtures import Sandbox
from wecom import errors
from wecom.client import WeComClient
from wecom.sandbox.api_departments import department_names
from wecom.sandbox.gate import WORLD


async def test_departments_are_listed_with_names(sandbox: Sandbox, wecom: WeComClient) -> None:
    listed = (await wecom.list_departments()).department
    assert [(d.id, d.name, d.parentid) for d in listed] == [
        (1, "总部", 0), (2, "销售部", 1), (3, "市场部", 1)
    ]  # fmt: skip
    # With an id: that department only (the sandbox tree is one level), or the whole tree
    # from the root; an unknown id is WeCom's 60123.
    assert [d.name for d in (await wecom.list_departments(3)).department] == ["市场部"]
    assert len((await wecom.list_departments(1)).department) == 3
    with pytest.raises(errors.WeComError) as bad:
        await wecom.list_departments(99)
    assert bad.value.errcode == 60123


async def test_every_used_department_is_named_and_renames_show(
    sandbox: Sandbox, wecom: WeComClient
) -> None:
    await sandbox.control("staff", {"userid": "zhaoliu", "name": "赵六", "department": [1, 8]})
    await sandbox.control("world", {"seed": 3, "members": 6})
    corp = next(iter(sandbox.server.app[WORLD].corps.values()))
    used = {d for s in corp.staff.values() for d in s.department}
    assert used <= set(department_names(corp)) and 8 in used
    renamed = await sandbox.control("departments", {"departments": {"8": "华东大区"}})
    assert renamed["8"] == "华东大区" and renamed["1"] == "总部"
    names = {d.id: d.name for d in (await wecom.list_departments()).department}
    assert names[8] == "华东大区" and names[2] == "销售部"


async def test_bad_department_controls_are_refused(sandbox: Sandbox) -> None:
    for body in ({"departments": {"x": "a"}}, {"departments": {"2": ""}}, {"departments": []}):
        async with sandbox.http.post(f"{sandbox.url}/sandbox/departments", json=body) as r:
            assert r.status == 400, body
