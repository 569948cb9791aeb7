// A replay's chat on its video page, played back in step with the video: each message appears
// when the video reaches its offset, a seek redraws the chat as it stood at that moment, and
// deleted messages never come back (the API leaves them out).
//
// The messages are fetched page by page (GET /api/videos/{id}/chat/, in replay order) while
// the video plays: a page holds a few minutes of a busy stream, and the next page is asked
// for well before the video reaches its end.

import { followBottom, messageElement } from "./chat-render.js";

const MAX_SHOWN = 300;
const PREFETCH_S = 60; // ask for the next page when the video is this close to the last offset
const RETRY_MS = 5000;

const panel = document.getElementById("replay-chat");
const media = document.getElementById("player-media");

function setup() {
  const scroller = panel.querySelector("[data-chat-scroll]");
  const log = panel.querySelector("[data-chat-log]");
  const state = panel.querySelector("[data-chat-state]");
  const jump = panel.querySelector("[data-chat-jump]");
  const messages = []; // every message fetched so far, in replay order
  const known = new Set();
  let next = panel.dataset.chatUrl; // the next page to fetch, or null once all are in
  let fetching = false;
  let shown = 0; // messages[0 .. shown) are on screen (the last MAX_SHOWN of them)

  const follow = followBottom(scroller, jump);

  async function fetchMore() {
    if (fetching || !next) return;
    fetching = true;
    try {
      const response = await fetch(next, { headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const page = await response.json();
      for (const message of page.results) {
        if (!known.has(message.id)) {
          known.add(message.id);
          messages.push(message);
        }
      }
      next = page.next;
      state.hidden = true;
      update();
    } catch (error) {
      state.textContent = "Could not load the chat; trying again…";
      state.hidden = false;
      setTimeout(fetchMore, RETRY_MS);
    } finally {
      fetching = false;
    }
  }

  const due = (time) => {
    // How many messages have an offset at or before ``time`` (binary search).
    let low = 0;
    let high = messages.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (messages[middle].offset <= time) low = middle + 1;
      else high = middle;
    }
    return low;
  };

  function redraw(count) {
    const first = Math.max(0, count - MAX_SHOWN);
    log.replaceChildren(...messages.slice(first, count).map((m) => messageElement(m)));
    shown = count;
    follow.toBottom();
  }

  function update() {
    const time = media.currentTime;
    const count = due(time);
    if (count < shown) {
      redraw(count); // went back: the chat as it stood then
    } else if (count > shown) {
      for (const message of messages.slice(shown, count)) log.append(messageElement(message));
      while (log.children.length > MAX_SHOWN) log.firstElementChild.remove();
      shown = count;
      follow.added();
    }
    const last = messages.at(-1);
    if (next && (!last || last.offset - time < PREFETCH_S)) fetchMore();
  }

  media.addEventListener("timeupdate", update);
  media.addEventListener("seeked", () => redraw(due(media.currentTime)));
  fetchMore();
}

if (panel && media) {
  setup();
}
