// Starts the real `target/release/ttsd serve --port 0` from the repository root, reads the
// `ttsd listening on http://…` line, and waits for /ready; and what both browsers' tests
// share.
import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import assert from 'node:assert/strict';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(REPO, 'target/release/ttsd');

export async function startServer({ readyTimeoutMs = 180_000, args = [] } = {}) {
  const child = spawn(BIN, ['serve', '--host', '127.0.0.1', '--port', '0', ...args], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'inherit'],
    // Warnings and errors only, unless TTSD_LOG says otherwise.
    env: { TTSD_LOG: 'warn', ...process.env },
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const lines = createInterface({ input: child.stdout });
  const base = await Promise.race([
    new Promise((resolve, reject) => {
      lines.once('line', (line) => {
        const m = /^ttsd listening on (http:\/\/\S+)$/.exec(line.trim());
        if (m) resolve(m[1]);
        else reject(new Error(`unexpected first line: ${line}`));
      });
    }),
    exited.then((code) => { throw new Error(`ttsd exited with ${code} before listening`); }),
  ]);
  lines.on('line', () => {}); // keep draining stdout
  const server = {
    base,
    // Kills it now (a crash or an abrupt restart, in the middle of whatever it serves).
    async kill() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    try {
      const r = await fetch(`${base}/ready`);
      if (r.status === 200) return server;
    } catch (_) { /* not yet */ }
    if (Date.now() > deadline || child.exitCode !== null) {
      await server.stop();
      throw new Error(`ttsd not ready after ${readyTimeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

// A server on the test engine (`--engine tone`: beeps at its own sample rate, 16 kHz, no
// model), with the engine's own few voices.
export async function startToneServer({ args = [] } = {}) {
  return startServer({ args: ['--engine', 'tone', ...args], readyTimeoutMs: 30_000 });
}

// Model calls so far by outcome, from /metrics.
export async function inferenceJobs(base) {
  const text = await (await fetch(`${base}/metrics`)).text();
  const get = (outcome) => {
    const m = new RegExp(`ttsd_inference_jobs_total\\{outcome="${outcome}"\\} (\\d+)`).exec(text);
    return m ? Number(m[1]) : NaN;
  };
  return { completed: get('completed'), skipped: get('skipped') };
}

// The server's facts, as the page reads them.
export async function facts(base, key) {
  const info = await (await fetch(`${base}/info`)).json();
  const headers = key ? { Authorization: `Bearer ${key}` } : {};
  const { voices } = await (await fetch(`${base}/v1/audio/voices`, { headers })).json();
  return { info, voices };
}

// The page's files (the routes the OpenAPI document tags `web`) and their text.
export async function pageFiles(base) {
  const doc = await (await fetch(`${base}/openapi.json`)).json();
  const paths = Object.entries(doc.paths).filter(([, item]) => item.get?.tags?.includes('web')).map(([p]) => p);
  return Promise.all(paths.map(async (p) => ({ path: p, text: await (await fetch(base + p)).text() })));
}

// A WAV file's sample rate and length in seconds; its sizes must be exact.
export function wavFacts(bytes) {
  const b = Buffer.from(bytes);
  if (b.toString('latin1', 0, 4) !== 'RIFF' || b.toString('latin1', 8, 16) !== 'WAVEfmt ') {
    throw new Error('not a WAV file');
  }
  if (b.readUInt32LE(4) !== b.length - 8 || b.readUInt32LE(40) !== b.length - 44) {
    throw new Error(`WAV sizes ${b.readUInt32LE(4)}, ${b.readUInt32LE(40)} for ${b.length} bytes`);
  }
  const rate = b.readUInt32LE(24);
  return { rate, seconds: (b.length - 44) / 2 / rate, byteRate: b.readUInt32LE(28) };
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export const LONG_TEXT = 'The old lighthouse keeper climbed the stairs every evening, counting the steps as he went. ' +
  'There were one hundred and twelve of them, and he knew each one by the sound it made under his boots. ' +
  'At the top he lit the lamp, wound the clockwork, and watched the beam sweep across the dark water. ' +
  'Ships he would never meet passed safely through the night because of it, and that was enough for him. ' +
  'In the morning he climbed down again, made his tea, and slept until the gulls woke him in the afternoon.';

// Said whole on each playback path: short, "$42.50." is one word as written, and each
// sentence is one cue (under 7 words and well under 3.5 s, however it is timed).
export const WORDS_TEXT = 'The keeper counted 112 steps tonight. Your total is $42.50.';

// Run in the page before Play: records the index of each word the page marks as spoken
// (aria-current), in order, and the text of each speech response (its events).
export function recordMarks() {
  window.testMarks = [];
  window.testSpeech = [];
  const original = window.fetch;
  window.fetch = async (...args) => {
    const resp = await original(...args);
    if (String(args[0]).endsWith('/v1/audio/speech')) resp.clone().text().then((t) => window.testSpeech.push(t));
    return resp;
  };
  new MutationObserver((records) => {
    for (const r of records) {
      if (r.target.hasAttribute('aria-current')) window.testMarks.push(Number(r.target.dataset.index));
    }
  }).observe(document.getElementById('words'), { subtree: true, attributeFilter: ['aria-current'] });
}

// Run in the page after playback: the word spans ([index, text]), the marks recorded, how
// many words are still marked, and the speech response's events.
export function readWords() {
  return {
    speech: window.testSpeech.at(-1),
    spans: [...document.querySelectorAll('#words [data-index]')].map((s) => [Number(s.dataset.index), s.textContent]),
    marks: window.testMarks,
    marked: document.querySelectorAll('#words [aria-current]').length,
  };
}

// What a whole playback of `input` must leave: every word of the input a span, in order;
// marks that go forward through the words, from the first ones to the last; none marked at
// the end; and captions that are WebVTT of the words received, at their times, a cue for
// each cue number the server gave, cued as POST /v1/audio/captions cues them for the same
// request. (Not timed as that route times them: a stream's chunks are cut to keep up with
// playback, so its pauses differ.)
export async function assertWordsFollowed({ label, input, seen, vtt, base, voice }) {
  const words = input.split(/\s+/);
  assert.deepEqual(seen.spans, words.map((w, i) => [i, w]), 'each word of the input is a span, in order');
  const marks = seen.marks.filter((m, i) => m !== seen.marks[i - 1]);
  console.log(`${label}: words marked ${marks.join(' ')} of 0..${words.length - 1}`);
  assert.ok(marks.every((m, i) => i === 0 || m > marks[i - 1]), `marks go forward: ${marks}`);
  assert.ok(marks[0] <= 1, `marks start at the first words: ${marks}`);
  assert.equal(marks.at(-1), words.length - 1, `marks reach the last word: ${marks}`);
  assert.ok(marks.length >= words.length * 0.75, `most words marked: ${marks}`);
  assert.equal(seen.marked, 0, 'no word marked once it has all played');

  const received = seen.speech.split('\n\n').filter((e) => e.startsWith('data: {'))
    .map((e) => JSON.parse(e.slice(6))).filter((e) => e.type === 'speech.audio.timestamps').flatMap((e) => e.words);
  assert.deepEqual(received.map((w) => w.word), words, 'the server sent the input words, in order');
  const cues = parseVtt(vtt);
  assert.ok(cues.length >= 2, vtt);
  // The server numbers each word's cue, from 0, in order; the file has a cue per number.
  assert.ok(received.every((w, i) => Number.isInteger(w.cue) && [0, 1].includes(w.cue - (i ? received[i - 1].cue : 0))),
    `cue numbers ${received.map((w) => w.cue)}`);
  const numbered = [];
  received.forEach((w) => { (numbered[w.cue] ||= []).push(w.word); });
  assert.deepEqual(cues.map((c) => c.text), numbered.map((ws) => ws.join(' ')), 'a cue per number the server gave');
  assert.deepEqual(cues.flatMap((c) => c.text.split(' ')), words, 'the cues hold the input words, in order');
  const ms = (seconds) => Math.round(seconds * 1000);
  let first = 0;
  for (const c of cues) {
    const last = first + c.text.split(' ').length - 1;
    assert.deepEqual([ms(c.start), ms(c.end)], [ms(received[first].start), ms(received[last].end)], c.text);
    first = last + 1;
  }
  const resp = await fetch(`${base}/v1/audio/captions?format=vtt`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ input, voice }),
  });
  assert.equal(resp.status, 200);
  assert.deepEqual(cues.map((c) => c.text), parseVtt(await resp.text()).map((c) => c.text), 'cued as the server cues');
}

// A WebVTT file's cues: [{start, end, text}], in seconds.
function parseVtt(vtt) {
  assert.ok(vtt.startsWith('WEBVTT\n\n'), vtt);
  return vtt.slice('WEBVTT\n\n'.length).trim().split('\n\n').map((cue) => {
    const [times, text] = cue.split('\n');
    const [start, end] = times.split(' --> ').map((t) => {
      const [h, m, s] = t.split(':').map(Number);
      return h * 3600 + m * 60 + s;
    });
    return { start, end, text };
  });
}

// A reply as an assistant would open it: a short first sentence, then longer ones.
export const REPLY_TEXT = 'Sure, I can help with that. The meeting moved to Thursday at three, in the small ' +
  'room on the second floor. Bring the printed notes, and we will go through them together.';

// Run in the page before Play: records what the page's WebSocket sends and receives, each
// with its time (performance.now()), in window.testSocket.
export function recordSocket() {
  window.testSocket = { sent: [], received: [] };
  const Original = window.WebSocket;
  window.WebSocket = class extends Original {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (e) => window.testSocket.received.push(typeof e.data === 'string'
        ? { t: performance.now(), text: e.data }
        : { t: performance.now(), bytes: e.data.byteLength }));
      this.addEventListener('close', (e) => { window.testSocket.closeCode = e.code; });
    }

    send(data) {
      window.testSocket.sent.push({ t: performance.now(), data });
      super.send(data);
    }
  };
}

// Run in the page after a streamed-in playback: what the socket carried, the word spans,
// and the page's numbers.
export function readStreamed() {
  const number = (id) => Number(document.querySelector(`[data-testid=${id}]`).textContent);
  return {
    socket: window.testSocket,
    spans: [...document.querySelectorAll('#words [data-index]')].map((s) => [Number(s.dataset.index), s.textContent]),
    marked: document.querySelectorAll('#words [aria-current]').length,
    fromToken: number('from-token'),
    fromClause: number('from-clause'),
    status: document.getElementById('status').textContent,
  };
}

// What a streamed-in playback of `input` at `rate` tokens a second must leave: the settings
// first (no text in them), then the text a word at a time, no faster than the rate, then
// the close; audio back before the text was all written; the server's word times for
// exactly the words written; every word a span, none marked at the end; the times from the
// first token and from the first clause shown, the clause's no later. `firstSpoken` is the
// text the server's first chunk speaks (its first clause, by the server's rules): the words
// that follow the first audio are its words, and the page's "first clause" time is from the
// message that completed it.
export function assertStreamedIn({ label, input, rate, seen, firstSpoken }) {
  const { sent, received, closeCode } = seen.socket;
  const settings = JSON.parse(sent[0].data);
  assert.equal(settings.timestamps, true, sent[0].data);
  assert.equal(settings.input, undefined, sent[0].data);
  const pieces = sent.slice(1, -1).map((m) => JSON.parse(m.data));
  assert.ok(pieces.every((m) => Object.keys(m).join() === 'text'), 'text messages between settings and close');
  assert.equal(pieces.map((m) => m.text).join(''), input, 'the pieces make the text');
  const words = input.split(/\s+/);
  assert.equal(pieces.length, words.length, 'a word per message');
  assert.deepEqual(JSON.parse(sent.at(-1).data), { close: true });
  const writing = sent.at(-2).t - sent[1].t;
  assert.ok(writing >= ((words.length - 1) * 1000 / rate) * 0.9, `written in ${writing} ms: faster than ${rate}/s`);
  const firstAudio = received.find((m) => m.bytes !== undefined);
  assert.ok(firstAudio, 'audio came');
  const events = received.filter((m) => m.text !== undefined).map((m) => JSON.parse(m.text));
  assert.equal(events.at(-1).type, 'audio.done', JSON.stringify(events.at(-1)));
  assert.equal(closeCode, 1000);
  const timed = events.filter((e) => e.type === 'audio.timestamps').flatMap((e) => e.words.map((w) => w.word));
  assert.deepEqual(timed, words, 'the server timed the words written, in order');
  assert.deepEqual(seen.spans, words.map((w, i) => [i, w]), 'each word written is a span, in order');
  assert.equal(seen.marked, 0, 'no word marked once it has all played');
  const ahead = (sent.at(-2).t - firstAudio.t) / 1000;
  console.log(`${label}: ${words.length} words at ${rate}/s written in ${(writing / 1000).toFixed(2)} s; ` +
    `first audio ${seen.fromToken.toFixed(2)} s after the first token, ${seen.fromClause.toFixed(2)} s after the ` +
    `first clause, ${ahead.toFixed(2)} s before the last token`);
  assert.ok(ahead > 0, 'the first audio came before the text was all written');
  assert.ok(seen.fromClause > 0 && seen.fromClause <= seen.fromToken, `${seen.fromClause} ${seen.fromToken}`);
  const afterAudio = received.slice(received.indexOf(firstAudio) + 1).find((m) => m.text !== undefined);
  assert.deepEqual(JSON.parse(afterAudio.text).words.map((w) => w.word), firstSpoken.split(' '),
    'the first chunk speaks the first clause');
  let written = 0;
  const completing = pieces.findIndex((m) => (written += m.text.length) >= firstSpoken.length);
  const clauseAfterFirst = (sent[1 + completing].t - sent[1].t) / 1000;
  assert.ok(Math.abs(seen.fromToken - seen.fromClause - clauseAfterFirst) < 0.015,
    `first clause to first audio ${seen.fromClause} s, first token ${seen.fromToken} s: the clause was ` +
    `written ${clauseAfterFirst.toFixed(3)} s after the first token, in message ${completing + 1}`);
  assert.match(seen.status, /^Done: .* after the first clause was written/, seen.status);
}

// The ear (../shared/tools/asr-check): `bytes` of a WAV file must be `text` spoken, with a
// word error rate of at most `maxWer`.
export async function hear(text, bytes, maxWer = 0.15) {
  const dir = await mkdtemp(path.join(tmpdir(), 'ttsd-web-ear-'));
  const file = path.join(dir, 'speech.wav');
  await writeFile(file, bytes);
  const tool = path.join(REPO, '../shared/tools/asr-check');
  const child = spawn(tool, ['--max-wer', String(maxWer), '--lang', 'en', text, file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let report = '';
  child.stdout.on('data', (d) => { report += d; });
  child.stderr.on('data', (d) => { report += d; });
  const code = await new Promise((resolve) => child.once('exit', resolve));
  console.log(`ear: ${report.trim().split('\n').filter((l) => /wer/i.test(l)).join(' | ')}`);
  assert.equal(code, 0, `asr-check failed:\n${report}`);
}
