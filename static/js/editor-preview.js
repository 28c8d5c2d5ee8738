// The editor's live preview: a moment after the writer stops typing, the body is sent to
// the server, which renders and sanitises it exactly as the article page will, and the
// answer fills the preview pane. Without JavaScript the Preview button does the same.
"use strict";

(function () {
  const PAUSE_MS = 700;
  const form = document.querySelector("form[data-live-preview]");
  if (!form) {
    return;
  }
  const body = form.querySelector("#body");
  const pane = document.querySelector('[data-testid="preview-pane"]');
  const output = pane.querySelector('[data-testid="preview-body"]');
  let timer = null;
  let shown = null;

  async function preview() {
    const text = body.value;
    if (text === shown) {
      return;
    }
    const fields = new FormData();
    fields.append("csrf_token", form.querySelector('input[name="csrf_token"]').value);
    fields.append("body", text);
    const response = await fetch(form.dataset.livePreview, {
      method: "POST",
      body: fields,
      credentials: "same-origin",
    });
    // A refusal (too long, too many previews) or a redirect (signed out: to the sign-in
    // page) leaves the last preview as it was.
    if (response.ok && !response.redirected) {
      output.innerHTML = await response.text();
      pane.hidden = text.trim() === "";
      shown = text;
    }
  }

  body.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(preview, PAUSE_MS);
  });
})();
