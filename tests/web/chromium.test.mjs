// ttsd's page in headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core):
// the voice list, mp3 through MediaSource, the pcm/Web Audio fallback, and Stop.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { chromium } from 'playwright-core';
import { startServer, inferenceJobs, sleep, LONG_TEXT } from './server.mjs';

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--autoplay-policy=no-user-gesture-required'];
const SCREENSHOT = process.env.TTSD_WEB_SCREENSHOTS || '/tmp';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ARGS,
    timeout: 60_000,
  });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

// A fresh page; `refuseMp3` makes MediaSource.isTypeSupported refuse audio/mpeg, as
// Firefox's does.
async function open({ refuseMp3 = false, noStreaming = false } = {}) {
  const context = await browser.newContext({ viewport: { width: 900, height: 1100 }, acceptDownloads: true });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // The page keeps to its own Content-Security-Policy (same origin only).
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) errors.push(m.text());
  });
  if (refuseMp3) {
    await page.addInitScript(() => {
      const original = MediaSource.isTypeSupported.bind(MediaSource);
      MediaSource.isTypeSupported = (type) => !/^audio\/mpeg/i.test(type) && original(type);
    });
  }
  if (noStreaming) {
    // A browser with neither MediaSource nor Web Audio: only the whole-file path is left.
    await page.addInitScript(() => {
      delete window.MediaSource;
      delete window.AudioContext;
      delete window.webkitAudioContext;
    });
  }
  // Only loopback: anything else the page asks for fails the test.
  await page.route(/^(?!http:\/\/127\.0\.0\.1[:/]).*/, (route) => {
    errors.push(`request off loopback: ${route.request().url()}`);
    route.abort();
  });
  await page.goto(server.base + '/', { waitUntil: 'load' });
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=voice] option').length > 10);
  return { page, context, errors };
}

// Clicks Download and returns the file's name and bytes.
async function downloaded(page) {
  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout: 10_000 }),
    page.getByTestId('download').click(),
  ]);
  return { name: download.suggestedFilename(), bytes: await readFile(await download.path()) };
}

async function number(page, id) {
  return Number(await page.getByTestId(id).textContent());
}

async function playUntil(page, seconds, timeoutMs = 60_000) {
  await page.waitForFunction(
    (s) => Number(document.querySelector('[data-testid=progress]').textContent) > s,
    seconds,
    { timeout: timeoutMs, polling: 100 },
  );
}

test('the voice list is filled, grouped by language and gender, and searchable', async () => {
  const { page, context, errors } = await open();
  const groups = await page.$$eval('[data-testid=voice] optgroup', (gs) => gs.map((g) => g.label));
  assert.ok(groups.includes('American English · female'), groups.join(', '));
  assert.ok(groups.includes('British English · male'), groups.join(', '));
  const count = await page.$$eval('[data-testid=voice] option', (os) => os.length);
  assert.ok(count >= 50, `only ${count} voices`);
  await page.fill('#voice-filter', 'british male');
  const filtered = await page.$$eval('[data-testid=voice] option', (os) => os.map((o) => o.value));
  assert.ok(filtered.length > 0 && filtered.every((v) => v.startsWith('bm_')), filtered.join(', '));
  // A blend of two voices gives the weighted syntax, and the curl command follows.
  await page.fill('#voice-filter', '');
  await page.selectOption('[data-testid=voice]', 'af_bella');
  await page.click('#blend-add');
  await page.locator('#blend-rows select').selectOption('af_sky');
  await page.fill('#weight-0', '2');
  assert.equal(await page.textContent('#voice-spec'), 'af_bella(2)+af_sky(1)');
  assert.match(await page.inputValue('#curl'), /"voice":"af_bella\(2\)\+af_sky\(1\)"/);
  await page.locator('#blend').screenshot({ path: `${SCREENSHOT}/ttsd-web-chromium-blend.png` });
  // Voices whose language has no G2P yet are listed, marked and cannot be picked.
  const japanese = await page.$eval('[data-testid=voice] option[value=jf_alpha]', (o) => ({ disabled: o.disabled, label: o.label }));
  assert.deepEqual(japanese, { disabled: true, label: 'jf_alpha (not yet spoken)' });
  // A Spanish voice speaks.
  await page.click('#blend-rows .remove');
  await page.selectOption('[data-testid=voice]', 'ef_dora');
  await page.getByTestId('text').fill('Hola, ¿en qué puedo ayudarte hoy?');
  await page.getByTestId('play').click();
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=ttfa]').textContent) > 0,
    null, { timeout: 60_000 });
  await page.getByTestId('stop').click();
  // It fits a phone: nothing wider than the screen.
  await page.setViewportSize({ width: 360, height: 780 });
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth), true);
  await page.screenshot({ path: `${SCREENSHOT}/ttsd-web-chromium-phone.png`, fullPage: true });
  assert.deepEqual(errors, []);
  await context.close();
});

