/* 客户分群 and 新建群发 pages: build the nested JSON the API takes (empty fields left out),
   preview a segment's count and a 群发's reach, then save. */
(function () {
  "use strict";
  const SCRM = window.SCRM;

  function value(el) {
    if (el.multiple) { return Array.from(el.selectedOptions).map((o) => o.value); }
    if (el.value === "") { return undefined; }
    if (el.dataset.type === "number") { return Number(el.value); }
    if (el.dataset.type === "json") { return JSON.parse(el.value); }
    return el.value;
  }

  function conditions(form) {
    const out = {};
    for (const el of form.querySelectorAll("[name^='conditions.']")) {
      const v = value(el);
      if (v === undefined || (Array.isArray(v) && !v.length)) { continue; }
      const key = el.name.slice("conditions.".length);
      if (key === "tags.ids") { out.tags = Object.assign(out.tags || {}, { ids: v }); }
      else if (key === "tags.mode") { out.tags = Object.assign(out.tags || {}, { mode: v }); }
      else { out[key] = v; }
    }
    if (out.tags && !out.tags.ids) { delete out.tags; }
    return out;
  }

  function people(list, items) {
    list.textContent = "";
    for (const c of items) {
      const li = document.createElement("li");
      li.textContent = c.name + (c.owners.length ? "（" + c.owners.map((o) => o.name || o.userid).join("、") + "）" : "");
      list.appendChild(li);
    }
  }

  const segForm = document.getElementById("segment-form");
  if (segForm) {
    const result = document.getElementById("segment-result");
    document.getElementById("segment-preview").addEventListener("click", async () => {
      try {
        const got = await SCRM.api("POST", "/api/v1/segments/preview", conditions(segForm));
        result.textContent = "符合条件的客户：" + got.count + " 人";
        people(document.getElementById("segment-people"), got.preview);
      } catch (e) { SCRM.toast(e.message, "error"); }
    });
    segForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        await SCRM.api("POST", "/api/v1/segments", { name: segForm.elements.name.value, conditions: conditions(segForm) });
        SCRM.toast("分群已保存", "ok");
        setTimeout(() => location.reload(), 300);
      } catch (e) { SCRM.toast(e.message, "error"); }
    });
  }

  const sendForm = document.getElementById("send-form");
  if (!sendForm) { return; }
  const chatType = document.getElementById("send-chat-type");
  const wanted = new URLSearchParams(location.search).get("segment_id");
  if (wanted) { sendForm.elements.segment_id.value = wanted; }
  function showChat() {
    sendForm.querySelectorAll("[data-chat]").forEach((box) => { box.hidden = box.dataset.chat !== chatType.value; });
  }
  chatType.addEventListener("change", showChat);
  showChat();

  function target() {
    const f = sendForm.elements;
    if (chatType.value === "group") {
      const tags = f.group_tags.value.split(/[,，\s]+/).filter(Boolean);
      return { groups: { owners: value(f.group_owners), name: f.group_name.value, tags: tags } };
    }
    if (f.segment_id.value) { return { segment_id: Number(f.segment_id.value) }; }
    const ids = value(f.tag_ids);
    return { conditions: ids.length ? { tags: { mode: "any", ids: ids } } : {} };
  }

  function body() {
    const f = sendForm.elements;
    const out = {
      name: f.name.value,
      chat_type: chatType.value,
      text: f.text.value,
      target: target(),
      material_ids: Array.from(sendForm.querySelectorAll("[name=material_ids]:checked")).map((el) => Number(el.value)),
    };
    if (f.send_at.value) { out.send_at = new Date(f.send_at.value).toISOString(); }
    return out;
  }

  document.getElementById("send-reach").addEventListener("click", async () => {
    const out = document.getElementById("reach-result");
    try {
      const got = await SCRM.api("POST", "/api/v1/mass-sends/reach", { chat_type: chatType.value, target: target() });
      out.textContent = "将送达 " + got.reached + "（共 " + got.total + "，本月已达上限 " + got.capped +
        "），由 " + got.senders.length + " 位成员发送，" + got.tasks + " 个群发任务";
    } catch (e) { SCRM.toast(e.message, "error"); }
  });
  sendForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const created = await SCRM.api("POST", "/api/v1/mass-sends", body());
      SCRM.toast("群发已创建", "ok");
      setTimeout(() => { location.href = "/admin/mass-sends/" + created.id; }, 300);
    } catch (e) { SCRM.toast(e.message, "error"); }
  });
})();
