/* Pickers: search-as-you-type for members, departments, tags, leads, customers, live codes and
   materials (GET /api/v1/pickers/{kind}). People see and type names; the form sends ids.

   Markup: <input type="hidden" name="…" data-picker="tags" [data-multiple] [data-placeholder]>.
   The hidden input keeps the ids, comma-separated, so forms read it as before (data-type="list"
   or "number"); a "change" event fires on it after each pick. Scripts use SCRM.picker(input). */
(function () {
  "use strict";
  const esc = (s) => String(s === undefined || s === null ? "" : s).replace(/[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  const PLACEHOLDER = {
    members: "输入成员姓名搜索", departments: "输入部门名称、编号或成员姓名", tags: "输入标签名搜索",
    leads: "输入线索姓名或完整手机号", customers: "输入客户昵称或备注", livecodes: "输入活码名称",
    materials: "输入素材标题",
  };
  const labels = {}; // kind → id → row, shared by every picker on the page

  async function search(kind, params) {
    const query = new URLSearchParams(params).toString();
    const rows = await window.SCRM.api("GET", "/api/v1/pickers/" + kind + "?" + query);
    labels[kind] = labels[kind] || {};
    rows.forEach((r) => { labels[kind][r.id] = r; });
    return rows;
  }

  function attach(input) {
    if (input.picker) { return input.picker; }
    const kind = input.dataset.picker, multiple = "multiple" in input.dataset;
    const box = document.createElement("div");
    box.className = "pk";
    box.dataset.testid = "picker-" + (input.dataset.testid || input.name || kind);
    box.innerHTML = "<span class=\"pk-chips\"></span><input type=\"search\" class=\"pk-input\" autocomplete=\"off\" " +
      "placeholder=\"" + esc(input.dataset.placeholder || PLACEHOLDER[kind] || "输入名称搜索") + "\">" +
      "<ul class=\"pk-list\" role=\"listbox\" hidden></ul>";
    input.after(box);
    const chips = box.querySelector(".pk-chips"), text = box.querySelector(".pk-input");
    const list = box.querySelector(".pk-list");
    let timer = 0, asked = 0;

    const ids = () => input.value.split(",").map((s) => s.trim()).filter(Boolean);
    const named = (id) => ((labels[kind] || {})[id] || {}).label || id;

    function draw() {
      chips.innerHTML = ids().map((id) => "<span class=\"pk-chip\" data-id=\"" + esc(id) + "\">" + esc(named(id)) +
        " <button type=\"button\" class=\"link\" aria-label=\"移除\" data-unpick>×</button></span>").join("");
      text.hidden = !multiple && ids().length > 0;
    }

    function set(values, quiet) {
      input.value = (multiple ? values : values.slice(-1)).join(",");
      draw();
      if (!quiet) { input.dispatchEvent(new Event("change", { bubbles: true })); }
    }

    async function resolve() {
      const missing = ids().filter((id) => !(labels[kind] || {})[id]);
      if (missing.length) {
        try { await search(kind, { ids: missing.join(",") }); } catch (e) { /* the id stays shown */ }
      }
      draw();
    }

    async function suggest() {
      const mine = ++asked;
      let rows;
      try { rows = await search(kind, { q: text.value.trim() }); }
      catch (e) { list.innerHTML = "<li class=\"muted\">" + esc(e.message) + "</li>"; list.hidden = false; return; }
      if (mine !== asked) { return; } // a newer keystroke's answer wins
      const chosen = new Set(ids());
      const left = rows.filter((r) => !chosen.has(r.id));
      list.innerHTML = left.length ? left.map((r) => "<li role=\"option\" data-id=\"" + esc(r.id) + "\" data-testid=\"picker-option\">" +
        esc(r.label) + (r.hint ? " <small class=\"muted\">" + esc(r.hint) + "</small>" : "") + "</li>").join("")
        : "<li class=\"muted\" data-testid=\"picker-empty\">没有匹配的结果</li>";
      list.hidden = false;
    }

    text.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(suggest, 200); });
    text.addEventListener("focus", suggest);
    text.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault(); // Enter picks the first suggestion instead of submitting the form
        const first = list.querySelector("li[data-id]");
        if (first && !list.hidden) { first.dispatchEvent(new MouseEvent("mousedown", { bubbles: true })); }
      } else if (event.key === "Escape") {
        list.hidden = true;
      } else if (event.key === "Backspace" && !text.value && ids().length) {
        set(ids().slice(0, -1));
      }
    });
    text.addEventListener("blur", () => setTimeout(() => { list.hidden = true; }, 150));
    list.addEventListener("mousedown", (event) => {
      const li = event.target.closest("li[data-id]");
      if (!li) { return; }
      event.preventDefault();
      set(ids().concat(li.dataset.id));
      text.value = "";
      list.hidden = true;
      if (multiple) { text.focus(); }
    });
    chips.addEventListener("click", (event) => {
      const chip = event.target.closest("[data-unpick]") && event.target.closest(".pk-chip");
      if (chip) { set(ids().filter((id) => id !== chip.dataset.id)); if (!multiple) { text.focus(); } }
    });

    input.picker = {
      get: ids,
      set: (values) => { set(values.map(String), true); return resolve(); },
      label: named,
    };
    input.picker.ready = resolve(); // names for the ids the input came with
    return input.picker;
  }

  function attachAll(root) {
    (root || document).querySelectorAll("input[data-picker]").forEach(attach);
  }

  window.SCRM = window.SCRM || {};
  window.SCRM.picker = attach;
  window.SCRM.pickers = attachAll;
  window.SCRM.pickerLabel = (kind, id) => ((labels[kind] || {})[id] || {}).label || String(id);
  window.SCRM.pickerSearch = search;
  document.addEventListener("DOMContentLoaded", () => attachAll());
})();
