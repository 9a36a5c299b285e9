// The runs page: queued and running runs show live progress; when one finishes, the page reloads.
import { t } from "./i18n.js";

const ACTIVE = ["queued", "running"];

function update(row, run) {
  const cell = row.querySelector("[data-run-status]");
  if (cell && run.status) {
    cell.dataset.status = run.status;
    cell.dataset.runStatus = run.status;
    const badge = cell.querySelector(".badge");
    if (badge) {
      badge.textContent = t(`run_status.${run.status}`);
      badge.className = `badge run-status run-${run.status}`;
    }
  }
  const bar = row.querySelector("progress");
  const progress = Number(run.progress);
  if (bar && Number.isFinite(progress)) bar.value = Math.max(0, Math.min(1, progress));
  const pct = row.querySelector(".run-percent");
  if (pct && Number.isFinite(progress)) pct.textContent = `${Math.round(progress * 100)}%`;
  const step = row.querySelector(".run-step");
  if (step) step.textContent = run.step || "";
}

export function initRuns() {
  const table = document.getElementById("runs-table");
  if (!table) return;
  const rows = [...table.querySelectorAll("tr[data-run-id]")].filter((tr) => {
    const cell = tr.querySelector("[data-run-status]");
    return cell && ACTIVE.includes(cell.dataset.status);
  });
  if (!rows.length) return;
  let pending = rows;
  let finished = false;

  async function tick() {
    for (const row of pending) {
      const step = row.querySelector(".run-step");
      try {
        const r = await fetch(`/api/v1/runs/${encodeURIComponent(row.dataset.runId)}`, {
          headers: { Accept: "application/json" },
          cache: "no-store",
          credentials: "same-origin",
        });
        if (!r.ok) throw new Error(`HTTP ${r.status}`);
        const run = await r.json();
        update(row, run);
        if (!ACTIVE.includes(run.status)) finished = true;
      } catch (err) {
        if (step) step.textContent = t("runs.poll_failed");
      }
    }
    if (finished) {
      window.location.reload();
      return;
    }
    pending = pending.filter((row) => document.body.contains(row));
    window.setTimeout(tick, 1000);
  }
  window.setTimeout(tick, 1000);
}
