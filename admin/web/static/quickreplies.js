/* 话术库 admin page: the item form shows the fields of the chosen kind, switches between adding
   and editing, and uploads a picture to WeCom (the address it gets back fills the URL field). */
(function () {
  "use strict";
  const form = document.getElementById("reply-form");
  if (!form) { return; }
  const title = document.getElementById("reply-form-title");
  const cancel = document.getElementById("reply-cancel");
  const preview = document.getElementById("reply-preview");
  const file = document.getElementById("reply-file");
  const kind = form.elements.kind;

  /* Fields of other kinds are disabled, so the JSON sent holds only what this kind uses. */
  function showKind() {
    form.querySelectorAll("[data-kinds]").forEach((box) => {
      const on = box.dataset.kinds.split(" ").includes(kind.value);
      box.hidden = !on;
      box.querySelectorAll("input, textarea, select").forEach((el) => { el.disabled = !on; });
    });
    form.querySelectorAll("[data-kind-label]").forEach((el) => { el.hidden = el.dataset.kindLabel !== kind.value; });
    form.elements.content.required = kind.value === "text";
    form.elements.url.required = kind.value === "image" || kind.value === "link";
    showPreview();
  }

  function showPreview() {
    const url = form.elements.url.value;
    preview.hidden = !(kind.value === "image" && /^https?:\/\//.test(url));
    if (!preview.hidden) { preview.src = url; }
  }

  function addMode() {
    form.reset();
    form.dataset.api = "/api/v1/quick-replies";
    form.dataset.method = "POST";
    title.textContent = "添加话术";
    cancel.hidden = true;
    showKind();
  }

  function editMode(reply) {
    form.dataset.api = "/api/v1/quick-replies/" + reply.id;
    form.dataset.method = "PUT";
    title.textContent = "编辑话术：" + reply.title;
    for (const name of ["category_id", "kind", "title", "content", "url", "img_url", "material_id", "sort"]) {
      if (form.elements[name]) { form.elements[name].value = reply[name] === null ? "" : reply[name]; }
    }
    cancel.hidden = false;
    showKind();
    form.scrollIntoView({ behavior: "smooth", block: "start" });
  }

  async function upload() {
    if (!file.files.length) { return; }
    const body = new FormData();
    body.append("file", file.files[0]);
    try {
      const result = await window.SCRM.api("POST", "/api/v1/quick-replies/images", body);
      form.elements.url.value = result.url;
      showPreview();
      window.SCRM.toast("图片已上传到企业微信", "ok");
    } catch (e) {
      window.SCRM.toast(e.message, "error");
    } finally {
      file.value = "";
    }
  }

  kind.addEventListener("change", showKind);
  form.elements.url.addEventListener("input", showPreview);
  file.addEventListener("change", upload);
  cancel.addEventListener("click", addMode);
  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-qr-edit]");
    if (button) { editMode(JSON.parse(button.dataset.qrEdit)); }
  });
  showKind();
})();
