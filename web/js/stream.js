// Text streamed in as an LLM writes it: the reply cut into tokens, the token that completed
// what the server spoke first, and one speech session over the WebSocket
// GET /v1/audio/speech/stream (settings first, then {"text"} pieces and {"close"}; binary
// audio and JSON events back).
import { ApiError } from './api.js';

// `text` as an LLM would send it: a word with the space after it per token (a token here
// is a word: LLM tokens are a little shorter, so a rate in words per second is a little
// kinder to the server than the same rate in tokens). Joined, the tokens are the text.
export function tokens(text) {
  const toks = text.match(/\S+\s*/g) || [];
  const lead = /^\s*/.exec(text)[0];
  if (toks.length && lead) toks[0] = lead + toks[0];
  return toks;
}

// The index of the token that completed the text `words` speak, or -1 if they cannot be
// found in the tokens. `words` are a chunk's words as the server sends them (its first
// `audio.timestamps` event: the words as written, in order), so the server's own rule for
// where its first chunk ends decides, and the page keeps no copy of it.
export function tokenSpoken(toks, words) {
  if (!words.length) return -1;
  const text = toks.join('');
  let end = 0;
  for (const { word } of words) {
    const at = text.indexOf(word, end);
    if (at < 0) return -1;
    end = at + word.length;
  }
  let written = 0;
  return toks.findIndex((t) => {
    written += t.length;
    return written >= end;
  });
}

// The WebSocket's address on this page's server. Browsers cannot set headers on a
// WebSocket, so a key goes in the query (`api_key`), as the server allows.
export function socketUrl(location, key) {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const query = key ? `?api_key=${encodeURIComponent(key)}` : '';
  return `${scheme}//${location.host}/v1/audio/speech/stream${query}`;
}

// One utterance over the WebSocket. `settings` are POST /v1/audio/speech's fields;
// `on`: {open(), audio(bytes), words(words), done(usage), error(ApiError)}, each called in
// the order the server sent it, the next only once an async one has finished (audio is
// fed to a player that may wait). Exactly one of done or error ends it.
export class SpeechSocket {
  constructor(url, settings, on) {
    this.on = on;
    this.over = false;
    this.opened = false;
    this.queue = Promise.resolve();
    this.socket = new WebSocket(url);
    this.socket.binaryType = 'arraybuffer';
    this.socket.addEventListener('open', () => {
      this.opened = true;
      this.socket.send(JSON.stringify(settings));
      this.then(() => on.open());
    });
    this.socket.addEventListener('message', (e) => this.message(e.data));
    this.socket.addEventListener('close', (e) => this.closed(e));
  }

  // Runs `step` after everything received before it.
  then(step) {
    this.queue = this.queue.then(() => (this.over ? undefined : step()));
  }

  message(data) {
    if (data instanceof ArrayBuffer) {
      const bytes = new Uint8Array(data);
      this.then(() => this.on.audio(bytes));
      return;
    }
    let event;
    try {
      event = JSON.parse(data);
    } catch (_) {
      this.fail(new ApiError('the server sent an unreadable event'));
      return;
    }
    if (event.type === 'audio.timestamps') {
      this.then(() => this.on.words(event.words));
    } else if (event.type === 'audio.done') {
      this.then(() => { this.over = true; return this.on.done(event.usage); });
    } else if (event.type === 'error') {
      const { message, code } = event.error || {};
      this.fail(new ApiError(message || 'the server ended the speech', { code }));
    }
  }

  // A close before `audio.done` or an error event: a handshake the server refused (the
  // browser is told no more than that), a timeout, or a lost connection.
  closed(e) {
    const why = e.code === 1006
      ? (this.opened ? 'the connection was lost' : 'the server refused the WebSocket (if it needs an API key, check it)')
      : `the server closed the WebSocket (code ${e.code}${e.reason ? `: ${e.reason}` : ''})`;
    this.fail(new ApiError(why));
  }

  fail(error) {
    this.then(() => { this.over = true; return this.on.error(error); });
  }

  // A piece of the text.
  send(text) {
    this.socket.send(JSON.stringify({ text }));
  }

  // No more text: the server speaks what is left, then sends audio.done.
  close() {
    this.socket.send(JSON.stringify({ close: true }));
  }

  // Gone: the server stops its work.
  abort() {
    this.over = true;
    this.socket.close();
  }
}
