/* 客户SOP builder: a journey as a vertical flow — the trigger on top, then node cards joined by
   arrows, each with a Chinese form (pickers for tags, members' variables, materials, times).
   The stored format is still the JSON the API takes (scrm/sop/journey_schema.py); the 导入/导出
   JSON panel shows it and loads it back. Errors, ours or the API's, are shown on the node. */
(function () {
  "use strict";
  const { esc, data, explain, showErrors } = window.SOP;
  const B = data("builder-data");
  const GRADES = ["S", "A", "B", "C", "D"];
  const UNITS = [[1440, "天"], [60, "小时"], [1, "分钟"]];
  const BLANK = {
    wait: { minutes: 1440 }, send: { text: "" }, remind: { text: "" }, tag: { add_tags: [] },
    branch: { if_grades: ["S", "A"] }, task: { title: "" }, webhook: { url: "" }, exit: {},
  };
  const PREFIX = { wait: "w", send: "s", remind: "r", tag: "g", branch: "b", task: "t", webhook: "h", exit: "x" };
  let spec, form, flow;

  /* ---- the model ---- */
  function newId(kind) {
    const used = new Set(spec.nodes.map((n) => n.id));
    for (let i = 1; ; i++) { if (!used.has(PREFIX[kind] + i)) { return PREFIX[kind] + i; } }
  }

  function insert(at, kind) {
    const node = Object.assign({ id: newId(kind), kind: kind }, JSON.parse(JSON.stringify(BLANK[kind])));
    const before = spec.nodes[at - 1], after = spec.nodes[at];
    if (at === 0) { node.next = after ? after.id : null; }
    else if (before.kind !== "exit" && (before.next || null) === (after ? after.id : null)) {
      node.next = before.next || null; // slot into the straight line: before → node → after
      before.next = node.id;
    }
    if (kind === "exit" || kind === "branch") { node.next = kind === "branch" ? node.next : null; }
    spec.nodes.splice(at, 0, node);
    render();
    const card = flow.querySelector("[data-node-card=\"" + node.id + "\"]");
    if (card) { card.scrollIntoView({ block: "center" }); }
  }

  function remove(index) {
    const gone = spec.nodes[index];
    spec.nodes.splice(index, 1);
    spec.nodes.forEach((n) => {  // whoever pointed at it now points where it pointed
      if (n.next === gone.id) { n.next = gone.next || null; }
      if (n.otherwise === gone.id) { n.otherwise = gone.next || null; }
    });
    render();
  }

  function move(index, by) {
    const to = index + by;
    if (to < 0 || to >= spec.nodes.length) { return; }
    [spec.nodes[index], spec.nodes[to]] = [spec.nodes[to], spec.nodes[index]];
    render();
  }

  /* ---- summaries, in the words of the detail page ---- */
  function minutesText(m) {
    for (const [size, unit] of UNITS) { if (m >= size && m % size === 0) { return m / size + " " + unit; } }
    return "0 分钟";
  }
  const tagName = (id) => window.SCRM.pickerLabel("tags", id);
  function summary(n) {
    switch (n.kind) {
      case "wait": return "等待 " + minutesText(n.minutes || 0);
      case "send": case "remind": return (n.text || "").slice(0, 30) ||
        ((n.material_ids || []).length ? "素材 " + n.material_ids.length + " 个" : "（未填写内容）");
      case "tag": return [(n.add_tags || []).length ? "添加 " + n.add_tags.map(tagName).join("、") : "",
        (n.remove_tags || []).length ? "移除 " + n.remove_tags.map(tagName).join("、") : ""].filter(Boolean).join("；") || "（未选择标签）";
      case "branch":
        if (n.if_tag) { return "客户有标签 " + tagName(n.if_tag); }
        if (n.if_activity) { return (n.within_days || 7) + " 天内有行为：" + (B.activities[n.if_activity] || n.if_activity); }
        return "线索评级为 " + (n.if_grades || []).join("、");
      case "task": return n.title || "（未填写任务）";
      case "webhook": return n.url || "（未填写地址）";
      default: return "客户离开旅程";
    }
  }
  const nodeName = (n) => "#" + (spec.nodes.indexOf(n) + 1) + " " + B.kinds[n.kind] + "：" + summary(n);

  /* ---- rendering ---- */
  const checks = (field, options, chosen) => "<div class=\"jb-checks\">" + options.map(([value, label]) =>
    "<label class=\"check inline\"><input type=\"checkbox\" data-f=\"" + field + "\" data-t=\"checks\" value=\"" + esc(value) + "\"" +
    ((chosen || []).includes(value) ? " checked" : "") + "> " + esc(label) + "</label>").join("") + "</div>";
  const pick = (field, kind, value, multiple, extra) => "<input type=\"hidden\" data-f=\"" + field + "\" data-picker=\"" + kind +
    "\"" + (multiple ? " data-multiple" : "") + " value=\"" + esc([].concat(value || []).join(",")) + "\"" + (extra || "") + ">";
  const text = (field, value, label, attrs) => "<label>" + label + " <input data-f=\"" + field + "\" value=\"" + esc(value || "") + "\" " + (attrs || "") + "></label>";

  function targets(field, n, label) {
    const options = spec.nodes.filter((o) => o !== n).map((o) => "<option value=\"" + esc(o.id) + "\"" +
      (n[field] === o.id ? " selected" : "") + ">" + esc(nodeName(o)) + "</option>").join("");
    return "<label>" + label + " <select data-f=\"" + field + "\" data-t=\"ref\" data-testid=\"node-" + field + "\"><option value=\"\">结束旅程</option>" + options + "</select></label>";
  }

  function messageFields(n) {
    return "<label>" + (n.kind === "send" ? "发给客户的内容（员工在企业微信确认后发出）" : "提醒员工的内容") +
      "<textarea data-f=\"text\" rows=\"3\" maxlength=\"4000\" data-testid=\"node-text\">" + esc(n.text || "") + "</textarea></label>" +
      "<div class=\"chips vars\"><span class=\"muted\">插入变量：</span>" + B.variables.map((v) =>
        "<button type=\"button\" class=\"chip\" data-var=\"{" + esc(v) + "}\">{" + esc(v) + "}</button>").join("") + "</div>" +
      (n.kind === "send" ? "<label>附带素材（发送时取素材库的最新内容，雷达链接按客户生成） " +
        pick("material_ids", "materials", n.material_ids, true, " data-placeholder=\"输入素材标题搜索\" data-testid=\"node-materials\"") + "</label>" : "");
  }

  function body(n) {
    switch (n.kind) {
      case "wait": {
        const [size] = UNITS.find(([s]) => (n.minutes || 0) >= s && (n.minutes || 0) % s === 0) || UNITS[2];
        return "<div class=\"row3\"><label>等待 <input type=\"number\" min=\"1\" data-f=\"minutes\" data-t=\"amount\" value=\"" +
          ((n.minutes || 0) / size) + "\" data-testid=\"node-wait\"></label><label>单位 <select data-f=\"minutes\" data-t=\"unit\">" +
          UNITS.map(([s, u]) => "<option value=\"" + s + "\"" + (s === size ? " selected" : "") + ">" + u + "</option>").join("") + "</select></label></div>";
      }
      case "send": case "remind": return messageFields(n);
      case "tag": return "<label>添加标签 " + pick("add_tags", "tags", n.add_tags, true, " data-testid=\"node-add-tags\"") +
        "</label><label>移除标签 " + pick("remove_tags", "tags", n.remove_tags, true) + "</label>";
      case "branch": {
        const mode = n.if_tag ? "tag" : n.if_activity ? "activity" : "grades";
        let test = checks("if_grades", GRADES.map((g) => [g, g + " 级"]), n.if_grades);
        if (mode === "tag") { test = "<label>客户有这个标签 " + pick("if_tag", "tags", n.if_tag, false) + "</label>"; }
        if (mode === "activity") {
          test = "<div class=\"row3\"><label>行为 <select data-f=\"if_activity\">" + Object.entries(B.activities).map(([k, v]) =>
            "<option value=\"" + esc(k) + "\"" + (n.if_activity === k ? " selected" : "") + ">" + esc(v) + "</option>").join("") +
            "</select></label><label>最近几天内 <input type=\"number\" min=\"1\" max=\"365\" data-f=\"within_days\" data-t=\"int\" value=\"" + (n.within_days || 7) + "\"></label></div>";
        }
        return "<label>判断条件 <select data-branch-mode data-testid=\"branch-mode\">" +
          [["grades", "线索评级"], ["tag", "客户标签"], ["activity", "近期行为"]].map(([k, v]) =>
            "<option value=\"" + k + "\"" + (k === mode ? " selected" : "") + ">" + v + "</option>").join("") + "</select></label>" + test +
          "<div class=\"row3\">" + targets("next", n, "条件成立 →") + targets("otherwise", n, "否则 →") + "</div>";
      }
      case "task": return text("title", n.title, "任务标题（派给负责员工）", "maxlength=\"128\" data-testid=\"node-title\"");
      case "webhook": return text("url", n.url, "推送地址（POST JSON）", "placeholder=\"https://\" data-testid=\"node-url\"") +
        text("secret", n.secret, "签名密钥（可选，X-Signature = HMAC-SHA256）", "autocomplete=\"off\"");
      default: return "<p class=\"muted\">客户到这里就离开旅程。</p>";
    }
  }

  function card(n, i) {
    const next = n.kind === "branch" || n.kind === "exit" ? "" : targets("next", n, "下一步 →");
    return "<article class=\"jb-node jb-" + n.kind + "\" data-node-card=\"" + esc(n.id) + "\" data-index=\"" + i + "\" data-testid=\"jb-node\">" +
      "<header><span class=\"jb-kind\">" + esc(B.kinds[n.kind]) + "</span>" + (i === 0 ? "<span class=\"badge active\">开始</span>" : "") +
      "<span class=\"jb-summary muted\">" + esc(summary(n)) + "</span><span class=\"jb-tools\">" +
      "<button type=\"button\" class=\"link\" data-move=\"-1\" title=\"上移\" aria-label=\"上移\">↑</button>" +
      "<button type=\"button\" class=\"link\" data-move=\"1\" title=\"下移\" aria-label=\"下移\">↓</button>" +
      "<button type=\"button\" class=\"link danger-link\" data-remove-node data-testid=\"node-remove\">删除</button></span></header>" +
      "<div class=\"jb-body\">" + body(n) + next + "<small class=\"muted\">节点编号 " + esc(n.id) + "</small></div>" +
      "<p class=\"error jb-error\" data-testid=\"node-error\" hidden></p></article>";
  }

  function adder(at) {
    return "<div class=\"jb-add\"><span class=\"jb-arrow\" aria-hidden=\"true\">↓</span><details><summary data-testid=\"add-node\">＋ 添加节点</summary><div class=\"jb-menu\">" +
      Object.entries(B.kinds).map(([k, v]) => "<button type=\"button\" data-add=\"" + k + "\" data-at=\"" + at + "\" data-testid=\"add-" + k + "\">" + esc(v) + "</button>").join("") +
      "</div></details></div>";
  }

  function triggerCard() {
    const t = spec.trigger, kind = t.kind;
    let fields = "";
    if (kind === "livecode_add") { fields = "<label>哪些渠道活码（留空 = 任意活码） " + pick("code_ids", "livecodes", t.code_ids, true, " data-testid=\"trigger-codes\"") + "</label>"; }
    if (kind === "grade_reached") { fields = checks("grades", GRADES.map((g) => [g, g + " 级"]), t.grades); }
    if (kind === "tag_added") { fields = "<label>被打上这些标签之一 " + pick("tag_ids", "tags", t.tag_ids, true, " data-testid=\"trigger-tags\"") + "</label>"; }
    if (kind === "stage_changed") { fields = checks("stages", Object.entries(B.stages), t.stages); }
    if (kind === "date") {
      fields = "<div class=\"row3\"><label>日期字段 <select data-f=\"date_field\">" + Object.entries(B.date_fields).map(([k, v]) =>
        "<option value=\"" + k + "\"" + (t.date_field === k ? " selected" : "") + ">" + v + "</option>").join("") +
        "</select></label><label>提前几天 <input type=\"number\" min=\"0\" max=\"365\" data-f=\"days_before\" data-t=\"int\" value=\"" + (t.days_before || 0) + "\"></label></div>";
    }
    if (kind === "attribute") {
      fields = "<div class=\"row3\">" + text("field", t.field, "线索属性（如 city、industry）", "maxlength=\"64\"") +
        "<label>取值（逗号分隔，留空 = 任意非空值） <input data-f=\"values\" data-t=\"list\" value=\"" + esc((t.values || []).join("，")) + "\"></label></div>";
    }
    if (kind === "segment") {
      fields = "<label>客户分群 <select data-f=\"segment_id\" data-t=\"int\"><option value=\"\">请选择…</option>" + Object.entries(B.segments).map(([k, v]) =>
        "<option value=\"" + k + "\"" + (String(t.segment_id) === k ? " selected" : "") + ">" + esc(v) + "</option>").join("") + "</select></label>";
    }
    const reentry = kind === "attribute" || kind === "segment" ? "" :
      "<label class=\"check\"><input type=\"checkbox\" data-f=\"reentry\" data-t=\"bool\"" + (t.reentry ? " checked" : "") + "> 走完后可再次进入</label>";
    return "<article class=\"jb-node jb-trigger\" data-trigger-card data-testid=\"jb-trigger\"><header><span class=\"jb-kind\">触发条件</span></header>" +
      "<div class=\"jb-body\"><label>客户何时进入旅程 <select data-trigger-kind data-testid=\"trigger-kind\">" + Object.entries(B.triggers).map(([k, v]) =>
        "<option value=\"" + k + "\"" + (k === kind ? " selected" : "") + ">" + esc(v) + "</option>").join("") + "</select></label>" +
      fields + reentry + "</div><p class=\"error jb-error\" data-testid=\"node-error\" hidden></p></article>";
  }

  function render() {
    flow.innerHTML = triggerCard() + adder(0) + spec.nodes.map((n, i) => card(n, i) + adder(i + 1)).join("");
    window.SCRM.pickers(flow);
    // Tag names arrive after the first paint: then the summaries name them too.
    Promise.all(Array.from(flow.querySelectorAll("[data-picker=tags]")).map((el) => el.picker.ready)).then(() => {
      flow.querySelectorAll("[data-node-card]").forEach((c) => {
        const n = spec.nodes[+c.dataset.index];
        if (n) { c.querySelector(".jb-summary").textContent = summary(n); }
      });
    });
    form.querySelectorAll("[data-setting]").forEach((el) => {
      const v = spec[el.dataset.setting];
      if (el.dataset.picker) { window.SCRM.picker(el).set(v || []); } else { el.value = v === undefined ? "" : v; }
    });
  }

  /* ---- form → model ---- */
  function read(el) {
    const owner = el.closest("[data-node-card]");
    const target = owner ? spec.nodes[+owner.dataset.index] : el.closest("[data-trigger-card]") ? spec.trigger : null;
    if (!target || !el.dataset.f) { return; }
    const f = el.dataset.f, t = el.dataset.t;
    let value = el.value;
    if (el.dataset.picker) { value = window.SCRM.picker(el).get(); if (f === "if_tag") { value = value[0] || ""; } if (f === "code_ids" || f === "material_ids") { value = value.map(Number); } }
    else if (t === "checks") { value = Array.from(el.closest(".jb-checks").querySelectorAll("input:checked")).map((b) => b.value); }
    else if (t === "int") { value = value === "" ? (f === "segment_id" ? null : 0) : Number(value); }
    else if (t === "bool") { value = el.checked; }
    else if (t === "list") { value = value.split(/[,，、\s]+/).filter(Boolean); }
    else if (t === "ref") { value = value || null; }
    else if (t === "amount" || t === "unit") {
      const box = el.closest(".row3");
      value = Math.round(Number(box.querySelector("[data-t=amount]").value || 0) * Number(box.querySelector("[data-t=unit]").value));
    }
    target[f] = value;
    if (owner) { owner.querySelector(".jb-summary").textContent = summary(target); }
  }

  /* ---- model → the JSON the API takes (defaults left out, as the editor always showed it) ---- */
  function lean(obj) {
    const out = {};
    Object.entries(obj).forEach(([k, v]) => {
      if (v === "" || v === null || v === undefined || v === false || (Array.isArray(v) && !v.length)) { return; }
      out[k] = v;
    });
    return out;
  }
  function serialize() {
    const nodes = spec.nodes.map((n) => {
      const x = lean(n);
      if (n.kind !== "branch") { delete x.otherwise; }
      if (!n.if_activity) { delete x.within_days; }
      if (n.kind === "branch") { ["if_tag", "if_grades", "if_activity"].forEach((k) => { if (k !== modeKey(n)) { delete x[k]; } }); }
      return x;
    });
    const trigger = lean(spec.trigger);
    if (spec.trigger.kind !== "date") { delete trigger.days_before; }
    return Object.assign({}, spec, { trigger: Object.assign({ kind: spec.trigger.kind }, trigger), nodes: nodes });
  }
  const modeKey = (n) => (n.if_tag ? "if_tag" : n.if_activity ? "if_activity" : "if_grades");

  /* ---- checks before the API's, in Chinese, beside the node ---- */
  function problems() {
    const out = [], known = new RegExp("^\\{(" + B.variables.join("|") + ")\\}$");
    const t = spec.trigger;
    const needs = { grade_reached: [t.grades, "请至少选择一个评级"], tag_added: [t.tag_ids, "请至少选择一个标签"],
      stage_changed: [t.stages, "请至少选择一个商机阶段"] };
    if (needs[t.kind] && !(needs[t.kind][0] || []).length) { out.push({ trigger: true, text: needs[t.kind][1] }); }
    if (t.kind === "attribute" && !t.field) { out.push({ trigger: true, text: "请填写线索属性" }); }
    if (t.kind === "segment" && !t.segment_id) { out.push({ trigger: true, text: "请选择客户分群" }); }
    if (!spec.nodes.length) { out.push({ text: "请至少添加一个节点" }); }
    spec.nodes.forEach((n, i) => {
      const say = (text) => out.push({ step: i, text: text });
      if (n.kind === "wait" && !(n.minutes > 0)) { say("请填写等待时长（大于 0）"); }
      if ((n.kind === "send" || n.kind === "remind") && !(n.text || "").trim()) { say("请填写内容"); }
      ((n.text || "").match(/\{[\u4e00-\u9fff]{1,6}\}/g) || []).filter((v) => !known.test(v))
        .forEach((v) => say("未知变量 " + v + "，可用：" + B.variables.map((x) => "{" + x + "}").join("")));
      if (n.kind === "tag" && !(n.add_tags || []).length && !(n.remove_tags || []).length) { say("请选择要添加或移除的标签"); }
      if (n.kind === "branch" && !n.if_tag && !(n.if_grades || []).length && !n.if_activity) { say("请设置判断条件"); }
      if (n.kind === "task" && !(n.title || "").trim()) { say("请填写任务标题"); }
      if (n.kind === "webhook" && !/^https?:\/\/.+/.test(n.url || "")) { say("推送地址应以 http:// 或 https:// 开头"); }
    });
    if (!(spec.name || "").trim()) { out.push({ text: "请填写旅程名称" }); }
    if (Number(spec.per_week_cap) < Number(spec.per_day_cap)) { out.push({ text: "每周上限不能小于每日上限" }); }
    return out;
  }

  function showProblems(items) {
    flow.querySelectorAll(".jb-error").forEach((p) => { p.hidden = true; p.textContent = ""; });
    const general = [];
    items.forEach((e) => {
      let idx = e.step;
      const named = /节点 (\S+?)[（ ]/.exec(e.text || "");
      if ((idx === null || idx === undefined) && named) { idx = spec.nodes.findIndex((n) => n.id === named[1]); }
      const box = e.trigger || /^触发条件/.test(e.where || "") ? flow.querySelector("[data-trigger-card] .jb-error")
        : idx !== null && idx !== undefined && idx >= 0 ? flow.querySelector("[data-index=\"" + idx + "\"] .jb-error") : null;
      if (box) { box.hidden = false; box.textContent = (box.textContent ? box.textContent + "；" : "") + e.text; }
      else { general.push(e); }
    });
    const errors = document.getElementById("journey-errors");
    if (general.length) { showErrors(errors, general); } else { errors.hidden = true; }
    const first = flow.querySelector(".jb-error:not([hidden])");
    if (first) { first.closest("article").scrollIntoView({ block: "center" }); }
  }

  /* ---- JSON import / export ---- */
  function load(given) {
    const s = JSON.parse(JSON.stringify(given));
    s.trigger = Object.assign({ kind: "livecode_add" }, s.trigger || {});
    s.nodes = Array.isArray(s.nodes) ? s.nodes : [];
    ["per_day_cap", "per_week_cap", "quiet_start", "quiet_end", "send_window_minutes"].forEach((k) => {
      if (s[k] === undefined) { s[k] = { per_day_cap: 1, per_week_cap: 3, quiet_start: "21:00", quiet_end: "08:00", send_window_minutes: 1 }[k]; }
    });
    s.exit_tags = s.exit_tags || [];
    spec = s;
    render();
  }

  function parseJSON(raw) {
    try { return JSON.parse(raw); } catch (e) {
      const at = /position (\d+)/.exec(e.message);
      const line = at ? raw.slice(0, +at[1]).split("\n").length : 0;
      throw new Error("JSON 格式错误" + (line ? "（第 " + line + " 行附近）" : "") + "：请检查括号、引号和逗号");
    }
  }

  function init(root) {
    form = root;
    flow = document.getElementById("jb-flow");
    const area = document.getElementById("journey-json"), errors = document.getElementById("journey-errors");
    const id = form.dataset.id;
    load(JSON.parse(data("spec-data")));

    form.addEventListener("input", (e) => {
      const el = e.target;
      if (el.dataset.setting) { spec[el.dataset.setting] = el.type === "number" ? Number(el.value) : el.value; } else { read(el); }
    });
    form.addEventListener("change", (e) => {
      const el = e.target;
      if (el.dataset.setting && el.dataset.picker) { spec[el.dataset.setting] = window.SCRM.picker(el).get(); return; }
      if (el.matches("[data-trigger-kind]")) { spec.trigger = { kind: el.value, reentry: spec.trigger.reentry && !["attribute", "segment"].includes(el.value) }; render(); return; }
      if (el.matches("[data-branch-mode]")) {
        const n = spec.nodes[+el.closest("[data-node-card]").dataset.index];
        delete n.if_tag; delete n.if_grades; delete n.if_activity; delete n.within_days;
        if (el.value === "grades") { n.if_grades = ["S", "A"]; }
        if (el.value === "activity") { n.if_activity = Object.keys(B.activities)[0]; n.within_days = 7; }
        render();
        return;
      }
      if (!el.dataset.setting) { read(el); }
    });
    form.addEventListener("click", (e) => {
      const el = e.target;
      const at = el.closest("[data-add]");
      if (at) { insert(+at.dataset.at, at.dataset.add); return; }
      const owner = el.closest("[data-node-card]");
      if (el.closest("[data-remove-node]") && owner) {
        if (confirm("删除这个节点？指向它的连线会改接到它的下一步。")) { remove(+owner.dataset.index); }
        return;
      }
      if (el.closest("[data-move]") && owner) { move(+owner.dataset.index, +el.closest("[data-move]").dataset.move); return; }
      const v = el.closest("[data-var]");
      if (v && owner) {
        const box = owner.querySelector("[data-f=text]"), pos = box.selectionStart || box.value.length;
        box.value = box.value.slice(0, pos) + v.dataset.var + box.value.slice(pos);
        read(box);
        box.focus();
        return;
      }
      if (el.closest("[data-load-template]")) {
        if (confirm("用模板替换当前的旅程？")) { load(JSON.parse(data("template-data"))); }
      } else if (el.closest("[data-export]")) {
        area.value = JSON.stringify(serialize(), null, 2);
      } else if (el.closest("[data-import]")) {
        try { load(parseJSON(area.value)); errors.hidden = true; window.SCRM.toast("已导入到编辑器", "ok"); }
        catch (err) { showErrors(errors, [{ where: "", text: err.message }], "无法导入："); }
      } else if (el.closest("[data-download]")) {
        const blob = new Blob([JSON.stringify(serialize(), null, 2)], { type: "application/json" });
        const link = Object.assign(document.createElement("a"), { href: URL.createObjectURL(blob), download: (spec.name || "journey") + ".json" });
        link.click();
        URL.revokeObjectURL(link.href);
      }
    });
    // Opening the panel shows the journey as it stands (the click comes before the toggle).
    document.querySelector("#jb-json > summary").addEventListener("click", () => {
      if (!document.getElementById("jb-json").open) { area.value = JSON.stringify(serialize(), null, 2); }
    });

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const local = problems();
      if (local.length) { showProblems(local); return; }
      showProblems([]);
      const button = form.querySelector("[type=submit]");
      button.disabled = true;
      try {
        const body = serialize();
        const saved = id ? await window.SCRM.api("PUT", "/api/v1/journeys/" + id, body)
          : await window.SCRM.api("POST", "/api/v1/journeys", body);
        const moved = saved.customers_at_removed_nodes;
        window.SCRM.toast(moved ? "已保存；" + moved + " 位客户停在被删除的节点上，将在下一步退出" : "已保存", "ok");
        setTimeout(() => { location.href = "/admin/journeys/" + saved.id; }, moved ? 2500 : 600);
      } catch (e) {
        showProblems(explain(e));
        button.disabled = false;
      }
    });
  }

  window.JourneyBuilder = { serialize: () => serialize(), load: (s) => load(s) };
  document.addEventListener("DOMContentLoaded", () => {
    const root = document.getElementById("journey-form");
    if (root) { init(root); }
  });
})();
