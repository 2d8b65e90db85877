// The controller: owns the page's state (the server's facts, the voices, the blend, the
// playback in progress and what it received), turns the user's actions into requests and
// players, and hands the view what to show. Every fact about the server comes from it.
import * as api from './api.js';
import { webVtt, wordAt } from './captions.js';
import { wavBlob } from './pcm.js';
import { choosePath, createPlayer } from './players.js';
import { SpeechSocket, socketUrl, tokenSpoken, tokens } from './stream.js';
import { View } from './ui.js';
import { blendSpec, groupVoices, initialVoice, summary } from './voices.js';

// The API key is kept for this tab only.
const KEY_STORE = 'ttsd-api-key';
// The format picked at first when the server offers it: MediaSource streams it.
const PREFERRED_FORMAT = 'mp3';
// Tokens per second at first in the streamed-in mode: a local LLM's pace on a CPU.
const DEFAULT_RATE = 20;
// A server at capacity says when to ask again (Retry-After, in seconds): Play asks again,
// a few times, when that is soon. A Play pressed just after Stop meets this: the stopped
// stream keeps its place until the model call under way ends.
const BUSY_RETRIES = 5;
const BUSY_MAX_WAIT = 5;

const view = new View();
const state = {
  info: null, // GET /info
  voices: [], // GET /v1/audio/voices
  key: sessionStorage.getItem(KEY_STORE) || '',
  filter: '',
  form: { text: '', speed: 1, format: PREFERRED_FORMAT, delivery: 'whole', rate: DEFAULT_RATE },
  blend: [{ name: '', weight: 1 }], // the first voice, then the ones blended in
  playback: null, // the request and player under way
  download: null, // {blob, filename}: what the last playback received
  captions: null, // a WebVTT Blob of the words the last playback received
};

// ---------------------------------------------------------------- facts and voices

async function load() {
  try {
    state.info = await api.info();
  } catch (e) {
    view.status(`Cannot read the server's facts: ${e.message}`, { error: true, requestId: e.requestId });
    return;
  }
  view.showFacts(state.info, PREFERRED_FORMAT);
  sync();
  await loadVoices();
}

async function loadVoices() {
  if (state.info.auth && !state.key) {
    view.keyInvalid(true);
    view.status('This server needs an API key: enter it in the API key field.', { error: true });
    return;
  }
  try {
    state.voices = await api.voices(state.key);
  } catch (e) {
    const refused = e.status === 401;
    view.keyInvalid(refused);
    view.status(refused ? `This server needs an API key, and refused this one: ${e.message}`
      : `Cannot load the voices: ${e.message}`, { error: true, requestId: e.requestId });
    return;
  }
  view.keyInvalid(false);
  const known = state.voices.some((v) => v.id === state.blend[0].name && v.speaks);
  if (!known) state.blend[0].name = initialVoice(state.voices, state.info.default_voice);
  renderBlend();
  const { total, speaking, notYet } = summary(state.voices, state.info.languages);
  view.status(`${total} voices, ${speaking} of them speak here` +
    (notYet.length ? ` (not yet: ${notYet.join(', ')}).` : '.') +
    (state.info.ready ? '' : ' The model is still loading.'));
}

function renderBlend() {
  const { languages, max_blend: maxBlend, max_weight: maxWeight } = state.info;
  const main = groupVoices(state.voices, languages, state.filter);
  // The search narrows the first voice's list; keep its voice if listed, else the first
  // listed voice that speaks.
  const listed = main.flatMap((g) => g.voices).filter((v) => !v.reason).map((v) => v.id);
  if (listed.length && !listed.includes(state.blend[0].name)) state.blend[0].name = listed[0];
  view.showBlend(state.blend, main, groupVoices(state.voices, languages), { maxBlend, maxWeight });
  renderRequest();
}

// The form's values into the state, then what depends on them.
function sync() {
  const { blend, ...form } = view.read();
  state.form = form;
  // A search that matches nothing leaves the first select empty: its voice stays.
  if (state.voices.length) state.blend = blend.map((p, i) => (p.name ? p : { ...p, name: state.blend[i]?.name || '' }));
  renderRequest();
}

// The first voice's engine, as /info describes it (each engine its sample rate, and whether
// it gives word times).
function voiceEngine() {
  const voice = state.voices.find((v) => v.id === state.blend[0].name);
  return (state.info.engines || []).find((e) => e.name === voice?.engine);
}

