// The parameter table's filter box: rows that contain every typed word stay visible.
import { t } from "./i18n.js";

export function initParameterFilter() {
  const input = document.getElementById("parameter-filter");
  const table = document.getElementById("parameters-table");
  if (!input || !table) return;
  const rows = [...table.tBodies[0].rows].filter((r) => !r.classList.contains("no-match"));
  const noMatch = document.getElementById("parameter-no-match");
  const count = document.getElementById("parameter-count");
  const initialCount = count ? count.textContent : "";
  const haystacks = rows.map((r) => `${r.textContent} ${r.dataset.confidence || ""}`.toLowerCase());

  const apply = () => {
    const terms = input.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    let shown = 0;
    rows.forEach((row, i) => {
      const ok = terms.every((term) => haystacks[i].includes(term));
      row.hidden = !ok;
      if (ok) shown += 1;
    });
    if (noMatch) noMatch.hidden = shown > 0;
    if (count) {
      count.textContent = terms.length ? t("parameters.showing", { shown, total: rows.length }) : initialCount;
    }
  };
  const initial = new URLSearchParams(window.location.search).get("q");
  if (initial) input.value = initial;
  input.addEventListener("input", apply);
  apply();
}
