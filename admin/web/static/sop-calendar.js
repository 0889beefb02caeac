/* 群SOP calendar: a month grid of runs per day from GET /api/v1/sop-calendar (stored runs with
   their status, later ones forecast), navigable by month; a day's runs listed on click. */
(function () {
  "use strict";
  const { esc, data, dayLabel, hhmm } = window.SOP;

  const RUN_STATUS = {
    forecast: "预计", planned: "待执行", firing: "发起中", fired: "待群主确认", sent: "已发送",
    failed: "失败", expired: "已过期", skipped: "已跳过", cancelled: "已取消",
  };

  function Calendar(box) {
    const plans = data("plans-data") || {}, chats = data("chats-data") || {}, staff = data("staff-data") || {};
    const today = box.dataset.today;
    let month = new URLSearchParams(location.search).get("month") || today.slice(0, 7);
    let days = {};

    function shift(by) {
      const [y, m] = month.split("-").map(Number);
      const d = new Date(y, m - 1 + by, 1);
      month = d.getFullYear() + "-" + String(d.getMonth() + 1).padStart(2, "0");
      load();
    }

    function cell(iso) {
      const runs = days[iso] || [];
      const lines = {};
      runs.forEach((r) => {
        const key = r.plan_id + "|" + r.step_id + "|" + r.status;
        (lines[key] = lines[key] || { run: r, n: 0 }).n += 1;
      });
      const items = Object.values(lines);
      const shown = items.slice(0, 3).map((l) => "<div class=\"cal-run " + esc(l.run.status) + "\">" +
        esc((plans[l.run.plan_id] || "#" + l.run.plan_id) + " · " + l.run.step_id) + " ×" + l.n + "</div>").join("");
      return "<button type=\"button\" class=\"cal-day" + (iso === today ? " today" : "") + (runs.length ? " has" : "") +
        "\" data-testid=\"cal-day\" data-day=\"" + iso + "\" data-runs=\"" + runs.length + "\"><span class=\"cal-num\">" +
        Number(iso.slice(8)) + "</span>" + (runs.length ? "<span class=\"cal-count\">" + runs.length + "</span>" : "") +
        shown + (items.length > 3 ? "<div class=\"muted\">还有 " + (items.length - 3) + " 项</div>" : "") + "</button>";
    }

    function draw() {
      const [y, m] = month.split("-").map(Number);
      const first = new Date(y, m - 1, 1), count = new Date(y, m, 0).getDate();
      let html = "<div class=\"cal-grid\">" + "一二三四五六日".split("").map((d) => "<div class=\"cal-head\">" + d + "</div>").join("");
      html += "<div class=\"cal-blank\"></div>".repeat((first.getDay() + 6) % 7);
      for (let d = 1; d <= count; d++) { html += cell(month + "-" + String(d).padStart(2, "0")); }
      box.querySelector("[data-grid]").innerHTML = html + "</div>";
      box.querySelector("[data-testid=cal-month]").textContent = y + "年" + m + "月";
      box.querySelector("[data-detail]").innerHTML = "";
    }

    function detail(iso) {
      const runs = days[iso] || [];
      box.querySelectorAll(".cal-day.chosen").forEach((el) => el.classList.remove("chosen"));
      box.querySelector("[data-day=\"" + iso + "\"]").classList.add("chosen");
      box.querySelector("[data-detail]").innerHTML = "<h2>" + esc(dayLabel(iso)) + " · " + runs.length + " 项</h2>" +
        (runs.length ? "<div class=\"table-wrap\"><table class=\"table\" data-testid=\"cal-detail\"><thead><tr><th>时间</th><th>计划</th>" +
          "<th>步骤</th><th>群</th><th>群主</th><th>状态</th></tr></thead><tbody>" + runs.map((r) =>
          "<tr data-testid=\"cal-run\" data-chat=\"" + esc(r.target_id) + "\"><td>" + hhmm(r.due_at) + "</td><td><a href=\"/admin/sop/" +
          r.plan_id + "/stats\">" + esc(plans[r.plan_id] || r.plan_id) + "</a></td><td>" + esc(r.step_id) + "</td><td>" +
          esc(chats[r.target_id] || r.target_id) + "</td><td>" + esc(staff[r.owner_userid] || r.owner_userid) +
          "</td><td><span class=\"badge " + esc(r.status) + "\">" + esc(RUN_STATUS[r.status] || r.status) + "</span></td></tr>").join("") +
          "</tbody></table></div>" : "<p class=\"muted\">这一天没有任务。</p>");
    }

    async function load() {
      history.replaceState(null, "", "?month=" + month);
      try {
        days = await window.SCRM.api("GET", "/api/v1/sop-calendar?month=" + month);
      } catch (e) {
        window.SCRM.toast(e.message, "error");
        days = {};
      }
      draw();
      box.dataset.loaded = month;
    }

    box.addEventListener("click", (event) => {
      const nav = event.target.closest("[data-shift]");
      if (nav) { shift(Number(nav.dataset.shift)); return; }
      if (event.target.closest("[data-this-month]")) { month = today.slice(0, 7); load(); return; }
      const day = event.target.closest(".cal-day");
      if (day) { detail(day.dataset.day); }
    });
    load();
  }

  document.addEventListener("DOMContentLoaded", () => {
    const box = document.getElementById("calendar");
    if (box) { Calendar(box); }
  });
})();
