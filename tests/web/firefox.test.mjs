// ttsd's page in headless Firefox ESR through WebDriver (geckodriver, raw W3C WebDriver
// calls with fetch). Firefox's MediaSource has no audio/mpeg, so the page must stream pcm
// through Web Audio and still be heard from the first sentence, at the server's sample rate;
// a failed request or a broken stream shows what the server said and the request id; each
// word is marked as it is spoken, with its captions, on both of Firefox's paths (Web Audio,
// and the whole file for opus).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { openSync, closeSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  startServer, startToneServer, facts, wavFacts, sleep, LONG_TEXT,
  WORDS_TEXT, recordMarks, readWords, assertWordsFollowed, REPLY_TEXT, recordSocket, readStreamed,
  assertStreamedIn, hear,
} from './server.mjs';

const FIREFOX = process.env.FIREFOX || '/usr/bin/firefox-esr';
const GECKODRIVER = process.env.GECKODRIVER || 'geckodriver';
const SCREENSHOT = process.env.TTSD_WEB_SCREENSHOTS || '/tmp';
const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

let server; // the real model
let tone; // the 16 kHz test engine
let doomed; // the real model, killed in the middle of a stream (its test)
let downloads; // Firefox saves downloads here
let driver; // the geckodriver process
let wd; // http://127.0.0.1:port of geckodriver
let session;

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function call(method, path, body) {
  const resp = await fetch(`${wd}${path}`, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(120_000),
  });
  const json = await resp.json();
  if (!resp.ok) throw new Error(`WebDriver ${method} ${path}: ${JSON.stringify(json.value)}`);
  return json.value;
}

const s = (path) => `/session/${session}${path}`;
const script = (code, ...args) => call('POST', s('/execute/sync'), { script: code, args });
const find = async (css) => (await call('POST', s('/element'), { using: 'css selector', value: css }))[ELEMENT];
const click = async (css) => call('POST', s(`/element/${await find(css)}/click`), {});
const text = (testid) => script(`return document.querySelector('[data-testid=${testid}]').textContent`);

async function waitFor(code, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await script(code)) return;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}; status: ${await script("return document.getElementById('status').textContent")}`);
}

before(async () => {
  // The doomed server's model loads while the others start, not in its test.
  [server, tone, doomed] = await Promise.all([startServer(), startToneServer(), startServer()]);
  downloads = await mkdtemp(path.join(tmpdir(), 'ttsd-web-firefox-downloads-'));
  const port = await freePort();
  wd = `http://127.0.0.1:${port}`;
  // Firefox's own console chatter goes to a file, not the test report.
  const log = openSync(path.join(tmpdir(), 'ttsd-web-geckodriver.log'), 'w');
  driver = spawn(GECKODRIVER, ['--host', '127.0.0.1', '--port', String(port), '--log', 'warn'], {
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await call('GET', '/status')).ready !== undefined) break;
    } catch (_) { /* not up yet */ }
    if (Date.now() > deadline) throw new Error('geckodriver did not start');
    await sleep(100);
  }
  const value = await call('POST', '/session', {
    capabilities: {
      alwaysMatch: {
        browserName: 'firefox',
        'moz:firefoxOptions': {
          binary: FIREFOX,
          args: ['-headless', '-width=900', '-height=1100'],
          prefs: {
            'media.autoplay.default': 0, // allowed
            'media.autoplay.blocking_policy': 0,
            // No sound card here: Firefox's mock audio device, whose clock runs in real
            // time (without it the AudioContext never starts). Chromium's headless mode
            // has its own fake output.
            'media.cubeb.force_mock_context': true,
            // Downloads go to a directory of the test's, without asking.
            'browser.download.folderList': 2,
            'browser.download.dir': downloads,
            'browser.download.useDownloadDir': true,
            'browser.download.always_ask_before_handling_new_types': false,
            'browser.download.alwaysOpenPanel': false,
            // Loopback only: no update, telemetry or safe-browsing traffic.
            'app.update.enabled': false,
            'browser.safebrowsing.malware.enabled': false,
            'browser.safebrowsing.phishing.enabled': false,
            'datareporting.policy.dataSubmissionEnabled': false,
            'toolkit.telemetry.enabled': false,
            'network.captive-portal-service.enabled': false,
            'network.connectivity-service.enabled': false,
            'services.settings.server': 'http://127.0.0.1:9/v1',
          },
        },
      },
    },
  });
  session = value.sessionId;
});

