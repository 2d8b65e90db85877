// Playback of one response, three ways behind one interface. A player is fed the response's
// bytes (`push`, then `end`), can be silenced (`stop`), and tells what happens through
// events: `started` (the first audio is out), `progress` ({played, received} in seconds),
// `ended` (everything received has played), `error` ({message}). It plays through its own
// <audio> element or AudioContext and knows nothing of the page.
//
// The paths, best first:
//   mse       mp3 appended to MediaSource as it arrives (Chrome, Edge, Safari).
//   webaudio  the server's raw pcm, each network chunk an AudioBuffer scheduled right after
//             the previous one (Firefox, whose MediaSource has no mp3; and wav or pcm).
//   blob      the whole file, then played: other formats, or a browser with neither.
import { PcmSamples } from './pcm.js';

// Audio scheduled this far ahead of the clock when a buffer would otherwise start late.
const LEAD_SECONDS = 0.05;
// Progress ten times a second: often enough to read, rare enough to leave the CPU to the
// server, which may well run on the same machine.
const TICK_MS = 100;

const AudioContextClass = () => window.AudioContext || window.webkitAudioContext;
const canStreamBody = () => typeof ReadableStream !== 'undefined' && 'body' in Response.prototype;
const canStreamMp3 = () => typeof window.MediaSource !== 'undefined' &&
  typeof MediaSource.isTypeSupported === 'function' && MediaSource.isTypeSupported('audio/mpeg');

// How a response in `format` plays here: the path, and the format to ask the server for.
export function choosePath(format) {
  if (!canStreamBody()) return { mode: 'blob', wire: format };
  if (format === 'mp3' && canStreamMp3()) return { mode: 'mse', wire: format };
  if ((format === 'mp3' || format === 'wav' || format === 'pcm') && AudioContextClass()) {
    return { mode: 'webaudio', wire: 'pcm' };
  }
  return { mode: 'blob', wire: format };
}

// A player for `mode`; `sampleRate` is the server's (its pcm carries no header to say it).
// Made inside the click or key press, so the browser lets it play.
export function createPlayer(mode, sampleRate) {
  if (mode === 'mse') return new MsePlayer();
  if (mode === 'webaudio') return new PcmPlayer(sampleRate);
  return new BlobPlayer();
}

class Player extends EventTarget {
  constructor() {
    super();
    this.received = 0; // seconds of audio received
    this.finished = false; // ended or stopped: no more events
    this.timer = setInterval(() => this.emit('progress', this.position()), TICK_MS);
  }

  emit(type, detail = {}) {
    if (!this.finished) this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  position() {
    return { played: Math.max(0, this.played()), received: this.received };
  }

  // The last progress, then `type` (`ended` or `error`), then silence.
  close(type, detail) {
    if (this.finished) return;
    this.emit('progress', this.position());
    this.emit(type, detail);
    this.stop();
  }

  stop() {
    clearInterval(this.timer);
    this.finished = true;
  }
}

// The two players on an <audio> element of their own: its clock, its end, letting go.
class ElementPlayer extends Player {
  constructor() {
    super();
    this.audio = new Audio();
    this.url = null;
    this.audio.addEventListener('playing', () => this.emit('started'), { once: true });
    this.audio.addEventListener('ended', () => this.close('ended'));
    this.audio.addEventListener('error', () => this.close('error', { message: 'the browser could not play the audio' }));
  }

  play() {
    this.audio.play().catch((e) => {
      // Stop pauses before play() settles; that rejection is no error.
      if (!this.finished) this.close('error', { message: `the browser would not play (${e.message})` });
    });
  }

  played() {
    return this.audio.currentTime;
  }

  stop() {
    if (this.finished) return;
    super.stop();
    this.audio.pause();
    if (this.url) URL.revokeObjectURL(this.url);
  }
}

class MsePlayer extends ElementPlayer {
  constructor() {
    super();
    this.source = new MediaSource();
    this.url = URL.createObjectURL(this.source);
    this.opened = new Promise((resolve) => this.source.addEventListener('sourceopen', resolve, { once: true }));
    this.audio.src = this.url;
    this.play();
  }

