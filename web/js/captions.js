// Word times as the server sends them ({word, start, end}: the words as the user wrote
// them, seconds from the start of the audio, in order, never overlapping): which word a
// clock is on, and the words as a WebVTT file. Plain data in, plain data out.

// The index of the word whose [start, end) holds `t`, or -1 between words. Words do not
// overlap, so only the first one not over yet can be under way.
export function wordAt(words, t) {
  const i = words.findIndex((w) => w.end > t);
  return i >= 0 && words[i].start <= t ? i : -1;
}

// Cues grouped as POST /v1/audio/captions groups them (src/captions.rs), so both files
// read alike: a cue ends at a sentence's end, after CUE_WORDS words, or when it would stay
// up longer than CUE_SECONDS.
const CUE_WORDS = 7;
const CUE_SECONDS = 3.5;
const SENTENCE_END = /[.!?。！？]$/;

// A WebVTT file of `words`.
export function webVtt(words) {
  let out = 'WEBVTT\n\n';
  let first = 0;
  words.forEach((w, i) => {
    const cue = words.slice(first, i + 1);
    if (SENTENCE_END.test(w.word) || cue.length >= CUE_WORDS || w.end - cue[0].start >= CUE_SECONDS ||
        i === words.length - 1) {
      out += `${stamp(cue[0].start)} --> ${stamp(w.end)}\n${cue.map((c) => escape(c.word)).join(' ')}\n\n`;
      first = i + 1;
    }
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
