// Chat messages as page elements, for the live chat (chat.js) and a replay's chat
// (replay-chat.js).
//
// A message's text is exactly what its author typed. It only ever reaches the page through
// textContent (never innerHTML), so "<script>", "<img onerror>" or markdown show as the
// characters they are. Names and texts sit in <bdi> elements: a right-to-left override
// inside one cannot reorder what follows it. Only http(s) addresses become links, with
// rel="nofollow noopener ugc" (no ranking credit, no window.opener for the target, marked
// as user content); "javascript:" and "data:" stay text.

const FOLLOW_SLACK_PX = 32; // this close to the bottom counts as "at the bottom"
const URL_PATTERN = /\bhttps?:\/\/[^\s<>"'`]+/giu;
const TRAILING = /[.,;:!?)\]}'"]+$/u; // punctuation that ends a sentence, not the address
const BADGE_LABELS = { owner: "Owner", moderator: "Mod", staff: "Staff" };

// Return the text as nodes, with safe links for http(s) addresses.
export function textWithLinks(text) {
  const fragment = document.createDocumentFragment();
  let at = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    const address = match[0].replace(TRAILING, "");
    let url = null;
    try {
      url = new URL(address);
    } catch {
      continue; // not an address after all: stays text
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") continue;
    fragment.append(text.slice(at, match.index));
    const link = document.createElement("a");
    link.href = url.href;
    link.rel = "nofollow noopener noreferrer ugc";
    link.target = "_blank";
    link.textContent = address;
    fragment.append(link);
    at = match.index + address.length;
  }
  fragment.append(text.slice(at));
  return fragment;
}

// The author's name with their badges (owner, moderator, staff).
function author(frame) {
  const who = document.createElement("span");
  who.className = "chat-message__author";
  for (const badge of frame.author.badges ?? []) {
    if (!(badge in BADGE_LABELS)) continue;
    const mark = document.createElement("span");
    mark.className = `chat-badge chat-badge--${badge}`;
    mark.textContent = BADGE_LABELS[badge];
    who.append(mark);
  }
  const name = document.createElement("bdi");
  name.className = "chat-message__name";
  name.textContent = frame.author.username;
  who.append(name);
  return who;
}

// One message: <li data-id data-author> with its author and text. ``extra`` (optional) is
// appended after the text (the moderators' actions).
export function messageElement(frame, extra = null) {
  const item = document.createElement("li");
  item.className = "chat-message";
  item.dataset.id = frame.id;
  item.dataset.author = frame.author.username;
  const text = document.createElement("bdi");
  text.className = "chat-message__text";
  text.dir = "auto";
  text.append(textWithLinks(frame.text));
  item.append(author(frame), " ", text);
  if (extra) item.append(extra);
  return item;
}

// A line from the chat itself (the stream started, a ban, the chat was cleared).
export function systemElement(text) {
  const item = document.createElement("li");
  item.className = "chat-system";
  item.textContent = text;
  return item;
}

// How long until ``until`` (an ISO date), in words.
export function minutesUntil(until) {
  const minutes = Math.max(1, Math.round((Date.parse(until) - Date.now()) / 60000));
  return `${minutes} minute${minutes === 1 ? "" : "s"}`;
}

// Keep a chat's newest line in view while the reader is at the bottom; once they scroll up,
// leave them there and show ``jump`` ("new messages") until they come back or press it.
// Returns {added(), toBottom()}: call added() after appending lines.
export function followBottom(scroller, jump) {
  let following = true;
  const atBottom = () =>
    scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight <= FOLLOW_SLACK_PX;
  const toBottom = () => {
    following = true;
    jump.hidden = true;
    scroller.scrollTop = scroller.scrollHeight;
  };
  scroller.addEventListener("scroll", () => {
    following = atBottom();
    if (following) jump.hidden = true;
  });
  jump.addEventListener("click", toBottom);
  return {
    added() {
      if (following) scroller.scrollTop = scroller.scrollHeight;
      else jump.hidden = false;
    },
    toBottom,
  };
}
