// The page's DOM and nothing else: it renders what the controller hands it (the server's
// facts, the voices, the blend editor, the status, playback numbers, the words as they are
// spoken), reads the form, and reports what the user does through the callbacks given to
// `bind`.

const $ = (id) => document.getElementById(id);

const MODE_LABELS = {
  mse: 'mp3 stream, MediaSource',
  webaudio: 'pcm stream, Web Audio',
  blob: 'whole file, then played',
};

export class View {
  constructor() {
    this.el = Object.fromEntries([
      'form', 'text', 'voice-filter', 'voice', 'weight-0', 'blend-rows', 'blend-add',
      'blend-limit', 'voice-spec', 'speed', 'speed-out', 'format', 'play', 'stop',
      'download', 'captions', 'player', 'status', 'words', 'progress-bar', 'ttfa', 'total',
      'progress', 'received', 'mode-label', 'curl', 'copy', 'api-key', 'engine', 'rate',
      'from-token', 'from-clause',
    ].map((id) => [id.replace(/-(\w)/g, (_, c) => c.toUpperCase()), $(id)]));
    this.showText('');
  }

  // `on`: {play, stop, download, captions, copy, addVoice, removeVoice(index), change,
  // filter, key}.
  bind(on) {
    const el = this.el;
    el.form.addEventListener('submit', (e) => { e.preventDefault(); on.play(); });
    el.stop.addEventListener('click', () => on.stop());
    el.download.addEventListener('click', () => on.download());
    el.captions.addEventListener('click', () => on.captions());
    el.copy.addEventListener('click', () => on.copy());
    el.blendAdd.addEventListener('click', () => on.addVoice());
    el.blendRows.addEventListener('click', (e) => {
      const row = e.target.closest('.remove') && e.target.closest('.blend-row');
      if (row) on.removeVoice([...el.blendRows.children].indexOf(row) + 1);
    });
    el.voiceFilter.addEventListener('input', () => on.filter(el.voiceFilter.value));
    for (const button of document.querySelectorAll('[data-example]')) {
      button.addEventListener('click', () => {
        el.text.value = button.dataset.example;
        el.text.focus();
        on.change();
      });
    }
    // Any edit to the settings keeps the voice sent and the curl command current.
    el.form.addEventListener('input', (e) => { if (e.target !== el.voiceFilter) on.change(); });
    el.form.addEventListener('change', () => on.change());
    el.apiKey.addEventListener('change', () => on.key(el.apiKey.value.trim()));
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        on.play();
      } else if (e.key === 'Enter' && e.target === el.voiceFilter) {
        e.preventDefault(); // Enter in the search box picks nothing and plays nothing
      } else if (e.key === 'Escape') {
        on.stop();
      }
    });
  }

  // What the form says.
  read() {
    const el = this.el;
    const blend = [{ name: el.voice.value, weight: el.weight0.value }];
    for (const row of el.blendRows.children) {
      blend.push({ name: row.querySelector('select').value, weight: row.querySelector('input').value });
    }
    const delivery = el.form.elements.delivery.value;
    // The rate input's own bounds; an empty or invalid field counts as its default.
    const rate = el.rate.checkValidity() && el.rate.value ? Number(el.rate.value) : Number(el.rate.defaultValue);
    return { text: el.text.value, speed: Number(el.speed.value), format: el.format.value, delivery, rate, blend };
  }

  // The server's facts: formats, speed range, text length, blend limits, the engine.
  showFacts(info, preferredFormat) {
    const el = this.el;
    el.engine.textContent = `Version ${info.version}, ${info.engine} engine.`;
    el.format.replaceChildren(...info.formats.map((f) => new Option(f, f)));
    if (info.formats.includes(preferredFormat)) el.format.value = preferredFormat;
    [el.speed.min, el.speed.max] = info.speed_range.map(String);
    el.text.maxLength = info.max_input_chars;
    el.blendLimit.textContent = `(up to ${info.max_blend} voices)`;
    el.weight0.max = String(info.max_weight);
  }

  // Fills `select` with `groups` ([{label, voices: [{id, reason}]}]) and selects `selected`.
  fillVoices(select, groups, selected) {
    select.replaceChildren(...groups.map(({ label, voices }) => {
      const group = document.createElement('optgroup');
      group.label = label;
      group.append(...voices.map((v) => {
        const option = new Option(v.reason ? `${v.id} (${v.reason})` : v.id, v.id);
        option.disabled = Boolean(v.reason);
        return option;
      }));
      return group;
    }));
    if (groups.length === 0) {
      const none = new Option('no voice matches', '');
      none.disabled = true;
      select.append(none);
    }
    select.value = selected;
  }

  // The blend editor: the first voice in the main select, the others in one row each.
  showBlend(blend, mainGroups, allGroups, { maxBlend, maxWeight }) {
    const el = this.el;
    this.fillVoices(el.voice, mainGroups, blend[0].name);
    el.weight0.value = blend[0].weight;
    el.weight0.closest('.field').hidden = blend.length === 1;
    el.blendRows.replaceChildren(...blend.slice(1).map((part, i) => {
      const n = i + 2;
      const row = document.createElement('div');
      row.className = 'row blend-row';
      row.innerHTML = `
        <div class="field grow"><label for="blend-${n}-v">Voice ${n}</label>
          <select id="blend-${n}-v" class="voice-select"></select></div>
        <div class="field weight"><label for="blend-${n}-w">Weight</label>
          <input id="blend-${n}-w" class="weight-input" type="number" min="0.1" step="0.1"></div>
        <button type="button" class="remove" aria-label="Remove voice ${n} from the blend">Remove</button>`;
      this.fillVoices(row.querySelector('select'), allGroups, part.name);
      Object.assign(row.querySelector('input'), { value: part.weight, max: String(maxWeight) });
      return row;
    }));
    el.blendAdd.disabled = blend.length >= maxBlend;
  }

  focusBlend(index) {
    const rows = this.el.blendRows.children;
    if (index > 0 && rows[index - 1]) rows[index - 1].querySelector('select').focus();
    else this.el.blendAdd.focus();
  }

  showRequest(spec, speed, curl) {
    this.el.voiceSpec.textContent = spec;
    this.el.speedOut.textContent = `${speed.toFixed(2)}×`;
    this.el.curl.value = curl;
  }

  // The status line; a request id, when given, follows in a <code> of its own.
  status(message, { error = false, requestId = null } = {}) {
    const el = this.el.status;
    el.replaceChildren(message);
    if (requestId) {
      const code = document.createElement('code');
      code.dataset.testid = 'request-id';
      code.textContent = requestId;
      el.append(' Request id: ', code, '.');
    }
    el.classList.toggle('error', error);
  }

  keyInvalid(invalid) {
    if (invalid) this.el.apiKey.setAttribute('aria-invalid', 'true');
    else this.el.apiKey.removeAttribute('aria-invalid');
  }

  setKey(key) {
    this.el.apiKey.value = key;
  }

  // A playback starts: its path, its text (words marked as their times arrive; streamed
  // in, the text comes with appendText), fresh numbers, Stop on, Play and the downloads off.
  starting(mode, text, streamed) {
    const el = this.el;
    Object.assign(el.player.dataset, { mode, state: 'loading', delivery: streamed ? 'streamed' : 'whole' });
    el.modeLabel.textContent = MODE_LABELS[mode];
    el.ttfa.textContent = el.total.textContent = el.fromToken.textContent = el.fromClause.textContent = '–';
    this.progress({ played: 0, received: 0 });
    el.stop.disabled = false;
    // Play is about to be disabled: keep the keyboard focus on a live button.
    if (document.activeElement === el.play) el.stop.focus();
    el.play.disabled = true;
    this.download(null);
    this.captions(false);
    this.showText(text);
  }

  state(state) {
    this.el.player.dataset.state = state;
  }

  // Play on, Stop off; the focus moves from Stop (about to be disabled) to Play.
  idle() {
    const el = this.el;
    el.play.disabled = false;
    const hadFocus = document.activeElement === el.stop || document.activeElement === document.body;
    el.stop.disabled = true;
    if (hadFocus) el.play.focus();
  }

  times({ ttfa, total, fromToken, fromClause }) {
    const el = this.el;
    if (ttfa !== undefined) el.ttfa.textContent = ttfa.toFixed(2);
    if (total !== undefined) el.total.textContent = total.toFixed(2);
    if (fromToken !== undefined) el.fromToken.textContent = fromToken.toFixed(2);
    if (fromClause !== undefined) el.fromClause.textContent = fromClause.toFixed(2);
  }

  progress({ played, received }) {
    const el = this.el;
    el.progress.textContent = played.toFixed(2);
    el.received.textContent = received.toFixed(2);
    el.progressBar.max = Math.max(received, 0.01);
    el.progressBar.value = Math.min(played, received);
    el.progressBar.setAttribute('aria-valuetext', `${played.toFixed(1)} of ${received.toFixed(1)} seconds`);
  }

  // The Download button for `filename`, or off.
  download(filename) {
    this.el.download.disabled = !filename;
    this.el.download.textContent = filename ? `Download ${filename}` : 'Download';
  }

  captions(ready) {
    this.el.captions.disabled = !ready;
  }

  // `text` as one text node; addWords cuts its words out of it.
  showText(text) {
    this.el.words.replaceChildren(text);
    this.el.words.hidden = !text;
    this.rest = this.el.words.firstChild; // the text after the last word found
    this.spans = []; // each word's span, or null where it was not found
    this.current = -1;
  }

  // Streamed in: `piece` of the text written after what is shown.
  appendText(piece) {
    if (!this.rest) {
      this.rest = document.createTextNode('');
      this.el.words.append(this.rest);
    }
    this.rest.appendData(piece);
    this.el.words.hidden = false;
  }

  // Each of `words` (the server's, as the user wrote them, in order) becomes a span of the
  // text, found after the previous one; a word not in the text (none should be) is skipped.
  addWords(words) {
    for (const { word } of words) {
      const at = word && this.rest ? this.rest.data.indexOf(word) : -1;
      if (at < 0) {
        this.spans.push(null);
        continue;
      }
      const found = this.rest.splitText(at);
      this.rest = found.splitText(word.length);
      const span = document.createElement('span');
      span.dataset.index = String(this.spans.length);
      found.replaceWith(span);
      span.append(found);
      this.spans.push(span);
    }
  }

  // Marks word `index` as the one being spoken (-1: none).
  highlight(index) {
    if (index === this.current) return;
    this.spans[this.current]?.removeAttribute('aria-current');
    this.spans[index]?.setAttribute('aria-current', 'true');
    this.current = index;
  }

  saveFile(blob, filename) {
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = filename;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10000);
  }

  async copyCurl() {
    const el = this.el.curl;
    try {
      await navigator.clipboard.writeText(el.value);
    } catch (_) {
      // No clipboard API outside secure contexts: select and copy the old way.
      el.select();
      document.execCommand('copy');
    }
  }
}
