// Music page: the track API and the queue (what played, what plays, what comes next).
//
// With a tempo set, the queue asks the server for the next matching track
// (GET /api/tracks/next/?bpm=…&after=…), which answers one track or 204 when nothing is
// left. Without a tempo it follows the library list the listener started from.

export const TOLERANCE = 3;
const AHEAD = 2; // tracks kept queued: the first is preloaded, the second shows what follows

export class ApiError extends Error {}

async function getJson(url) {
  let response;
  try {
    response = await fetch(url, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
  } catch {
    throw new ApiError("Cannot reach the server. Check your connection and try again.");
  }
  if (response.status === 204) return null;
  if (!response.ok) {
    let detail = "";
    try {
      detail = (await response.json()).detail || "";
    } catch {
      // not JSON: the generic sentence below
    }
    throw new ApiError(detail || `The server answered ${response.status}. Try again later.`);
  }
  return response.json();
}

export function tracksUrl(base, { page = 1, search = "", bpm = null, tolerance = TOLERANCE }) {
  const url = new URL(base, window.location.href);
  if (page > 1) url.searchParams.set("page", String(page));
  if (search) url.searchParams.set("search", search);
  if (bpm) {
    url.searchParams.set("bpm", String(bpm));
    url.searchParams.set("tolerance", String(tolerance));
  }
  return url;
}

export const listTracks = (base, options) => getJson(tracksUrl(base, options));

export function nextTrack(base, { bpm, after, tolerance = TOLERANCE }) {
  const url = new URL("next/", new URL(base, window.location.href));
  url.searchParams.set("bpm", String(bpm));
  url.searchParams.set("tolerance", String(tolerance));
  if (after) url.searchParams.set("after", after);
  return getJson(url);
}

const playable = (track) => track && track.status === "ready" && track.hls_url;

export class Queue {
  constructor(base, { onChange, onError }) {
    this.base = base;
    this.onChange = onChange;
    this.onError = onError;
    this.bpm = null;
    this.current = null;
    this.history = [];
    this.upcoming = [];
    this.fallback = []; // the rest of the library list, when no tempo is set
    this.exhausted = false;
    this.generation = 0; // a fill started before a change of tempo is dropped
  }

  // Play `track` now; without a tempo, `rest` (the tracks listed after it) follows it.
  start(track, rest = []) {
    if (this.current) this.history.push(this.current);
    this.current = track;
    this.fallback = rest.filter(playable);
    this.reset();
  }

  setBpm(bpm) {
    this.bpm = bpm;
    this.reset();
  }

  reset() {
    this.generation += 1;
    this.upcoming = [];
    this.exhausted = false;
    this.onChange();
    this.refill();
  }

  seen(id) {
    return (
      this.current?.id === id ||
      this.upcoming.some((t) => t.id === id) ||
      this.history.some((t) => t.id === id)
    );
  }

  // Keep AHEAD tracks queued. Resolves once filled (or nothing more matches).
  async fill() {
    const generation = this.generation;
    let cursor = this.upcoming.at(-1)?.id ?? this.current?.id;
    // Bounded: a library of tracks that all played already must not loop for ever.
    for (let tries = 0; tries < 10 && this.upcoming.length < AHEAD && !this.exhausted; tries++) {
      let track;
      if (!this.bpm) {
        track = this.fallback.shift() ?? null;
      } else {
        track = await nextTrack(this.base, { bpm: this.bpm, after: cursor });
        if (generation !== this.generation) return; // the tempo changed meanwhile
      }
      if (track === null || (this.bpm && track.id === cursor)) {
        this.exhausted = true;
        break;
      }
      cursor = track.id;
      // A track played earlier in this session, or not ready (the owner's own): ask past it.
      if (playable(track) && !this.seen(track.id)) this.upcoming.push(track);
    }
    this.onChange();
  }

  // fill() for callers that do not wait: a failure goes to the page, not the console.
  refill() {
    this.fill().catch(this.onError);
  }

  // Move to the next track; returns it, or null at the end of the queue.
  async advance() {
    if (!this.upcoming.length) await this.fill();
    const track = this.upcoming.shift();
    if (!track) return null;
    if (this.current) this.history.push(this.current);
    this.current = track;
    this.onChange();
    this.refill();
    return track;
  }

  // Move back one track; returns it, or null when nothing played before.
  back() {
    const track = this.history.pop();
    if (!track) return null;
    if (this.current) this.upcoming.unshift(this.current);
    this.upcoming = this.upcoming.slice(0, AHEAD);
    this.current = track;
    this.onChange();
    return track;
  }
}
