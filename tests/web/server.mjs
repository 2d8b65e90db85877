// Starts the real `target/release/ttsd serve --port 0` from the repository root, reads the
// `ttsd listening on http://…` line, and waits for /ready.
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

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
// model). Its voice packs have the engine's shape (200 rows of 4 values); they are named
// after the real ones, so the listing and the languages are the real server's.
export async function startToneServer({ args = [] } = {}) {
  const dir = await mkdtemp(path.join(tmpdir(), 'ttsd-web-tone-'));
  const names = (await readdir(path.join(REPO, 'voices'))).filter((f) => f.endsWith('.bin'));
  const pack = Buffer.alloc(200 * 4 * 4);
  for (let i = 0; i < pack.length; i += 4) pack.writeFloatLE(0.5, i);
  await Promise.all(names.map((n) => writeFile(path.join(dir, n), pack)));
  return startServer({ args: ['--engine', 'tone', '--voices-dir', dir, ...args], readyTimeoutMs: 30_000 });
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
