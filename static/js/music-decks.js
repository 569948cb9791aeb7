// Music page: two <hls-video> "decks", one playing and one holding the next track.
//
// The idle deck loads the next track with preload="metadata": hls-video-element then starts
// hls.js with a one-second buffer goal, which fetches the master playlist, the rendition's
// playlist, its init segment and the first media segment, and stops. "Next" (or the end of
// a track) plays that deck at once, from data already in its buffer, and the deck that
// finished loads the track after. At most two hls.js instances exist; each src change
// destroys the previous one with its buffers, so memory stays bounded however long the
// session runs.

export const HLS_CONFIG = {
  // No bandwidth test (a segment fetched only to be measured and thrown away): the first
  // segment fetched is the one that plays. The estimate carries over from deck to deck
  // (see load()), so after the first track hls.js starts on the rung the network allows.
  testBandwidth: false,
  // Fetch the first segment as soon as the playlist is parsed, before the element asks.
  startFragPrefetch: true,
  // Audio at 160 kb/s is 20 KB a second: 30 s ahead is 600 KB, enough to ride out a phone
  // network's drop-outs while running, and 10 s behind keeps a short seek back local.
  // Everything older is released, so a four-minute song never sits whole in memory.
  maxBufferLength: 30,
  maxMaxBufferLength: 60,
  backBufferLength: 10,
  maxBufferSize: 2 * 1000 * 1000,
};

const once = (target, type) =>
  new Promise((resolve) => target.addEventListener(type, resolve, { once: true }));

export class Decks {
  constructor(elements, handlers) {
    this.decks = elements;
    this.active = elements[0];
    this.loaded = new Map(elements.map((deck) => [deck, null])); // deck -> track id
    this.estimate = null; // bits per second, from the last hls.js instance that measured it
    // Off only to measure what preloading saves (bench/next_track.py's cold arm).
    this.preloading = true;
    for (const deck of elements) {
      deck.config = { ...HLS_CONFIG };
      for (const [type, handler] of Object.entries(handlers)) {
        // Only the playing deck speaks to the page; the preloading one is silent.
        deck.addEventListener(type, (event) => deck === this.active && handler(event, deck));
      }
    }
  }

  get idle() {
    return this.decks.find((deck) => deck !== this.active);
  }

  load(deck, track) {
    if (this.loaded.get(deck) === track.id) return;
    const estimate = deck.api?.bandwidthEstimate || this.active.api?.bandwidthEstimate;
    if (estimate) this.estimate = estimate;
    deck.config = this.estimate
      ? { ...HLS_CONFIG, abrEwmaDefaultEstimate: this.estimate }
      : { ...HLS_CONFIG };
    this.loaded.set(deck, track.id);
    const src = new URL(track.hls_url, window.location.href).href;
    // hls-video-element reloads only when src changes: the same track again starts anew.
    if (deck.getAttribute("src") === src) deck.removeAttribute("src");
    deck.setAttribute("src", src);
  }

  // Load `track` into the idle deck, ready to start on the next play().
  preload(track) {
    if (track && this.preloading) this.load(this.idle, track);
  }

  isPreloaded(track) {
    return this.loaded.get(this.idle) === track.id;
  }

  // Make `track` the playing track: from the idle deck when it holds it already (a swap,
  // at once); else it replaces what the playing deck holds, so that whatever the idle deck
  // preloaded stays there for the next track.
  async play(track, volume) {
    const previous = this.active;
    const deck = this.isPreloaded(track) ? this.idle : previous;
    const fresh = this.loaded.get(deck) !== track.id;
    if (deck !== previous) {
      this.active = deck;
      previous.pause();
    } else if (fresh) {
      this.load(deck, track);
    }
    deck.volume = volume;
    if (deck !== previous || deck.ended) deck.currentTime = 0;
    // Playing before hls.js attached the new source's MediaSource would be cancelled by
    // that attach (and the element still reports the old source's state until then).
    if (fresh || deck.readyState < 1) await once(deck, "loadedmetadata");
    if (this.active !== deck || this.loaded.get(deck) !== track.id) return; // superseded
    await deck.play();
  }

  pause() {
    this.active.pause();
  }
}