after(async () => {
  if (session) await call('DELETE', s('')).catch(() => {});
  driver?.kill('SIGTERM');
  await server?.stop();
  await tone?.stop();
  await doomed?.stop();
  if (downloads) await rm(downloads, { recursive: true, force: true });
});

// Opens the page at `base`, waits for the voices, and records the request id of every
// response the page's fetch gets (WebDriver cannot see headers).
async function open(base) {
  await call('POST', s('/url'), { url: `${base}/` });
  await waitFor("return document.querySelectorAll('[data-testid=voice] option').length > 0", 30_000, 'the voice list');
  await script(`window.testIds = [];
    const original = window.fetch;
    window.fetch = async (...args) => {
      const resp = await original(...args);
      window.testIds.push(resp.headers.get('X-Request-Id'));
      return resp;
    };`);
}

async function fill(testid, value) {
  await script(`const t = document.querySelector('[data-testid=${testid}]');
    t.value = arguments[0]; t.dispatchEvent(new Event('input', { bubbles: true }));`, value);
}

const state = () => script("return document.getElementById('player').dataset.state");

// Clicks Download (or the button `testid`) and returns the saved file's bytes.
async function download(name, testid = 'download') {
  for (const f of await readdir(downloads)) await rm(path.join(downloads, f), { force: true });
  await click(`[data-testid=${testid}]`);
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const files = await readdir(downloads);
    if (files.includes(name) && !files.some((f) => f.endsWith('.part'))) {
      return readFile(path.join(downloads, name));
    }
    await sleep(100);
  }
  throw new Error(`no ${name} in ${downloads}: ${await readdir(downloads)}`);
}

test('Firefox hears streamed speech through the Web Audio fallback', async () => {
  await open(server.base);
  assert.equal(await script("return MediaSource.isTypeSupported('audio/mpeg')"), false,
    'this Firefox streams mp3 through MediaSource: the fallback is not exercised');
  await fill('text', LONG_TEXT);
  await click('[data-testid=play]');
  await waitFor("return Number(document.querySelector('[data-testid=progress]').textContent) > 0.5", 90_000, 'progress past 0.5 s');
  assert.equal(await script("return document.getElementById('player').dataset.mode"), 'webaudio');
  const ttfa = Number(await text('ttfa'));
  assert.ok(ttfa > 0 && ttfa < 30, `ttfa ${ttfa}`);
  console.log(`firefox web audio: time to first audio ${ttfa.toFixed(2)} s`);
  await waitFor("return Number(document.querySelector('[data-testid=progress]').textContent) > 2", 60_000, 'progress past 2 s');
  const png = await call('GET', s('/moz/screenshot/full'));
  await writeFile(`${SCREENSHOT}/ttsd-web-firefox.png`, Buffer.from(png, 'base64'));

  await click('[data-testid=stop]');
  assert.equal(await state(), 'stopped');
  const atStop = Number(await text('progress'));
  await sleep(1500);
  assert.ok(Math.abs(Number(await text('progress')) - atStop) < 0.3, 'progress moved after Stop');
  assert.equal(await script("return document.querySelector('[data-testid=download]').disabled"), false);
});

// Firefox's MediaSource has no mp3 (the test above checks): its paths are Web Audio and,
// for opus, the whole file.
for (const [mode, format] of [['webaudio', 'mp3'], ['blob', 'opus']]) {
  test(`${mode}: each word is marked as it is spoken, and the captions download as WebVTT`, async () => {
    await open(server.base);
    await fill('text', WORDS_TEXT);
    await script(`const f = document.querySelector('[data-testid=format]');
      f.value = arguments[0]; f.dispatchEvent(new Event('change', { bubbles: true }));`, format);
    await script(`(${recordMarks})()`);
    assert.equal(await script("return document.querySelector('[data-testid=captions]').disabled"), true);
    await click('[data-testid=play]');
    await waitFor("return document.getElementById('player').dataset.state === 'ended'", 120_000, 'the end');
    assert.equal(await script("return document.getElementById('player').dataset.mode"), mode);
    await assertWordsFollowed({
      label: `firefox ${mode}`,
      input: WORDS_TEXT,
      seen: await script(`return (${readWords})()`),
      vtt: (await download('speech.vtt', 'captions')).toString('utf8'),
      base: server.base,
      voice: await script("return document.getElementById('voice-spec').textContent"),
    });
  });
}

