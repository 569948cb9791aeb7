// Player page: hand hls.js its configuration before the vendor bundle upgrades <hls-video>.
//
// The page loads this module before vendor/player-bundle.js; module scripts run in document
// order, so the property set here exists on the element before hls-video-element's
// constructor runs, and its #upgradeProperty("config") adopts it. load() then spreads it
// into `new Hls({...})`.

const HLS_CONFIG = {
  // "First frame after one segment fetch". With the defaults (startLevel -1 and
  // testBandwidth true) hls.js first downloads a segment of the lowest rung only to measure
  // the bandwidth, and neither parses nor buffers it; playback then waits for a second
  // segment. We skip that test and start on the lowest rung (hls.js sorts levels from
  // lowest to highest, so that is level 0): its first segment is the smallest and is
  // appended as soon as it arrives. ABR measures that download and moves up from there.
  testBandwidth: false,
  startLevel: 0,
  // Fetch the first segment even before the media element is attached. The page uses
  // preload="metadata": hls-video-element then buffers only that first segment (so the
  // first frame replaces the poster at once) and restores the buffer length below on play,
  // so opening a page on a phone does not download 30 s of video nobody asked for.
  startFragPrefetch: true,
  // A phone-sized player never needs the 1080p rung in automatic mode; the quality menu
  // still offers every rendition.
  capLevelToPlayerSize: true,
  // VOD: keep a modest forward buffer and release what was played long ago, so long videos
  // do not hold hundreds of megabytes in a phone's memory.
  maxBufferLength: 30,
  backBufferLength: 60,
};

const media = document.getElementById("player-media");
if (media) {
  media.config = HLS_CONFIG;
}

// Full screen takes the player's frame rather than the controller alone: the settings and
// captions menus are the controller's siblings in the frame (the page places them, under
// the video on a phone). media-chrome 4.19 does not observe its `fullscreenelement`
// attribute, so the property is set once the element is defined.
const controller = document.getElementById("player");
const frame = document.getElementById("player-frame");
if (controller && frame) {
  customElements.whenDefined("media-controller").then(() => {
    controller.fullscreenElement = frame;
  });
}

// hls-video-element 1.5.11 hands a quality choice to hls.js only when it differs from
// hls.nextLevel, which reads -1 ("auto") whenever no switch is pending: choosing "Auto"
// after a fixed quality then leaves hls.js on that quality. Hand "Auto" over ourselves.
if (media) {
  customElements.whenDefined("hls-video").then(() => {
    media.videoRenditions.addEventListener("change", () => {
      const hls = media.api;
      if (media.videoRenditions.selectedIndex === -1 && hls && !hls.autoLevelEnabled) {
        hls.nextLevel = -1;
      }
    });
  });
}
