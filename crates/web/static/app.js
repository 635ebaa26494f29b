// Small conveniences on top of pages that work without JavaScript.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // Evidence upload with a progress bar, without leaving the page. The upload button belongs to
  // the report form, so the request carries everything typed and the server saves it as a draft
  // before attaching the file; the page the server answers with then gives this one its new
  // file list, version, state, history and message, while what was typed stays where it is.
  // Without JavaScript the form posts the same request and the page comes back whole.
  const upload = document.getElementById("upload");
  const bar = document.getElementById("upload-progress");
  if (upload && bar && window.XMLHttpRequest && window.FormData && window.DOMParser) {
    upload.addEventListener("click", (ev) => {
      const form = upload.form;
      const file = form.querySelector("input[type=file]");
      if (!file || !file.files.length) return;
      ev.preventDefault();
      const xhr = new XMLHttpRequest();
      xhr.open("POST", upload.formAction);
      bar.hidden = false;
      upload.disabled = true;
      xhr.upload.addEventListener("progress", (e) => {
        if (e.lengthComputable) bar.value = Math.round((e.loaded / e.total) * 100);
      });
      xhr.addEventListener("load", () => {
        const doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
        if (xhr.status >= 400 || !doc.getElementById("report-form")) {
          // A refusal (the page with what was typed and the reason), or no longer signed in:
          // show what the server answered.
          document.open();
          document.write(xhr.responseText);
          document.close();
          return;
        }
        for (const sel of ["#evidence-list", "#history-section", "#report-state"]) {
          const mine = document.querySelector(sel);
          const theirs = doc.querySelector(sel);
          if (mine && theirs) mine.replaceWith(document.importNode(theirs, true));
        }
        const version = doc.querySelector("#report-form input[name=version]");
        if (version) form.querySelector("input[name=version]").value = version.value;
        const none = document.getElementById("no-evidence");
        if (none) none.remove();
        const flash = doc.querySelector(".flash");
        const shown = document.querySelector(".flash");
        if (shown) shown.remove();
        if (flash) document.getElementById("main").prepend(document.importNode(flash, true));
        file.value = "";
        bar.hidden = true;
        bar.value = 0;
        upload.disabled = false;
      });
      xhr.addEventListener("error", () => {
        upload.disabled = false;
        bar.hidden = true;
        upload.textContent = "网络中断,上传未完成,请重试";
      });
      xhr.send(new FormData(form));
    });
  }
  // The month page: each row's draft is saved as it is typed (a short pause after the last
  // change), and Enter in a one-line input does not submit the whole month by accident.
  const month = document.getElementById("month-form");
  if (month && window.fetch && window.FormData) {
    const csrf = month.querySelector("input[name=_csrf]").value;
    const timers = new Map();
    // Draft saves sent and not yet answered: a submit waits for them, so it carries the
    // versions they return and is not refused as a change made elsewhere.
    const inflight = new Set();
    const saveRow = (row) => {
      const id = row.dataset.assignment;
      const body = new URLSearchParams();
      body.append("_csrf", csrf);
      body.append("assignment_id", id);
      row.querySelectorAll("input, textarea").forEach((el) => {
        if (!el.name || ((el.type === "checkbox") && !el.checked)) return;
        body.append(el.name, el.value);
      });
      const note = row.querySelector(".draft-state");
      const saving = fetch(month.dataset.draft, { method: "POST", body, credentials: "same-origin" })
        .then((r) => r.json().then((j) => [r.status, j]))
        .then(([status, j]) => {
          if (status === 200 && j.saved) {
            const v = row.querySelector("input[name^=version_]");
            if (v) v.value = j.version;
            if (note) note.textContent = "草稿已保存";
          } else if (note) {
            note.textContent = "草稿未保存:" + (j.message || "请检查填写内容");
          }
        })
        .catch(() => { if (note) note.textContent = "网络中断,草稿未保存(提交时会一并保存)"; });
      inflight.add(saving);
      saving.finally(() => inflight.delete(saving));
    };
    month.addEventListener("input", (ev) => {
      const row = ev.target.closest(".month-row");
      if (!row) return;
      clearTimeout(timers.get(row));
      timers.set(row, setTimeout(() => saveRow(row), 800));
    });
    month.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter" && ev.target.tagName === "INPUT" && ev.target.type !== "submit") ev.preventDefault();
    });
    month.addEventListener("submit", (ev) => {
      // The submit carries every row as typed, so drafts not yet sent are not needed.
      timers.forEach((t) => clearTimeout(t));
      timers.clear();
      if (inflight.size === 0) return;
      ev.preventDefault();
      const button = ev.submitter;
      if (button) button.disabled = true;
      // A draft save the network holds up does not hold the submit for long: after 5 s it
      // goes anyway (a stale row is then refused with the typed values kept).
      const patience = new Promise((done) => setTimeout(done, 5000));
      Promise.race([Promise.allSettled([...inflight]), patience]).then(() => {
        inflight.clear();
        if (button) button.disabled = false;
        month.requestSubmit(button || undefined);
      });
    });
    const errors = document.getElementById("month-errors");
    if (errors) errors.focus();
  }
  // The visit form: another finding row, copied from the last one and emptied.
  const addFinding = document.getElementById("add-finding");
  if (addFinding) {
    addFinding.addEventListener("click", () => {
      const rows = document.querySelectorAll("#findings fieldset.finding");
      const copy = rows[rows.length - 1].cloneNode(true);
      copy.querySelectorAll("input, textarea").forEach((f) => { f.value = ""; });
      copy.querySelector("legend").textContent = "问题 " + (rows.length + 1);
      document.getElementById("findings").appendChild(copy);
      copy.querySelector("textarea").focus();
    });
  }
  // The review queue: tick every clean report at once.
  const allClean = document.getElementById("select-clean");
  if (allClean) {
    allClean.addEventListener("change", () => {
      document.querySelectorAll("#review-queue input[name=item]").forEach((b) => { b.checked = allClean.checked; });
    });
  }
  // Filters apply as soon as a choice changes.
  document.querySelectorAll("form.auto-submit select").forEach((s) => {
    s.addEventListener("change", () => s.form.submit());
  });
});
