// The stream key on /me/channels/{slug}/: hidden until the owner asks. Reveal and Copy fetch it
// from the API (GET …/stream-key/, session cookie) at that moment, so it is never part of the
// page's HTML, a cached page or the browser's history; Hide forgets it again.

const box = document.querySelector("[data-stream-key]");

const MESSAGES = {
  copied: "Copied to the clipboard.",
  copyFailed: "Could not copy: select the text and copy it yourself.",
  signedOut: "You are signed out. Sign in again to see the key.",
  failed: "Could not fetch the key. Check your connection and try again.",
};

function setup(box) {
  const input = box.querySelector("#stream-key-value");
  const reveal = box.querySelector("[data-key-reveal]");
  const copyKey = box.querySelector("[data-key-copy]");
  const status = box.querySelector("[data-key-status]");
  let shown = false;

  function say(text, isError = false) {
    status.textContent = text;
    status.classList.toggle("is-error", isError);
  }

  async function fetchKey() {
    const response = await fetch(box.dataset.streamKey, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
      cache: "no-store",
    });
    if (response.status === 401 || response.status === 403 || response.status === 404) {
      throw new Error(MESSAGES.signedOut);
    }
    if (!response.ok) throw new Error(MESSAGES.failed);
    const data = await response.json();
    return data.stream_key;
  }

  function hide() {
    shown = false;
    input.value = "";
    input.type = "password";
    reveal.textContent = "Reveal";
    reveal.setAttribute("aria-pressed", "false");
  }

  async function show() {
    const key = await fetchKey();
    shown = true;
    input.value = key;
    input.type = "text";
    reveal.textContent = "Hide";
    reveal.setAttribute("aria-pressed", "true");
  }

  async function copyText(text, field) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      // No clipboard API (plain http on another host): select it so Ctrl+C works.
      field?.focus();
      field?.select();
      return false;
    }
  }

  reveal.addEventListener("click", async () => {
    say("");
    if (shown) {
      hide();
      return;
    }
    try {
      await show();
    } catch (error) {
      say(error.message, true);
    }
  });

  copyKey.addEventListener("click", async () => {
    say("");
    try {
      // Copy without showing it when it is hidden (someone may be watching the screen).
      const key = shown ? input.value : await fetchKey();
      const copied = await copyText(key, shown ? input : null);
      say(copied ? MESSAGES.copied : MESSAGES.copyFailed, !copied);
    } catch (error) {
      say(error.message, true);
    }
  });

  box.querySelectorAll("[data-copy-target]").forEach((button) => {
    const field = document.getElementById(button.dataset.copyTarget);
    button.addEventListener("click", async () => {
      const copied = await copyText(field.value, field);
      say(copied ? MESSAGES.copied : MESSAGES.copyFailed, !copied);
    });
    button.hidden = false;
  });

  // Leaving the page (or the page going into the back-forward cache) hides the key.
  window.addEventListener("pagehide", hide);
  reveal.hidden = false;
  copyKey.hidden = false;
}

if (box) setup(box);
