/* 客户SOP: the journey detail page (customers by status, actions per node, 30-day preview).
   The editor is journey-builder.js. */
(function () {
  "use strict";
  const { esc, data } = window.SOP;
  const KINDS = { send: "发消息", remind: "提醒员工", task: "创建任务", webhook: "Webhook" };

  /* The preview's conditions (scrm/sop/journey_nodes.upcoming) in Chinese. */
  const CONDITIONS = [
    [/not grade in \[([^\]]*)\]/g, (m, g) => "评级不是 " + g.replace(/'/g, "").replace(/, /g, "、")],
    [/grade in \[([^\]]*)\]/g, (m, g) => "评级为 " + g.replace(/'/g, "").replace(/, /g, "、")],
    [/not tag (\S+)/g, (m, t) => "没有标签 " + t],
    [/tag (\S+)/g, (m, t) => "有标签 " + t],
    [/not (\S+) within (\d+) days/g, (m, a, d) => d + " 天内没有 " + a],
    [/(\S+) within (\d+) days/g, (m, a, d) => d + " 天内有 " + a],
    [/ & /g, () => "，且"],
  ];
  const condition = (text) => CONDITIONS.reduce((out, [re, make]) => out.replace(re, make), text || "") || "—";

  async function detail(box) {
    const id = box.dataset.id;
    const staff = data("staff-data") || {}, actions = data("actions-data") || [];
    const customers = data("customers-data") || {};
    const stats = await window.SCRM.api("GET", "/api/v1/journeys/" + id + "/stats");
    Object.entries(stats.runs).forEach(([status, n]) => {
      const el = document.querySelector("[data-run=\"" + status + "\"]");
      if (el) { el.textContent = n; }
    });
    const rows = Array.from(document.querySelectorAll("[data-node]"));
    rows.forEach((row) => {
      const counts = stats.nodes[row.dataset.node] || {};
      row.querySelectorAll("[data-count]").forEach((cell) => { cell.textContent = counts[cell.dataset.count] || 0; });
    });
    const used = actions.filter(([key]) => Object.values(stats.nodes).some((c) => c[key]));
    const chart = document.querySelector("canvas[data-nodes-chart]");
    chart.dataset.chart = JSON.stringify({
      type: "bar", labels: rows.map((r) => r.dataset.node),
      series: used.map(([key, label]) => ({ label: label, data: rows.map((r) => (stats.nodes[r.dataset.node] || {})[key] || 0) })),
    });
    window.SCRM.drawCharts(chart.parentElement);

    const preview = await window.SCRM.api("GET", "/api/v1/journeys/" + id + "/preview?days=30");
    const target = document.querySelector("[data-journey-preview]");
    // Times in the corp's zone, whatever the browser's.
    const when = new Intl.DateTimeFormat("zh-CN", {
      timeZone: box.dataset.timezone, month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false,
    });
    const items = preview.flatMap((p) => p.upcoming.map((u) => ({ ...u, customer: p.external_userid, owner: p.owner_userid })));
    target.innerHTML = items.length ? "<div class=\"table-wrap\"><table class=\"table\"><thead><tr><th>时间</th><th>客户</th><th>员工</th>" +
      "<th>节点</th><th>动作</th><th>内容</th><th>条件</th></tr></thead><tbody>" + items.map((u) =>
      "<tr data-testid=\"journey-preview-row\"><td>" + esc(when.format(new Date(u.at))) + "</td><td>" + esc(customers[u.customer] || u.customer) + "</td><td>" +
      esc(staff[u.owner] || u.owner) + "</td><td>" + esc(u.node) + "</td><td>" + esc(KINDS[u.kind] || u.kind) + "</td><td>" +
      esc(u.text) + "</td><td>" + esc(condition(u.condition)) + "</td></tr>").join("") + "</tbody></table></div>"
      : "<p class=\"muted\" data-testid=\"journey-preview-empty\">目前没有客户在等待后续步骤。</p>";
  }

  document.addEventListener("DOMContentLoaded", () => {
    const box = document.getElementById("journey");
    if (box) { detail(box).catch((e) => window.SCRM.toast(e.message, "error")); }
  });
})();