test('streamed in: Firefox writes the reply a word at a time over the WebSocket and speaks it as it is written', async () => {
  await open(server.base);
  await fill('text', REPLY_TEXT);
  await click('[data-testid=delivery-streamed]');
  await fill('rate', '6');
  await script(`(${recordSocket})()`);
  await click('[data-testid=play]');
  await waitFor("return document.getElementById('player').dataset.state === 'ended'", 120_000, 'the end');
  assert.equal(await script("return document.getElementById('player').dataset.mode"), 'webaudio');
  assertStreamedIn({
    label: 'firefox web audio', input: REPLY_TEXT, rate: 6, seen: await script(`return (${readStreamed})()`),
    firstSpoken: 'Sure, I can help with that.',
  });
  // What was received is the reply, heard by an ear.
  const wav = await download('speech.wav');
  assert.equal(wavFacts(wav).rate, (await facts(server.base)).info.sample_rate);
  await hear(REPLY_TEXT, wav);
});

test('on a 16 kHz engine, Firefox plays and saves 16 kHz, as /info says', async () => {
  const { info } = await facts(tone.base);
  assert.equal(info.sample_rate, 16000); // not the real model's rate: the test shows something
  await open(tone.base);
  await fill('text', 'The rate comes from the server, and so does everything else.');
  await click('[data-testid=play]');
  await waitFor("return document.getElementById('player').dataset.state === 'ended'", 120_000, 'the end');
  assert.equal(await script("return document.getElementById('player').dataset.mode"), 'webaudio');
  const wav = wavFacts(await download('speech.wav'));
  assert.equal(wav.rate, info.sample_rate);
  const received = Number(await script("return document.getElementById('received').textContent"));
  assert.ok(Math.abs(received - wav.seconds) < 0.02, `page ${received} s, WAV ${wav.seconds} s`);
});

test("an HTTP error shows the server's message and the request id", async () => {
  const { info } = await facts(tone.base);
  await open(tone.base);
  const input = '… — …'; // nothing speakable: a 400 before any audio
  await fill('text', input);
  await click('[data-testid=play]');
  await waitFor("return document.getElementById('player').dataset.state === 'error'", 30_000, 'the error');
  // The same request from here gets the same message.
  const resp = await fetch(`${tone.base}/v1/audio/speech`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ input, voice: info.default_voice, response_format: 'pcm', stream: true }),
  });
  assert.equal(resp.status, 400);
  const { error } = await resp.json();
  const shown = await text('status');
  assert.ok(shown.includes(error.message.replace(/\.$/, '')), `${shown} / ${error.message}`);
  const ids = await script('return window.testIds');
  assert.equal(ids.length, 1);
  assert.ok(ids[0], 'the response has X-Request-Id');
  assert.equal(await text('request-id'), ids[0]);
});

test('a stream that breaks after the 200 says so, with the request id, and keeps the audio', async () => {
  // Its own server (started with the others), killed in the middle of a stream.
  try {
    await open(doomed.base);
    await fill('text', `${LONG_TEXT} ${LONG_TEXT}`);
    await click('[data-testid=play]');
    await waitFor("return Number(document.querySelector('[data-testid=progress]').textContent) > 0.5", 90_000, 'progress past 0.5 s');
    await doomed.kill();
    await waitFor("return document.getElementById('player').dataset.state === 'error'", 10_000, 'the break');
    const shown = await text('status');
    assert.match(shown, /stream broke after \d+\.\d\d s of audio/, shown);
    const ids = await script('return window.testIds');
    assert.ok(ids[0], 'the response has X-Request-Id');
    assert.equal(await text('request-id'), ids[0]);
    const said = Number(/after (\d+\.\d\d) s/.exec(shown)[1]);
    const wav = wavFacts(await download('speech.wav'));
    assert.ok(wav.seconds > 0.5 && Math.abs(wav.seconds - said) < 0.01, `${wav.seconds} s saved, ${said} s said`);
  } finally {
    await doomed.stop();
  }
});
