// ttsd's page: pick a voice, stream speech, and hear it as it arrives in every browser.
//
// Playback paths, best first:
//   1. MediaSource with audio/mpeg (Chrome, Edge, Safari): the mp3 stream is appended as it
//      arrives to an <audio> element.
//   2. Web Audio (Firefox, whose MediaSource has no audio/mpeg, and any wav/pcm request):
//      the server is asked for raw pcm, each network chunk becomes an AudioBuffer, and the
//      buffers are scheduled back to back so there is no gap between them.
//   3. A Blob, played when the whole file is in: only where neither of the others exists.
'use strict';

const SAMPLE_RATE = 24000; // the server's pcm: 24 kHz, s16le, mono
const MAX_BLEND = 3;
// Audio scheduled this far ahead of the clock when a buffer would otherwise start late.
const LEAD_SECONDS = 0.05;

const EXAMPLES = {
  greeting: 'Hello! This is ttsd, speaking as the words are made. The first sentence reaches you before the rest is even written.',
  news: 'Good evening. Heavy rain is expected across the north tonight, with winds of up to sixty miles an hour. Travellers are advised to check their routes before setting out, and to allow extra time for their journeys.',
  story: 'Once upon a time, in a village at the edge of a great forest, there lived a clockmaker who never slept. Every night, while the village dreamed, she sat by the window and listened to the clocks. One winter evening, one of them stopped.',
  numbers: 'Your order of 3 items comes to $42.50. It will arrive on March 3rd, between 9 and 11 in the morning. Your reference is 7 4 1 9.',
};

const $ = (id) => document.getElementById(id);
const el = {
  form: $('form'), text: $('text'), filter: $('voice-filter'), voice: $('voice'),
  weight0: $('weight-0'), blendRows: $('blend-rows'), blendAdd: $('blend-add'),
  spec: $('voice-spec'), speed: $('speed'), speedOut: $('speed-out'), format: $('format'),
  play: $('play'), stop: $('stop'), download: $('download'), player: $('player'),
  status: $('status'), bar: $('progress-bar'), ttfa: $('ttfa'), total: $('total'),
  progress: $('progress'), received: $('received'), modeLabel: $('mode-label'),
  audio: $('audio'), curl: $('curl'), copy: $('copy'), apiKey: $('api-key'),
};

// The API key, if the server asks for one: kept for this tab only (sessionStorage).
const KEY_STORE = 'ttsd-api-key';

function authHeaders(headers = {}) {
  const key = el.apiKey.value.trim();
  return key ? { ...headers, Authorization: `Bearer ${key}` } : headers;
}

let voices = []; // [{name, lang_code, language, gender}]
let current = null; // the playback in progress, if any
let lastDownload = null; // {blob, filename}

// ---------------------------------------------------------------- voices and blends

async function loadVoices() {
  try {
    const resp = await fetch('/v1/audio/voices', { headers: authHeaders() });
    if (resp.status === 401) {
      setStatus('This server needs an API key: enter it in the API key field.', true);
      el.apiKey.setAttribute('aria-invalid', 'true');
      return;
    }
    el.apiKey.removeAttribute('aria-invalid');
    if (!resp.ok) throw new Error(await errorMessage(resp));
    const body = await resp.json();
    voices = body.details || body.voices.map((name) => ({ name, language: '', gender: '' }));
    fillVoiceSelect(el.voice, '', el.voice.value || 'af_heart');
    const speaking = voices.filter((v) => v.supported !== false).length;
    setStatus(`${voices.length} voices, ${speaking} of them speak here (Japanese and Mandarin not yet).`);
  } catch (e) {
    setStatus(`Cannot load the voices: ${e.message}`, true);
  }
  updateSpec();
}

function genderName(g) {
  if (!g) return '';
  return { f: 'female', m: 'male', female: 'female', male: 'male' }[g] || g;
}

