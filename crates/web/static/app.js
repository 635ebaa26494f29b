// Small conveniences on top of pages that work without JavaScript.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // Evidence upload with a progress bar; without JavaScript the form posts normally.
  const form = document.getElementById("evidence-form");
  const bar = document.getElementById("upload-progress");
  if (form && bar && window.XMLHttpRequest && window.FormData) {
    form.addEventListener("submit", (ev) => {
      const file = form.querySelector("input[type=file]");
      if (!file || !file.files.length) return;
      ev.preventDefault();
      const xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      bar.hidden = false;
      xhr.upload.addEventListener("progress", (e) => {
        if (e.lengthComputable) bar.value = Math.round((e.loaded / e.total) * 100);
      });
      xhr.addEventListener("load", () => {
        window.location.href = xhr.responseURL || window.location.href;
      });
      xhr.send(new FormData(form));
    });
  }
  // Filters apply as soon as a choice changes.
  document.querySelectorAll("form.auto-submit select").forEach((s) => {
    s.addEventListener("change", () => s.form.submit());
  });
});
