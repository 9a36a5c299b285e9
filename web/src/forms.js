// Small form helpers that work on top of plain HTML forms (every form also works without them).
import { t } from "./i18n.js";

export function initUploadForm() {
  const form = document.getElementById("upload-form");
  const button = document.getElementById("upload-submit");
  if (!form || !button) return;
  const label = button.textContent;
  form.addEventListener("submit", () => {
    // Disabled after the submit event has started, so the form is still sent.
    window.setTimeout(() => {
      button.disabled = true;
      button.textContent = t("submissions.uploading");
    }, 0);
  });
  // Coming back with the browser's back button shows the form usable again.
  window.addEventListener("pageshow", () => {
    button.disabled = false;
    button.textContent = label;
  });
}