// Rebuilds a voice <select>: one optgroup per language and gender, filtered by `query`
// (every word must match the name, language or gender). Keeps `keep` selected if listed.
function fillVoiceSelect(select, query, keep) {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const groups = new Map();
  for (const v of voices) {
    const gender = genderName(v.gender);
    const hay = `${v.name} ${v.language} ${gender}`.toLowerCase();
    // "male" must not match "female": genders match whole words only.
    const ok = words.every((w) => hay.split(/\s+/).some((part) => part.startsWith(w)) || v.name.toLowerCase().includes(w));
    if (!ok) continue;
    const label = [v.language || v.lang_code, gender].filter(Boolean).join(' · ');
    if (!groups.has(label)) groups.set(label, []);
    groups.get(label).push(v);
  }
  select.replaceChildren();
  for (const [label, list] of groups) {
    const group = document.createElement('optgroup');
    group.label = label;
    for (const v of list) {
      // Listed for completeness; the server has no G2P for their language yet.
      const option = new Option(v.supported === false ? `${v.name} (not yet spoken)` : v.name, v.name);
      option.disabled = v.supported === false;
      group.append(option);
    }
    select.append(group);
  }
  if (groups.size === 0) {
    const none = new Option('no voice matches', '');
    none.disabled = true;
    select.append(none);
  }
  const names = [...select.options].map((o) => o.value);
  select.value = names.includes(keep) ? keep : (names[0] || '');
}

function addBlendRow() {
  const rows = el.blendRows.querySelectorAll('.blend-row');
  if (rows.length + 1 >= MAX_BLEND) return;
  const n = rows.length + 1;
  const row = document.createElement('div');
  row.className = 'row blend-row';
  const id = `blend-${Date.now()}-${n}`;
  row.innerHTML = `
    <div class="field grow"><label for="${id}-v">Voice ${n + 1}</label>
      <select id="${id}-v" class="voice-select"></select></div>
    <div class="field weight"><label for="${id}-w">Weight</label>
      <input id="${id}-w" class="weight-input" type="number" min="0.1" max="100" step="0.1" value="1"></div>
    <button type="button" class="remove" aria-label="Remove voice ${n + 1} from the blend">Remove</button>`;
  const select = row.querySelector('select');
  const others = voices.filter((v) => v.lang_code === (voiceInfo(el.voice.value) || {}).lang_code);
  fillVoiceSelect(select, '', (others.find((v) => v.name !== el.voice.value) || {}).name);
  row.querySelector('.remove').addEventListener('click', () => {
    row.remove();
    renumberBlend();
    updateSpec();
    el.blendAdd.focus();
  });
  el.blendRows.append(row);
  renumberBlend();
  updateSpec();
  select.focus();
}

function renumberBlend() {
  const rows = [...el.blendRows.querySelectorAll('.blend-row')];
  rows.forEach((row, i) => {
    row.querySelector('label').textContent = `Voice ${i + 2}`;
    row.querySelector('.remove').setAttribute('aria-label', `Remove voice ${i + 2} from the blend`);
  });
  el.blendAdd.disabled = rows.length + 1 >= MAX_BLEND;
  el.weight0.closest('.field').hidden = rows.length === 0;
}

function voiceInfo(name) {
  return voices.find((v) => v.name === name);
}

// "af_bella" alone, or the blend syntax "af_bella(2)+af_sky(1)".
function voiceSpec() {
  const parts = [[el.voice.value, el.weight0.value]];
  for (const row of el.blendRows.querySelectorAll('.blend-row')) {
    parts.push([row.querySelector('select').value, row.querySelector('input').value]);
  }
  const used = parts.filter(([name]) => name);
  if (used.length <= 1) return (used[0] || ['af_heart'])[0];
  return used.map(([name, w]) => {
    const weight = Number(w);
    return `${name}(${Number.isFinite(weight) && weight > 0 ? weight : 1})`;
  }).join('+');
}

function updateSpec() {
  el.spec.textContent = voiceSpec();
  el.speedOut.textContent = `${Number(el.speed.value).toFixed(2)}×`;
  el.curl.value = curlCommand();
}

// ---------------------------------------------------------------- requests

function requestBody(format) {
  return {
    model: 'kokoro',
    input: el.text.value,
    voice: voiceSpec(),
    response_format: format,
    speed: Number(el.speed.value),
    stream: true,
  };
}

