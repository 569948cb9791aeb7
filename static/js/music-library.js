// Music page: the library list (search, "only my tempo", pages) from GET /api/tracks/.

import { listTracks } from "./music-queue.js";

const PAGE_SIZE = 20; // the API's page size (DESIGN.md: 20 a page everywhere)

export function formatTime(seconds) {
  if (!Number.isFinite(seconds) || seconds < 0) return "0:00";
  const whole = Math.floor(seconds);
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
}

export function describe(track) {
  const parts = [track.artist, track.album].filter(Boolean);
  if (track.duration) parts.push(formatTime(track.duration));
  if (track.bpm) parts.push(`${Math.round(track.bpm)} BPM`);
  return parts.join(" · ");
}

function item(track, onPlay) {
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
  if (track.status === "ready" && track.hls_url) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn--ghost btn--small";
    button.textContent = "Play";
    button.setAttribute("aria-label", `Play ${track.title}${track.artist ? ` by ${track.artist}` : ""}`);
    button.addEventListener("click", () => onPlay(track));
    li.append(button);
  } else {
    const badge = document.createElement("span");
    badge.className = `badge badge--${track.status}`;
    badge.textContent = track.status === "failed" ? "Failed" : "Processing";
    li.append(badge);
  }
  return li;
}

export class Library {
  constructor(root, base, { onPlay, getBpm }) {
    this.list = root.querySelector("[data-library]");
    this.status = root.querySelector("[data-library-status]");
    this.pages = root.querySelector("[data-pages]");
    this.pageStatus = root.querySelector("[data-page-status]");
    this.previous = root.querySelector("[data-page-previous]");
    this.next = root.querySelector("[data-page-next]");
    this.matchTempo = root.querySelector("[data-match-tempo]");
    this.search = root.querySelector("[data-search]");
    this.base = base;
    this.getBpm = getBpm;
    this.onPlay = onPlay;
    this.page = 1;
    this.tracks = [];
    this.request = 0;
    this.search.addEventListener("submit", (event) => {
      event.preventDefault();
      this.show(1);
    });
    this.matchTempo.addEventListener("change", () => this.show(1));
    this.previous.addEventListener("click", () => this.show(this.page - 1));
    this.next.addEventListener("click", () => this.show(this.page + 1));
  }

  query() {
    return this.search.elements.search.value.trim();
  }

  // The tracks listed after `track` on this page: what plays next when no tempo is set.
  after(track) {
    const index = this.tracks.findIndex((t) => t.id === track.id);
    return index < 0 ? [] : this.tracks.slice(index + 1);
  }

  async show(page) {
    const request = ++this.request;
    const search = this.query();
    const bpm = this.matchTempo.checked ? this.getBpm() : null;
    this.status.textContent = "Loading tracks…";
    let data;
    try {
      data = await listTracks(this.base, { page, search, bpm });
    } catch (error) {
      if (request === this.request) this.status.textContent = error.message;
      return;
    }
    if (request !== this.request) return; // a newer search answered first
    this.page = page;
    this.tracks = data.results;
    this.list.replaceChildren(...data.results.map((track) => item(track, this.onPlay)));
    const filters = [search && `matching “${search}”`, bpm && `near ${bpm} BPM`].filter(Boolean);
    if (!data.count) {
      this.status.textContent = filters.length
        ? `No tracks ${filters.join(" and ")}.`
        : "No tracks yet. Upload one to start the library.";
    } else {
      const noun = data.count === 1 ? "track" : "tracks";
      this.status.textContent = `${data.count} ${noun}${filters.length ? ` ${filters.join(" and ")}` : ""}.`;
    }
    const pageCount = Math.max(1, Math.ceil(data.count / PAGE_SIZE));
    this.pages.hidden = !data.next && !data.previous;
    this.previous.disabled = !data.previous;
    this.next.disabled = !data.next;
    this.pageStatus.textContent = `Page ${page} of ${pageCount}`;
  }
}
