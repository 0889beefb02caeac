"""The one place for display text: machine keys (stages, statuses, sources, events, audit
actions and objects) → the Chinese a user reads. Pages, the sidebar, notifications and the
audit log all read these tables, so a key is translated the same way everywhere."""

from __future__ import annotations

import re

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
# Audit log: the verb (create/update/delete, or an action's last path part) …
AUDIT_ACTIONS = {
    "create": "新建",
    "update": "修改",
    "delete": "删除",
    "login": "登录",
    "login_failed": "登录失败",
    "login_locked": "账号锁定",
    "logout": "退出登录",
    "password": "重置密码",
    "unlock": "解锁",
    "acknowledge": "确认",
    "assign": "分配",
    "cancel": "取消",
    "claim": "领取",
    "comments": "评论",
    "comment": "评论",
    "decision": "审批",
    "done": "完成",
    "false-positive": "标为误报",
    "followups": "记录跟进",
    "merge": "合并",
    "unmerge": "撤销合并",
    "move": "移动",
    "pause": "暂停",
    "resume": "恢复",
    "remind": "提醒",
    "reopen": "重新打开",
    "resolve": "解决",
    "false_positive": "标为误报",
    "stage": "变更阶段",
    "task": "创建任务",
    "tags": "修改标签",
    "track": "跟踪",
    "use": "使用",
    "send": "发送",
    "sync": "同步",
    "quotes": "提交报价",
    "payments": "登记回款",
    "online": "上下线",
    "poster": "修改海报",
    "recompute": "重新计算",
    "rescore": "全量重算",
    "import": "导入",
    "preview": "预览",
    "check": "检查",
    "poll": "查询进度",
    "replay": "重放",
}
# … and the object (the first two parts of the API path, ids dropped).
AUDIT_OBJECTS = {
    "corps": "企业",
    "staff/sync": "成员同步",
    "tags": "标签",
    "tags/sync": "标签同步",
    "tag-groups": "标签组",
    "admin-users": "账号",
    "admin-users/password": "账号密码",
    "admin-users/unlock": "账号解锁",
    "admin_user": "账号",
    "api-tokens": "接口令牌",
    "lead-settings": "线索设置",
    "scoring-rules": "评分规则",
    "scoring-rules/rescore": "全量重算",
    "scoring-rules/recompute": "评分重算",
    "assignment-rules": "分配规则",
    "leads": "线索",
    "leads/import": "线索导入",
    "lead-sources": "线索来源",
    "lead-events/replay": "线索事件重放",
    "customers": "客户",
    "followups": "跟进记录",
    "opportunities": "商机",
    "quotes": "报价单",
    "quotes/decision": "报价审批",
    "contracts": "合同",
    "stages": "商机阶段",
    "livecodes": "渠道活码",
    "livecodes/resume": "渠道活码",
    "livecodes/pause": "渠道活码",
    "group-livecodes": "群活码",
    "groups": "客户群",
    "groups/tags": "群标签",
    "sop-plans": "群SOP",
    "sop-plans/pause": "群SOP",
    "sop-plans/resume": "群SOP",
    "journeys": "客户SOP",
    "journeys/pause": "客户SOP",
    "journeys/resume": "客户SOP",
    "compliance/alerts": "合规告警",
    "alert": "合规告警",
    "compliance/rules": "合规规则",
    "compliance/words": "敏感词",
    "compliance/allow-phrases": "白名单短语",
    "compliance/settings": "合规设置",
    "quick-replies": "话术",
    "quick-replies/categories": "话术分类",
    "quick-replies/images": "话术图片",
    "materials": "素材",
    "materials/images": "素材图片",
    "campaigns": "营销活动",
    "segments": "客户分群",
    "mass-sends": "群发任务",
    "mass-sends/cancel": "群发任务",
    "mass-sends/remind": "群发任务",
    "mass-sends/track": "群发任务",
    "mass-sends/reach": "群发预估",
    "tasks": "待办任务",
    "tasks/done": "待办任务",
    "churn/task": "流失挽回任务",
    "transfers": "客户转接",
    "transfers/onjob": "在职转接",
    "transfers/resigned": "离职继承",
    "transfers/groups": "客户群转接",
    "transfers/check": "转接检查",
    "transfers/poll": "转接进度",
    "transfer-rules": "继承规则",
    "transfer-settings": "转接设置",
    "forecast/targets": "销售目标",
    "forecast/submissions": "预测提交",
    "forecast/stages": "预测阶段",
    "sidebar/customer": "侧边栏客户",
    "exports": "导出",
    "progress": "任务进度",
    "admin/login": "登录",
    "admin/logout": "退出登录",
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
ROLES = {"staff": "员工", "manager": "主管", "ops": "运营", "admin": "管理员"}
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


# The JSON API's English `error` texts (kept as machine-readable codes for scripts) and the
# Chinese `message` a person reads beside them: specific patterns first, then by status.
API_ERRORS: tuple[tuple[str, str], ...] = (
    (r"^no such ", "没有这条记录，或不在你的数据范围内"),
    (r"already in the library|already has this word", "词库中已有这个词"),
    (r"phrase is already allowed", "白名单中已有这个短语"),
    (
        r"yourself or your team|your own \(or your team's\)|your own team",
        "只能操作自己或团队成员的数据",
    ),
    (r"merged", "这条线索已被合并，请操作合并后的线索"),
    (r"lead is closed", "线索已关闭，不能再分配"),
    (r"no active member|no staff member|unknown member", "没有这个在职成员"),
    (r"holding cap|open leads already", "该成员持有的线索已达上限"),
    (r"is used by another", "渠道参数已被另一个活码使用"),
    (r"nobody approves their own", "不能审批自己提交的报价"),
    (r"cannot decide as|decide as a", "您的权限不能审批这张报价"),
    (r"not waiting", "这张报价已处理过，请刷新页面"),
    (r" needs: ", "还有阶段必填项未填写"),
    (r"lost_reason", "请选择输单原因"),
    (r"is closed|opportunity is closed", "记录已关闭，不能再修改"),
    (r"phone is not a phone number", "手机号或电话号码无效"),
    (r"CSRF", "页面已过期，请刷新后重试"),
    (r"month must be", "月份格式应为 YYYY-MM"),
    (r"unknown stage", "没有这个商机阶段"),
    (r"compliance review", "合规审查只对管理员和主管开放"),
)
STATUS_ERRORS = {
    400: "请求有误",
    401: "请先登录",
    403: "没有权限执行这个操作",
    404: "没有这条记录，或不在你的数据范围内",
    409: "当前状态不允许这个操作，请刷新后重试",
    413: "内容太大",
    422: "输入有误",
    429: "操作太频繁，请稍后再试",
}


def api_message(status: int, text: str) -> str:
    """The Chinese sentence for an API error: a Chinese text as it is, else by pattern, else
    by status."""
    if not text.isascii():
        return text
    for pattern, said in API_ERRORS:
        if re.search(pattern, text):
            return said
    return STATUS_ERRORS.get(status, "服务器出错，请稍后重试" if status >= 500 else "请求失败")
