"""The one place for display text: machine keys (stages, statuses, sources, events, audit
actions and objects) → the Chinese a user reads. Pages, the sidebar, notifications and the
audit log all read these tables, so a key is translated the same way everywhere."""

from __future__ import annotations

from scrm.labels_audit import AUDIT_ACTIONS, AUDIT_OBJECTS

# Stages are rows a corp may rename or add to; unknown names are shown as they are.
STAGES = {
    "Qualification": "资格确认",
    "Discovery": "需求挖掘",
    "Solution": "方案设计",
    "Proposal": "商务报价",
    "Negotiation": "谈判签约",
    "Won": "赢单",
    "Lost": "输单",
}
LEAD_STATUS = {
    "new": "新线索",
    "mql": "MQL",  # the industry's own words, as 尘锋 and 微伴 show them
    "sql": "SQL",
    "converted": "已转化",
    "lost": "已流失",
}
# Where a lead first came from (Lead.platform) and the channels the service itself writes.
LEAD_SOURCES = {
    "wecom": "企业微信",
    "form": "表单",
    "douyin": "抖音",
    "xiaohongshu": "小红书",
    "kuaishou": "快手",
    "csv": "批量导入",
    "import": "批量导入",
    "manual": "手工录入",
    "api": "接口",
    "livecode": "渠道活码",
}
# Lead activities and behaviour events (LeadActivity.kind, scoring behaviours).
EVENTS = {
    "intake": "线索进入",
    "duplicate_intake": "重复进入（已合并）",
    "assign": "分配",
    "claim": "从公海领取",
    "to_pool": "进入公海",
    "recycle": "回收到公海",
    "followup": "跟进",
    "merge": "合并线索",
    "unmerge": "撤销合并",
    "sla_breach": "首次响应超时",
    "wecom_add": "添加企业微信",
    "link_open": "打开雷达链接",
    "form_submit": "提交表单",
    "reply": "客户回复",
    "stage": "商机阶段变更",
    "resigned": "离职继承",
    "transfer": "客户转接",
}
# Field keys that appear in audit diffs and messages.
FIELDS = {
    "name": "名称",
    "status": "状态",
    "stage": "阶段",
    "owner_userid": "负责人",
    "userid": "成员",
    "amount": "金额",
    "note": "说明",
    "phone": "手机号",
    "city": "城市",
    "channel": "渠道",
    "campaign": "活动",
    "platform": "来源",
    "score": "评分",
    "grade": "等级",
    "role": "角色",
    "active": "启用",
    "priority": "优先级",
    "conditions": "条件",
    "strategy": "分配方式",
    "members": "成员",
    "tags": "标签",
    "title": "标题",
    "content": "内容",
    "severity": "严重程度",
    "resolution_note": "处理说明",
    "timezone": "时区",
    "expected_close": "预计成交日期",
    "next_step": "下一步",
    "decision_maker": "决策人",
    "team": "团队",
    "welcome": "欢迎语",
    "words": "敏感词",
    "enabled": "启用",
    "in_pool": "在公海",
    "threshold": "阈值",
    "next_step_date": "下一步日期",
    "pain_points": "客户痛点",
    "purchase_process": "采购流程",
    "solution_doc": "方案文档",
    "competitors": "竞争对手",
    "quote_number": "报价单号",
    "contract_version": "合同版本",
    "legal_status": "法务状态",
    "lost_reason": "输单原因",
    "lost_note": "输单说明",
    "contract": "合同编号",
    "steps": "步骤",
    "schedule": "时间安排",
    "target": "目标",
    "lines": "明细",
    "product": "产品",
    "quantity": "数量",
    "unit_price": "单价",
    "discount_bp": "折扣",
    "kind": "类型",
    "category": "分类",
    "word": "敏感词",
    "state": "渠道参数",
    "background": "背景",
    "department_ids": "部门",
    "tag_ids": "标签",
    "nodes": "节点",
    "weekdays": "星期",
    "minutes": "分钟",
    "description": "描述",
}
QUOTE_STATUS = {"pending_approval": "待审批", "approved": "已批准", "rejected": "已驳回"}
APPROVAL_LEVELS = {"self": "无需审批", "manager": "主管审批", "director": "总监审批"}
ALERT_STATUS = {
    "open": "未处理",
    "acknowledged": "已确认",
    "resolved": "已解决",
    "false_positive": "误报",
}
# Why a deal was lost (Opportunity.lost_reason).
LOST_REASONS = {
    "price": "价格因素",
    "feature": "功能不满足",
    "timing": "时机未到",
    "competitor": "选择了竞争对手",
    "no_budget": "没有预算",
    "other": "其他",
}
# Compliance alerts: what raised them, and how grave they are.
ALERT_KIND = {"word": "敏感词", "action": "敏感行为", "reply_timeout": "回复超时"}
SEVERITY = {"low": "低", "medium": "中", "high": "高", "critical": "严重"}
ROLES = {"staff": "员工", "manager": "主管", "ops": "运营", "admin": "管理员"}
# Forecast categories (seeds, 预测管理): Pipeline / Best case / Commit / Closed.
FORECAST = {
    "pipeline": "管道",
    "best_case": "最佳情况",
    "commit": "承诺",
    "closed": "已成交",
    "omitted": "已排除",
}
TABLES: dict[str, dict[str, str]] = {
    "stage": STAGES,
    "lead_status": LEAD_STATUS,
    "source": LEAD_SOURCES,
    "event": EVENTS,
    "action": AUDIT_ACTIONS,
    "object": AUDIT_OBJECTS,
    "field": FIELDS,
    "role": ROLES,
    "quote_status": QUOTE_STATUS,
    "approval": APPROVAL_LEVELS,
    "alert_status": ALERT_STATUS,
    "alert_kind": ALERT_KIND,
    "severity": SEVERITY,
    "forecast": FORECAST,
}


def label(value: object, kind: str) -> str:
    """`label("sla_breach", "event")` → 首次响应超时. Dotted keys ("lead.sla_breach") are
    looked up whole, then by their last part; an unknown key is shown as given."""
    key = "" if value is None else str(value)
    table = TABLES[kind]
    if key in table:
        return table[key]
    tail = key.rsplit(".", 1)[-1]
    return table.get(tail, key)


# Journey (客户SOP) node kinds, for messages about a journey's steps.
NODES = {
    "trigger": "触发",
    "wait": "等待",
    "send": "发送消息",
    "tag": "打标签",
    "branch": "条件分支",
    "task": "待办任务",
    "webhook": "回调",
    "remind": "提醒",
    "exit": "结束",
}
TABLES["node"] = NODES


def any_label(key: str) -> str:
    """A bare key from an unknown table (a validator's list of allowed values): the first
    table that knows it, else the key."""
    for table in (NODES, STAGES, LEAD_STATUS, LEAD_SOURCES, EVENTS, FIELDS):
        if key in table:
            return table[key]
    return key
