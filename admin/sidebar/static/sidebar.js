/* The staff sidebar WeCom opens beside a chat.
   1. wx.config + wx.agentConfig with signatures from /api/v1/sidebar/jssdk;
   2. wx.invoke("getCurExternalContact") names the customer in the chat (in a desktop browser,
      without WeCom's JS-SDK, ?external_userid= stands in for it);
   3. the customer card from /api/v1/sidebar/customer/{id}: tags (editable), lead, owner,
      open opportunity, recent timeline, a follow-up form;
   4. the 话术库 tab: a click asks the server for the message and hands it to sendChatMessage. */
(function () {
  "use strict";
  const GRADE = { S: "S 级", A: "A 级", B: "B 级", C: "C 级", D: "D 级" };
  const LEAD_STATUS = { new: "新线索", mql: "MQL", sql: "SQL", converted: "已转化", lost: "已流失" };
  const KINDS = {
    "wecom.added": "添加为好友", "wecom.customer_deleted": "客户删除了员工",
    "wecom.staff_deleted": "员工删除了客户", "wecom.transferred": "客户已转接",
    "group.joined": "加入客户群", "group.left": "退出客户群", "deal.stage": "商机阶段变更",
    followup: "跟进", task: "任务", "lead.followup": "线索跟进", "lead.intake": "新线索",
    "lead.assign": "线索分配", "lead.claim": "领取线索", "lead.recycle": "线索回收到公海",
    "lead.to_pool": "线索放回公海", "lead.merge": "线索合并", "lead.unmerge": "线索拆分",
    "lead.wecom_add": "线索添加了企业微信", "lead.group": "线索入群",
    "radar.open": "打开雷达链接", "lead.link_open": "打开雷达链接（行为加分）",
  };
  const $ = (id) => document.getElementById(id);
  const state = { ext: "", wx: false, card: null, replies: null };
  const api = (method, path, body) => window.SCRM.api(method, path, body);
  const toast = (text, kind) => window.SCRM.toast(text, kind);
  const { connect, invoke } = window.SidebarWx;

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => {
      if (k === "dataset") { Object.assign(node.dataset, v); } else if (v !== undefined && v !== null) { node.setAttribute(k, v); }
    });
    children.flat().forEach((c) => node.append(c instanceof Node ? c : String(c)));
    return node;
  }

  function status(text, kind) {
    const box = $("status");
    box.hidden = !text;
    box.textContent = text || "";
    box.className = "sb-status " + (kind || "muted");
  }

  function when(iso) {
    if (!iso) { return ""; }
    const d = new Date(iso);
    const pad = (n) => String(n).padStart(2, "0");
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
  }

  /* --- the customer card ------------------------------------------------------------------ */

  function renderTags() {
    const card = state.card;
    const on = new Set(card.tags.map((t) => t.tag_id));
    $("tags").replaceChildren(...(card.tags.length ? card.tags.map((t) => el("span",
      { class: "sb-tag", dataset: { testid: "tag", tagId: t.tag_id } }, t.name,
      el("button", { type: "button", title: "移除标签", "aria-label": "移除 " + t.name,
        dataset: { removeTag: t.tag_id, testid: "tag-remove" } }, "×"))) : [el("span", { class: "muted" }, "暂无标签")]));
    const groups = card.tag_options.map((g) => {
      const free = g.tags.filter((t) => !on.has(t.tag_id));
      return free.length ? el("optgroup", { label: g.name }, free.map((t) => el("option", { value: t.tag_id }, t.name))) : null;
    }).filter(Boolean);
    $("tag-select").replaceChildren(el("option", { value: "" }, groups.length ? "选择标签…" : "没有可添加的标签"), ...groups);
  }

  function renderOpportunity() {
    const opp = state.card.opportunity;
    const box = $("opportunity");
    $("followup-opp-box").hidden = !opp;
    if (!opp) { box.replaceChildren(el("span", { class: "muted" }, "暂无进行中的商机")); return; }
    const next = opp.next_step ? opp.next_step + (opp.next_step_date ? "（" + opp.next_step_date + "）" : "") : "未填写";
    box.replaceChildren(
      el("div", { class: "sb-opp-name" }, opp.name),
      el("div", {}, el("span", { class: "badge", "data-testid": "opp-stage" }, opp.stage_label), " ",
        el("span", { class: "muted" }, `赢率 ${opp.probability}% · ${opp.amount_text}`)),
      el("div", { "data-testid": "opp-next" }, "下一步：", next));
  }

  function describe(item) {
    const label = KINDS[item.kind] || (item.kind.startsWith("lead.") ? "线索动态" : item.kind);
    if (item.kind === "wecom.added") { return item.state ? `${label}（渠道 ${item.state}）` : label; }
    const detail = item.note || item.title || item.to_label || item.to || item.chat || (item.data && item.data.note) || "";
    return detail ? `${label}：${detail}` : label;
  }

  function renderTimeline() {
    const items = state.card.timeline;
    $("timeline").replaceChildren(...(items.length ? items.map((i) => el("li", { "data-testid": "timeline-item" },
      el("time", {}, when(i.at)), el("span", {}, describe(i)))) : [el("li", { class: "muted" }, "暂无动态")]));
  }

  function renderCard() {
    const c = state.card;
    $("name").textContent = c.display_name || c.name || c.external_userid;
    $("subtitle").textContent = [c.corp_name, c.remark && "备注：" + c.remark, "跟进员工：" + c.staff_name].filter(Boolean).join(" · ");
    const avatar = $("avatar");
    avatar.hidden = !/^https?:\/\//.test(c.avatar || "");
    if (!avatar.hidden) { avatar.src = c.avatar; }
    $("owner").textContent = c.owner.name;
    $("lead").textContent = c.lead
      ? `${GRADE[c.lead.grade] || c.lead.grade} · ${c.lead.score} 分 · ${LEAD_STATUS[c.lead.status] || c.lead.status}${c.lead.in_pool ? " · 公海中" : ""}`
      : "暂无线索";
    $("channel").textContent = c.first_channel || "—";
    renderTags();
    renderOpportunity();
    renderTimeline();
    $("card").hidden = false;
  }

  async function loadCard() {
    try {
      state.card = await api("GET", "/api/v1/sidebar/customer/" + encodeURIComponent(state.ext));
    } catch (e) {
      $("card").hidden = true;
      status(e.status === 404 ? "没有找到这位客户：TA 不是你跟进的客户，或还没有同步到系统。" : e.message, "error");
      return;
    }
    status("");
    renderCard();
  }

  async function setTags(ids, done) {
    try {
      const result = await api("PUT", `/api/v1/sidebar/customer/${encodeURIComponent(state.ext)}/tags`, { tag_ids: ids });
      state.card.tags = result.tags;
      renderTags();
      toast(done, "ok");
    } catch (e) {
      toast(e.message, "error");
    }
  }

  async function saveFollowup(event) {
    event.preventDefault();
    const form = event.target;
    const body = { note: form.elements.note.value.trim() };
    if (!body.note) { return; }
    if (state.card.opportunity && form.elements.link_opportunity.checked) { body.opportunity_id = state.card.opportunity.id; }
    const button = form.querySelector("[type=submit]");
    button.disabled = true;
    try {
      await api("POST", `/api/v1/sidebar/customer/${encodeURIComponent(state.ext)}/followups`, body);
      form.reset();
      toast("跟进已保存", "ok");
      await loadCard();
    } catch (e) {
      toast(e.message, "error");
    } finally {
      button.disabled = false;
    }
  }

  /* --- 话术库 ------------------------------------------------------------------------------- */

  function preview(r) {
    if (r.kind === "image") { return el("img", { src: r.url, alt: r.title, class: "sb-thumb", loading: "lazy" }); }
    if (r.kind === "link") { return el("span", { class: "muted" }, "链接 · " + (r.content || r.url)); }
    if (r.kind === "material") { return el("span", { class: "muted" }, "素材库"); }
    return el("span", { class: "sb-reply-text" }, r.content);
  }

  function renderReplies() {
    const words = $("reply-search").value.trim().toLowerCase();
    const match = (r) => !words || (r.title + " " + r.content).toLowerCase().includes(words);
    const cats = state.replies.categories.map((c) => ({ ...c, items: c.items.filter(match) })).filter((c) => c.items.length);
    $("replies-status").hidden = cats.length > 0;
    $("replies-status").textContent = words ? "没有匹配的话术" : "话术库还是空的，请运营在管理后台添加。";
    $("replies").replaceChildren(...cats.map((c) => el("details", { open: "", class: "sb-cat", "data-testid": "reply-category", "data-name": c.name },
      el("summary", {}, `${c.name}（${c.items.length}）`),
      c.items.map((r) => el("button", { type: "button", class: "sb-reply", dataset: { replyId: r.id, testid: "reply", title: r.title } },
        el("b", {}, r.title), preview(r))))));
  }

  async function loadReplies() {
    try {
      state.replies = await api("GET", "/api/v1/quick-replies");
      renderReplies();
    } catch (e) {
      $("replies-status").textContent = e.message;
    }
  }

  async function sendReply(id) {
    if (!state.wx) {
      toast("不在企业微信聊天中，无法插入。", "error");
      return;
    }
    let result;
    try {
      // The customer in the chat, so a 雷达 link of a 素材库 item names them.
      const ext = document.body.dataset.currentExternalUserid;
      const query = ext ? `?external_userid=${encodeURIComponent(ext)}` : "";
      result = await api("POST", `/api/v1/quick-replies/${id}/use${query}`);
    } catch (e) {
      toast(e.message, "error");
      return;
    }
    const res = await invoke("sendChatMessage", result.message);
    if (res.err_msg === "sendChatMessage:ok") { toast("已插入聊天", "ok"); } else { toast("插入失败：" + (res.err_msg || ""), "error"); }
  }

  /* --- wiring ------------------------------------------------------------------------------ */

  function showTab(name) {
    document.querySelectorAll("[data-tab]").forEach((b) => b.classList.toggle("active", b.dataset.tab === name));
    $("pane-card").hidden = name !== "card";
    $("pane-replies").hidden = name !== "replies";
    if (name === "replies" && !state.replies) { loadReplies(); }
  }

  document.addEventListener("click", (event) => {
    const tab = event.target.closest("[data-tab]");
    if (tab) { showTab(tab.dataset.tab); return; }
    const remove = event.target.closest("[data-remove-tag]");
    if (remove) {
      setTags(state.card.tags.map((t) => t.tag_id).filter((id) => id !== remove.dataset.removeTag), "标签已移除");
      return;
    }
    const reply = event.target.closest("[data-reply-id]");
    if (reply) { sendReply(reply.dataset.replyId); }
  });
  $("tag-add").addEventListener("click", () => {
    const id = $("tag-select").value;
    if (id) { setTags([...state.card.tags.map((t) => t.tag_id), id], "标签已添加"); }
  });
  $("followup").addEventListener("submit", saveFollowup);
  $("reply-search").addEventListener("input", () => { if (state.replies) { renderReplies(); } });

  async function start() {
    try {
      state.wx = await connect();
      if (state.wx) {
        const res = await invoke("getCurExternalContact", {});
        if (res.err_msg !== "getCurExternalContact:ok") {
          status("请在与客户的单聊中打开侧边栏（" + (res.err_msg || "未获取到客户") + "）", "error");
          return;
        }
        state.ext = res.userId;
        document.body.dataset.currentExternalUserid = res.userId;  // for sidebar-materials.js
      } else {
        state.ext = document.body.dataset.externalUserid;
      }
    } catch (e) {
      status(e.message, "error");
      return;
    }
    if (!state.ext) {
      status("请在企业微信的客户聊天侧边栏中打开。在电脑浏览器中调试时，可在地址后加 ?external_userid=客户的外部联系人ID。");
      return;
    }
    await loadCard();
  }

  start();
})();