function shellQuote(s) {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function curlCommand() {
  const format = el.format.value;
  const body = JSON.stringify(requestBody(format));
  // The key itself never goes into the text (it may be shared); the variable stands in.
  const auth = el.apiKey.value.trim() ? `  -H "Authorization: Bearer $TTSD_API_KEY" \\\n` : '';
  return `curl -sN ${location.origin}/v1/audio/speech \\\n${auth}  -H 'Content-Type: application/json' \\\n  -d ${shellQuote(body)} \\\n  -o speech.${format}`;
}

async function errorMessage(resp) {
  try {
    const body = await resp.json();
    if (body && body.error && body.error.message) return body.error.message;
  } catch (_) { /* not JSON */ }
  return `HTTP ${resp.status}`;
}

// ---------------------------------------------------------------- playback

function canStreamMp3() {
  return typeof window.MediaSource !== 'undefined' &&
    typeof MediaSource.isTypeSupported === 'function' &&
    MediaSource.isTypeSupported('audio/mpeg');
}

function canStreamBody() {
  return typeof ReadableStream !== 'undefined' && 'body' in Response.prototype;
}

function audioContextClass() {
  return window.AudioContext || window.webkitAudioContext;
}

// Which path plays the current format: 'mse', 'webaudio' or 'blob'.
function choosePath(format) {
  if (!canStreamBody()) return 'blob';
  if (format === 'mp3' && canStreamMp3()) return 'mse';
  if (audioContextClass()) return 'webaudio';
  return 'blob';
}

const MODE_LABELS = {
  mse: 'mp3 stream, MediaSource',
  webaudio: 'pcm stream, Web Audio',
  blob: 'whole file, then played',
};

// One playback: the request, its timings, and the player that consumes its bytes.
class Playback {
  constructor(path, format) {
    this.path = path;
    this.format = format; // what the user chose
    // What the server is asked for: Web Audio takes raw pcm whatever was chosen.
    this.wire = path === 'webaudio' ? 'pcm' : format;
    this.abort = new AbortController();
    this.started = performance.now();
    this.firstAudioAt = null;
    this.doneAt = null;
    this.stopped = false;
    this.chunks = []; // bytes as received (mse, blob)
    this.samples = []; // Int16Array pieces (webaudio)
    this.receivedSeconds = 0;
  }

  elapsed() {
    return (performance.now() - this.started) / 1000;
  }

  markFirstAudio() {
    if (this.firstAudioAt !== null || this.stopped) return;
    this.firstAudioAt = this.elapsed();
    el.ttfa.textContent = this.firstAudioAt.toFixed(2);
    setStatus(`Playing (first audio after ${this.firstAudioAt.toFixed(2)} s)…`);
  }
}

async function play() {
  if (current) stop('Stopped; playing again.');
  const text = el.text.value.trim();
  if (!text) {
    setStatus('Type some text first.', true);
    el.text.focus();
    return;
  }
  const format = el.format.value;
  const path = choosePath(format);
  const p = new Playback(path, format);
  current = p;
  el.player.dataset.mode = path;
  el.player.dataset.state = 'loading';
  el.modeLabel.textContent = MODE_LABELS[path];
  el.ttfa.textContent = '–';
  el.total.textContent = '–';
  el.progress.textContent = '0.00';
  el.received.textContent = '0.00';
  el.bar.value = 0;
  el.stop.disabled = false;
  // Play is about to be disabled: keep the keyboard focus on a live button.
  if (document.activeElement === el.play) el.stop.focus();
  el.play.disabled = true;
  el.download.disabled = true;
  lastDownload = null;
  setStatus(path === 'webaudio' && format === 'mp3'
    ? 'Requesting pcm: this browser cannot stream mp3 through MediaSource…'
    : 'Requesting…');

  // Made here, inside the click or key press, so the browser lets it play.
  let player;
  try {
    if (path === 'mse') player = new MsePlayer(p);
    else if (path === 'webaudio') player = new PcmPlayer(p);
    else player = new BlobPlayer(p);
    p.player = player;

    const resp = await fetch('/v1/audio/speech', {
      method: 'POST',
      headers: authHeaders({ 'Content-Type': 'application/json' }),
      body: JSON.stringify(requestBody(p.wire)),
      signal: p.abort.signal,
    });
    if (!resp.ok) throw new Error(await errorMessage(resp));
    el.player.dataset.state = 'playing';
    setStatus('Receiving…');
    if (path === 'blob') {
      await player.whole(await resp.blob());
    } else {
      const reader = resp.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (p.stopped) return;
        await player.push(value);
      }
      await player.end();
    }
    if (p.stopped) return;
    p.doneAt = p.elapsed();
    el.total.textContent = p.doneAt.toFixed(2);
    prepareDownload(p);
    setStatus(`All audio received in ${p.doneAt.toFixed(2)} s; playing…`);
    if (player.idle()) finished(p);
  } catch (e) {
    if (p.stopped || e.name === 'AbortError') return;
    fail(p, e.message || String(e));
  }
}

