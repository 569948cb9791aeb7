// Keep processing states live: poll /api/videos/{id}/ every second for each [data-status-poll]
// element; reload the page once a video becomes ready or fails, so the player (or the error
// and its retry button) appears.

const POLL_MS = 1000;
const HIDDEN_POLL_MS = 5000;
const MAX_BACKOFF_MS = 15000;
const FINAL = new Set(["ready", "failed"]);
const LABELS = {
  queued: "Queued",
  processing: "Processing",
  ready: "Ready",
  failed: "Failed",
};

function render(el, data) {
  const percent = Math.max(0, Math.min(100, Math.round(Number(data.progress) || 0)));
  const bar = el.querySelector("[data-status-bar]");
  const percentText = el.querySelector("[data-status-percent]");
  const label = el.querySelector("[data-status-label]");
  if (bar) bar.value = percent;
  if (bar) bar.textContent = `${percent}%`;
  if (percentText) percentText.textContent = `${percent}%`;
  if (label && LABELS[data.status]) {
    label.textContent = LABELS[data.status];
    label.className = `badge badge--${data.status}`;
  }
  // Announce state changes and every quarter, not every second.
  const announce = el.querySelector("[data-status-announce]");
  const step = `${data.status}:${Math.floor(percent / 25)}`;
  if (announce && el.dataset.announced !== step) {
    el.dataset.announced = step;
    announce.textContent = `${LABELS[data.status] || data.status}, ${percent}%`;
  }
}

function showProblem(el, text) {
  const error = el.querySelector("[data-status-error]");
  if (!error) return;
  error.textContent = text;
  error.hidden = !text;
}

function watch(el) {
  const url = el.dataset.statusPoll;
  let failures = 0;

  async function tick() {
    try {
      const response = await fetch(url, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        cache: "no-store",
      });
      if (response.status === 404) {
        showProblem(el, "This video is no longer available.");
        return; // deleted or hidden: nothing more to watch for
      }
      if (!response.ok) throw new Error(`status ${response.status}`);
      const data = await response.json();
      failures = 0;
      showProblem(el, "");
      render(el, data);
      if (FINAL.has(data.status) && data.status !== el.dataset.status) {
        window.location.reload();
        return;
      }
    } catch {
      failures += 1;
      if (failures >= 3) showProblem(el, "Cannot reach the server; still trying…");
    }
    const base = document.visibilityState === "hidden" ? HIDDEN_POLL_MS : POLL_MS;
    setTimeout(tick, failures ? Math.min(base * 2 ** failures, MAX_BACKOFF_MS) : base);
  }

  if (!FINAL.has(el.dataset.status)) setTimeout(tick, POLL_MS);
}

document.querySelectorAll("[data-status-poll]").forEach(watch);
