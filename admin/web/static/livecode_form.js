/* The 渠道活码 form: members, quotas, schedule, tags, welcome text and attachments become the
   exact body of POST /api/v1/livecodes or PUT /api/v1/livecodes/{id}. */
(function () {
  "use strict";
  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));
  const TIME = /^(([01]?\d|2[0-3]):[0-5]\d|24:00)$/;
  const DATE = /^\d{4}-\d{2}-\d{2}$/;

  const pad = (t) => (t.length === 4 ? "0" + t : t);

  /* "09:00-18:00, 22:00-02:00" ⇄ [["09:00", "18:00"], ["22:00", "02:00"]] */
  function parseWindows(text, where) {
    const out = [];
    const parts = text.replace(/\s*[-~～－—至]\s*/g, "-").split(/[,，;；\s]+/).filter(Boolean);
    parts.forEach((part) => {
      const pair = part.split("-");
      if (pair.length !== 2 || !TIME.test(pair[0]) || !TIME.test(pair[1])) {
        throw new Error(where + "：「" + part + "」不是「开始-结束」时间段（如 09:00-18:00）");
      }
      if (pair[0] === pair[1]) { throw new Error(where + "：「" + part + "」开始和结束相同"); }
      out.push([pad(pair[0]), pad(pair[1])]);
    });
    return out;
  }
  const formatWindows = (windows) => (windows || []).map((w) => w[0] + "-" + w[1]).join(", ");

  function parseSpecial(text) {
    const out = {};
    text.split(/\n+/).map((l) => l.trim()).filter(Boolean).forEach((line) => {
      const day = line.split(/\s+/)[0];
      if (!DATE.test(day)) { throw new Error("特殊日期：「" + line + "」应以 YYYY-MM-DD 开头"); }
      out[day] = parseWindows(line.slice(day.length), "特殊日期 " + day);
    });
    return out;
  }

  function clone(id) {
    return document.getElementById(id).content.firstElementChild.cloneNode(true);
  }

  /* ---------- the live-code form ---------- */
  function liveCodeForm(form) {
    const data = JSON.parse($("#lc-data").textContent);
    const spec = data.spec;
    const field = (name) => form.elements.namedItem(name);
    let lastText = $("#lc-welcome");

    function addMember(m) {
      const row = clone("lc-member-row");
      const select = $(".m-userid", row);
      if (m.userid && !$$("option", select).some((o) => o.value === m.userid)) {
        select.add(new Option(m.userid + "（未同步）", m.userid));  // left the corp or not synced
      }
      select.value = m.userid || "";
      $(".m-weight", row).value = m.weight || 1;
      $(".m-quota", row).value = m.daily_quota || 0;
      $(".m-cap", row).value = m.total_cap || 0;
      $(".m-backup", row).checked = !!m.backup;
      $(".m-online", row).checked = m.online !== false;
      $(".m-welcome", row).value = m.welcome_text || "";
      $("#lc-members").appendChild(row);
      return row;
    }

    function addAttachment(kind, body) {
      if ($$("#lc-attachments .att-item").length >= 9) { SCRM.toast("最多 9 个附件", "error"); return; }
      const item = clone("lc-att-" + kind);
      Object.entries(body || {}).forEach(([k, v]) => {
        const input = $(".a-" + k, item);
        if (input) { input.value = v || ""; }
      });
      $("#lc-attachments").appendChild(item);
    }

    function addVariant(v) {
      const item = clone("lc-variant");
      $$(".v-day", item).forEach((box) => { box.checked = (v.weekdays || [1, 2, 3, 4, 5, 6, 7]).includes(Number(box.value)); });
      $(".v-start", item).value = v.start || "00:00";
      $(".v-end", item).value = v.end || "24:00";
      $(".v-text", item).value = v.text || "";
      item.attachments = v.attachments || [];  // kept as they were: the form edits the text
      $("#lc-variants").appendChild(item);
    }

    function showSchedule() {
      const on = $("#lc-use-schedule").checked;
      $$("#lc-schedule input, #lc-special").forEach((el) => { el.disabled = !on; });
    }

    function countBytes() {
      const n = new TextEncoder().encode($("#lc-welcome").value).length;
      const out = $("#lc-welcome-bytes");
      out.textContent = n;
      out.classList.toggle("error", n > 4000);
    }

    // Fill the form from the spec.
    ["name", "channel", "campaign", "strategy", "total_cap", "department_quota", "one_owner_text",
      "skip_verify_mode", "welcome_text", "remark_template", "description_template"].forEach((k) => {
      if (field(k) && spec[k] !== undefined && spec[k] !== null) { field(k).value = spec[k]; }
    });
    field("one_owner").checked = !!spec.one_owner;
    field("departments").value = (spec.departments || []).join(", ");
    field("expires_at").value = data.expires_local || "";
    (spec.members.length ? spec.members : [{}]).forEach(addMember);
    const scheduled = Object.keys(spec.schedule || {}).length + Object.keys(spec.special_dates || {}).length;
    $("#lc-use-schedule").checked = scheduled > 0;
    $$("#lc-schedule input").forEach((input) => {
      input.value = formatWindows((spec.schedule || {})[input.dataset.weekday]);
    });
    $("#lc-special").value = Object.entries(spec.special_dates || {})
      .map(([day, w]) => (day + " " + formatWindows(w)).trim()).join("\n");
    $("#lc-skip-windows").value = formatWindows(spec.skip_verify_windows);
    const boxes = $$(".lc-tag");
    boxes.forEach((box) => { box.checked = (spec.tag_ids || []).includes(box.value); });
    $("#lc-tag-extra").value = (spec.tag_ids || []).filter((t) => !boxes.some((b) => b.value === t)).join(", ");
    (spec.welcome_attachments || []).forEach((a) => addAttachment(a.msgtype, a[a.msgtype]));
    (spec.welcome_variants || []).forEach(addVariant);
    const picked = (spec.welcome_material_ids || []).map(String);
    $$("#lc-materials option").forEach((o) => { o.selected = picked.includes(o.value); });
    showSchedule();
    countBytes();

    function attachments() {
      return $$("#lc-attachments .att-item").map((item, i) => {
        const kind = item.dataset.kind;
        const body = {};
        $$("input", item).forEach((input) => {
          const value = input.value.trim();
          if (value) { body[input.className.replace(/^a-/, "").split(" ")[0]] = value; }
        });
        const where = "附件 " + (i + 1) + "：";
        if (kind === "image" && !body.pic_url && !body.media_id) { throw new Error(where + "请填写图片地址或 media_id"); }
        if (kind === "link" && (!body.title || !body.url)) { throw new Error(where + "链接需要标题和地址"); }
        if (kind === "miniprogram" && ["title", "appid", "page", "pic_media_id"].some((k) => !body[k])) {
          throw new Error(where + "小程序需要标题、AppID、页面路径和封面 media_id");
        }
        return { msgtype: kind, [kind]: body };
      });
    }

    function members() {
      const out = $$("#lc-members .lc-member").map((row, i) => ({
        userid: $(".m-userid", row).value,
        weight: Number($(".m-weight", row).value || 1),
        daily_quota: Number($(".m-quota", row).value || 0),
        total_cap: Number($(".m-cap", row).value || 0),
        backup: $(".m-backup", row).checked,
        online: $(".m-online", row).checked,
        welcome_text: $(".m-welcome", row).value,
        row: i + 1,
      }));
      out.forEach((m) => {
        if (!m.userid) { throw new Error("第 " + m.row + " 行成员：请选择成员（或移除该行）"); }
        if (!(m.weight >= 1 && m.weight <= 100)) { throw new Error("第 " + m.row + " 行成员：权重应为 1–100"); }
        if (m.daily_quota < 0 || m.total_cap < 0) { throw new Error("第 " + m.row + " 行成员：上限不能为负数"); }
        delete m.row;
      });
      return out;
    }

    function collect() {
      const body = Object.assign({}, spec);  // fields the form does not show are kept as they were
      ["name", "channel", "campaign", "strategy", "one_owner_text", "skip_verify_mode",
        "welcome_text", "remark_template", "description_template"].forEach((k) => { body[k] = field(k).value; });
      body.name = body.name.trim();
      if (!body.name) { throw new Error("请填写活码名称"); }
      body.total_cap = Number(field("total_cap").value || 0);
      body.department_quota = Number(field("department_quota").value || 0);
      body.one_owner = field("one_owner").checked;
      body.departments = field("departments").value.split(/[,，\s]+/).filter(Boolean).map((d) => {
        if (!/^\d+$/.test(d)) { throw new Error("部门ID应为数字：「" + d + "」"); }
        return Number(d);
      });
      const expires = field("expires_at").value;
      body.expires_at = expires ? (expires.length === 16 ? expires + ":00" : expires) + data.offset : null;
      body.members = members();
      if (!body.members.length && !body.departments.length) { throw new Error("至少需要一名成员"); }
      const schedule = {};
      let special = {};
      if ($("#lc-use-schedule").checked) {
        $$("#lc-schedule input").forEach((input) => {
          const label = input.parentElement.firstChild.textContent.trim();
          const windows = parseWindows(input.value, label);
          if (windows.length) { schedule[input.dataset.weekday] = windows; }
        });
        special = parseSpecial($("#lc-special").value);
      }
      body.schedule = schedule;
      body.special_dates = special;
      body.skip_verify_windows = parseWindows($("#lc-skip-windows").value, "自动通过时段");
      body.tag_ids = $$(".lc-tag").filter((b) => b.checked).map((b) => b.value)
        .concat($("#lc-tag-extra").value.split(/[,，\s]+/).filter(Boolean));
      body.welcome_attachments = attachments();
      if ($("#lc-materials")) {  // ids of materials since deleted stay out (the API would refuse them)
        body.welcome_material_ids = $$("#lc-materials option").filter((o) => o.selected).map((o) => Number(o.value));
      }
      body.welcome_variants = $$("#lc-variants .lc-variant").map((item, i) => {
        const weekdays = $$(".v-day", item).filter((b) => b.checked).map((b) => Number(b.value));
        if (!weekdays.length) { throw new Error("分时段欢迎语 " + (i + 1) + "：请至少选择一天"); }
        const [[start, end]] = parseWindows($(".v-start", item).value + "-" + $(".v-end", item).value,
          "分时段欢迎语 " + (i + 1));
        return { weekdays, start, end, text: $(".v-text", item).value, attachments: item.attachments };
      });
      if (!data.id && field("state").value.trim()) { body.state = field("state").value.trim(); }
      return body;
    }

    function fail(message) {
      const box = $("#lc-form-error");
      box.textContent = message;
      box.hidden = false;
      SCRM.toast(message, "error");
    }

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      $("#lc-form-error").hidden = true;
      let body;
      try { body = collect(); } catch (e) { fail(e.message); return; }
      const button = $("[type=submit]", form);
      button.disabled = true;
      try {
        const saved = await SCRM.api(data.id ? "PUT" : "POST",
          data.id ? "/api/v1/livecodes/" + data.id : "/api/v1/livecodes", body);
        SCRM.toast("已保存", "ok");
        location.href = "/admin/livecodes/" + saved.id;
      } catch (e) {
        fail(e.message);
        button.disabled = false;
      }
    });

    form.addEventListener("click", (event) => {
      const target = event.target;
      if (target.id === "lc-add-member") { addMember({}).querySelector("select").focus(); }
      else if (target.dataset.addAttachment) { addAttachment(target.dataset.addAttachment, {}); }
      else if (target.id === "lc-add-variant") { addVariant({}); }
      else if (target.dataset.var) {
        const box = lastText;
        const at = box.selectionStart ?? box.value.length;
        box.value = box.value.slice(0, at) + target.dataset.var + box.value.slice(box.selectionEnd ?? at);
        box.focus();
        box.selectionStart = box.selectionEnd = at + target.dataset.var.length;
        countBytes();
      } else if (target.hasAttribute("data-remove")) {
        target.closest(".lc-member, .att-item").remove();
      }
    });
    form.addEventListener("focusin", (event) => {
      if (event.target.matches("#lc-welcome, .m-welcome, .v-text")) { lastText = event.target; }
    });
    $("#lc-welcome").addEventListener("input", countBytes);
    $("#lc-use-schedule").addEventListener("change", showSchedule);
  }

  document.addEventListener("DOMContentLoaded", () => {
    const form = $("#lc-form");
    if (form) { liveCodeForm(form); }
  });
})();