// Whether the voice gives word times: the server refuses `timestamps` for one that has none.
function hasTimes() {
  const engine = voiceEngine();
  return engine ? engine.timestamps : true;
}

// The sample rate of the voice's pcm (which carries no header to say it).
function sampleRate() {
  return voiceEngine()?.sample_rate || state.info.sample_rate;
}

function requestBody(format) {
  return {
    input: state.form.text,
    voice: blendSpec(state.blend, state.info.max_weight),
    response_format: format,
    speed: state.form.speed,
    stream: true,
  };
}

function renderRequest() {
  if (!state.info) return;
  const body = requestBody(state.form.format);
  const curl = state.form.delivery === 'streamed'
    ? api.curlStreamed(location.origin, body, Boolean(state.key))
    : api.curlCommand(location.origin, body, Boolean(state.key));
  view.showRequest(body.voice, state.form.speed, curl);
}

function addVoice() {
  sync();
  if (!state.info || state.blend.length >= state.info.max_blend) return;
  // Another voice of the first one's engine (a blend is one engine's) and language, else
  // any of its engine that speaks.
  const first = state.voices.find((v) => v.id === state.blend[0].name) || {};
  const used = new Set(state.blend.map((p) => p.name));
  const free = state.voices.filter((v) => v.speaks && !used.has(v.id) && v.engine === first.engine);
  const pick = free.find((v) => v.lang_code === first.lang_code) || free[0];
  state.blend.push({ name: pick ? pick.id : '', weight: 1 });
  renderBlend();
  view.focusBlend(state.blend.length - 1);
}

function removeVoice(index) {
  sync();
  state.blend.splice(index, 1);
  renderBlend();
  view.focusBlend(0);
}

function setKey(key) {
  state.key = key;
  sessionStorage.setItem(KEY_STORE, key);
  if (state.info) loadVoices();
  else load();
  renderRequest();
}

// ---------------------------------------------------------------- playback

const elapsed = (p) => (performance.now() - p.started) / 1000;

// Waits `ms`, or less if `signal` aborts.
const pause = (ms, signal) => new Promise((resolve) => {
  const timer = setTimeout(resolve, ms);
  signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
});

async function play() {
  if (state.playback) stop('Stopped; playing again.');
  sync();
  if (!state.info || !state.form.text.trim()) {
    view.status(state.info ? 'Type some text first.' : 'Not connected to the server yet.', { error: true });
    return;
  }
  const { mode, wire } = choosePath(state.form.format);
  // Made here, inside the click or key press, so the browser lets it play.
  const rate = sampleRate();
  const player = createPlayer(mode, rate);
  const streamed = state.form.delivery === 'streamed';
  const p = {
    player, rate, mode, wire, streamed, started: performance.now(), abort: new AbortController(), chunks: [], bytes: 0, words: [],
  };
  state.playback = p;
  player.addEventListener('started', () => {
    p.ttfa = elapsed(p);
    p.heard = performance.now();
    view.times({ ttfa: p.ttfa, ...sinceWritten(p) });
    if (p.total === undefined) view.status(`Playing (first audio after ${p.ttfa.toFixed(2)} s)…`);
  });
  player.addEventListener('progress', (e) => view.progress(e.detail));
  player.addEventListener('ended', () => finished(p));
  player.addEventListener('error', (e) => end(p, 'error', `Error: ${e.detail.message}.`, p.requestId));
  // Streamed in, the text appears as it is written.
  view.starting(mode, streamed ? '' : state.form.text, streamed);
  follow(p);
  if (streamed) {
    streamIn(p);
    return;
  }
  view.status(mode === 'webaudio' && state.form.format === 'mp3'
    ? 'Requesting pcm: this browser cannot stream mp3 through MediaSource…' : 'Requesting…');
  // As events rather than bare audio: the same bytes (base64), each delta followed by the
  // times of the words it completed, so words and sound come together and the first audio
  // is no later. (The curl command keeps the bare request: it saves the audio.)
  const body = { ...requestBody(wire), stream_format: 'sse', timestamps: hasTimes() };
  let resp;
  for (let attempt = 1; ; attempt++) {
    try {
      ({ resp, requestId: p.requestId } = await api.speak(body, state.key, p.abort.signal));
      break;
    } catch (e) {
      if (e.name === 'AbortError') return;
      const wait = Number(e.retryAfter);
      if (e.status !== 429 || attempt > BUSY_RETRIES || !(wait > 0 && wait <= BUSY_MAX_WAIT)) {
        failed(p, e);
        return;
      }
      view.status(`The server is at capacity; asking again in ${wait} s…`);
      await pause(wait * 1000, p.abort.signal);
      if (state.playback !== p) return;
    }
  }
  view.state('playing');
  view.status('Receiving…');
  await receive(p, resp);
}

