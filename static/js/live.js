// Channel page: the live player, and the socket that keeps the page current.
//
// The channel's socket (/ws/chat/{slug}/) says whether the channel is live when it opens,
// then when it goes live or ends, and how many watch. The page switches between the player
// and the offline view on those frames, without a reload. The chat (chat.js) shares the
// socket through DOM events on #live-page, so it needs no import of this module:
//   "live-socket-frame" (detail: every frame the server sends),
//   "live-socket-state" (detail: {open, code, retryMs}: opened, or closed and when it retries),
//   "live-socket-send"  (detail: a frame to send; dispatched by the chat).

// hls.js in live mode. Our packager writes 1 s segments (EXT-X-TARGETDURATION 1).
const LIVE_HLS_CONFIG = {
  // Play 3 segments (3 s) behind the live edge: with the packager's 1 s segments that keeps
  // glass-to-glass latency near 4 s, and 3 s of buffer absorb one late segment without a
  // stall. 2 would shave a second but stall on any hiccup of the network or the encoder.
  liveSyncDurationCount: 3,
  // Fallen behind (a stall, a tab in the background): play up to 1.5x until back at that
  // point rather than jump, so the viewer misses nothing; barely audible on speech.
  maxLiveSyncPlaybackRate: 1.5,
  // Further than 8 segments behind, catching up by speed would take too long: jump back
  // to the sync point (hls.js seeks when the latency passes this).
  liveMaxLatencyDurationCount: 8,
  // Low-latency HLS (partial segments, blocking playlist reloads) when a playlist offers
  // it: an IVS stream does; ffmpeg's hls muxer writes no EXT-X-PART, so for our packager
  // this changes nothing and costs nothing.
  lowLatencyMode: true,
  // As on the video page: start on the lowest rung without a bandwidth test, so the first
  // frame comes after one small segment; ABR climbs from there. A phone-sized player never
  // needs the top rung in automatic mode (the quality menu still offers every rendition).
  testBandwidth: false,
  startLevel: 0,
  capLevelToPlayerSize: true,
  // What can be seeked back into is the playlist's short window; release older media.
  backBufferLength: 30,
  // hls-video-element turns this on for live streams anyway: the element's duration is
  // Infinity, which is how media-chrome knows to show the LIVE button, not a timeline.
  liveDurationInfinity: true,
};

const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 30000;
const CLOSE_NO_CHANNEL = 4404;

const page = document.getElementById("live-page");
const frame = document.getElementById("player-frame");
const offline = document.getElementById("live-offline");
const offlineState = document.getElementById("live-offline-state");
const badge = document.getElementById("live-badge");
const viewers = document.getElementById("live-viewers");
const template = document.getElementById("live-player-template");

let playing = null; // the URL the player plays, or null while offline
let wasLive = page?.dataset.isLive === "true";

function startPlayer(url) {
  frame.replaceChildren(template.content.cloneNode(true));
  const media = frame.querySelector("hls-video");
  const controller = frame.querySelector("media-controller");
  // Set before the source: hls-video-element hands it to hls.js when src is set.
  media.config = LIVE_HLS_CONFIG;
  media.setAttribute("src", url);
  // As on the video page (player.js): full screen takes the frame, which holds the menus.
  customElements.whenDefined("media-controller").then(() => {
    controller.fullscreenElement = frame;
  });
  // Live starts by itself, once there is something to play. Browsers allow sound only
  // after the viewer has interacted with the site; otherwise start muted (the mute button is
  // right there) rather than not at all.
  media.addEventListener(
    "canplay",
    () => {
      media.play().catch((error) => {
        if (error.name === "NotAllowedError") {
          media.muted = true;
          media.play().catch(() => {}); // still refused: the play button is there
        }
      });
    },
    { once: true },
  );
  // The element works once the bundle (loaded after this module) has defined it.
  customElements.whenDefined("hls-video").then(() => {
    // hls-video-element 1.5.11 does not hand "Auto" back to hls.js after a fixed quality
    // (see player.js); do it here too.
    media.videoRenditions.addEventListener("change", () => {
      const hls = media.api;
      if (media.videoRenditions.selectedIndex === -1 && hls && !hls.autoLevelEnabled) {
        hls.nextLevel = -1;
      }
    });
  });
}

function stopPlayer() {
  const media = frame.querySelector("hls-video");
  if (media) {
    media.removeAttribute("src"); // destroys the hls.js instance
  }
  frame.replaceChildren();
}

function show({ is_live: isLive, hls_url: url }) {
  badge.hidden = !isLive;
  viewers.hidden = !isLive;
  if (isLive && url) {
    if (playing !== url) {
      stopPlayer();
      startPlayer(url);
      playing = url;
    }
    frame.hidden = false;
    offline.hidden = true;
  } else {
    if (playing) {
      stopPlayer();
      playing = null;
    }
    const state = isLive ? "starting" : wasLive ? "ended" : "offline";
    offlineState.textContent = offlineState.dataset[state];
    frame.hidden = true;
    offline.hidden = false;
  }
  wasLive = isLive;
  page.dataset.isLive = String(isLive);
}

function onFrame(data) {
  if (data.type === "system" && "is_live" in data) {
    show(data);
  } else if (data.type === "viewer_count") {
    viewers.querySelector("[data-viewer-count]").textContent = String(data.count);
  }
  page.dispatchEvent(new CustomEvent("live-socket-frame", { detail: data }));
}

function connect() {
  let retryMs = RETRY_FIRST_MS;
  let socket = null;
  const open = () => {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    socket = new WebSocket(`${scheme}//${location.host}${page.dataset.socketPath}`);
    socket.addEventListener("open", () => {
      retryMs = RETRY_FIRST_MS;
      page.dispatchEvent(new CustomEvent("live-socket-state", { detail: { open: true } }));
    });
    socket.addEventListener("message", (event) => {
      try {
        onFrame(JSON.parse(event.data));
      } catch (error) {
        console.warn("Ignored a frame from the channel socket:", error);
      }
    });
    socket.addEventListener("close", (event) => {
      if (event.code === CLOSE_NO_CHANNEL) {
        return; // the channel was deleted: nothing to wait for
      }
      // The server restarted or the network dropped: come back, more slowly each time.
      // On reconnect the server says the channel's state again, so nothing is missed.
      const detail = { open: false, code: event.code, retryMs };
      page.dispatchEvent(new CustomEvent("live-socket-state", { detail }));
      setTimeout(open, retryMs);
      retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
    });
  };
  page.addEventListener("live-socket-send", (event) => {
    if (socket?.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify(event.detail));
    }
  });
  open();
}

if (page) {
  if (page.dataset.hlsUrl) {
    show({ is_live: true, hls_url: page.dataset.hlsUrl });
  }
  connect();
}
