"""Synthesise drum loops at a known tempo: demo content and the tempo tests' ground truth."""

from __future__ import annotations

import io
import wave

import numpy as np

SAMPLE_RATE = 22050


def _kick(sr: int) -> np.ndarray:
    t = np.arange(int(0.25 * sr)) / sr
    freq = 50 + 100 * np.exp(-t * 30)  # a falling sine: the thump of a bass drum
    return np.sin(2 * np.pi * np.cumsum(freq) / sr) * np.exp(-t * 12)


def _noise_hit(sr: int, seconds: float, decay: float, seed: int) -> np.ndarray:
    t = np.arange(int(seconds * sr)) / sr
    noise = np.random.default_rng(seed).uniform(-1, 1, len(t))
    return noise * np.exp(-t * decay)


def drum_loop(
    bpm: float | list[tuple[float, float]], seconds: float, sr: int = SAMPLE_RATE
) -> np.ndarray:
    """Return a mono rock beat: kick on 1 and 3, snare on 2 and 4, hi-hat on every eighth.

    ``bpm`` may be a list of ``(bpm, seconds)`` parts for a track whose tempo changes.
    """
    parts = [(float(bpm), seconds)] if not isinstance(bpm, list) else bpm
    total = sum(length for _, length in parts)
    out = np.zeros(int(total * sr) + sr, dtype=np.float64)
    kick, snare = _kick(sr), _noise_hit(sr, 0.2, 20, 1) * 0.6
    hat = _noise_hit(sr, 0.05, 80, 2) * 0.25
    start = 0.0
    for tempo, length in parts:
        beat = 60.0 / tempo
        count = int(length / beat)
        for n in range(count):
            at = int((start + n * beat) * sr)
            out[at : at + len(kick if n % 2 == 0 else snare)] += kick if n % 2 == 0 else snare
            for half in (0, 1):
                h = int((start + (n + half / 2) * beat) * sr)
                out[h : h + len(hat)] += hat
        start += count * beat
    out = out[: int(total * sr)]
    return (out / max(1e-9, float(np.max(np.abs(out)))) * 0.8).astype(np.float32)


def click_track(bpm: float, seconds: float, sr: int = SAMPLE_RATE) -> np.ndarray:
    """Return a metronome: a short 1 kHz click on every beat, accented on the first of four."""
    out = np.zeros(int(seconds * sr), dtype=np.float64)
    t = np.arange(int(0.03 * sr)) / sr
    click = np.sin(2 * np.pi * 1000 * t) * np.exp(-t * 150)
    for n in range(int(seconds * bpm / 60)):
        at = int(n * 60 / bpm * sr)
        seg = out[at : at + len(click)]
        seg += click[: len(seg)] * (1.0 if n % 4 == 0 else 0.6)
    return (out * 0.8).astype(np.float32)


def wav_bytes(samples: np.ndarray, sr: int = SAMPLE_RATE) -> bytes:
    """Encode mono float samples in [-1, 1] as a 16-bit PCM WAV file."""
    pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(sr)
        out.writeframes(pcm.tobytes())
    return buffer.getvalue()
