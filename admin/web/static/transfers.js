/* 客户转接 pages: select all, a confirmation naming how many customers move to whom, the result
   of a hand-over (started, and who cannot move with the reason), and the 离职继承 assignment. */
(function () {
  "use strict";
  const SCRM = window.SCRM;

  document.addEventListener("change", (event) => {
    const all = event.target.closest("[data-check-all]");
    if (!all) { return; }
    const scope = all.closest("form") || document;
    scope.querySelectorAll('input[type=checkbox][name="' + all.dataset.checkAll + '"]').forEach((box) => {
      if (!box.disabled) { box.checked = all.checked; }
    });
  });

  function escapeText(text) {
    const span = document.createElement("span");
    span.textContent = text;
    return span.innerHTML;
  }

  function showResult(box, result, unit) {
    const blocked = result.blocked || [];
    let html = "已提交 " + result.started.length + " " + unit + "，等待客户确认（24 小时内自动接替）。";
    if (blocked.length) {
      html += "<br>" + blocked.length + " " + unit + "未能转接：<ul>" + blocked.map((b) =>
        "<li>" + escapeText(b.external_userid || b.chat_id) + "：" + escapeText(b.reason) + "</li>").join("") + "</ul>";
    }
    box.innerHTML = html;
    box.hidden = false;
  }

  /* 在职转接: runs before admin.js's submit handler and stops it unless confirmed. */
  const onjob = document.getElementById("onjob-form");
  if (onjob) {
    onjob.addEventListener("submit", (event) => {
      const picked = onjob.querySelectorAll('input[name="external_userids[]"]:checked').length;
      const to = onjob.elements.takeover_userid;
      if (!picked) {
        event.preventDefault();
        event.stopImmediatePropagation();
        SCRM.toast("请先选择要转接的客户", "error");
        return;
      }
      const name = to.selectedOptions.length ? to.selectedOptions[0].textContent : "";
      if (!confirm("确认把 " + picked + " 位客户转接给 " + name + "？客户确认后 24 小时内接替。")) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    }, true);
    onjob.addEventListener("api:done", (event) => {
      showResult(document.getElementById("onjob-result"), event.detail, "位客户");
      onjob.querySelectorAll('input[name="external_userids[]"]:checked').forEach((box) => {
        box.checked = false;
        box.disabled = true;
      });
    });
  }

  /* 离职继承: (departed member, customer) pairs to one member or round robin over several. */
  const resigned = document.getElementById("resigned-form");
  if (resigned) {
    resigned.addEventListener("submit", async (event) => {
      event.preventDefault();
      const items = Array.from(resigned.querySelectorAll('input[name="pair"]:checked')).map((box) => (
        { handover_userid: box.dataset.handover, external_userid: box.value }));
      const takeovers = Array.from(resigned.elements.takeover_userids.selectedOptions).map((o) => o.value);
      const rule = resigned.elements.rule_id ? resigned.elements.rule_id.value : "";
      if (!items.length || !(takeovers.length || rule)) {
        SCRM.toast("请选择客户和接替成员（或规则）", "error");
        return;
      }
      const body = rule ? { items: items, rule_id: Number(rule) } : { items: items, takeover_userids: takeovers };
      const how = rule ? "按规则「" + resigned.elements.rule_id.selectedOptions[0].textContent + "」分配"
        : (takeovers.length > 1 ? "轮流分配给 " + takeovers.length + " 位成员" : "分配给 1 位成员");
      if (!confirm("确认把 " + items.length + " 位客户" + how + "？")) { return; }
      const button = resigned.querySelector("[type=submit]");
      button.disabled = true;
      try {
        const result = await SCRM.api("POST", "/api/v1/transfers/resigned", body);
        SCRM.toast("已提交分配", "ok");
        showResult(document.getElementById("resigned-result"), result, "位客户");
      } catch (e) {
        SCRM.toast(e.message, "error");
      } finally {
        button.disabled = false;
      }
    });
  }
})();
