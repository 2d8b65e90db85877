// The voices as the page offers them: grouped by language and gender, searched, marked
// with why one cannot be picked (from the server's own data), and a blend written in the
// server's syntax "one(2)+other(1)". Plain data in, plain data out.

// Why `voice` is not spoken here, or null when it is: the server says per voice whether it
// speaks, and per language (in /info) whether that language does.
export function whyNotSpoken(voice, languages) {
  if (voice.speaks) return null;
  const language = languages.find((l) => l.code === voice.lang_code);
  if (!language) return 'its language is unknown to this server';
  if (!language.speaks) return `${language.name} is not spoken yet`;
  return 'not spoken by this server';
}

// Every word of `query` must start a word of the voice's language, gender or engine, or be
// part of its name ("male" must not match "female").
function matches(voice, words) {
  const hay = `${voice.language || ''} ${voice.gender} ${voice.engine || ''}`.toLowerCase().split(/\s+/);
  const id = voice.id.toLowerCase();
  return words.every((w) => id.includes(w) || hay.some((part) => part.startsWith(w)));
}

// [{label, voices: [{id, reason}]}], one group per language and gender (and engine, when
// the server has several), in the server's order; only the voices matching `query`.
export function groupVoices(voices, languages, query = '') {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const engines = new Set(voices.map((v) => v.engine)).size > 1;
  const groups = new Map();
  for (const v of voices) {
    if (!matches(v, words)) continue;
    const gender = v.gender === 'unknown' ? '' : v.gender;
    const label = [v.language || v.lang_code || 'other', gender, engines ? v.engine : '']
      .filter(Boolean).join(' · ');
    if (!groups.has(label)) groups.set(label, []);
    groups.get(label).push({ id: v.id, reason: whyNotSpoken(v, languages) });
  }
  return [...groups].map(([label, list]) => ({ label, voices: list }));
}

// The voice to start with: the server's default if it speaks, else the first that does.
export function initialVoice(voices, defaultVoice) {
  const speaking = voices.filter((v) => v.speaks);
  return (speaking.find((v) => v.id === defaultVoice) || speaking[0] || {}).id || '';
}

// Counts for the status line, and the names of the languages not spoken yet.
export function summary(voices, languages) {
  const listed = new Set(voices.map((v) => v.lang_code));
  return {
    total: voices.length,
    speaking: voices.filter((v) => v.speaks).length,
    notYet: languages.filter((l) => !l.speaks && listed.has(l.code)).map((l) => l.name),
  };
}

// The `voice` field for `parts` [{name, weight}]: one name alone, else "a(2)+b(1)". A
// weight that is not a positive number counts as 1; one over `maxWeight` is capped.
export function blendSpec(parts, maxWeight) {
  const used = parts.filter((p) => p.name);
  if (used.length <= 1) return used.length ? used[0].name : '';
  return used.map(({ name, weight }) => {
    const w = Number(weight);
    return `${name}(${Number.isFinite(w) && w > 0 ? Math.min(w, maxWeight) : 1})`;
  }).join('+');
}
