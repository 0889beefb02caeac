"""The admin menu: each entry with the least role that may open it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    href: str
    role: str = "staff"
    # Roles that see it besides those at or above `role`… or, when set, instead of them.
    only: frozenset[str] | None = None

    def shown_to(self, role: str, at_least: bool) -> bool:
        return role in self.only if self.only is not None else at_least


NAV: tuple[NavItem, ...] = (
    NavItem("dashboard", "工作台", "/admin/"),
    NavItem("livecodes", "渠道活码", "/admin/livecodes", "ops"),
    NavItem("groupcodes", "群活码", "/admin/groupcodes", "ops"),
    NavItem("customers", "客户", "/admin/customers"),
    NavItem("leads", "线索", "/admin/leads"),
    NavItem("kanban", "商机看板", "/admin/opportunities"),
    NavItem("quotes", "报价审批", "/admin/quotes", "manager"),
    NavItem("reports", "报表", "/admin/reports"),
    NavItem("sop", "群SOP", "/admin/sop", "ops"),
    NavItem("segments", "客户分群", "/admin/segments", "manager"),
    NavItem("mass", "群发", "/admin/mass-sends", "manager"),
    NavItem("materials", "素材库", "/admin/materials", "ops"),
    # Managers review their team's alerts; ops leads run campaigns, not compliance.
    NavItem("compliance", "合规审查", "/admin/compliance", only=frozenset({"manager", "admin"})),
    NavItem("quickreplies", "话术库", "/admin/quick-replies", "ops"),
    # 流失客户 is every member's; the hand-over pages inside need a manager or an admin.
    NavItem("transfers", "客户转接", "/admin/transfers/lost"),
    NavItem("settings", "设置", "/admin/settings", "admin"),
)
