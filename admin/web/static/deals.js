/* 商机看板: drag a card to another stage (gates explained in Chinese, with a form to fill the
   missing fields and retry), the new-opportunity and new-quote forms, and quote decisions.
   Every write goes through the JSON API (SCRM.api), so scope, stage gates and audit hold. */
(function () {
  "use strict";
  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));
  const labelsNode = document.getElementById("deal-labels");
  const L = labelsNode ? JSON.parse(labelsNode.textContent) : { stages: {}, fields: {}, lost: {}, levels: {} };
  const stageLabel = (name) => L.stages[name] || name;
  const fieldInfo = (name) => L.fields[name] || { label: name, kind: "text" };

  function yuan(cents) {
    const whole = Math.trunc(cents / 100);
    const frac = Math.abs(cents % 100);
    return "¥" + whole.toLocaleString("en-US") + (frac ? "." + String(frac).padStart(2, "0") : "");
  }

  /* The API answers in English; people read Chinese. Unknown messages are shown as they are. */
  const PHRASES = [
    [/^no such (opportunity|quote|lead)/, () => "没有这条记录，或者您无权操作（请刷新页面）"],
    [/yourself or your team only/, () => "只能为自己或团队成员创建商机"],
    [/nobody approves their own quote/, () => "不能审批自己提交的报价"],
    [/the quote is (\w+), not waiting/, (m) => "该报价已处理过（" + ({ approved: "已批准", rejected: "已驳回" }[m[1]] || m[1]) + "），请刷新页面"],
    [/([\d.]+) % discount needs a (\w+)/, (m) => "折扣 " + m[1] + "% 需要" + (m[2] === "director" ? "总监（管理员）" : "主管") + "审批"],
    [/cannot decide as a (\w+)/, (m) => "您的权限不能以" + (m[1] === "director" ? "总监" : "主管") + "身份审批"],
    [/CSRF/, () => "页面已过期，请刷新后重试"],
    [/^(\w+) needs: (.+)$/, (m) => "「" + stageLabel(m[1]) + "」阶段还需填写：" + m[2].split(", ").map((f) => (L.fields[f] || { label: f }).label).join("、")],
  ];
  function zh(err) {
    const raw = (err.body && err.body.error) || err.message || "";
    for (const [re, say] of PHRASES) {
      const m = re.exec(raw);
      if (m) { return say(m); }
    }
    return err.message || raw;
  }

  /* What a refused stage move needs: the field keys it names, or a sentence when no form helps. */
  function explainGate(err) {
    const body = err.body || {};
    const msg = body.error || err.message || "";
    if (Array.isArray(body.missing)) { return { missing: body.missing }; }
    let m = /needs: (.+)$/.exec(msg);
    if (m) { return { missing: m[1].split(/,\s*/).filter(Boolean) }; }
    if (/lost_reason must be one of/.test(msg)) { return { missing: ["lost_reason"], text: "请选择一个有效的输单原因" }; }
    m = /the opportunity is closed \((.+)\)/.exec(msg);
    if (m) { return { missing: [], text: "商机已关闭（" + stageLabel(m[1]) + "），不能再移动阶段" }; }
    if (/unknown stage/.test(msg)) { return { missing: [], text: "没有这个阶段，请刷新页面" }; }
    return { missing: [], text: zh(err) };
  }

  function buildInput(name, card) {
    const info = fieldInfo(name);
    const label = document.createElement("label");
    label.append(info.label + " ");
    let input;
    if (info.kind === "reason") {
      input = document.createElement("select");
      input.append(new Option("请选择", ""));
      Object.entries(L.lost).forEach(([key, text]) => input.append(new Option(text, key)));
    } else if (info.kind === "textarea") {
      input = document.createElement("textarea");
    } else {
      input = document.createElement("input");
      input.type = { date: "date", money: "number" }[info.kind] || "text";
      if (info.kind === "money") {
        input.min = "0.01";
        input.step = "0.01";
        const cents = Number(card.dataset.amount || 0);
        if (cents > 0) { input.value = String(cents / 100); }
      }
    }
    input.name = name;
    input.dataset.kind = info.kind;
    input.required = name !== "lost_note";
    label.append(input);
    if (name === "quote_number") {
      const hint = document.createElement("small");
      hint.className = "muted";
      hint.append("在商机详情里新建报价后会自动填写。");
      const link = document.createElement("a");
      link.href = "/admin/opportunities/" + card.dataset.id;
      link.textContent = "去新建报价";
      hint.append(link);
      label.append(hint);
    }
    return label;
  }

  function updatesFrom(form) {
    const out = {};
    $$("[name]", form).forEach((el) => {
      const value = el.value.trim();
      if (value === "") { return; }
      out[el.name] = el.dataset.kind === "money" ? Math.round(Number(value) * 100) : value;
    });
    return out;
  }

  function initBoard(board) {
    const me = board.dataset.me;
    const panel = $("#gate");
    const form = $(".gate-form", panel);
    const column = (stage) => $$(".column", board).find((c) => c.dataset.stage === stage);
    const cardById = (id) => $('.opp[data-id="' + CSS.escape(String(id)) + '"]', board);
    let dragging = null;

    function resetSelects() {
      $$("select[data-move]", board).forEach((s) => { s.value = s.closest(".column").dataset.stage; });
    }

    function hideGate() {
      panel.hidden = true;
      resetSelects();
    }

    function showGate(card, stage, reason, missing, ask) {
      panel.dataset.id = card.dataset.id;
      panel.dataset.stage = stage;
      panel.classList.toggle("ask", !!ask);
      $(".gate-reason", panel).textContent = reason;
      const fields = $(".gate-fields", form);
      fields.textContent = "";
      missing.forEach((f) => fields.append(buildInput(f, card)));
      form.hidden = !missing.length;
      $("[type=submit]", form).textContent = ask ? "确认移动" : "补全并重试";
      panel.hidden = false;
      panel.scrollIntoView({ block: "nearest" });
      const first = $("input,select,textarea", fields);
      if (first) { first.focus({ preventScroll: true }); }
    }

    function bump(col, count, amount) {
      const n = $("[data-testid=col-count]", col);
      const a = $("[data-testid=col-amount]", col);
      n.textContent = String(Number(n.textContent) + count);
      a.dataset.amount = String(Number(a.dataset.amount) + amount);
      a.textContent = yuan(Number(a.dataset.amount));
    }

    /* The summary cards, from the columns' own totals (the server renders them the same way). */
    function summarize() {
      let openCount = 0, openAmount = 0, weighted = 0, won = 0;
      $$(".column", board).forEach((c) => {
        const amount = Number($("[data-testid=col-amount]", c).dataset.amount);
        if (c.dataset.won === "true") { won += amount; return; }
        if (c.dataset.lost === "true") { return; }
        openCount += Number($("[data-testid=col-count]", c).textContent);
        openAmount += amount;
        weighted += Math.floor((amount * Number(c.dataset.probability)) / 100);
      });
      const put = (key, text) => { const el = $('[data-sum="' + key + '"]'); if (el) { el.textContent = text; } };
      put("open_count", String(openCount));
      put("open_amount", yuan(openAmount));
      put("weighted", yuan(weighted));
      put("won_amount", yuan(won));
    }

    function redrawChart() {
      const canvas = $("#pipeline-chart");
      if (!canvas) { return; }
      const spec = JSON.parse(canvas.dataset.chart);
      spec.series[0].data = $$(".column", board).map((c) => Number($("[data-testid=col-amount]", c).dataset.amount) / 100);
      canvas.dataset.chart = JSON.stringify(spec);
      SCRM.drawCharts(canvas.parentNode);
    }

    function moved(card, from, to, opp) {
      bump(from, -1, -Number(card.dataset.amount));
      bump(to, 1, opp.amount);
      card.dataset.amount = String(opp.amount);
      card.dataset.stage = opp.stage;
      $(".opp-amount", card).textContent = yuan(opp.amount);
      $("[data-field=next_step]", card).textContent = opp.next_step || "—";
      if (to.dataset.won === "true" || to.dataset.lost === "true") {
        card.classList.add("is-closed");
        card.draggable = false;
        const mover = $(".move-to", card);
        if (mover) { mover.remove(); }
      }
      redrawChart();
      summarize();
    }

    async function move(card, stage, updates) {
      const from = card.closest(".column");
      const to = column(stage);
      if (!to || from === to || card.classList.contains("moving")) { return; }
      const next = card.nextSibling;
      $(".col-cards", to).prepend(card); // shown in place at once; put back if the gate refuses
      card.classList.add("moving");
      try {
        const opp = await SCRM.api("POST", "/api/v1/opportunities/" + card.dataset.id + "/stage",
          { stage: stage, actor: me, updates: updates || {} });
        card.classList.remove("moving");
        moved(card, from, to, opp);
        hideGate();
        SCRM.toast("已将「" + card.dataset.name + "」移到「" + stageLabel(stage) + "」", "ok");
      } catch (err) {
        card.classList.remove("moving");
        $(".col-cards", from).insertBefore(card, next);
        resetSelects();
        const why = explainGate(err);
        const head = "无法将「" + card.dataset.name + "」移到「" + stageLabel(stage) + "」：";
        const names = why.missing.map((f) => fieldInfo(f).label).join("、");
        const reason = why.text || ("进入该阶段必须先填写：" + names + "。请在下面补全后重试。");
        showGate(card, stage, head + reason, why.missing, false);
        SCRM.toast(head + (why.text || "缺少 " + names), "error");
      }
    }

    /* A drop or a "移动到" choice: closing a deal first asks for what the API needs. */
    function request(card, col) {
      if (!col || card.closest(".column") === col) { return; }
      const stage = col.dataset.stage;
      const name = "「" + card.dataset.name + "」";
      if (col.dataset.won === "true") {
        showGate(card, stage, "将" + name + "标记为" + stageLabel(stage) + "：请确认成交金额并填写合同编号。", ["amount", "contract"], true);
      } else if (col.dataset.lost === "true") {
        showGate(card, stage, "将" + name + "标记为" + stageLabel(stage) + "：请选择输单原因。", ["lost_reason", "lost_note"], true);
      } else {
        move(card, stage, {});
      }
    }

    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const card = cardById(panel.dataset.id);
      if (card) { move(card, panel.dataset.stage, updatesFrom(form)); }
    });
    $("[data-gate-cancel]", panel).addEventListener("click", hideGate);

    board.addEventListener("dragstart", (e) => {
      const card = e.target.closest && e.target.closest(".opp");
      if (!card || card.classList.contains("is-closed")) { e.preventDefault(); return; }
      dragging = card;
      e.dataTransfer.effectAllowed = "move";
      e.dataTransfer.setData("text/plain", card.dataset.id);
      card.classList.add("dragging");
    });
    const clearOver = () => $$(".column.over", board).forEach((c) => c.classList.remove("over"));
    board.addEventListener("dragend", () => {
      if (dragging) { dragging.classList.remove("dragging"); }
      dragging = null;
      clearOver();
    });
    board.addEventListener("dragover", (e) => {
      const col = e.target.closest && e.target.closest(".column");
      if (!col || !dragging) { return; }
      e.preventDefault(); // allows the drop
      e.dataTransfer.dropEffect = "move";
      if (!col.classList.contains("over")) { clearOver(); col.classList.add("over"); }
    });
    board.addEventListener("dragleave", (e) => {
      const col = e.target.closest && e.target.closest(".column");
      if (col && !col.contains(e.relatedTarget)) { col.classList.remove("over"); }
    });
    board.addEventListener("drop", (e) => {
      const col = e.target.closest && e.target.closest(".column");
      if (!col) { return; }
      e.preventDefault();
      clearOver();
      const id = e.dataTransfer.getData("text/plain") || (dragging && dragging.dataset.id);
      const card = id && cardById(id);
      if (card) { request(card, col); }
    });
    board.addEventListener("change", (e) => {
      const select = e.target.closest("select[data-move]");
      if (select) { request(select.closest(".opp"), column(select.value)); }
    });
  }

  function initCreate(form) {
    // 新建商机 links from the customer 360°, a lead and the sidebar land here with ?new=1&lead_id=…&name=…
    const asked = new URLSearchParams(location.search);
    if (asked.get("new")) {
      form.closest("details").open = true;
      if (asked.get("name")) { form.elements.namedItem("name").value = asked.get("name").slice(0, 128); }
      const lead = form.elements.namedItem("lead_id");
      if (/^\d{1,18}$/.test(asked.get("lead_id") || "") && SCRM.picker) { SCRM.picker(lead).set([asked.get("lead_id")]); }
      form.elements.namedItem("name").focus();
    }
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const v = (n) => (form.elements.namedItem(n) || { value: "" }).value.trim();
      const body = { name: v("name"), owner_userid: v("owner_userid"), amount: Math.round(Number(v("amount") || 0) * 100) };
      if (v("expected_close")) { body.expected_close = v("expected_close"); }
      if (v("lead_id")) { body.lead_id = Number(v("lead_id")); }
      // The first stage's gate fields (always sent: the server then checks they are filled).
      body.gate = {};
      $$("[data-gate]", form).forEach((el) => {
        const value = el.value.trim();
        if (!value) { return; }
        body.gate[el.dataset.gate] = el.dataset.kind === "money" ? Math.round(Number(value) * 100) : value;
      });
      try {
        const opp = await SCRM.api("POST", "/api/v1/opportunities", body);
        SCRM.flash("商机「" + opp.name + "」已创建", "ok");
        setTimeout(() => location.reload(), 300);
      } catch (err) {
        SCRM.toast(zh(err), "error");
      }
    });
  }

  /* The server's pricing, for the preview only: integer 分, half up once per line. */
  const halfUp = (num, den) => Math.floor((2 * num + den) / (2 * den));
  function quoteBody(form) {
    const lines = $$(".quote-line", form).map((row) => ({
      product: $("[name=product]", row).value.trim(),
      quantity: Number($("[name=quantity]", row).value || 0),
      unit_price: Math.round(Number($("[name=unit_price]", row).value || 0) * 100),
      discount_bp: Math.round(Number($("[name=line_discount]", row).value || 0) * 100),
    }));
    const discount = Math.round(Number(form.elements.namedItem("discount").value || 0) * 100);
    return { lines: lines, discount_bp: discount, requested_by: form.dataset.me };
  }
  function preview(form) {
    const body = quoteBody(form);
    const gross = body.lines.reduce((s, l) => s + l.quantity * l.unit_price, 0);
    const net = body.lines.reduce((s, l) => s + halfUp(l.quantity * l.unit_price * (10000 - l.discount_bp), 10000), 0);
    const total = halfUp(net * (10000 - body.discount_bp), 10000);
    const off = gross ? halfUp((gross - total) * 10000, gross) : 0;
    const level = off <= 1000 ? "self" : off <= 2000 ? "manager" : "director";
    $(".quote-preview", form).textContent = "原价 " + yuan(gross) + " · 报价 " + yuan(total) +
      " · 折扣 " + (off / 100).toFixed(2) + "% · " + (level === "self" ? "无需审批，提交即生效" : "需" + L.levels[level]);
  }
  function initQuote(form) {
    const body = $(".quote-lines tbody", form);
    form.addEventListener("input", () => preview(form));
    form.addEventListener("click", (e) => {
      if (e.target.closest("[data-line-add]")) {
        const row = $(".quote-line", body).cloneNode(true);
        $$("input", row).forEach((i) => { i.value = i.name === "quantity" ? "1" : i.name === "line_discount" ? "0" : ""; });
        body.append(row);
      } else if (e.target.closest("[data-line-remove]") && $$(".quote-line", body).length > 1) {
        e.target.closest(".quote-line").remove();
      } else { return; }
      preview(form);
    });
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const button = $("[type=submit]", form);
      button.disabled = true;
      try {
        const q = await SCRM.api("POST", "/api/v1/opportunities/" + form.dataset.opp + "/quotes", quoteBody(form));
        SCRM.flash("报价 " + q.number + " 已提交：" + (q.status === "approved" ? "已自动批准" : "等待" + L.levels[q.approval_level]), "ok");
        setTimeout(() => location.reload(), 400);
      } catch (err) {
        SCRM.toast(zh(err), "error");
        button.disabled = false;
      }
    });
    preview(form);
  }

  function initQueue(queue) {
    queue.addEventListener("click", async (e) => {
      const button = e.target.closest("[data-decide]");
      if (!button) { return; }
      const row = button.closest("tr");
      const note = $("input[name=note]", row);
      const approve = button.dataset.decide === "approve";
      if (!approve && !note.value.trim()) {
        SCRM.toast("驳回时请填写审批意见", "error");
        note.focus();
        return;
      }
      $$("button", row).forEach((b) => { b.disabled = true; });
      try {
        await SCRM.api("POST", "/api/v1/quotes/" + row.dataset.id + "/decision",
          { approver: queue.dataset.me, role: queue.dataset.role, approve: approve, note: note.value.trim() });
        SCRM.flash("报价 " + row.dataset.number + (approve ? " 已批准" : " 已驳回"), "ok");
        setTimeout(() => location.reload(), 400);
      } catch (err) {
        SCRM.toast(zh(err), "error");
        $$("button", row).forEach((b) => { b.disabled = false; });
      }
    });
  }

  const board = document.getElementById("board");
  if (board) { initBoard(board); }
  const create = document.getElementById("opp-create");
  if (create) { initCreate(create); }
  const quote = document.getElementById("quote-create");
  if (quote) { initQuote(quote); }
  const queue = document.getElementById("quote-queue");
  if (queue) { initQueue(queue); }
})();
