// Stream health on /me/channels/{slug}/: poll GET /api/channels/{slug}/health/ every 2 s while
// live (less often while offline, or when the tab is hidden), show bitrate, frame rate,
// keyframe interval and dropped frames, and warn when they are off. The page also follows
// the channel going live or offline without a reload.

const panel = document.querySelector("[data-health-url]");

const LIVE_POLL_MS = 2000;
const OFFLINE_POLL_MS = 5000;
const HIDDEN_POLL_MS = 10000;
const MAX_BACKOFF_MS = 30000;
const KEYFRAME_TARGET_S = 1;
// Bitrate "dropping": below this share of the best of the last minute of samples.
const BITRATE_DROP_RATIO = 0.7;
const BITRATE_WINDOW = 30; // samples: a minute at one every 2 s
const DROPPED_WINDOW = 5; // samples: frames dropped in the last 10 s

function formatBitrate(bps) {
  if (!Number.isFinite(bps)) return "–";
  if (bps >= 1e6) return `${(bps / 1e6).toFixed(1)} Mbps`;
  return `${Math.round(bps / 1e3)} kbps`;
}

function formatNumber(value, unit, digits = 0) {
  return Number.isFinite(value) ? `${value.toFixed(digits)}${unit}` : "–";
}

function setup(panel) {
  const url = panel.dataset.healthUrl;
  const badge = document.querySelector("[data-live-badge]");
  const warnings = panel.querySelector("[data-health-warnings]");
  const errorBox = panel.querySelector("[data-health-error]");
  const values = Object.fromEntries(
    [...panel.querySelectorAll("[data-health]")].map((el) => [el.dataset.health, el]),
  );
  let live = panel.dataset.live === "true";
  let failures = 0;
  const bitrates = [];
  const dropped = [];

  function setLive(status) {
    live = status === "live" || status === "reconnecting";
    document.querySelectorAll("[data-live-only]").forEach((el) => {
      el.hidden = !live;
    });
    document.querySelectorAll("[data-offline-only]").forEach((el) => {
      el.hidden = live;
    });
    if (badge) {
      const label = { live: "Live", reconnecting: "Reconnecting" }[status] || "Offline";
      badge.textContent = label;
      badge.className = `badge badge--${status || "offline"}`;
    }
    if (!live) {
      bitrates.length = 0;
      dropped.length = 0;
      warnings.replaceChildren();
    }
  }

  function mark(name, text, warn) {
    const el = values[name];
    if (!el) return;
    el.textContent = text;
    el.closest(".health__item")?.classList.toggle("is-warning", Boolean(warn));
  }

  function render(data) {
    setLive(data.status);
    if (!live) return;
    const health = data.health || {};
    const bitrate = Number(health.bitrate);
    const frameRate = Number(health.frame_rate);
    const interval = Number(health.keyframe_interval);
    const droppedNow = Number(health.dropped_frames);
    const found = [];

    if (Number.isFinite(bitrate)) {
      bitrates.push(bitrate);
      if (bitrates.length > BITRATE_WINDOW) bitrates.shift();
    }
    const best = Math.max(...bitrates);
    const bitrateLow = bitrates.length > 2 && bitrate < best * BITRATE_DROP_RATIO;
    if (bitrateLow) {
      found.push(
        `Your bitrate dropped to ${formatBitrate(bitrate)} from ${formatBitrate(best)}: your ` +
          "upload may be struggling. Lower the bitrate in your encoder or check your network.",
      );
    }

    const keyframeLate = data.keyframe_warning || interval > KEYFRAME_TARGET_S + 0.1;
    if (keyframeLate) {
      found.push(
        `Keyframes arrive every ${formatNumber(interval, " s", 1)}: set the keyframe interval ` +
          "to 1 s in your encoder (OBS: Settings → Output → Keyframe Interval) so viewers join " +
          "and switch quality without delay.",
      );
    }

    if (Number.isFinite(droppedNow)) {
      dropped.push(droppedNow);
      if (dropped.length > DROPPED_WINDOW) dropped.shift();
    }
    const newlyDropped = dropped.length > 1 ? dropped[dropped.length - 1] - dropped[0] : 0;
    if (newlyDropped > 0) {
      found.push(
        `${newlyDropped} frame${newlyDropped === 1 ? "" : "s"} dropped in the last few ` +
          "seconds: your computer or connection cannot keep up. Lower the bitrate or resolution.",
      );
    }

    mark("bitrate", formatBitrate(bitrate), bitrateLow);
    mark("frame_rate", formatNumber(frameRate, " fps"), false);
    mark("keyframe_interval", formatNumber(interval, " s", 1), keyframeLate);
    mark("dropped_frames", formatNumber(droppedNow, ""), newlyDropped > 0);

    // Rewrite the list only when it changes, so screen readers announce changes, not ticks.
    const current = [...warnings.children].map((li) => li.textContent);
    if (current.join("\n") !== found.join("\n")) {
      warnings.replaceChildren(
        ...found.map((text) => {
          const li = document.createElement("li");
          li.textContent = text;
          return li;
        }),
      );
    }
  }

  async function tick() {
    try {
      const response = await fetch(url, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        cache: "no-store",
      });
      if (!response.ok) throw new Error(`status ${response.status}`);
      render(await response.json());
      failures = 0;
      errorBox.hidden = true;
    } catch {
      failures += 1;
      if (failures >= 3) {
        errorBox.textContent = "Cannot reach the server; still trying…";
        errorBox.hidden = false;
      }
    }
    let wait = live ? LIVE_POLL_MS : OFFLINE_POLL_MS;
    if (document.visibilityState === "hidden") wait = HIDDEN_POLL_MS;
    if (failures) wait = Math.min(wait * 2 ** failures, MAX_BACKOFF_MS);
    setTimeout(tick, wait);
  }

  tick();
}

if (panel) setup(panel);
