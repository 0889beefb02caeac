/* The 群SOP plan builder: target pickers (staff, group tags, name pattern, groups from
   GET /api/v1/groups), steps added and removed in the page, saved with POST or PUT. */
(function () {
  "use strict";
  const form = document.getElementById("plan-form");
  if (!form) { return; }
  const { esc, data, explain, showErrors } = window.SOP;
  const plan = data("plan-data");
  const staff = data("staff-data") || {};
  const stepsBox = document.getElementById("steps");
  const errors = document.getElementById("plan-errors");
  const MAX_ATTACHMENTS = 9;
  let groups = [];  // every active group the person may see, for the picker and the match count
  const chosen = new Map();  // chat_id → name

  const field = (root, name) => root.querySelector("[data-f=\"" + name + "\"]");
  const list = (value) => String(value || "").split(/[,，、\s]+/).filter(Boolean);

  /* ---- steps ---- */
  function nextId() {
    const used = new Set(Array.from(stepsBox.querySelectorAll("[data-step]")).map((el) => el.dataset.id));
    let n = 1;
    while (used.has("s" + n)) { n++; }
    return "s" + n;
  }

  function sync(step) {
    const kind = field(step, "kind").value, action = field(step, "action").value;
    step.querySelectorAll("[data-for-kind]").forEach((el) => { el.hidden = el.dataset.forKind !== kind; });
    step.querySelectorAll("[data-for-action]").forEach((el) => { el.hidden = el.dataset.forAction !== action; });
    step.querySelectorAll("[data-att]").forEach((att) => {
      const type = field(att, "msgtype").value;
      att.querySelectorAll("[data-for-type]").forEach((el) => { el.hidden = el.dataset.forType !== type; });
    });
    const n = step.querySelectorAll("[data-att]").length;
    step.querySelector("[data-add-att]").disabled = n >= MAX_ATTACHMENTS;
    step.querySelector("[data-att-count]").textContent = n + " / " + MAX_ATTACHMENTS;
  }

  function renumber() {
    stepsBox.querySelectorAll("[data-step]").forEach((step, i) => {
      step.querySelector(".step-no").textContent = "第 " + (i + 1) + " 步";
      step.querySelector(".step-id").textContent = "编号 " + step.dataset.id;
    });
  }

  function addAttachment(step, att) {
    const node = document.getElementById("att-template").content.firstElementChild.cloneNode(true);
    if (att) {
      field(node, "msgtype").value = att.msgtype;
      Object.entries(att[att.msgtype] || {}).forEach(([k, v]) => {
        const input = field(node, att.msgtype + "." + k);
        if (input && v !== null) { input.value = v; }
      });
    }
    step.querySelector("[data-atts]").appendChild(node);
    sync(step);
  }

  function addStep(spec) {
    const step = document.getElementById("step-template").content.firstElementChild.cloneNode(true);
    const s = spec || { schedule: { kind: "offset", day: 0, at: "10:00" }, action: "message", text: "" };
    step.dataset.id = s.id || nextId();
    const sch = s.schedule;
    field(step, "kind").value = sch.kind;
    field(step, "at").value = sch.at || "";
    field(step, "day").value = sch.day === undefined || sch.day === null ? 0 : sch.day;
    field(step, "dates").value = (sch.dates || []).join(", ");
    field(step, "month_days").value = (sch.month_days || []).join(", ");
    step.querySelectorAll("[data-weekday]").forEach((box) => { box.checked = (sch.weekdays || []).includes(Number(box.value)); });
    field(step, "action").value = s.action || "message";
    field(step, "text").value = s.text || "";
    stepsBox.appendChild(step);
    (s.attachments || []).forEach((a) => addAttachment(step, a));
    const mats = field(step, "material_ids"), picked = (s.material_ids || []).map(String);
    if (mats) { Array.from(mats.options).forEach((o) => { o.selected = picked.includes(o.value); }); }
    sync(step);
    renumber();
    return step;
  }

  function stepJSON(step) {
    const kind = field(step, "kind").value;
    const schedule = { kind: kind, at: field(step, "at").value.trim() };
    if (kind === "offset") { schedule.day = field(step, "day").value === "" ? null : Number(field(step, "day").value); }
    if (kind === "dates") { schedule.dates = list(field(step, "dates").value); }
    if (kind === "weekly") {
      schedule.weekdays = Array.from(step.querySelectorAll("[data-weekday]:checked")).map((b) => Number(b.value));
    }
    if (kind === "monthly") { schedule.month_days = list(field(step, "month_days").value).map(Number); }
    const out = { id: step.dataset.id, schedule: schedule, action: field(step, "action").value, text: field(step, "text").value.trim() };
    out.attachments = out.action === "reminder" ? [] : Array.from(step.querySelectorAll("[data-att]")).map((att) => {
      const type = field(att, "msgtype").value, body = {};
      att.querySelectorAll("[data-for-type=\"" + type + "\"] [data-f]").forEach((input) => {
        if (input.value.trim()) { body[input.dataset.f.split(".")[1]] = input.value.trim(); }
      });
      return { msgtype: type, [type]: body };
    });
    const mats = field(step, "material_ids");
    out.material_ids = out.action === "reminder" || !mats ? [] : Array.from(mats.selectedOptions).map((o) => Number(o.value));
    return out;
  }

  /* ---- targets ---- */
  function fnmatch(pattern) {
    let re = "";
    for (let i = 0; i < pattern.length; i++) {
      const c = pattern[i];
      if (c === "*") { re += ".*"; } else if (c === "?") { re += "."; } else if (c === "[" && pattern.indexOf("]", i + 2) > 0) {
        const end = pattern.indexOf("]", i + 2);
        let set = pattern.slice(i + 1, end).replace(/\\/g, "\\\\");
        if (set[0] === "!") { set = "^" + set.slice(1); }
        re += "[" + set + "]";
        i = end;
      } else { re += c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }
    }
    return new RegExp("^" + re + "$", "s");
  }

  function target() {
    return {
      owners: Array.from(form.querySelectorAll("[data-owner]:checked")).map((b) => b.value),
      name_pattern: field(form, "name_pattern").value.trim(),
      tags: list(field(form, "tags").value),
      chat_ids: Array.from(chosen.keys()),
    };
  }

  /* The same rule as the server's (scrm/sop/materialize.matches), to show the match live. */
  function matching(t) {
    const pattern = t.name_pattern ? fnmatch(t.name_pattern) : null;
    return groups.filter((g) => t.chat_ids.includes(g.chat_id) || ((t.owners.length || pattern || t.tags.length) &&
      (!t.owners.length || t.owners.includes(g.owner_userid)) && (!pattern || pattern.test(g.name)) &&
      (!t.tags.length || t.tags.some((tag) => (g.tags || []).includes(tag)))));
  }

  function showMatch() {
    const found = matching(target());
    const names = found.slice(0, 8).map((g) => g.name || g.chat_id).join("、");
    document.getElementById("match-count").textContent = "当前匹配 " + found.length + " 个群" +
      (found.length ? "：" + names + (found.length > 8 ? " 等" : "") : "") + "。之后新建、改名或打标签后匹配的群会自动加入。";
  }

  function drawChosen() {
    document.getElementById("chosen-groups").innerHTML = Array.from(chosen.entries()).map(([id, name]) =>
      "<span class=\"chip\" data-testid=\"chosen-group\" data-chat=\"" + esc(id) + "\">" + esc(name || id) +
      " <button type=\"button\" class=\"link\" data-unchoose=\"" + esc(id) + "\">✕</button></span>").join("");
    showMatch();
  }

  function search() {
    const q = document.getElementById("group-search").value.trim().toLowerCase();
    const found = groups.filter((g) => !q || (g.name || "").toLowerCase().includes(q)).slice(0, 20);
    document.getElementById("group-results").innerHTML = found.map((g) =>
      "<li><button type=\"button\" class=\"link\" data-choose=\"" + esc(g.chat_id) + "\" data-testid=\"choose-group\">" +
      (chosen.has(g.chat_id) ? "✓ " : "＋ ") + esc(g.name || g.chat_id) + "</button> <small class=\"muted\">" +
      esc(staff[g.owner_userid] || g.owner_userid) + (g.tags && g.tags.length ? " · " + esc(g.tags.join("、")) : "") +
      "</small></li>").join("") || "<li class=\"muted\">没有找到群</li>";
  }

  /* ---- load, events, save ---- */
  function fill(p) {
    field(form, "name").value = p.name;
    form.querySelectorAll("[data-owner]").forEach((b) => { b.checked = (p.target.owners || []).includes(b.value); });
    field(form, "tags").value = (p.target.tags || []).join(", ");
    field(form, "name_pattern").value = p.target.name_pattern || "";
    (p.target.chat_ids || []).forEach((id) => chosen.set(id, id));
    ["remind_after_minutes", "escalate_after_minutes", "expire_after_hours"].forEach((k) => { field(form, k).value = p[k]; });
    p.steps.forEach((s) => addStep(s));
  }

  function body() {
    const out = { name: field(form, "name").value.trim(), target: target(), steps: Array.from(stepsBox.querySelectorAll("[data-step]")).map(stepJSON) };
    ["remind_after_minutes", "escalate_after_minutes", "expire_after_hours"].forEach((k) => { out[k] = Number(field(form, k).value); });
    return out;
  }

  async function save(event) {
    event.preventDefault();
    const button = form.querySelector("[type=submit]");
    button.disabled = true;
    errors.hidden = true;
    stepsBox.querySelectorAll(".step-error").forEach((el) => { el.hidden = true; });
    try {
      const saved = plan ? await window.SCRM.api("PUT", "/api/v1/sop-plans/" + plan.id, body())
        : await window.SCRM.api("POST", "/api/v1/sop-plans", body());
      window.SCRM.toast(saved.warning ? "已保存。目前还没有匹配的群，新群符合条件后会自动加入。" :
        "已保存，已排期 " + saved.planned_runs + " 条近期任务", "ok");
      setTimeout(() => { location.href = "/admin/sop/" + saved.id + "/preview"; }, 600);
    } catch (e) {
      const items = explain(e);
      showErrors(errors, items);
      const steps = stepsBox.querySelectorAll("[data-step]");
      items.filter((it) => it.step !== null && steps[it.step]).forEach((it) => {
        const box = steps[it.step].querySelector(".step-error");
        box.hidden = false;
        box.textContent = it.text;
      });
      button.disabled = false;
    }
  }

  form.addEventListener("submit", save);
  form.addEventListener("input", (event) => {
    if (event.target.id === "group-search") { search(); }
    showMatch();
  });
  form.addEventListener("change", (event) => {
    const step = event.target.closest("[data-step]");
    if (step) { sync(step); }
    showMatch();
  });
  form.addEventListener("click", (event) => {
    const t = event.target.closest("button");
    if (!t) { return; }
    const step = t.closest("[data-step]");
    if (t.id === "add-step") { addStep(); }
    else if (t.dataset.removeStep !== undefined) { step.remove(); renumber(); }
    else if (t.dataset.move) {
      const other = Number(t.dataset.move) < 0 ? step.previousElementSibling : step.nextElementSibling;
      if (other) { Number(t.dataset.move) < 0 ? other.before(step) : other.after(step); renumber(); }
    }
    else if (t.dataset.addAtt !== undefined) { addAttachment(step); }
    else if (t.dataset.removeAtt !== undefined) { t.closest("[data-att]").remove(); sync(step); }
    else if (t.dataset.var) {
      const area = field(step, "text"), at = area.selectionStart || area.value.length;
      area.value = area.value.slice(0, at) + t.dataset.var + area.value.slice(area.selectionEnd || at);
      area.focus();
    }
    else if (t.dataset.addTag) {
      const tags = list(field(form, "tags").value);
      if (!tags.includes(t.dataset.addTag)) { field(form, "tags").value = [...tags, t.dataset.addTag].join(", "); }
      showMatch();
    }
    else if (t.dataset.choose) {
      const g = groups.find((x) => x.chat_id === t.dataset.choose);
      chosen.has(g.chat_id) ? chosen.delete(g.chat_id) : chosen.set(g.chat_id, g.name);
      drawChosen();
      search();
    }
    else if (t.dataset.unchoose) { chosen.delete(t.dataset.unchoose); drawChosen(); search(); }
    else if (t.id === "show-preview") {
      const panel = document.getElementById("preview-panel");
      panel.hidden = false;
      window.SOP.renderPreview(panel.querySelector("[data-preview]"), plan.id, staff)
        .catch((e) => window.SCRM.toast(e.message, "error"));
      panel.scrollIntoView();
    }
  });

  if (plan) { fill(plan); } else { addStep(); }
  window.SCRM.api("GET", "/api/v1/groups?limit=1000").then((answer) => {
    groups = answer.items;
    chosen.forEach((_, id) => { const g = groups.find((x) => x.chat_id === id); if (g) { chosen.set(id, g.name); } });
    drawChosen();
    search();
    form.dataset.ready = "1";
  }).catch((e) => window.SCRM.toast(e.message, "error"));
})();
