/* 渠道活码 / 群活码 detail and group pages: delete buttons that leave the page they were on,
   and the group form's checks before admin.js sends it. */
(function () {
  "use strict";
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));

  /* A delete that leaves the page it was on (the detail page of what was deleted). */
  async function deleteAndLeave(event) {
    const button = event.target.closest("[data-delete-then]");
    if (!button) { return; }
    event.preventDefault();
    if (!confirm(button.dataset.confirm)) { return; }
    try {
      await SCRM.api("DELETE", button.dataset.path);
      location.href = button.dataset.deleteThen;
    } catch (e) {
      SCRM.toast(e.message, "error");
    }
  }

  /* The group form: at least one group, before admin.js sends it; an empty state is left
     out (the API generates one) rather than sent as "". */
  function groupForm(form) {
    form.addEventListener("submit", (event) => {
      if (!$$("input[name='chat_ids[]']", form).some((b) => b.checked)) {
        event.preventDefault();
        event.stopPropagation();
        SCRM.toast("请至少选择一个群", "error");
        return;
      }
      const state = form.elements.namedItem("state");
      if (state && !state.value.trim()) {
        state.disabled = true;  // admin.js skips disabled fields; it reads the form right after this
        setTimeout(() => { state.disabled = false; }, 0);
      }
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    const groups = document.getElementById("gc-form");
    if (groups) { groupForm(groups); }
    document.addEventListener("click", deleteAndLeave);
  });
})();
