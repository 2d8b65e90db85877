// ttsd's page in headless Firefox ESR through WebDriver (geckodriver, raw W3C WebDriver
// calls with fetch). Firefox's MediaSource has no audio/mpeg, so the page must stream pcm
// through Web Audio and still be heard from the first sentence.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { openSync, closeSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, sleep, LONG_TEXT } from './server.mjs';

const FIREFOX = process.env.FIREFOX || '/usr/bin/firefox-esr';
const GECKODRIVER = process.env.GECKODRIVER || 'geckodriver';
const SCREENSHOT = process.env.TTSD_WEB_SCREENSHOTS || '/tmp';
const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

let server;
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
  server = await startServer();
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
});

test('Firefox hears streamed speech through the Web Audio fallback', async () => {
  await call('POST', s('/url'), { url: `${server.base}/` });
  await waitFor("return document.querySelectorAll('[data-testid=voice] option').length > 10", 30_000, 'the voice list');
  assert.equal(await script("return MediaSource.isTypeSupported('audio/mpeg')"), false,
    'this Firefox streams mp3 through MediaSource: the fallback is not exercised');
  await script(`const t = document.querySelector('[data-testid=text]');
    t.value = arguments[0]; t.dispatchEvent(new Event('input', { bubbles: true }));`, LONG_TEXT);
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
  assert.equal(await script("return document.getElementById('player').dataset.state"), 'stopped');
  const atStop = Number(await text('progress'));
  await sleep(1500);
  assert.ok(Math.abs(Number(await text('progress')) - atStop) < 0.3, 'progress moved after Stop');
  assert.equal(await script("return document.querySelector('[data-testid=download]').disabled"), false);
});
