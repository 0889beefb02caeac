/* 报表: export buttons (a file at once, or a background job with progress, then the
   download) and 元 inputs that fill the hidden 分 amount the API takes. */
(function () {
  "use strict";

  function save(blob, name) {
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = name;
    document.body.appendChild(a);
    a.click();
    setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }

  function nameFrom(resp, fallback) {
    const header = resp.headers.get("Content-Disposition") || "";
    const m = header.match(/filename\*=UTF-8''([^;]+)/);
    return m ? decodeURIComponent(m[1]) : fallback;
  }

  async function fetchFile(url) {
    const resp = await fetch(url, { credentials: "same-origin" });
    if (!resp.ok) { throw new Error("下载失败（" + resp.status + "）"); }
    return resp;
  }

  async function exportClick(event) {
    const button = event.target.closest("[data-export]");
    if (!button) { return; }
    event.preventDefault();
    button.disabled = true;
    const bar = document.getElementById("export-progress");
    try {
      const resp = await fetchFile(button.dataset.export);
      if (resp.status === 202) {  // over 10 000 rows: a background job
        const job = await resp.json();
        window.SCRM.toast("数据较多，正在后台导出（" + job.rows + " 行）", "ok");
        const done = await window.SCRM.progress(job.id, (p) => window.SCRM.showProgress(bar, p));
        if (done.state !== "done") { throw new Error(done.message || "导出失败"); }
        const file = await fetchFile(done.result.download);
        save(await file.blob(), done.result.filename);
      } else {
        save(await resp.blob(), nameFrom(resp, "export"));
      }
      window.SCRM.toast("已导出", "ok");
    } catch (e) {
      window.SCRM.toast(e.message, "error");
    } finally {
      button.disabled = false;
    }
  }

  function yuanInput(event) {
    const input = event.target.closest("input[data-yuan]");
    if (!input) { return; }
    const hidden = input.form.querySelector("input[name=amount]");
    hidden.value = String(Math.round(Number(input.value || 0) * 100));
  }

  document.addEventListener("click", exportClick);
  document.addEventListener("input", yuanInput);
})();
