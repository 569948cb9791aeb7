// Music page: the runner's player. Wires the decks (music-decks.js), the queue
// (music-queue.js), the library (music-library.js) and the tempo sources (music-tempo.js)
// to the page's controls and to the Media Session (lock-screen controls and artwork).
//
// This module loads before vendor/player-bundle.js (module scripts run in document order):
// the hls.js configuration is set on the <hls-video> decks before the bundle upgrades them.

import { Decks } from "./music-decks.js";
import { describe, formatTime, Library } from "./music-library.js";
import { Queue } from "./music-queue.js";
import { BPM_MAX, BPM_MIN, clampBpm, levelGain, StepCadence, TapTempo } from "./music-tempo.js";

const root = document.querySelector("[data-music]");
const $ = (selector) => root.querySelector(selector);
const base = root?.dataset.api;

const ui = root && {
  play: $("[data-play]"),
  next: $("[data-next]"),
  previous: $("[data-previous]"),
  seek: $("[data-seek]"),
  current: $("[data-time-current]"),
  total: $("[data-time-total]"),
  volume: $("[data-volume]"),
  level: $("[data-level]"),
  bpm: $("[data-bpm]"),
  tap: $("[data-tap]"),
  motion: $("[data-motion]"),
  clear: $("[data-bpm-clear]"),
  queue: $("[data-queue]"),
  queueEmpty: $("[data-queue-empty]"),
  title: $("[data-now-title]"),
  artist: $("[data-now-artist]"),
  nowBpm: $("[data-now-bpm]"),
  art: $("[data-art]"),
  artEmpty: $("[data-art-empty]"),
  announce: $("[data-announce]"),
  error: $("[data-player-error]"),
};

const showError = (error) => {
  ui.error.textContent = error ? error.message || String(error) : "";
  ui.error.hidden = !error;
};

const volumeFor = (track) =>
  (Number(ui.volume.value) / 100) * (ui.level.checked ? levelGain(track?.loudness) : 1);

const currentBpm = () => {
  const value = Number(ui.bpm.value);
  return ui.bpm.value && value >= BPM_MIN && value <= BPM_MAX ? Math.round(value) : null;
};

let queue;
let library;
let seeking = false;

function renderQueue() {
  const items = queue.upcoming.map((track) => {
    const li = document.createElement("li");
    li.className = "music-item";
    const text = document.createElement("span");
    text.className = "music-item__text";
    const title = document.createElement("span");
    title.className = "music-item__title";
    title.textContent = track.title;
    const meta = document.createElement("span");
    meta.className = "music-item__meta";
    meta.textContent = describe(track);
    text.append(title, meta);
    li.append(text);
    return li;
  });
  ui.queue.replaceChildren(...items);
  ui.queueEmpty.hidden = items.length > 0;
  if (queue.current && queue.exhausted && !items.length) {
    ui.queueEmpty.textContent = "Nothing more matches this tempo. Change it, or choose a track.";
  }
  // Whatever is first in the queue waits, loaded, in the idle deck.
  if (queue.upcoming[0]) decks.preload(queue.upcoming[0]);
}

function showTrack(track) {
  ui.title.textContent = track.title;
  ui.artist.textContent = [track.artist, track.album].filter(Boolean).join(" · ") || " ";
  ui.nowBpm.textContent = track.bpm ? `${Math.round(track.bpm)} BPM` : "Tempo unknown";
  ui.art.hidden = !track.artwork_url;
  ui.artEmpty.hidden = Boolean(track.artwork_url);
  if (track.artwork_url) ui.art.src = track.artwork_url;
  ui.announce.textContent = `Playing ${track.title}${track.artist ? ` by ${track.artist}` : ""}`;
  if ("mediaSession" in navigator) {
    navigator.mediaSession.metadata = new MediaMetadata({
      title: track.title,
      artist: track.artist || "",
      album: track.album || "",
      artwork: track.artwork_url
        ? [{ src: new URL(track.artwork_url, window.location.href).href }]
        : [],
    });
  }
}

async function start(track) {
  if (!track) return;
  showError(null);
  showTrack(track);
  try {
    await decks.play(track, volumeFor(track));
  } catch (error) {
    // A pause or another track chosen before playback began is not a failure.
    if (error?.name !== "AbortError") showError(error);
  }
}

async function playNext() {
  try {
    const track = await queue.advance();
    if (track) await start(track);
    else ui.announce.textContent = "End of the queue.";
  } catch (error) {
    showError(error);
  }
}

function playPrevious() {
  const deck = decks.active;
  // As on every music player: "previous" restarts a track that has played a few seconds.
  if (deck.currentTime > 3 || !queue.history.length) {
    deck.currentTime = 0;
    return;
  }
  start(queue.back());
}

function togglePlay() {
  if (!queue.current) {
    // Nothing chosen yet: the best match for the tempo, else the top of the library.
    if (queue.bpm) return playNext();
    const first = library.tracks.find((t) => t.status === "ready" && t.hls_url);
    return first ? playFrom(first) : undefined;
  }
  if (decks.active.paused) return start(queue.current);
  decks.pause();
}

function playFrom(track) {
  queue.start(track, library.after(track));
  start(track);
}

function setBpm(bpm, { announce = true } = {}) {
  ui.bpm.value = bpm ? String(bpm) : "";
  queue.setBpm(bpm);
  if (announce) ui.announce.textContent = bpm ? `Tempo ${bpm} a minute` : "Any tempo";
  if (library.matchTempo.checked) library.show(1);
}

