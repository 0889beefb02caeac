/* Light helpers for the admin pages: JSON API calls with the CSRF header, toasts, charts,
   forms and buttons that call the API, and a progress poller for long operations. */
(function () {
  "use strict";
  const csrf = () => (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  function toast(message, kind) {
    const box = document.getElementById("toast");
    if (!box) { return; }
    box.textContent = message;
    box.className = "show " + (kind || "ok");
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => { box.className = ""; }, kind === "error" ? 8000 : 3000);
  }

  /* The one clock for scripts: an ISO instant as "2026-12-04 02:40" in the corp's zone (the
     layout's <body data-tz>, or the zone given), whatever the browser's own zone is. */
  function when(iso, zone) {
    if (!iso) { return ""; }
    const at = new Date(iso);
    if (Number.isNaN(at.getTime())) { return String(iso); }
    const tz = zone || document.body.dataset.tz || "Asia/Shanghai";
    const parts = {};
    new Intl.DateTimeFormat("en-CA", { timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(at).forEach((p) => { parts[p.type] = p.value; });
    return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
  }

  /* A success toast that survives the reload which follows it: shown now and on the next page. */
  function flash(message, kind) {
    toast(message, kind || "ok");
    try { sessionStorage.setItem("scrm.flash", JSON.stringify({ message: message, kind: kind || "ok" })); } catch (e) { /* private mode */ }
  }
  function showFlash() {
    let raw = null;
    try { raw = sessionStorage.getItem("scrm.flash"); sessionStorage.removeItem("scrm.flash"); } catch (e) { return; }
    if (raw) { const f = JSON.parse(raw); toast(f.message, f.kind); }
  }

  function explain(body, status) {
    if (body && body.details && body.details.length) {
      // The server writes each detail as a Chinese sentence that already names the field.
      const said = (d) => (typeof d === "string" ? d : d.msg);
      return (body.message || body.error) + "：" + body.details.map(said).join("；");
    }
    if (body && body.missing) { return (body.message || body.error) + "（缺少：" + (body.missing_text || body.missing.join("、")) + "）"; }
    // `message` is the Chinese sentence; `error` the machine text scripts match on.
    return (body && (body.message || body.error)) || ("请求失败（HTTP " + status + "）");
  }

  async function api(method, path, body) {
    const init = { method: method, headers: { "X-CSRF-Token": csrf() }, credentials: "same-origin" };
    if (body instanceof FormData) {
      init.body = body;
    } else if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const resp = await fetch(path, init);
    const type = resp.headers.get("Content-Type") || "";
    const data = type.includes("json") ? await resp.json() : await resp.text();
    if (!resp.ok) {
      const err = new Error(explain(data, resp.status));
      err.status = resp.status;
      err.body = data;
      throw err;
    }
    return data;
  }

  /* Fields named a.b become nested objects; data-type="number|json|list|bool" converts. */
  function formJSON(form) {
    const out = {};
    for (const el of form.elements) {
      if (!el.name || el.name === "_csrf" || el.disabled) { continue; }
      if ((el.type === "checkbox" || el.type === "radio") && !el.checked && el.dataset.type !== "bool") { continue; }
      let value = el.type === "checkbox" && el.dataset.type === "bool" ? el.checked : el.value;
      const type = el.dataset.type;
      if (type === "number") { if (value === "") { continue; } value = Number(value); }
      if (type === "json") { value = value.trim() ? JSON.parse(value) : null; }
      if (type === "list") { value = value.split(/[,，\s]+/).filter(Boolean); }
      let target = out;
      const parts = el.name.split(".");
      parts.slice(0, -1).forEach((p) => { target = target[p] = target[p] || {}; });
      const last = parts[parts.length - 1];
      if (el.multiple) { value = Array.from(el.selectedOptions).map((o) => o.value); }
      if (last.endsWith("[]")) {
        const key = last.slice(0, -2);
        (target[key] = target[key] || []).push(value);
      } else {
        target[last] = value;
      }
    }
    return out;
  }

  async function submitForm(event) {
    const form = event.target.closest("form[data-api]");
    if (!form) { return; }
    event.preventDefault();
    // A box that must be ticked first (a confirmation, never sent): say so and stop.
    const unticked = form.querySelector("input[data-must-check]:not(:checked)");
    if (unticked) { toast(unticked.dataset.mustCheck, "error"); unticked.focus(); return; }
    let body;
    try {
      body = form.dataset.encoding === "multipart" ? new FormData(form) : formJSON(form);
    } catch (e) {
      toast("JSON 格式错误，请检查括号、逗号和引号是否成对", "error");
      return;
    }
    const button = form.querySelector("[type=submit]");
    if (button) { button.disabled = true; }
    try {
      const result = await api(form.dataset.method || "POST", form.dataset.api, body);
      (form.dataset.then ? flash : toast)(form.dataset.ok || "已保存", "ok");
      form.dispatchEvent(new CustomEvent("api:done", { detail: result, bubbles: true }));
      if (form.dataset.then === "reload") { setTimeout(() => location.reload(), 300); }
      else if (form.dataset.then) { location.href = form.dataset.then.replace("{id}", result.id); }
    } catch (e) {
      toast(e.message, "error");
      form.dispatchEvent(new CustomEvent("api:error", { detail: e, bubbles: true }));
    } finally {
      if (button) { button.disabled = false; }
    }
  }

  async function clickAction(event) {
    const button = event.target.closest("[data-api-post],[data-api-delete]");
    if (!button) { return; }
    event.preventDefault();
    if (button.dataset.confirm && !confirm(button.dataset.confirm)) { return; }
    const method = button.dataset.apiDelete ? "DELETE" : "POST";
    const path = button.dataset.apiDelete || button.dataset.apiPost;
    const body = button.dataset.body ? JSON.parse(button.dataset.body) : {};
    try {
      await api(method, path, method === "DELETE" ? undefined : body);
      (button.dataset.then !== "stay" ? flash : toast)(button.dataset.ok || "已完成", "ok");
      if (button.dataset.then !== "stay") { setTimeout(() => location.reload(), 300); }
    } catch (e) {
      toast(e.message, "error");
    }
  }

  const palette = ["#2f7cf6", "#13a89e", "#f5a623", "#e5534b", "#8e6ad8", "#5b8c00"];

  function drawCharts(root) {
    if (!window.Chart) { return; }
    (root || document).querySelectorAll("canvas[data-chart]").forEach((canvas) => {
      if (canvas.chart) { canvas.chart.destroy(); }
      const spec = JSON.parse(canvas.dataset.chart);
      canvas.chart = new window.Chart(canvas, {
        type: spec.type,
        data: {
          labels: spec.labels,
          datasets: spec.series.map((s, i) => ({
            label: s.label, data: s.data, borderColor: palette[i % palette.length],
            backgroundColor: spec.type === "line" ? "transparent" : palette[i % palette.length], tension: 0.25,
          })),
        },
        options: {
          indexAxis: spec.horizontal ? "y" : "x", responsive: true, animation: false,
          // In a .chart-box the box sets the height: a phone-wide chart keeps a readable height.
          maintainAspectRatio: !(canvas.parentElement && canvas.parentElement.classList.contains("chart-box")),
          plugins: { legend: { display: spec.series.length > 1 } },
          scales: { [spec.horizontal ? "x" : "y"]: { beginAtZero: true, suggestedMax: 5, ticks: { precision: 0 } } },
        },
      });
    });
  }

  /* Polls /api/v1/progress/{id} until done; calls onStep with {done, total, state, message}. */
  async function progress(id, onStep) {
    for (;;) {
      const p = await api("GET", "/api/v1/progress/" + encodeURIComponent(id));
      onStep(p);
      if (p.state === "done" || p.state === "failed") { return p; }
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  function showProgress(bar, p) {
    const pct = p.total ? Math.round((100 * p.done) / p.total) : 0;
    bar.hidden = false;
    bar.querySelector("progress").value = pct;
    bar.querySelector("span").textContent = p.message || (p.done + " / " + p.total + "（" + pct + "%）");
  }

  window.SCRM = { api, toast, flash, formJSON, drawCharts, progress, showProgress, when };
  document.addEventListener("DOMContentLoaded", showFlash);
  document.addEventListener("submit", submitForm);
  document.addEventListener("click", clickAction);
  window.addEventListener("load", () => drawCharts());
})();
