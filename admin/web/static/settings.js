/* 设置 pages: show/hide edit rows, PUT buttons, long operations with a progress bar (staff sync,
   full re-score), rule forms with friendly values, and fields that depend on another field. */
(function () {
  "use strict";

  function reloadSoon() { setTimeout(() => location.reload(), 300); }

  document.addEventListener("click", async (event) => {
    const toggle = event.target.closest("[data-toggle]");
    if (toggle) {
      const target = document.querySelector(toggle.dataset.toggle);
      if (target) { target.hidden = !target.hidden; }
      return;
    }
    const put = event.target.closest("[data-api-put]");
    if (put) {
      if (put.dataset.confirm && !confirm(put.dataset.confirm)) { return; }
      try {
        await SCRM.api("PUT", put.dataset.apiPut, JSON.parse(put.dataset.body || "{}"));
        SCRM.toast(put.dataset.ok || "已保存", "ok");
        reloadSoon();
      } catch (e) {
        SCRM.toast(e.message, "error");
      }
      return;
    }
    const sync = event.target.closest("[data-sync]");
    if (sync) { await runLong(sync); }
  });

  /* POST starts the operation; the bar follows /api/v1/progress/{id} until done or failed. */
  async function runLong(button) {
    const bar = document.querySelector(button.dataset.bar);
    button.disabled = true;
    try {
      const started = await SCRM.api("POST", button.dataset.sync, {});
      const end = await SCRM.progress(started.id, (p) => SCRM.showProgress(bar, p));
      bar.dataset.state = end.state;
      if (end.state === "failed") {
        SCRM.toast(end.message || "执行失败", "error");
      } else {
        SCRM.toast(end.message || "已完成", "ok");
        if (button.dataset.refresh) { await refresh(button.dataset.refresh); }
      }
    } catch (e) {
      SCRM.toast(e.message, "error");
    } finally {
      button.disabled = false;
    }
  }

  /* Swap one part of the page for its fresh server rendering, keeping the progress bar. */
  async function refresh(selector) {
    const resp = await fetch(location.href, { credentials: "same-origin" });
    const doc = new DOMParser().parseFromString(await resp.text(), "text/html");
    const fresh = doc.querySelector(selector);
    const old = document.querySelector(selector);
    if (fresh && old) { old.replaceWith(fresh); }
  }

  /* A rule's value as the API wants it: a list for "in", a number for ≥/≤, else text or JSON. */
  function ruleValue(op, raw) {
    const text = (raw || "").trim();
    if (!text) { return undefined; }
    if (op === "in") {
      if (text.startsWith("[")) { return JSON.parse(text); }
      return text.split(/[,，、]/).map((s) => s.trim()).filter(Boolean);
    }
    if (op === "gte" || op === "lte") { return Number(text); }
    return text;
  }

  document.addEventListener("submit", async (event) => {
    const form = event.target.closest("form[data-st-rule]");
    if (!form) { return; }
    event.preventDefault();
    let body;
    try {
      body = SCRM.formJSON(form);
      if ("value" in body) { body.value = ruleValue(body.op, body.value); }
      if (body.cond) {  // the assignment rule's condition fields: only those filled in
        const conditions = {};
        Object.entries(body.cond).forEach(([k, v]) => { if (Array.isArray(v) && v.length) { conditions[k] = v; } });
        body.conditions = conditions;
        delete body.cond;
      }
    } catch (e) {
      SCRM.toast("格式错误：" + e.message, "error");
      return;
    }
    Object.keys(body).forEach((k) => { if (body[k] === null || body[k] === undefined) { delete body[k]; } });
    const button = form.querySelector("[type=submit]");
    button.disabled = true;
    try {
      await SCRM.api("POST", form.dataset.stRule, body);
      SCRM.toast("规则已添加", "ok");
      reloadSoon();
    } catch (e) {
      SCRM.toast(e.message, "error");
    } finally {
      button.disabled = false;
    }
  });

  /* Fields that only make sense for some choices are disabled (and so not sent) otherwise. */
  function follow(form) {
    const group = form.querySelector("select[name=group_id]");
    const newGroup = form.querySelector("[data-new-group]");
    if (group && newGroup) {
      newGroup.hidden = group.value !== "";
      newGroup.querySelector("input").disabled = group.value !== "";
    }
    const role = form.querySelector("[data-role-select]");
    const team = form.querySelector("[data-team]");
    if (role && team) {
      team.hidden = role.value !== "manager";
      team.querySelector("select").disabled = role.value !== "manager";
    }
    const kind = form.querySelector("select[name=kind]");
    const op = form.querySelector("select[name=op]");
    if (kind && op && kind === document.activeElement) {
      op.value = kind.value === "behaviour" ? "event" : (op.value === "event" ? "eq" : op.value);
    }
  }

  document.addEventListener("change", (event) => {
    const form = event.target.closest("form");
    if (form) { follow(form); }
  });
  document.querySelectorAll("form").forEach(follow);
})();
