// Starts the real `target/release/ttsd serve --port 0` from the repository root, reads the
// `ttsd listening on http://…` line, and waits for /ready.
import { spawn } from 'node:child_process';
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

// Model calls so far by outcome, from /metrics.
export async function inferenceJobs(base) {
  const text = await (await fetch(`${base}/metrics`)).text();
  const get = (outcome) => {
    const m = new RegExp(`ttsd_inference_jobs_total\\{outcome="${outcome}"\\} (\\d+)`).exec(text);
    return m ? Number(m[1]) : NaN;
  };
  return { completed: get('completed'), skipped: get('skipped') };
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export const LONG_TEXT = 'The old lighthouse keeper climbed the stairs every evening, counting the steps as he went. ' +
  'There were one hundred and twelve of them, and he knew each one by the sound it made under his boots. ' +
  'At the top he lit the lamp, wound the clockwork, and watched the beam sweep across the dark water. ' +
  'Ships he would never meet passed safely through the night because of it, and that was enough for him. ' +
  'In the morning he climbed down again, made his tea, and slept until the gulls woke him in the afternoon.';
