/* 客户 pages: instants shown in the browser's own time zone (the server writes UTC). */
(function () {
  "use strict";
  const format = { year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false };

  function localTimes(root) {
    (root || document).querySelectorAll("time[datetime]").forEach((el) => {
      const at = new Date(el.getAttribute("datetime"));
      if (!Number.isNaN(at.getTime())) { el.textContent = at.toLocaleString("zh-CN", format); }
    });
  }

  document.addEventListener("DOMContentLoaded", () => localTimes());
})();
