/* 合规审查 pages: API errors shown inside their form, edit buttons that load a row into the
   add form, the bulk word import, the notification settings form and small toggles.
   Writes go through SCRM.api (admin.js), so the API validates, scopes and audits them. */
(function () {
  "use strict";

  /* The API's answer in words: its message, then each detail (objects {loc, msg} from the
     body parser, plain strings from the settings checks). */
  function explain(err, form) {
    const body = err && err.body;
    if (body && Array.isArray(body.details) && body.details.length) {
      // Each detail is a Chinese sentence naming its field (admin/api/validation_text.py);
      // the form's own label names the field better when the form has it.
      const parts = body.details.map((d) => {
        if (typeof d === "string") { return d; }
        const label = d.loc ? fieldName(form, d.loc) : "";
        return label ? label + "：" + d.msg.split("：").slice(-1)[0] : d.msg;
      });
      return "保存失败：" + (body.message || body.error) + "：" + parts.join("；");
    }
    if (body && body.error) { return "保存失败：" + (body.message || body.error); }
    return (err && err.message) || "保存失败";
  }

  function showError(form, message) {
    const box = form.querySelector("[data-error]");
    if (box) { box.textContent = message; }
  }

  /* The queue's bulk actions: each picked alert goes through its own audited API call. */
  async function bulk(action) {
    const ids = Array.from(document.querySelectorAll("input.cx-pick:checked")).map((b) => b.value);
    if (!ids.length) { SCRM.toast("请先勾选告警", "error"); return; }
    const note = (document.getElementById("bulk-note").value || "").trim();
    if (action === "resolve") {
      if (!note) { SCRM.toast("批量解决须填写处理说明", "error"); return; }
      if (!document.getElementById("bulk-confirm").checked) { SCRM.toast("请先勾选确认：已核实并处理完毕", "error"); return; }
    }
    let done = 0;
    const failed = [];
    for (const id of ids) {
      try { await SCRM.api("POST", "/api/v1/compliance/alerts/" + id + "/" + action, { note: note }); done += 1; }
      catch (e) { failed.push("#" + id + "：" + e.message); }
    }
    const verb = action === "resolve" ? "解决" : "确认";
    if (failed.length) { SCRM.toast("已" + verb + " " + done + " 条；失败 " + failed.length + " 条：" + failed.join("；"), "error"); }
    else { SCRM.flash("已" + verb + " " + done + " 条告警", "ok"); }
    if (done) { setTimeout(() => location.reload(), failed.length ? 2500 : 600); }
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-bulk]");
    if (button) { bulk(button.dataset.bulk); }
  });
  document.addEventListener("change", (event) => {
    if (event.target.id === "cx-pick-all") {
      document.querySelectorAll("input.cx-pick").forEach((b) => { b.checked = event.target.checked; });
    }
    if (event.target.matches("input.cx-pick, #cx-pick-all")) {
      const count = document.getElementById("cx-picked");
      if (count) { count.textContent = document.querySelectorAll("input.cx-pick:checked").length; }
    }
  });

  /* The form's own label for a field the API names ("threshold" → "阈值（次）"). */
  function fieldName(form, loc) {
    const el = form && form.elements && (form.elements[loc] || form.elements[loc + "[]"]);
    const label = el && (el.closest ? el.closest("label") : null);
    return (label && label.firstChild && label.firstChild.textContent.trim()) || "";
  }

  document.addEventListener("api:error", (e) => showError(e.target, explain(e.detail, e.target)));
  document.addEventListener("api:done", (e) => showError(e.target, ""));

  /* Edit: the row's JSON fills the add form, which then PUTs to the row's own path. */
  function loadRow(form, row, path) {
    form.reset();
    for (const el of form.elements) {
      const key = (el.name || "").replace(/\[\]$/, "");
      if (!key || !(key in row)) { continue; }
      const value = row[key];
      if (el.picker) { el.picker.set(value || []); continue; } // a picker draws its chips by name
      if (el.type === "checkbox") {
        el.checked = Array.isArray(value) ? value.includes(el.value) : Boolean(value);
      } else if (el.multiple) {
        Array.from(el.options).forEach((o) => { o.selected = (value || []).includes(o.value); });
      } else {
        el.value = Array.isArray(value) ? value.join(", ") : value;
      }
    }
    form.dataset.api = path;
    form.dataset.method = "PUT";
    switchTitle(form, "edit");
    showError(form, "");
    form.scrollIntoView({ block: "start" });
  }

  function resetForm(form) {
    form.reset();
    // reset() leaves hidden inputs as they are: a picker's ids are cleared by the picker.
    form.querySelectorAll("input[data-picker]").forEach((el) => { if (el.picker) { el.picker.set([]); } });
    form.dataset.api = form.dataset.addApi;
    form.dataset.method = "POST";
    switchTitle(form, "add");
    showError(form, "");
  }

  function switchTitle(form, mode) {
    const title = document.querySelector('[data-cx-form-title="' + form.id + '"]');
    if (title) { title.textContent = title.dataset[mode]; }
    const cancel = form.querySelector("[data-cx-reset]");
    if (cancel) { cancel.hidden = mode !== "edit"; }
  }

  document.addEventListener("click", (event) => {
    const edit = event.target.closest("[data-cx-edit]");
    if (edit) {
      loadRow(document.getElementById(edit.dataset.cxEdit), JSON.parse(edit.dataset.row), edit.dataset.apiPath);
      return;
    }
    const reset = event.target.closest("[data-cx-reset]");
    if (reset) { resetForm(document.getElementById(reset.dataset.cxReset)); }
  });

  /* A checkbox that switches a field off: a disabled field is not sent. */
  document.addEventListener("change", (event) => {
    const box = event.target.closest("[data-cx-toggle]");
    if (box) {
      const field = box.form.elements[box.dataset.cxToggle];
      if (field) { field.disabled = !box.checked; }
    }
    const auto = event.target.closest("[data-cx-autosubmit]");
    if (auto) { auto.form.submit(); }
    const file = event.target.closest("[data-cx-file]");
    if (file && file.files.length) {
      const reader = new FileReader();
      reader.onload = () => { file.form.elements[file.dataset.cxFile].value = String(reader.result).replace(/^\uFEFF/, ""); };
      reader.readAsText(file.files[0], "utf-8");
    }
  });

  const SEVERITY = { "低": "low", "中": "medium", "高": "high", "严重": "critical" };

  /* "词,分类,级别" per line (commas, Chinese commas or tabs); a header line is skipped. */
  function importLines(text) {
    return text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean)
      .filter((l, i) => !(i === 0 && /^(word|敏感词)([,，\t]|$)/i.test(l)))
      .map((line) => {
        const [word, category, severity] = line.split(/[,，\t]/).map((s) => s.trim());
        const item = { word: word };
        if (category) { item.category = category; }
        if (severity) { item.severity = SEVERITY[severity] || severity.toLowerCase(); }
        return item;
      });
  }

  async function submitImport(form) {
    const words = importLines(form.elements.lines.value);
    if (!words.length) { showError(form, "没有要导入的词"); return; }
    const replace = form.elements.replace.checked;
    if (replace && !confirm("替换模式会删除不在列表中的所有词，确定？")) { return; }
    try {
      const got = await window.SCRM.api("POST", "/api/v1/compliance/words/import", { words: words, replace: replace });
      const text = "导入完成：新增 " + got.added + "，更新 " + got.updated + "，删除 " + got.deleted + "，共 " + got.total + " 个词";
      sessionStorage.setItem("compliance.flash", text);  // shown again after the reload
      location.reload();
    } catch (e) {
      showError(form, explain(e, form));
    }
  }

  /* Working hours: one box per ISO weekday, "09:00-18:00, 19:00-21:00". */
  function settingsBody(form) {
    const hours = {};
    form.querySelectorAll("input[data-day]").forEach((input) => {
      const windows = input.value.split(/[,，;；]/).map((s) => s.trim()).filter(Boolean)
        .map((w) => w.split(/\s*[-–~至]\s*/));
      if (windows.length) { hours[input.dataset.day] = windows; }
    });
    const overrides = form.elements.team_overrides.value.trim();
    return {
      notify_userids: Array.from(form.elements.notify_userids.selectedOptions).map((o) => o.value),
      reply_timeout_minutes: Number(form.elements.reply_timeout_minutes.value),
      working_hours: hours,
      team_overrides: overrides ? JSON.parse(overrides) : {},
    };
  }

  async function submitSettings(form) {
    let body;
    try {
      body = settingsBody(form);
    } catch (e) {
      showError(form, "按部门覆盖不是有效的 JSON：" + e.message);
      return;
    }
    try {
      await window.SCRM.api("PUT", "/api/v1/compliance/settings", body);
      showError(form, "");
      window.SCRM.toast("设置已保存", "ok");
    } catch (e) {
      showError(form, explain(e, form));
    }
  }

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (form.id === "import-form") { event.preventDefault(); submitImport(form); }
    if (form.id === "settings-form") { event.preventDefault(); submitSettings(form); }
  });

  window.addEventListener("DOMContentLoaded", () => {
    const flash = sessionStorage.getItem("compliance.flash");
    const box = document.querySelector("[data-cx-flash]");
    if (flash && box) {
      box.textContent = flash;
      sessionStorage.removeItem("compliance.flash");
    }
  });
})();