// The events' audio into the player and their words to the view; a body that breaks
// after the 200 ends the playback.
async function receive(p, resp) {
  const reader = resp.body ? resp.body.getReader() : null;
  const events = new api.EventReader();
  for (;;) {
    let chunk;
    try {
      chunk = reader ? await reader.read() : { value: new Uint8Array(await resp.arrayBuffer()), done: false };
    } catch (_) {
      // The browser's reason ("network error") says nothing; the server logged the cause.
      if (state.playback === p) broke(p);
      return;
    }
    if (state.playback !== p) return;
    if (chunk.done) break;
    let parsed;
    try {
      parsed = events.push(chunk.value);
    } catch (e) {
      end(p, 'error', `Error: the server sent an unreadable event (${e.message}).`, p.requestId);
      return;
    }
    for (const event of parsed) {
      if (event.type === 'speech.audio.delta') {
        await takeAudio(p, api.base64Bytes(event.audio));
        if (state.playback !== p) return;
      } else if (event.type === 'speech.audio.timestamps') {
        takeWords(p, event.words);
      }
    }
    if (!reader) break;
  }
  if (state.playback !== p) return;
  await allReceived(p);
}

// What every path does with what the server sends: audio into the player (kept for the
// download), word times to the view, and at the end the totals, the files and the player's
// last audio.
async function takeAudio(p, bytes) {
  p.chunks.push(bytes);
  p.bytes += bytes.length;
  await p.player.push(bytes);
}

function takeWords(p, words) {
  p.words.push(...words);
  view.addWords(words);
}

async function allReceived(p) {
  p.total = elapsed(p);
  view.times({ total: p.total });
  prepareDownload(p);
  view.status(`All audio received in ${p.total.toFixed(2)} s; playing…`);
  await p.player.end();
}

// The reply written at `state.form.rate` tokens a second into a WebSocket, as an LLM
// would write it, each token shown as it is sent; the audio played as it comes back.
function streamIn(p) {
  const toks = tokens(state.form.text);
  const interval = 1000 / state.form.rate;
  // When each token was written, and how many audio messages have come.
  p.written = [];
  let audioMessages = 0;
  let next = 0;
  let opened;
  const write = () => {
    if (state.playback !== p) return;
    const now = performance.now();
    p.socket.send(toks[next]);
    view.appendText(toks[next]);
    if (next === 0) p.firstToken = now;
    p.written.push(now);
    next += 1;
    if (next === toks.length) {
      p.socket.close();
      view.status(`All ${toks.length} tokens written in ${((now - p.firstToken) / 1000).toFixed(2)} s; speaking…`);
      return;
    }
    // Each token at its time from the first, so a late timer does not slow the rate.
    p.timer = setTimeout(write, Math.max(0, opened + next * interval - performance.now()));
  };
  p.socket = new SpeechSocket(socketUrl(location, state.key), {
    ...requestBody(p.wire), input: undefined, stream: undefined, timestamps: hasTimes(),
  }, {
    open: () => {
      opened = performance.now();
      view.state('playing');
      view.status(`Writing ${toks.length} tokens at ${state.form.rate} a second…`);
      write();
    },
    audio: (bytes) => {
      audioMessages += 1;
      return takeAudio(p, bytes);
    },
    words: (words) => {
      // The first chunk's words (they follow its audio): the token that completed them is
      // where the first clause the server spoke was written.
      if (p.firstClause === undefined && audioMessages <= 1) {
        p.firstClause = p.written[tokenSpoken(toks, words)] ?? null;
        view.times(sinceWritten(p));
      }
      takeWords(p, words);
    },
    done: () => allReceived(p),
    error: (e) => (p.bytes ? end(p, 'error', `Error after ${(p.bytes / 1024).toFixed(1)} KiB of audio: ${e.message}.` +
      ' What arrived can be downloaded.') : failed(p, e)),
  });
  p.abort.signal.addEventListener('abort', () => {
    clearTimeout(p.timer);
    p.socket.abort();
  });
}

