// Music page: tempo from the runner, by tapping the beat or from the phone's motion sensor,
// and the volume that levels tracks by their stored loudness. Pure code, no DOM: the
// browser test imports this module and feeds it made-up taps and accelerations.

export const BPM_MIN = 40;
export const BPM_MAX = 240;

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

export const clampBpm = (bpm) => Math.min(BPM_MAX, Math.max(BPM_MIN, Math.round(bpm)));

// Tap the beat: the median of the last intervals, so one late tap does not move the tempo.
// A pause longer than RESET_MS starts a new count.
export class TapTempo {
  static RESET_MS = 2000;
  static KEEP = 8;

  constructor() {
    this.taps = [];
  }

  // Record a tap at `now` (ms); return the tempo once three taps agree on one, else null.
  tap(now) {
    const last = this.taps.at(-1);
    if (last !== undefined && now - last > TapTempo.RESET_MS) this.taps = [];
    this.taps.push(now);
    this.taps = this.taps.slice(-TapTempo.KEEP);
    if (this.taps.length < 3) return null;
    const intervals = this.taps.slice(1).map((t, i) => t - this.taps[i]);
    return clampBpm(60000 / median(intervals));
  }
}

// Steps from DeviceMotionEvent: each foot strike is a peak of the acceleration's magnitude
// (gravity included, so no gyroscope is needed). A slow moving average is the baseline; a
// step is counted when the magnitude rises REARM above it after having fallen back under it,
// and never sooner than MIN_STEP_MS after the last one (240 steps a minute). The cadence
// is the median of the last intervals; a stop of STALE_MS forgets them.
export class StepCadence {
  static REARM = 1.5; // m/s² above the baseline: a walk's strike peaks at 2–4, a run's at 8+
  static MIN_STEP_MS = 250;
  static STALE_MS = 2500;
  static KEEP = 12;

  constructor() {
    this.baseline = null;
    this.armed = true;
    this.steps = [];
  }

  // Feed one sample (time in ms, acceleration x/y/z in m/s²); return the cadence or null.
  push(now, x, y, z) {
    const magnitude = Math.hypot(x, y, z);
    // About half a second of memory at the sensors' usual 60 Hz.
    this.baseline = this.baseline === null ? magnitude : this.baseline * 0.97 + magnitude * 0.03;
    const last = this.steps.at(-1);
    if (last !== undefined && now - last > StepCadence.STALE_MS) this.steps = [];
    if (magnitude < this.baseline) {
      this.armed = true;
    } else if (
      this.armed &&
      magnitude > this.baseline + StepCadence.REARM &&
      (last === undefined || now - last >= StepCadence.MIN_STEP_MS)
    ) {
      this.armed = false;
      this.steps.push(now);
      this.steps = this.steps.slice(-StepCadence.KEEP);
    }
    return this.cadence();
  }

  // Steps a minute from at least six steps, else null.
  cadence() {
    if (this.steps.length < 6) return null;
    const intervals = this.steps.slice(1).map((t, i) => t - this.steps[i]);
    return clampBpm(60000 / median(intervals));
  }
}

// Loudness levelling. A media element's volume can only attenuate (1 is its maximum), so
// the target sits a little under streaming's usual −14 LUFS: louder masters are turned down
// to it, and most quieter ones still reach it (quieter still: full volume, as loud as it
// gets). The floor keeps a wrongly measured track (say +10 LUFS, louder than digital full
// scale allows) from being turned down to a whisper.
export const TARGET_LUFS = -16;
export const GAIN_MIN = 0.2;

export function levelGain(loudness, target = TARGET_LUFS) {
  if (typeof loudness !== "number" || !Number.isFinite(loudness)) return 1;
  const gain = 10 ** ((target - loudness) / 20);
  return Math.min(1, Math.max(GAIN_MIN, gain));
}
