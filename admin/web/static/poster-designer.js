/* 海报设计 on a live code's page: the poster at phone width with its QR code, avatar and name as
   blocks to drag; positions go to the form's hidden fields in poster pixels (what
   livecode/poster.py draws with); a background image uploads as it is chosen. */
(function () {
  "use strict";
  const AVATAR_R = 70, NAME_SIZE = 40, BAND = 140;

  function init(form) {
    const stage = document.getElementById("poster-stage");
    const field = (name) => form.querySelector("[data-pd=\"" + name + "\"]");
    const num = (name, fallback) => (field(name).value === "" ? fallback : Number(field(name).value));
    const blocks = {};
    stage.querySelectorAll("[data-block]").forEach((b) => { blocks[b.dataset.block] = b; });
    let scale = 1;

    // Where each block sits, in poster pixels, from the fields (empty: the renderer's default).
    function layout() {
      const w = num("width", 750), size = num("qr_size", 420);
      const ax = num("avatar_x", Math.floor(w / 2)), ay = num("avatar_y", 300);
      return {
        qr: { x: num("qr_x", Math.floor((w - size) / 2)), y: num("qr_y", 560), w: size, h: size },
        avatar: { x: ax - AVATAR_R, y: ay - AVATAR_R, w: 2 * AVATAR_R, h: 2 * AVATAR_R },
        name: { cx: num("name_x", ax), cy: num("name_y", ay + AVATAR_R + 40) },
      };
    }

    function draw() {
      const w = num("width", 750), h = num("height", 1334);
      scale = Math.min(375, stage.parentElement.clientWidth || 375) / w;
      stage.style.width = w * scale + "px";
      stage.style.height = h * scale + "px";
      stage.style.backgroundColor = field("background").value;
      if (stage.dataset.backgroundUrl) { stage.style.backgroundImage = "url(\"" + stage.dataset.backgroundUrl + "\")"; }
      const band = stage.querySelector(".pd-band");
      band.style.height = BAND * scale + "px";
      band.style.background = field("accent").value;
      band.style.fontSize = 56 * scale + "px";
      stage.querySelector("[data-pd-title]").textContent = field("title").value || stage.dataset.code;
      const at = layout();
      const place = (el, box) => Object.assign(el.style, {
        left: box.x * scale + "px", top: box.y * scale + "px", width: box.w * scale + "px", height: box.h * scale + "px",
      });
      place(blocks.qr, at.qr);
      place(blocks.avatar, at.avatar);
      blocks.avatar.style.background = field("accent").value;
      const staff = stage.dataset.staff || "员工昵称";
      blocks.avatar.textContent = staff.slice(0, 1);
      blocks.avatar.style.fontSize = 72 * scale + "px";
      blocks.name.textContent = staff;
      blocks.name.style.fontSize = NAME_SIZE * scale + "px";
      const nameW = blocks.name.offsetWidth || staff.length * NAME_SIZE * scale;
      Object.assign(blocks.name.style, { left: at.name.cx * scale - nameW / 2 + "px", top: (at.name.cy - 25) * scale + "px" });
      const shown = field("show_staff").checked;
      blocks.avatar.hidden = blocks.name.hidden = !shown;
      const sub = stage.querySelector("[data-pd-subtitle]");
      sub.textContent = field("subtitle").value;
      Object.assign(sub.style, { top: (at.qr.y + at.qr.h + 40) * scale + "px", fontSize: 34 * scale + "px" });
    }

    // Dragging: pointer events, so a finger on a phone works as a mouse does.
    stage.addEventListener("pointerdown", (event) => {
      const block = event.target.closest("[data-block]");
      if (!block) { return; }
      event.preventDefault();
      block.setPointerCapture(event.pointerId);
      const start = { x: event.clientX, y: event.clientY, left: block.offsetLeft, top: block.offsetTop };
      block.classList.add("dragging");
      const moveTo = (e) => {
        const left = Math.max(0, Math.min(stage.clientWidth - block.offsetWidth, start.left + e.clientX - start.x));
        const top = Math.max(0, Math.min(stage.clientHeight - block.offsetHeight, start.top + e.clientY - start.y));
        block.style.left = left + "px";
        block.style.top = top + "px";
        return { left: left / scale, top: top / scale, w: block.offsetWidth / scale, h: block.offsetHeight / scale };
      };
      const onMove = (e) => moveTo(e);
      const onUp = (e) => {
        const p = moveTo(e);
        const name = block.dataset.block;
        if (name === "qr") { field("qr_x").value = Math.round(p.left); field("qr_y").value = Math.round(p.top); }
        if (name === "avatar") { field("avatar_x").value = Math.round(p.left + p.w / 2); field("avatar_y").value = Math.round(p.top + p.h / 2); }
        if (name === "name") { field("name_x").value = Math.round(p.left + p.w / 2); field("name_y").value = Math.round(p.top + 25); }
        block.classList.remove("dragging");
        block.removeEventListener("pointermove", onMove);
        block.removeEventListener("pointerup", onUp);
        draw();
      };
      block.addEventListener("pointermove", onMove);
      block.addEventListener("pointerup", onUp);
    });

    form.addEventListener("input", draw);
    form.addEventListener("change", (event) => {
      const size = event.target.closest("[data-pd-size]");
      if (size) {
        const [w, h] = size.value.split("x").map(Number);
        field("width").value = w;
        field("height").value = h;
        ["qr_x", "avatar_x", "name_x"].forEach((n) => { if (num(n, 0) > w) { field(n).value = ""; } });
      }
      draw();
    });
    form.querySelector("[data-pd-upload]").addEventListener("change", async (event) => {
      const input = event.target, file = input.files[0];
      if (!file) { return; }
      if (!["image/png", "image/jpeg"].includes(file.type)) { window.SCRM.toast("背景图只支持 PNG 或 JPEG", "error"); return; }
      if (file.size > 1000000) { window.SCRM.toast("背景图不能超过 1 MB", "error"); return; }
      const resp = await fetch(input.dataset.pdUpload, {
        method: "PUT", body: file, credentials: "same-origin",
        headers: { "Content-Type": file.type, "X-CSRF-Token": document.querySelector("meta[name=csrf-token]").content },
      });
      if (!resp.ok) {
        const body = await resp.json().catch(() => ({}));
        window.SCRM.toast(body.error || "上传失败（HTTP " + resp.status + "）", "error");
        return;
      }
      window.SCRM.toast("背景图已上传", "ok");
      setTimeout(() => location.reload(), 300);
    });
    window.addEventListener("resize", draw);
    draw();
  }

  document.addEventListener("DOMContentLoaded", () => {
    const form = document.getElementById("poster-form");
    if (form) { init(form); }
  });
})();