function fail(p, message) {
  if (current !== p) return;
  if (p.player) p.player.stop();
  p.stopped = true;
  current = null;
  el.player.dataset.state = 'error';
  idleButtons();
  if (p.chunks.length || p.samples.length) prepareDownload(p);
  setStatus(`Error: ${message}`, true);
}

// Stop: cancel the request (the server stops synthesizing when the connection closes) and
// silence the player.
function stop(message = 'Stopped.') {
  const p = current;
  if (!p) return;
  p.stopped = true;
  p.abort.abort();
  if (p.player) p.player.stop();
  current = null;
  el.player.dataset.state = 'stopped';
  idleButtons();
  if (p.chunks.length || p.samples.length) prepareDownload(p);
  setStatus(message);
}

function finished(p) {
  if (current !== p || p.doneAt === null) return;
  current = null;
  el.player.dataset.state = 'ended';
  idleButtons();
  updateProgress(p);
  p.player.stop(); // releases the audio context; the numbers stay
  setStatus(`Done: ${p.receivedSeconds.toFixed(2)} s of audio; first audio after ` +
    `${p.firstAudioAt === null ? '–' : p.firstAudioAt.toFixed(2)} s, all of it after ${p.doneAt.toFixed(2)} s.`);
}

// Play on, Stop off; the focus moves from Stop (about to be disabled) to Play.
function idleButtons() {
  el.play.disabled = false;
  const hadFocus = document.activeElement === el.stop || document.activeElement === document.body;
  el.stop.disabled = true;
  if (hadFocus) el.play.focus();
}

// What the two players on the page's <audio> element share: its clock, its end, and
// letting go of it.
class ElementPlayer {
  constructor(p) {
    this.p = p;
    this.audio = el.audio;
    this.url = null;
  }

  played() {
    return this.audio.currentTime;
  }

  idle() {
    return this.audio.ended;
  }

  stop() {
    this.audio.pause();
    this.audio.onended = this.audio.onerror = this.audio.onplaying = null;
    if (this.url) URL.revokeObjectURL(this.url);
  }
}

// MediaSource: append the mp3 stream to an <audio> element as it arrives.
class MsePlayer extends ElementPlayer {
  constructor(p) {
    super(p);
    this.source = new MediaSource();
    this.url = URL.createObjectURL(this.source);
    this.opened = new Promise((resolve) => this.source.addEventListener('sourceopen', resolve, { once: true }));
    this.audio.src = this.url;
    this.audio.onplaying = () => p.markFirstAudio();
    this.audio.onended = () => finished(p);
    this.audio.onerror = () => fail(p, 'the browser could not play the stream');
    this.playing = this.audio.play().catch((e) => {
      if (!p.stopped) setStatus(`Press Play again to hear it (${e.message}).`, true);
    });
  }

  async push(bytes) {
    this.p.chunks.push(bytes);
    await this.opened;
    if (!this.buffer) this.buffer = this.source.addSourceBuffer('audio/mpeg');
    await this.whenIdle();
    if (this.p.stopped) return;
    this.buffer.appendBuffer(bytes);
    await this.whenIdle();
    const b = this.buffer.buffered;
    if (b.length) this.p.receivedSeconds = b.end(b.length - 1);
  }

  whenIdle() {
    if (!this.buffer || !this.buffer.updating) return Promise.resolve();
    return new Promise((resolve) => this.buffer.addEventListener('updateend', resolve, { once: true }));
  }

  async end() {
    await this.opened;
    await this.whenIdle();
    if (this.source.readyState === 'open' && !this.p.stopped) this.source.endOfStream();
  }
}

// s16le bytes as the network cuts them into samples: a chunk may end in the middle of a
// sample, whose first byte then waits for the next chunk.
class PcmSamples {
  constructor() {
    this.carry = null; // the odd byte left from the previous chunk
  }