test('mp3 streams through MediaSource: plays, shows the time to first audio', async () => {
  const { page, context, errors } = await open();
  assert.equal(await page.evaluate(() => MediaSource.isTypeSupported('audio/mpeg')), true);
  await page.getByTestId('text').fill(LONG_TEXT);
  await page.getByTestId('play').click();
  await playUntil(page, 0.5);
  assert.equal(await page.getAttribute('#player', 'data-mode'), 'mse');
  const ttfa = await number(page, 'ttfa');
  assert.ok(ttfa > 0 && ttfa < 30, `ttfa ${ttfa}`);
  console.log(`chromium mse: time to first audio ${ttfa.toFixed(2)} s`);
  await playUntil(page, 2.0);
  await page.screenshot({ path: `${SCREENSHOT}/ttsd-web-chromium.png`, fullPage: true });
  await page.getByTestId('stop').click();
  // The download is the mp3 received so far: MPEG frames from the first byte.
  const mp3 = await downloaded(page);
  assert.equal(mp3.name, 'speech.mp3');
  assert.ok(mp3.bytes.length > 8000, `${mp3.bytes.length} bytes`);
  assert.equal(mp3.bytes[0], 0xff);
  assert.equal(mp3.bytes[1] & 0xe0, 0xe0);
  assert.deepEqual(errors, []);
  await context.close();
});

test('without audio/mpeg in MediaSource, pcm streams through Web Audio', async () => {
  const { page, context, errors } = await open({ refuseMp3: true });
  await page.getByTestId('text').fill(LONG_TEXT);
  await page.getByTestId('text').press('Control+Enter'); // the shortcut plays too
  await playUntil(page, 0.5);
  assert.equal(await page.getAttribute('#player', 'data-mode'), 'webaudio');
  const ttfa = await number(page, 'ttfa');
  assert.ok(ttfa > 0 && ttfa < 30, `ttfa ${ttfa}`);
  console.log(`chromium web audio fallback: time to first audio ${ttfa.toFixed(2)} s`);
  await playUntil(page, 2.0);
  await page.screenshot({ path: `${SCREENSHOT}/ttsd-web-chromium-fallback.png`, fullPage: true });
  await page.getByTestId('stop').click();
  // The download is a WAV built from the samples received, its sizes exact.
  const wav = await downloaded(page);
  assert.equal(wav.name, 'speech.wav');
  const b = Buffer.from(wav.bytes);
  assert.equal(b.toString('latin1', 0, 4), 'RIFF');
  assert.equal(b.toString('latin1', 8, 16), 'WAVEfmt ');
  assert.equal(b.readUInt32LE(24), 24000);
  assert.equal(b.readUInt32LE(4), b.length - 8);
  assert.equal(b.readUInt32LE(40), b.length - 44);
  const seconds = (b.length - 44) / 2 / 24000;
  assert.ok(seconds >= 2, `${seconds} s in the WAV`);
  assert.deepEqual(errors, []);
  await context.close();
});

test('with neither MediaSource nor Web Audio, the whole file plays as a last resort', async () => {
  const { page, context, errors } = await open({ noStreaming: true });
  await page.getByTestId('play').click();
  await playUntil(page, 0.5);
  assert.equal(await page.getAttribute('#player', 'data-mode'), 'blob');
  const ttfa = await number(page, 'ttfa');
  assert.ok(ttfa > 0 && ttfa < 60, `ttfa ${ttfa}`);
  await page.getByTestId('stop').click();
  assert.equal((await downloaded(page)).name, 'speech.mp3');
  assert.deepEqual(errors, []);
  await context.close();
});

