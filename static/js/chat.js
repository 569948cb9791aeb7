// The live chat on /live/{slug}/: messages, history, moderation, limits, reconnects.
//
// The socket belongs to live.js (one per page); this module hears its frames through the
// "live-socket-frame" event on #live-page, its state through "live-socket-state", and sends
// through "live-socket-send". The server is the judge of every limit: its "error" frames
// are shown as they are, and a message the server refused stays in the box to be edited.

import { followBottom, messageElement, minutesUntil, systemElement } from "./chat-render.js";

const MAX_SHOWN = 300; // messages kept on screen; older ones are in the history API
const CLOSE_BANNED = 4403;
const CLOSE_SLOW = 4008;

const page = document.getElementById("live-page");
const panel = document.getElementById("live-chat");

function setup() {
  const scroller = panel.querySelector("[data-chat-scroll]");
  const log = panel.querySelector("[data-chat-log]");
  const state = panel.querySelector("[data-chat-state]");
  const notice = panel.querySelector("[data-chat-notice]");
  const jump = panel.querySelector("[data-chat-jump]");
  const viewers = panel.querySelector("[data-chat-viewers]");
  const form = panel.querySelector("[data-chat-form]");
  const input = form?.querySelector("textarea");
  const send = form?.querySelector("button[type=submit]");
  const count = form?.querySelector("[data-chat-count]");
  const error = form?.querySelector("[data-chat-error]");

  let me = { username: null, canWrite: false, canModerate: false, maxChars: 500 };
  let pending = null; // the text sent and not yet echoed: cleared from the box on its echo
  let barred = false; // banned or timed out here: the box stays closed

  const sendFrame = (frame) =>
    page.dispatchEvent(new CustomEvent("live-socket-send", { detail: frame }));

  // --- the list ---

  const follow = followBottom(scroller, jump);

  function append(item) {
    log.append(item);
    while (log.children.length > MAX_SHOWN) log.firstElementChild.remove();
    follow.added();
  }

  // Viewers report a message to the site's moderators (POST /api/reports/).
  async function report(frame, reason) {
    let answer = "Could not send the report. Try again later.";
    try {
      const response = await fetch(panel.dataset.reportUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": panel.dataset.csrf },
        body: JSON.stringify({ kind: "chat_message", id: String(frame.id), reason }),
      });
      const body = await response.json().catch(() => ({}));
      if (response.ok) answer = "Thank you: the moderators will look at that message.";
      else if (body.detail) answer = body.detail;
    } catch {
      // offline: the default answer says so
    }
    append(systemElement(answer));
  }

  function actions(frame) {
    if (!me.username || frame.author.username === me.username) return null;
    const moderates = me.canModerate && !frame.author.badges.includes("owner");
    // A <details> menu: keyboard and screen readers get it for free, no script state.
    const menu = document.createElement("details");
    menu.className = "chat-actions";
    const summary = document.createElement("summary");
    summary.className = "chat-actions__toggle";
    const verb = moderates ? "Moderate" : "Report";
    summary.setAttribute("aria-label", `${verb} ${frame.author.username}'s message`);
    summary.textContent = "⋯";
    menu.append(summary);
    const items = document.createElement("div");
    items.className = "chat-actions__menu";
    const add = (label, act) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "chat-actions__item";
      button.textContent = label;
      button.addEventListener("click", () => {
        menu.open = false;
        act();
      });
      items.append(button);
    };
    const user = frame.author.username;
    if (moderates) {
      add("Delete message", () => sendFrame({ type: "delete", id: frame.id }));
      add("Time out 1 min", () => sendFrame({ type: "timeout", user, minutes: 1 }));
      add("Time out 10 min", () => sendFrame({ type: "timeout", user, minutes: 10 }));
      add("Time out 1 hour", () => sendFrame({ type: "timeout", user, minutes: 60 }));
      add("Ban from channel", () => sendFrame({ type: "ban", user }));
    }
    add("Report as abuse", () => report(frame, "hate"));
    add("Report as spam", () => report(frame, "spam"));
    menu.append(items);
    return menu;
  }

  function addMessage(frame) {
    if (log.querySelector(`[data-id="${CSS.escape(frame.id)}"]`)) return; // sent twice
    append(messageElement(frame, actions(frame)));
    if (frame.author.username === me.username && pending !== null && frame.text === pending) {
      pending = null;
      input.value = "";
      updateCount();
    }
  }

  // --- the box ---

  function showError(text) {
    if (error) error.textContent = text;
  }

  function updateCount() {
    if (!input) return;
    const length = [...input.value].length; // characters, as the server counts them
    count.textContent = `${length}/${me.maxChars}`;
    const over = length > me.maxChars;
    count.classList.toggle("chat__count--over", over);
    send.disabled = !me.canWrite || barred || over || input.value.trim() === "";
  }

  function setWritable(open) {
    if (!input) return;
    input.disabled = !open;
    updateCount();
  }

  if (form) {
    input.addEventListener("input", () => {
      showError("");
      updateCount();
    });
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (send.disabled) return;
      pending = input.value;
      showError("");
      sendFrame({ type: "message", text: input.value });
    });
  }

  function barredFor(text) {
    barred = true;
    setWritable(false);
    notice.textContent = text;
    notice.hidden = false;
  }

  // --- frames ---

  const handlers = {
    history(frame) {
      log.replaceChildren();
      frame.messages.forEach(addMessage);
      follow.toBottom();
    },
    message: addMessage,
    delete(frame) {
      log.querySelector(`[data-id="${CSS.escape(frame.id)}"]`)?.remove();
    },
    clear() {
      log.replaceChildren(systemElement("A moderator cleared the chat."));
    },
    timeout(frame) {
      append(systemElement(`${frame.user} was timed out for ${minutesUntil(frame.until)}.`));
      if (frame.user === me.username) {
        barredFor(`You are timed out for ${minutesUntil(frame.until)}.`);
      }
    },
    ban(frame) {
      append(systemElement(`${frame.user} was banned from the chat.`));
      if (frame.user === me.username) barredFor("You are banned from this chat.");
    },
    viewer_count(frame) {
      viewers.querySelector("[data-chat-viewer-count]").textContent = String(frame.count);
      viewers.hidden = page.dataset.isLive !== "true";
    },
    system(frame) {
      if (frame.event === "chat") {
        me = {
          username: frame.username,
          canWrite: frame.can_write,
          canModerate: frame.can_moderate,
          maxChars: frame.max_chars,
        };
        panel.dataset.canModerate = String(frame.can_moderate);
        setWritable(frame.can_write && !barred);
        showSlowMode(frame.slow_mode_seconds);
      } else if (frame.event === "slow_mode") {
        showSlowMode(frame.seconds);
      } else if (["started", "ended", "moderation"].includes(frame.event)) {
        append(systemElement(frame.text));
        viewers.hidden = frame.event === "ended";
      }
    },
    error(frame) {
      if (pending !== null) {
        pending = null; // refused: the text stays in the box to be changed
        showError(frame.detail);
      } else {
        notice.textContent = frame.detail;
        notice.hidden = false;
      }
    },
  };

  function showSlowMode(seconds) {
    if (barred) return;
    const privileged = me.canModerate;
    notice.hidden = !seconds;
    notice.textContent = seconds
      ? `Slow mode: one message every ${seconds} seconds${privileged ? " (not for you)" : ""}.`
      : "";
  }

  page.addEventListener("live-socket-frame", (event) => {
    handlers[event.detail.type]?.(event.detail);
  });

  page.addEventListener("live-socket-state", (event) => {
    const { open, code, retryMs } = event.detail;
    if (open) {
      state.hidden = true;
      state.textContent = "";
      return;
    }
    state.hidden = false;
    setWritable(false);
    if (code === CLOSE_BANNED) {
      state.textContent = "You can no longer chat here.";
    } else if (code === CLOSE_SLOW) {
      state.textContent = "Your connection fell behind; reconnecting…";
    } else {
      state.textContent = `Reconnecting in ${Math.round(retryMs / 1000)} s…`;
    }
  });
}

if (page && panel) {
  setup();
}
