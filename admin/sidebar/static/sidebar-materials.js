/* The 素材库 section of the sidebar's 话术库 tab: materials by category; a click asks the server
   for the sendChatMessage body (a 雷达 link is minted for this member and this customer). */
(function () {
  "use strict";
  const api = (method, path, body) => window.SCRM.api(method, path, body);
  const toast = (text, kind) => window.SCRM.toast(text, kind);
  const box = document.getElementById("materials");
  if (!box) { return; }
  let loaded = false;

  function item(m) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "sb-reply";
    b.dataset.materialId = m.id;
    b.dataset.testid = "material";
    b.dataset.title = m.title;
    const title = document.createElement("b");
    title.textContent = m.title + (m.tracked ? "（雷达）" : "");
    const kind = document.createElement("span");
    kind.className = "muted";
    kind.textContent = m.kind_label + (m.content ? " · " + m.content.slice(0, 40) : "");
    b.append(title, kind);
    return b;
  }

  async function load() {
    loaded = true;
    try {
      const got = await api("GET", "/api/v1/sidebar/materials");
      box.replaceChildren(...got.categories.map((c) => {
        const d = document.createElement("details");
        d.open = true;
        d.className = "sb-cat";
        const s = document.createElement("summary");
        s.textContent = "素材 · " + c.name + "（" + c.items.length + "）";
        d.append(s, ...c.items.map(item));
        return d;
      }));
    } catch (e) { box.textContent = e.message; }
  }

  async function send(id) {
    const ext = document.body.dataset.currentExternalUserid || document.body.dataset.externalUserid;
    if (!window.wx || !ext) { toast("不在企业微信聊天中，无法发送。", "error"); return; }
    let result;
    try {
      result = await api("POST", `/api/v1/sidebar/customer/${encodeURIComponent(ext)}/materials/${id}/send`);
    } catch (e) { toast(e.message, "error"); return; }
    const res = await window.SidebarWx.invoke("sendChatMessage", result.message);
    if (res.err_msg === "sendChatMessage:ok") { toast("已发送到聊天", "ok"); } else { toast("发送失败：" + (res.err_msg || ""), "error"); }
  }

  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-tab=replies]") && !loaded) { load(); return; }
    const m = event.target.closest("[data-material-id]");
    if (m) { send(m.dataset.materialId); }
  });
})();
