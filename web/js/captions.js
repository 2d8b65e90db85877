// Word times as the server sends them ({word, start, end, cue}: the words as the user wrote
// them, seconds from the start of the audio, in order, never overlapping, and the caption
// cue each is in): which word a clock is on, and the words as a WebVTT file. Plain data in,
// plain data out.

// The index of the word whose [start, end) holds `t`, or -1 between words. Words do not
// overlap, so only the first one not over yet can be under way.
export function wordAt(words, t) {
  const i = words.findIndex((w) => w.end > t);
  return i >= 0 && words[i].start <= t ? i : -1;
}

// A WebVTT file of `words`, a cue for each run of words the server gave the same `cue`: the
// server groups them as it groups POST /v1/audio/captions's cues, so both files read alike.
export function webVtt(words) {
  let out = 'WEBVTT\n\n';
  let first = 0;
  words.forEach((w, i) => {
    if (words[i + 1]?.cue === w.cue) return;
    const cue = words.slice(first, i + 1);
    out += `${stamp(cue[0].start)} --> ${stamp(w.end)}\n${cue.map((c) => escape(c.word)).join(' ')}\n\n`;
    first = i + 1;
  });
  return out;
}

// `00:01:02.345`.
function stamp(seconds) {
  const ms = Math.round(Math.max(0, seconds) * 1000);
  const two = (n) => String(Math.floor(n)).padStart(2, '0');
  return `${two(ms / 3600000)}:${two((ms / 60000) % 60)}:${two((ms / 1000) % 60)}.${String(ms % 1000).padStart(3, '0')}`;
}

// Cue text is markup in WebVTT: a written "<" or "&" must not open a tag or an entity.
const escape = (text) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
