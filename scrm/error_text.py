"""API errors in Chinese for the people who read them (the English text stays the machine
code scripts match on)."""

from __future__ import annotations

import re

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
