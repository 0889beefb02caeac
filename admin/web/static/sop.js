/* 群SOP / 客户SOP pages: API validation errors in Chinese, the 30-day preview and delivery stats.
   The builder is sop-builder.js, the calendar sop-calendar.js, the journey pages sop-journeys.js. */
(function () {
  "use strict";
  const esc = (s) => String(s === undefined || s === null ? "" : s).replace(/[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  const data = (id) => { const el = document.getElementById(id); return el ? JSON.parse(el.textContent) : null; };
  const WEEK = "日一二三四五六";

  /* ---- API errors → Chinese: where (from pydantic's loc) and what (known messages). ---- */
  const FIELDS = {
    name: "名称", target: "目标群", schedule: "时间规则", at: "时间", day: "第几天", dates: "日期",
    weekdays: "星期", month_days: "每月几号", text: "内容", attachments: "附件", action: "动作",
    kind: "类型", remind_after_minutes: "提醒时间", escalate_after_minutes: "通知主管时间",
    expire_after_hours: "过期时间", trigger: "触发条件", minutes: "分钟数", next: "下一节点",
    otherwise: "否则", quiet_start: "免打扰开始", quiet_end: "免打扰结束", per_day_cap: "每日上限",
    per_week_cap: "每周上限", title: "标题", url: "URL", exit_tags: "退出标签",
  };
  const MESSAGES = [
    [/is not HH:MM|at must be 00:00/, () => "时间应为 24 小时制 HH:MM（00:00–23:59）"],
    [/target is empty/, () => "目标为空：请至少选择群主、群标签、群名匹配或指定群"],
    [/a (\w+) schedule needs (\w+)/, (m) => "该时间规则缺少「" + (FIELDS[m[2]] || m[2]) + "」"],
    [/weekdays are ISO/, () => "星期只能是周一至周日"],
    [/month_days are/, () => "每月几号应为 1–31"],
    [/a message needs text or attachments/, () => "群发消息需要内容或附件"],
    [/a reminder needs text/, () => "仅提醒也需要内容（提醒群主做什么）"],
    [/over WeCom's 4000/, () => "内容超过企业微信 4000 字节上限"],
    [/unknown variable (\{[^}]+\}): use (.*)/, (m) => "未知变量 " + m[1] + "，可用：" + m[2]],
    [/step ids must be unique/, () => "步骤编号重复"],
    [/escalate_after_minutes must come after/, () => "通知主管须晚于提醒群主"],
    [/manager must hear before the task expires/, () => "通知主管须早于任务过期"],
    [/the nodes loop: (.*)/, (m) => "节点之间形成循环：" + m[1]],
    [/node (\S+) points at unknown node '?([^']*)'?/, (m) => "节点 " + m[1] + " 指向不存在的节点 " + m[2]],
    [/node ids must be unique/, () => "节点编号重复"],
    [/node (\S+): a (\w+) node needs (.*)/, (m) => "节点 " + m[1] + "（" + m[2] + "）缺少 " + m[3]],
    [/a (\w+) trigger needs (\w+)/, (m) => "触发条件 " + m[1] + " 缺少 " + m[2]],
    [/per_week_cap must be at least per_day_cap/, () => "每周上限不能小于每日上限"],
    [/valid date/, () => "日期格式应为 YYYY-MM-DD"],
    [/valid integer/, () => "应为整数"],
    [/at least 1 (item|character)/, () => "不能为空"],
    [/at most (\d+) items/, (m) => "最多 " + m[1] + " 个"],
    [/Field required/, () => "必填"],
    [/Extra inputs are not permitted/, () => "不支持的字段"],
    [/should match pattern/, () => "格式不对（小写字母、数字或下划线，最多 16 个）"],
    [/greater than or equal to (\d+)/, (m) => "不能小于 " + m[1]],
    [/less than or equal to (\d+)/, (m) => "不能大于 " + m[1]],
  ];

  function where(loc) {
    const parts = String(loc || "").split(".").filter(Boolean);
    const out = [];
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i], n = parts[i + 1];
      if ((p === "steps" || p === "nodes") && /^\d+$/.test(n || "")) {
        out.push(p === "steps" ? "第 " + (+n + 1) + " 步" : "第 " + (+n + 1) + " 个节点");
        i++;
      } else if (/^\d+$/.test(p)) {
        out.push("第 " + (+p + 1) + " 个");
      } else {
        out.push(FIELDS[p] || p);
      }
    }
    return out.join(" · ");
  }

  function chinese(msg) {
    const raw = String(msg || "").replace(/^Value error, /, "");
    for (const [re, make] of MESSAGES) {
      const m = raw.match(re);
      if (m) { return { text: make(m), raw: raw }; }
    }
    return { text: raw, raw: "" };
  }

  /* An API error as a list of {where, text, raw, step} (step: the index of the step or node). */
  function explain(err) {
    const body = (err && err.body) || {};
    const details = body.details && body.details.length ? body.details : [{ loc: "", msg: body.error || err.message }];
    return details.map((d) => {
      const m = String(d.loc || "").match(/^(?:steps|nodes)\.(\d+)/);
      return { where: where(d.loc), step: m ? +m[1] : null, ...chinese(d.msg) };
    });
  }

  function showErrors(box, items, title) {
    box.hidden = false;
    box.innerHTML = "<b>" + esc(title || "保存失败，请修改后重试：") + "</b><ul>" + items.map((e) =>
      "<li>" + (e.where ? "<b>" + esc(e.where) + "</b>：" : "") + esc(e.text) +
      (e.raw && e.raw !== e.text ? " <small class=\"muted\">（" + esc(e.raw) + "）</small>" : "") + "</li>").join("") + "</ul>";
    box.scrollIntoView({ block: "nearest" });
  }

  /* ---- dates and schedules in words ---- */
  function dayLabel(iso) {
    const [y, m, d] = iso.slice(0, 10).split("-").map(Number);
    return m + "月" + d + "日 星期" + WEEK[new Date(y, m - 1, d).getDay()];
  }
  const hhmm = (iso) => iso.slice(11, 16);

  function describe(s) {
    if (!s) { return ""; }
    const at = " " + s.at;
    if (s.kind === "offset") { return (s.day ? "建群第 " + s.day + " 天" : "建群当天") + at; }
    if (s.kind === "dates") { return (s.dates || []).join("、") + at; }
    if (s.kind === "weekly") { return "每周" + (s.weekdays || []).map((d) => WEEK[d % 7]).join("、") + at; }
    return "每月 " + (s.month_days || []).join("、") + " 日" + at;
  }

  /* ---- the 30-day preview: who receives what, when, grouped by day ---- */
  async function renderPreview(box, planId, staff) {
    box.innerHTML = "<p class=\"muted\">计算中…</p>";
    const rows = await window.SCRM.api("GET", "/api/v1/sop-plans/" + planId + "/preview?days=30");
    if (!rows.length) {
      box.innerHTML = "<p class=\"muted\" data-testid=\"preview-empty\">未来 30 天没有要执行的任务（还没有匹配的群，或时间都已过去）。</p>";
      return;
    }
    const groups = new Set(rows.map((r) => r.chat_id));
    let html = "<p data-testid=\"preview-summary\">未来 30 天共 <b>" + rows.length + "</b> 次，涉及 <b>" +
      groups.size + "</b> 个群。</p><div class=\"table-wrap\"><table class=\"table preview\" data-testid=\"preview\">" +
      "<thead><tr><th>时间</th><th>群</th><th>群主</th><th>步骤</th><th>动作</th><th>内容</th></tr></thead><tbody>";
    let day = "";
    for (const r of rows) {
      if (r.due_at.slice(0, 10) !== day) {
        day = r.due_at.slice(0, 10);
        const n = rows.filter((x) => x.due_at.slice(0, 10) === day).length;
        html += "<tr class=\"day-row\" data-testid=\"preview-day\" data-day=\"" + day + "\"><th colspan=\"6\">" +
          esc(dayLabel(day)) + " <span class=\"muted\">· " + n + " 次</span></th></tr>";
      }
      const action = r.action === "reminder" ? "<span class=\"badge\">仅提醒群主</span>" : "<span class=\"badge active\">群发消息</span>";
      html += "<tr data-testid=\"preview-row\" data-chat=\"" + esc(r.chat_id) + "\" data-due=\"" + esc(r.due_at) +
        "\" data-step=\"" + esc(r.step_id) + "\"><td>" + hhmm(r.due_at) + "</td><td>" + esc(r.chat_name || r.chat_id) +
        "</td><td>" + esc(staff[r.owner_userid] || r.owner_userid) + "</td><td>" + esc(r.step_id) + "</td><td>" + action +
        "</td><td class=\"text\">" + esc(r.text) + "</td></tr>";
    }
    box.innerHTML = html + "</tbody></table></div>";
  }

  /* ---- delivery stats per step, with a bar chart ---- */
  const COLUMNS = [["planned", "待执行"], ["fired", "待群主确认"], ["sent", "已发送"], ["failed", "失败"], ["expired", "已过期"], ["other", "跳过/取消"]];
  const BUCKET = { planned: "planned", firing: "planned", fired: "fired", sent: "sent", failed: "failed", expired: "expired" };

  async function renderStats(box, plan) {
    const stats = await window.SCRM.api("GET", "/api/v1/sop-plans/" + plan.id + "/stats");
    const steps = plan.steps.map((s) => ({ id: s.id, label: describe(s.schedule), text: s.text }));
    Object.keys(stats).filter((id) => !steps.some((s) => s.id === id))
      .forEach((id) => steps.push({ id: id, label: "（已删除的步骤）", text: "" }));
    const counts = steps.map((s) => {
      const c = { planned: 0, fired: 0, sent: 0, failed: 0, expired: 0, other: 0 };
      Object.entries(stats[s.id] || {}).forEach(([status, n]) => { c[BUCKET[status] || "other"] += n; });
      return c;
    });
    let html = "<div class=\"table-wrap\"><table class=\"table\" data-testid=\"stats\"><thead><tr><th>步骤</th><th>时间规则</th>" +
      COLUMNS.map((c) => "<th>" + c[1] + "</th>").join("") + "</tr></thead><tbody>";
    steps.forEach((s, i) => {
      html += "<tr data-testid=\"stats-row\" data-step=\"" + esc(s.id) + "\"><td>" + esc(s.id) + "</td><td>" + esc(s.label) + "</td>" +
        COLUMNS.map((c) => "<td data-count=\"" + c[0] + "\">" + counts[i][c[0]] + "</td>").join("") + "</tr>";
    });
    box.innerHTML = html + "</tbody></table></div>";
    const chart = document.querySelector("canvas[data-stats-chart]");
    chart.dataset.chart = JSON.stringify({
      type: "bar", labels: steps.map((s) => s.id + "（" + s.label + "）"),
      series: COLUMNS.slice(0, 5).map((c) => ({ label: c[1], data: counts.map((x) => x[c[0]]) })),
    });
    window.SCRM.drawCharts(chart.parentElement);
  }

  window.SOP = { esc, data, explain, showErrors, describe, dayLabel, hhmm, renderPreview };

  document.addEventListener("DOMContentLoaded", () => {
    const staff = data("staff-data") || {};
    document.querySelectorAll("[data-preview]").forEach((box) => {
      if (!box.closest("[hidden]")) {
        renderPreview(box, box.dataset.preview, staff).catch((e) => window.SCRM.toast(e.message, "error"));
      }
    });
    const stats = document.getElementById("stats");
    if (stats) { renderStats(stats, data("plan-data")).catch((e) => window.SCRM.toast(e.message, "error")); }
  });
})();
