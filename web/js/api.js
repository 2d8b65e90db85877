// The HTTP API as the page calls it: /info (open), the voice list and speech (with the API
// key as a Bearer token when there is one), every failure read into one ApiError that
// carries the server's message, code and request id, and speech's events read back.

// A request that failed: `status` 0 when the server could not be reached.
export class ApiError extends Error {
  constructor(message, { status = 0, code = null, requestId = null, retryAfter = null } = {}) {
    super(message);
    this.name = 'ApiError';
    Object.assign(this, { status, code, requestId, retryAfter });
  }
}

function headers(key, extra = {}) {
  return key ? { ...extra, Authorization: `Bearer ${key}` } : extra;
}

// fetch, with every failure but an abort as an ApiError.
async function send(path, init = {}) {
  let resp;
  try {
    resp = await fetch(path, init);
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(`cannot reach the server (${e.message})`);
  }
  if (!resp.ok) throw await errorOf(resp);
  return resp;
}

// OpenAI's error body, {"error": {"message", "type", "param", "code"}}, and the headers.
async function errorOf(resp) {
  const details = {
    status: resp.status,
    requestId: resp.headers.get('X-Request-Id'),
    retryAfter: resp.headers.get('Retry-After'),
  };
  let message = `HTTP ${resp.status} ${resp.statusText}`.trim();
  try {
    const { error } = await resp.json();
    if (error && error.message) {
      message = error.message;
      details.code = error.code || null;
    }
  } catch (_) { /* not JSON: the status says it */ }
  return new ApiError(message, details);
}

// The server's facts: sample rate, limits, formats, languages, default voice, whether a
// key is needed.
export async function info() {
  return (await send('/info')).json();
}

// Every voice: [{id, name, engine, lang_code, language, bcp47, gender, speaks}].
export async function voices(key) {
  return (await (await send('/v1/audio/voices', { headers: headers(key) })).json()).voices;
}

// The speech request; resolves with the response once its status is 200, with its
// request id beside it.
export async function speak(body, key, signal) {
  const resp = await send('/v1/audio/speech', {
    method: 'POST',
    headers: headers(key, { 'Content-Type': 'application/json' }),
    body: JSON.stringify(body),
    signal,
  });
  return { resp, requestId: resp.headers.get('X-Request-Id') };
}

// Server-Sent Events as the speech route writes them (`data: {json}`, then an empty line;
// lines end in \n): bytes in as the network cuts them, whole events out, parsed.
export class EventReader {
  constructor() {
    this.decoder = new TextDecoder();
    this.pending = ''; // the start of an event still arriving
  }

  // The events `bytes` completes; the closing `[DONE]` is left out.
  push(bytes) {
    this.pending += this.decoder.decode(bytes, { stream: true });
    const blocks = this.pending.split('\n\n');
    this.pending = blocks.pop();
    const events = [];
    for (const block of blocks) {
      const data = block.split('\n').filter((l) => l.startsWith('data:'))
        .map((l) => l.slice(5).replace(/^ /, '')).join('\n');
      if (data && data !== '[DONE]') events.push(JSON.parse(data));
    }
    return events;
  }
}

// A delta's base64 audio as bytes.
export function base64Bytes(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

const shellQuote = (s) => `'${s.replace(/'/g, `'\\''`)}'`;

// The same request as a curl command. The key itself never goes into the text (it may be
// shared); $TTSD_API_KEY stands in for it.
export function curlCommand(origin, body, withKey) {
  const auth = withKey ? '  -H "Authorization: Bearer $TTSD_API_KEY" \\\n' : '';
  return `curl -sN ${origin}/v1/audio/speech \\\n${auth}  -H 'Content-Type: application/json' \\\n` +
    `  -d ${shellQuote(JSON.stringify(body))} \\\n  -o speech.${body.response_format}`;
}

// The same speech from a streamed request body (POST /v1/audio/speech/stream, the settings
// as query parameters): a pipe from an LLM speaks as it writes; here the text stands in.
export function curlStreamed(origin, body, withKey) {
  const query = new URLSearchParams({ voice: body.voice, response_format: body.response_format, speed: String(body.speed) });
  const auth = withKey ? '  -H "Authorization: Bearer $TTSD_API_KEY" \\\n' : '';
  return `printf '%s' ${shellQuote(body.input)} \\\n  | curl -sN -X POST -T - -H 'Content-Type: text/plain' \\\n${auth}` +
    `  ${shellQuote(`${origin}/v1/audio/speech/stream?${query}`)} \\\n  -o speech.${body.response_format}`;
}