test('pcm split at odd byte counts by the network comes out whole', async () => {
  const { page, context } = await open();
  const ok = await page.evaluate(() => {
    const samples = Int16Array.from({ length: 1001 }, (_, i) => ((i * 7919) % 65536) - 32768);
    const bytes = new Uint8Array(samples.buffer);
    // Chunks of 1, 3, 2, 5, 7, … bytes, as a network might cut them.
    const sizes = [1, 3, 2, 5, 7, 1, 1, 11, 4, 9];
    const pcm = new PcmSamples(); // eslint-disable-line no-undef
    const out = [];
    for (let at = 0, k = 0; at < bytes.length; k++) {
      const n = sizes[k % sizes.length];
      out.push(...pcm.push(bytes.subarray(at, at + n)));
      at += n;
    }
    return out.length === samples.length && out.every((v, i) => v === samples[i]);
  });
  assert.equal(ok, true);
  await context.close();
});

test('the keyboard alone plays and stops, and the focus stays on a live button', async () => {
  const { page, context, errors } = await open();
  // The controls come in reading order.
  await page.getByTestId('text').focus();
  const order = [];
  for (let i = 0; i < 14; i++) {
    await page.keyboard.press('Tab');
    order.push(await page.evaluate(() => document.activeElement.dataset.testid || document.activeElement.id));
  }
  const at = (id) => order.indexOf(id);
  assert.ok(at('voice') < at('speed') && at('speed') < at('format') && at('format') < at('play'), order.join(' '));
  assert.ok(at('voice-filter') < at('voice'), order.join(' '));
  await page.getByTestId('play').focus();
  await page.keyboard.press('Enter');
  await playUntil(page, 0.3);
  assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), 'stop');
  await page.keyboard.press('Enter');
  assert.equal(await page.getAttribute('#player', 'data-state'), 'stopped');
  assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), 'play');
  assert.deepEqual(errors, []);
  await context.close();
});

test('Stop silences the page and the server stops synthesizing', async () => {
  const { page, context, errors } = await open();
  await page.getByTestId('text').fill(`${LONG_TEXT} ${LONG_TEXT}`);
  await page.getByTestId('play').click();
  await playUntil(page, 0.3);
  await page.getByTestId('stop').click();
  assert.equal(await page.getAttribute('#player', 'data-state'), 'stopped');
  assert.equal(await page.getByTestId('play').isEnabled(), true);
  assert.equal(await page.getByTestId('stop').isEnabled(), false);
  const atStop = await number(page, 'progress');
  const jobs = await inferenceJobs(server.base);
  await sleep(5000);
  assert.ok(Math.abs((await number(page, 'progress')) - atStop) < 0.3, 'progress moved after Stop');
  assert.equal(await page.evaluate(() => document.getElementById('audio').paused), true);
  // The request was cancelled: at most the model call under way finishes, none follows it
  // (ten sentences would take many more).
  const later = await inferenceJobs(server.base);
  assert.ok(later.completed - jobs.completed <= 1, `${JSON.stringify(jobs)} then ${JSON.stringify(later)}`);
  // What was received can still be downloaded.
  assert.equal(await page.getByTestId('download').isEnabled(), true);
  assert.deepEqual(errors, []);
  await context.close();
});

test('with API keys set, the page asks for one and then plays with it', async () => {
  const KEY = 'sk-web-test-key';
  const keyed = await startServer({ args: ['--api-key', KEY] });
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(keyed.base + '/', { waitUntil: 'load' });
    await page.waitForFunction(() => /needs an API key/.test(document.getElementById('status').textContent));
    assert.equal(await page.getByTestId('api-key').getAttribute('aria-invalid'), 'true');

    await page.getByTestId('api-key').fill(KEY);
    await page.getByTestId('api-key').dispatchEvent('change');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=voice] option').length > 10);
    const curl = await page.getByTestId('curl').inputValue();
    assert.match(curl, /Authorization: Bearer \$TTSD_API_KEY/);
    assert.ok(!curl.includes(KEY), 'the key itself stays out of the curl command');

    await page.getByTestId('text').fill('The key opens the door.');
    await page.getByTestId('play').click();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=ttfa]').textContent) > 0,
      null, { timeout: 60_000 });
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
    await keyed.stop();
  }
});
