/* 线索 pages: bulk assign and merge on the list, and the CSV import (dry run, then the real
   import in the background with a progress bar). Writes go through the JSON API. */
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);

  const picked = () => Array.from(document.querySelectorAll("input.pick:checked"));

  async function assignPicked() {
    const ids = picked().map((box) => box.value);
    if (!ids.length) { SCRM.toast("请先勾选线索", "error"); return; }
    const userid = $("assign-to").value;
    const failed = [];
    let done = 0;
    for (const id of ids) {  // one by one: each lead is checked (scope, cap) on its own
      try { await SCRM.api("POST", "/api/v1/leads/" + id + "/assign", { userid: userid }); done += 1; }
      catch (e) { failed.push("#" + id + "：" + e.message); }
    }
    if (failed.length) { SCRM.toast("已分配 " + done + " 条；失败 " + failed.length + " 条：" + failed.join("；"), "error"); return; }
    SCRM.toast("已分配 " + done + " 条", "ok");
    setTimeout(() => location.reload(), 300);
  }

  async function mergePicked() {
    const rows = picked().map((box) => box.closest("tr"));
    if (rows.length !== 2) { SCRM.toast("请勾选正好两条线索", "error"); return; }
    // Keep the higher-scored lead (the table's order breaks ties); the other is merged in.
    rows.sort((a, b) => Number(b.dataset.score) - Number(a.dataset.score));
    const keep = rows[0].dataset.id;
    const other = rows[1].dataset.id;
    if (!confirm("把 #" + other + " 并入 #" + keep + "？可在被并入线索的页面撤销。")) { return; }
    try {
      await SCRM.api("POST", "/api/v1/leads/" + keep + "/merge", { other_id: Number(other) });
      SCRM.toast("已合并", "ok");
      setTimeout(() => location.reload(), 300);
    } catch (e) {
      SCRM.toast(e.message, "error");
    }
  }

  function bulk() {
    if (!$("assign-picked")) { return; }
    document.addEventListener("change", (event) => {
      if (event.target.id === "pick-all") {
        document.querySelectorAll("input.pick").forEach((box) => { box.checked = event.target.checked; });
      }
      $("picked").textContent = picked().length;
    });
    $("assign-picked").addEventListener("click", assignPicked);
    $("merge-picked").addEventListener("click", mergePicked);
  }

  const OUTCOMES = { create: "新建", merge: "合并", reject: "拒绝" };

  const why = (text) => String(text || "");  // the server writes the reasons in Chinese

  async function sendCSV(path, text) {
    const csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
    const resp = await fetch(path, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "text/csv; charset=utf-8", "X-CSRF-Token": csrf },
      body: text,
    });
    const data = await resp.json().catch(() => ({}));
    if (!resp.ok) { throw new Error(data.error || "请求失败（HTTP " + resp.status + "）"); }
    return data;
  }

  function showDryRun(report) {
    $("dry-result").hidden = false;
    const rejected = report.errors.length;
    document.querySelector("[data-testid=dry-rows]").textContent = report.rows;
    document.querySelector("[data-testid=dry-create]").textContent = report.would_create;
    document.querySelector("[data-testid=dry-merge]").textContent = report.would_merge;
    document.querySelector("[data-testid=dry-reject]").textContent = rejected;
    $("dry-more").hidden = report.lines.length >= report.rows;
    const body = document.querySelector("[data-testid=dry-lines] tbody");
    body.replaceChildren();
    report.lines.forEach((line) => {
      const tr = document.createElement("tr");
      tr.dataset.outcome = line.outcome;
      [line.line, line.name || "—", line.phone || "—", OUTCOMES[line.outcome] || line.outcome, why(line.why)]
        .forEach((value, i) => {
          const td = document.createElement("td");
          td.textContent = value;
          if (i === 3) { td.className = line.outcome === "reject" ? "error" : line.outcome === "create" ? "ok" : ""; }
          tr.appendChild(td);
        });
      tr.hidden = line.outcome === "create" && $("only-issues").checked;
      body.appendChild(tr);
    });
  }

  function showResult(result) {
    $("import-counts").hidden = false;
    document.querySelector("[data-testid=result-created]").textContent = result.created;
    document.querySelector("[data-testid=result-merged]").textContent = result.merged;
    document.querySelector("[data-testid=result-rejected]").textContent = result.rejected;
    document.querySelector("[data-testid=result-pool]").textContent = result.to_pool || 0;
    const list = $("import-errors");
    list.replaceChildren();
    (result.errors || []).forEach((e) => {
      const li = document.createElement("li");
      li.className = "error";
      li.textContent = "第 " + e.line + " 行：" + why(e.error);
      list.appendChild(li);
    });
    $("import-done").hidden = false;
  }

  function importer() {
    if (!$("import")) { return; }
    const text = $("csv-text");
    const run = $("run-import");
    const dry = $("dry-run");
    const query = () => "channel=" + encodeURIComponent($("csv-channel").value.trim() || "批量导入");
    const changed = () => { run.disabled = true; };  // a changed file must be checked again
    text.addEventListener("input", changed);
    $("csv-channel").addEventListener("input", changed);
    $("only-issues").addEventListener("change", (event) => {
      document.querySelectorAll("[data-testid=dry-lines] tr[data-outcome=create]").forEach((tr) => {
        tr.hidden = event.target.checked;
      });
    });
    $("csv-file").addEventListener("change", async (event) => {
      const file = event.target.files[0];
      if (!file) { return; }
      text.value = await file.text();
      changed();
    });
    dry.addEventListener("click", async () => {
      if (!text.value.trim()) { SCRM.toast("请先选择文件或粘贴 CSV", "error"); return; }
      dry.disabled = true;
      try {
        const report = await sendCSV("/api/v1/leads/import?dry_run=1&" + query(), text.value);
        showDryRun(report);
        run.disabled = report.valid === 0;
      } catch (e) {
        SCRM.toast(e.message, "error");
      } finally {
        dry.disabled = false;
      }
    });
    run.addEventListener("click", async () => {
      run.disabled = true;
      dry.disabled = true;
      try {
        const job = await sendCSV("/api/v1/leads/import/jobs?" + query(), text.value);
        $("import-run").hidden = false;
        const bar = $("import-progress");
        const last = await SCRM.progress(job.id, (p) => SCRM.showProgress(bar, p));
        if (last.state === "done") { showResult(last.result); SCRM.toast("导入完成", "ok"); }
        else { SCRM.toast(last.message || "导入失败", "error"); }
      } catch (e) {
        SCRM.toast(e.message, "error");
      } finally {
        dry.disabled = false;
      }
    });
  }

  document.addEventListener("DOMContentLoaded", () => { bulk(); importer(); });
})();