function onTime(_event, deck) {
  const duration = Number.isFinite(deck.duration) ? deck.duration : 0;
  ui.seek.max = String(Math.floor(duration));
  ui.seek.disabled = !duration;
  if (!seeking) ui.seek.value = String(Math.floor(deck.currentTime));
  ui.current.textContent = formatTime(deck.currentTime);
  ui.total.textContent = formatTime(duration);
  ui.seek.setAttribute(
    "aria-valuetext",
    `${formatTime(deck.currentTime)} of ${formatTime(duration)}`,
  );
  if ("mediaSession" in navigator && duration && navigator.mediaSession.setPositionState) {
    navigator.mediaSession.setPositionState({
      duration,
      position: Math.min(deck.currentTime, duration),
      playbackRate: deck.playbackRate,
    });
  }
}

function onPlayState(_event, deck) {
  const playing = !deck.paused;
  ui.play.querySelector("[data-icon-play]").toggleAttribute("hidden", playing);
  ui.play.querySelector("[data-icon-pause]").toggleAttribute("hidden", !playing);
  ui.play.setAttribute("aria-label", playing ? "Pause" : "Play");
  if ("mediaSession" in navigator) navigator.mediaSession.playbackState = playing ? "playing" : "paused";
}

const decks =
  root &&
  new Decks([...root.querySelectorAll("[data-deck]")], {
    timeupdate: onTime,
    durationchange: onTime,
    play: onPlayState,
    pause: onPlayState,
    playing: onPlayState,
    ended: () => playNext(),
    error: () => showError(new Error("This track cannot be played. Try the next one.")),
  });

function wireTempo() {
  const taps = new TapTempo();
  ui.tap.addEventListener("click", () => {
    const bpm = taps.tap(performance.now());
    if (bpm) setBpm(bpm);
    else ui.announce.textContent = "Keep tapping";
  });
  ui.bpm.addEventListener("change", () => {
    const value = Number(ui.bpm.value);
    setBpm(ui.bpm.value && Number.isFinite(value) ? clampBpm(value) : null);
  });
  ui.clear.addEventListener("click", () => setBpm(null));

  // The motion sensor: offered where it exists, used only after the listener turns it on
  // (iOS also asks the person through DeviceMotionEvent.requestPermission, from this click).
  // Desktop Chromium has the API too, without a sensor: offer it on touch devices only.
  if (!("DeviceMotionEvent" in window) || !window.matchMedia("(pointer: coarse)").matches) return;
  ui.motion.hidden = false;
  let steps = null;
  let lastSet = 0;
  const onMotion = (event) => {
    const a = event.accelerationIncludingGravity;
    if (!a || a.x === null) return;
    const cadence = steps.push(performance.now(), a.x, a.y, a.z);
    const now = performance.now();
    // Follow the pace, not every step: a change of 3 or more, at most every 5 s. The queue
    // refills; the song playing carries on.
    if (cadence && Math.abs(cadence - (currentBpm() || 0)) >= 3 && now - lastSet > 5000) {
      lastSet = now;
      setBpm(cadence, { announce: false });
    }
  };
  ui.motion.addEventListener("click", async () => {
    if (steps) {
      window.removeEventListener("devicemotion", onMotion);
      steps = null;
      ui.motion.setAttribute("aria-pressed", "false");
      return;
    }
    try {
      if (typeof DeviceMotionEvent.requestPermission === "function") {
        if ((await DeviceMotionEvent.requestPermission()) !== "granted") {
          throw new Error("Motion access was not allowed, so steps cannot be counted.");
        }
      }
    } catch (error) {
      showError(error);
      return;
    }
    steps = new StepCadence();
    window.addEventListener("devicemotion", onMotion);
    ui.motion.setAttribute("aria-pressed", "true");
    ui.announce.textContent = "Counting your steps";
  });
}

function wireControls() {
  ui.play.addEventListener("click", togglePlay);
  ui.next.addEventListener("click", playNext);
  ui.previous.addEventListener("click", playPrevious);
  ui.seek.addEventListener("input", () => {
    seeking = true;
    ui.current.textContent = formatTime(Number(ui.seek.value));
  });
  ui.seek.addEventListener("change", () => {
    seeking = false;
    decks.active.currentTime = Number(ui.seek.value);
  });
  const applyVolume = () => {
    decks.active.volume = volumeFor(queue.current);
  };
  ui.volume.addEventListener("input", applyVolume);
  ui.level.addEventListener("change", applyVolume);

  // Shortcuts where typing is not going on: Space play/pause, N next, P previous, T tap.
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.target.closest("input, textarea, select, button, a, [contenteditable]")) return;
    const action = { " ": togglePlay, n: playNext, p: playPrevious, t: () => ui.tap.click() }[
      event.key.toLowerCase()
    ];
    if (action) {
      event.preventDefault();
      action();
    }
  });

  if ("mediaSession" in navigator) {
    const session = navigator.mediaSession;
    const handlers = {
      play: () => queue.current && start(queue.current),
      pause: () => decks.pause(),
      nexttrack: playNext,
      previoustrack: playPrevious,
      seekto: (details) => {
        decks.active.currentTime = details.seekTime;
      },
      seekbackward: (details) => {
        decks.active.currentTime = Math.max(0, decks.active.currentTime - (details.seekOffset || 10));
      },
      seekforward: (details) => {
        decks.active.currentTime += details.seekOffset || 10;
      },
    };
    for (const [action, handler] of Object.entries(handlers)) {
      try {
        session.setActionHandler(action, handler);
      } catch {
        // an action this browser does not know
      }
    }
  }
}

if (root) {
  queue = new Queue(base, { onChange: renderQueue, onError: showError });
  library = new Library(root, base, { onPlay: playFrom, getBpm: currentBpm });
  wireTempo();
  wireControls();
  library.show(1);
  // For tests and the benchmark: the page's player state, read-only by convention.
  window.musicPlayer = { decks, queue, library, playNext, playFrom, setBpm };
}