  async push(bytes) {
    await this.opened;
    if (!this.buffer) this.buffer = this.source.addSourceBuffer('audio/mpeg');
    await this.idle();
    if (this.finished) return;
    this.buffer.appendBuffer(bytes);
    await this.idle();
    const b = this.buffer.buffered;
    if (b.length) this.received = b.end(b.length - 1);
  }

  idle() {
    if (!this.buffer || !this.buffer.updating) return Promise.resolve();
    return new Promise((resolve) => this.buffer.addEventListener('updateend', resolve, { once: true }));
  }

  async end() {
    await this.opened;
    await this.idle();
    if (this.source.readyState === 'open' && !this.finished) this.source.endOfStream();
  }
}

// Web Audio: pcm at the server's rate, one AudioBufferSourceNode per network chunk, each
// starting exactly where the previous one ends.
class PcmPlayer extends Player {
  constructor(sampleRate) {
    super();
    this.rate = sampleRate;
    const Ctx = AudioContextClass();
    try {
      this.ctx = new Ctx({ sampleRate, latencyHint: 'playback' });
    } catch (_) {
      this.ctx = new Ctx(); // a rate the browser refuses: it resamples each buffer
    }
    this.ctx.resume().catch(() => {});
    this.pcm = new PcmSamples();
    this.nextTime = 0; // where the next buffer starts on the context's clock
    this.segments = []; // [start, duration] of each scheduled buffer
    this.nodes = new Set();
    this.ending = false;
  }

  async push(bytes) {
    const floats = this.pcm.push(bytes);
    if (floats.length === 0 || this.finished) return;
    const buffer = this.ctx.createBuffer(1, floats.length, this.rate);
    buffer.copyToChannel(floats, 0);
    const node = this.ctx.createBufferSource();
    node.buffer = buffer;
    node.connect(this.ctx.destination);
    // Back to back; only when the network fell behind does a buffer start later.
    const start = Math.max(this.nextTime, this.ctx.currentTime + LEAD_SECONDS);
    node.start(start);
    this.nextTime = start + buffer.duration;
    this.segments.push([start, buffer.duration]);
    this.received += buffer.duration;
    this.nodes.add(node);
    node.onended = () => {
      this.nodes.delete(node);
      if (this.ending && this.nodes.size === 0) this.close('ended');
    };
    if (this.segments.length === 1) this.watchFirst(start);
  }

  // The first audio is out when the context's clock passes the first buffer's start.
  watchFirst(start) {
    const check = () => {
      if (this.finished) return;
      if (this.ctx.currentTime >= start) this.emit('started');
      else setTimeout(check, 10);
    };
    check();
  }

  async end() {
    this.ending = true;
    if (this.nodes.size === 0) this.close('ended');
  }

  played() {
    if (this.frozen !== undefined) return this.frozen;
    const now = this.ctx.currentTime;
    let sum = 0;
    for (const [start, dur] of this.segments) {
      if (now <= start) break;
      sum += Math.min(now - start, dur);
    }
    return sum;
  }

  stop() {
    if (this.finished) return;
    this.frozen = this.played();
    super.stop();
    for (const node of this.nodes) {
      node.onended = null;
      try { node.stop(); } catch (_) { /* not started */ }
    }
    this.nodes.clear();
    this.ctx.close().catch(() => {});
  }
}

// The last resort: the whole file, then the <audio> element.
class BlobPlayer extends ElementPlayer {
  constructor() {
    super();
    this.chunks = [];
    this.audio.addEventListener('loadedmetadata', () => {
      if (Number.isFinite(this.audio.duration)) this.received = this.audio.duration;
    });
  }

  async push(bytes) {
    this.chunks.push(bytes);
  }

  async end() {
    if (this.finished) return;
    // Untyped: the element reads the format from the bytes.
    this.url = URL.createObjectURL(new Blob(this.chunks));
    this.audio.src = this.url;
    this.play();
  }
}