// Streamed in: how long after the first token, and after the first clause the server spoke,
// the first audio was heard (each once both times are known).
function sinceWritten(p) {
  if (!p.streamed || p.firstToken === undefined || p.heard === undefined) return {};
  const times = { fromToken: (p.heard - p.firstToken) / 1000 };
  if (typeof p.firstClause === 'number') times.fromClause = (p.heard - p.firstClause) / 1000;
  return times;
}

// Before the headers: the server's message and code, or that it could not be reached.
function failed(p, e) {
  if (e.status === 401) view.keyInvalid(true);
  const said = `${e.message.replace(/\.$/, '')}.`;
  end(p, 'error', (e.status ? `The server answered ${e.status}: ${said}` : `Error: ${said}`) +
    (e.code ? ` Code: ${e.code}.` : '') + (e.retryAfter ? ` Try again in ${e.retryAfter} s.` : ''), e.requestId);
}

// After the 200: how much audio came, and the id the server's log has the cause under.
function broke(p) {
  const seconds = p.wire === 'pcm' ? p.bytes / 2 / p.rate : p.player.received;
  const amount = `${seconds > 0 ? `${seconds.toFixed(2)} s of audio, ` : ''}${(p.bytes / 1024).toFixed(1)} KiB`;
  end(p, 'error', `The stream broke after ${amount}; the server's log has the cause under its request id.` +
    (p.bytes ? ' What arrived can be downloaded.' : ''), p.requestId);
}

// The word under way marked on every frame while `p` lasts, from its player's own clock
// (so it holds on every path, and through a network stall); none before the first audio.
function follow(p) {
  if (state.playback !== p) return;
  view.highlight(p.ttfa === undefined ? -1 : wordAt(p.words, p.player.position().played));
  requestAnimationFrame(() => follow(p));
}

function finished(p) {
  const { received } = p.player;
  const ttfa = p.ttfa === undefined ? '–' : p.ttfa.toFixed(2);
  const { fromClause } = sinceWritten(p);
  if (end(p, 'ended')) {
    view.status(`Done: ${received.toFixed(2)} s of audio; first audio after ${ttfa} s` +
      (fromClause === undefined ? '' : ` (${fromClause.toFixed(2)} s after the first clause was written)`) +
      `, all of it after ${p.total.toFixed(2)} s.`);
  }
}

// Stop: cancel the request (the server stops synthesizing when the connection closes) and
// silence the player.
function stop(message = 'Stopped.') {
  if (state.playback) end(state.playback, 'stopped', message);
}

// Ends playback `p` as `outcome` (its request too, if still open); false if it had
// already ended.
function end(p, outcome, message, requestId = null) {
  if (state.playback !== p) return false;
  state.playback = null;
  p.abort.abort();
  p.player.stop();
  view.state(outcome);
  view.idle();
  view.highlight(-1);
  if (p.bytes) prepareDownload(p);
  if (message) view.status(message, { error: outcome === 'error', requestId });
  return true;
}

// What was received, as files: pcm becomes a WAV at the voice's sample rate (the others
// untyped: their name says the format). The captions are made here from the words
// received, not asked of POST /v1/audio/captions: that would synthesize the text again,
// and after Stop would caption audio that never came.
function prepareDownload(p) {
  state.download = p.wire === 'pcm'
    ? { blob: wavBlob(p.chunks, p.rate), filename: 'speech.wav' }
    : { blob: new Blob(p.chunks), filename: `speech.${p.wire}` };
  view.download(state.download.filename);
  state.captions = p.words.length ? new Blob([webVtt(p.words)], { type: 'text/vtt' }) : null;
  view.captions(Boolean(state.captions));
}

view.bind({
  play,
  stop: () => stop(),
  download: () => state.download && view.saveFile(state.download.blob, state.download.filename),
  captions: () => state.captions && view.saveFile(state.captions, 'speech.vtt'),
  copy: async () => { await view.copyCurl(); view.status('curl command copied.'); },
  addVoice,
  removeVoice,
  change: sync,
  filter: (query) => { sync(); state.filter = query; renderBlend(); },
  key: setKey,
});
view.setKey(state.key);
load();