  push(bytes) {
    if (this.carry !== null && bytes.length) {
      const joined = new Uint8Array(bytes.length + 1);
      joined[0] = this.carry;
      joined.set(bytes, 1);
      bytes = joined;
      this.carry = null;
    }
    if (bytes.length % 2 === 1) {
      this.carry = bytes[bytes.length - 1];
      bytes = bytes.subarray(0, bytes.length - 1);
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    const ints = new Int16Array(bytes.length / 2);
    for (let i = 0; i < ints.length; i++) ints[i] = view.getInt16(2 * i, true);
    return ints;
  }
}

// Web Audio: raw 24 kHz s16le from the network, one AudioBufferSourceNode per chunk,
// each starting exactly where the previous one ends.
class PcmPlayer {
  constructor(p) {
    this.p = p;
    const Ctx = audioContextClass();
    try {
      this.ctx = new Ctx({ sampleRate: SAMPLE_RATE, latencyHint: 'playback' });
    } catch (_) {
      this.ctx = new Ctx(); // resamples each buffer to the device's rate
    }
    this.ctx.resume().catch(() => {});
    this.pcm = new PcmSamples();
    this.nextTime = 0; // where the next buffer starts on the context's clock
    this.segments = []; // [start, duration] of each scheduled buffer
    this.nodes = new Set();
    this.ended = false;
  }

  async push(bytes) {
    const ints = this.pcm.push(bytes);
    if (ints.length === 0) return;
    const floats = new Float32Array(ints.length);
    for (let i = 0; i < ints.length; i++) floats[i] = ints[i] / 32768;
    this.p.samples.push(ints);
    this.schedule(floats);
  }

  schedule(floats) {
    const buffer = this.ctx.createBuffer(1, floats.length, SAMPLE_RATE);
    buffer.copyToChannel(floats, 0);
    const node = this.ctx.createBufferSource();
    node.buffer = buffer;
    node.connect(this.ctx.destination);
    // Back to back; only when the network fell behind does a buffer start later.
    const start = Math.max(this.nextTime, this.ctx.currentTime + LEAD_SECONDS);
    node.start(start);
    this.nextTime = start + buffer.duration;
    this.segments.push([start, buffer.duration]);
    this.p.receivedSeconds += buffer.duration;
    this.nodes.add(node);
    node.onended = () => {
      this.nodes.delete(node);
      if (this.ended && this.nodes.size === 0) finished(this.p);
    };
    if (this.segments.length === 1) this.watchFirst(start);
  }

  // The first audio is out when the context's clock passes the first buffer's start.
  watchFirst(start) {
    const check = () => {
      if (this.p.stopped) return;
      if (this.ctx.currentTime >= start) this.p.markFirstAudio();
      else setTimeout(check, 10);
    };
    check();
  }

  async end() {
    this.ended = true;
  }

  idle() {
    return this.nodes.size === 0;
  }

  played() {
    const now = this.ctx.currentTime;
    let sum = 0;
    for (const [start, dur] of this.segments) {
      if (now <= start) break;
      sum += Math.min(now - start, dur);
    }
    return sum;
  }

  stop() {
    for (const node of this.nodes) {
      node.onended = null;
      try { node.stop(); } catch (_) { /* not started */ }
    }
    this.nodes.clear();
    this.frozen = this.played();
    this.played = () => this.frozen;
    this.ctx.close().catch(() => {});
  }
}

// The last resort: the whole file, then an <audio> element.
class BlobPlayer extends ElementPlayer {
  async whole(blob) {
    this.p.chunks.push(new Uint8Array(await blob.arrayBuffer()));
    this.url = URL.createObjectURL(blob);
    this.audio.src = this.url;
    this.audio.onplaying = () => this.p.markFirstAudio();
    this.audio.onended = () => finished(this.p);
    this.audio.onloadedmetadata = () => {
      if (Number.isFinite(this.audio.duration)) this.p.receivedSeconds = this.audio.duration;
    };
    await this.audio.play();
  }
}

// The numbers move ten times a second: often enough to read, and rare enough to leave the
// CPU to the server, which may well run on the same machine.
const TICK_MS = 100;

let ticking = false;
function tick() {
  if (ticking) return;
  ticking = true;
  const loop = () => {
    const p = current;
    if (!p) {
      ticking = false;
      return;
    }
    updateProgress(p);
    setTimeout(loop, TICK_MS);
  };
  loop();
}

function updateProgress(p) {
  if (!p.player) return;
  const played = Math.max(0, p.player.played());
  el.progress.textContent = played.toFixed(2);
  el.received.textContent = p.receivedSeconds.toFixed(2);
  el.bar.max = Math.max(p.receivedSeconds, 0.01);
  el.bar.value = Math.min(played, p.receivedSeconds);
  el.bar.setAttribute('aria-valuetext', `${played.toFixed(1)} of ${p.receivedSeconds.toFixed(1)} seconds`);
}

// ---------------------------------------------------------------- download

function wavFile(pieces) {
  const count = pieces.reduce((n, a) => n + a.length, 0);
  const out = new DataView(new ArrayBuffer(44 + 2 * count));
  const text = (at, s) => { for (let i = 0; i < s.length; i++) out.setUint8(at + i, s.charCodeAt(i)); };
  text(0, 'RIFF');
  out.setUint32(4, 36 + 2 * count, true);
  text(8, 'WAVE');
  text(12, 'fmt ');
  out.setUint32(16, 16, true);
  out.setUint16(20, 1, true); // PCM
  out.setUint16(22, 1, true); // mono
  out.setUint32(24, SAMPLE_RATE, true);
  out.setUint32(28, SAMPLE_RATE * 2, true);
  out.setUint16(32, 2, true);
  out.setUint16(34, 16, true);
  text(36, 'data');
  out.setUint32(40, 2 * count, true);
  let at = 44;
  for (const piece of pieces) {
    for (let i = 0; i < piece.length; i++, at += 2) out.setInt16(at, piece[i], true);
  }
  return new Blob([out.buffer], { type: 'audio/wav' });
}

function prepareDownload(p) {
  if (p.path === 'webaudio') {
    // Built from the samples received, with exact sizes (pcm or wav was asked for).
    lastDownload = { blob: wavFile(p.samples), filename: 'speech.wav' };
  } else {
    const type = { mp3: 'audio/mpeg', wav: 'audio/wav', pcm: 'application/octet-stream' }[p.wire];
    lastDownload = { blob: new Blob(p.chunks, { type }), filename: `speech.${p.wire}` };
  }
  el.download.disabled = false;
  el.download.textContent = `Download ${lastDownload.filename}`;
}

function download() {
  if (!lastDownload) return;
  const a = document.createElement('a');
  a.href = URL.createObjectURL(lastDownload.blob);
  a.download = lastDownload.filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
}

// ---------------------------------------------------------------- the rest

function setStatus(message, isError = false) {
  el.status.textContent = message;
  el.status.classList.toggle('error', isError);
}

async function copyCurl() {
  el.curl.value = curlCommand();
  try {
    await navigator.clipboard.writeText(el.curl.value);
  } catch (_) {
    // No clipboard API outside secure contexts: select and copy the old way.
    el.curl.select();
    document.execCommand('copy');
  }
  setStatus('curl command copied.');
}

function init() {
  el.form.addEventListener('submit', (e) => {
    e.preventDefault();
    play();
    tick();
  });
  el.stop.addEventListener('click', () => stop());
  el.download.addEventListener('click', download);
  el.copy.addEventListener('click', copyCurl);
  el.blendAdd.addEventListener('click', addBlendRow);
  el.filter.addEventListener('input', () => {
    fillVoiceSelect(el.voice, el.filter.value, el.voice.value);
    updateSpec();
  });
  for (const button of document.querySelectorAll('[data-example]')) {
    button.addEventListener('click', () => {
      el.text.value = EXAMPLES[button.dataset.example];
      updateSpec();
      el.text.focus();
    });
  }
  // Any edit to the settings keeps the spec and the curl command current.
  el.form.addEventListener('input', updateSpec);
  el.form.addEventListener('change', updateSpec);
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      el.form.requestSubmit ? el.form.requestSubmit() : play();
    } else if (e.key === 'Enter' && e.target === el.filter) {
      e.preventDefault(); // Enter in the search box picks nothing and plays nothing
    } else if (e.key === 'Escape' && current) {
      stop();
    }
  });
  el.apiKey.value = sessionStorage.getItem(KEY_STORE) || '';
  el.apiKey.addEventListener('change', () => {
    sessionStorage.setItem(KEY_STORE, el.apiKey.value.trim());
    loadVoices();
  });
  renumberBlend();
  updateSpec();
  loadVoices();
}

init();
