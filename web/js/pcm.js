// Raw audio as the server sends it for `pcm` (16-bit little-endian, mono, at the server's
// sample rate): cutting network chunks into samples, and wrapping received bytes in a WAV.

// s16le bytes as the network cuts them: a chunk may end in the middle of a sample, whose
// first byte then waits for the next chunk.
export class PcmSamples {
  constructor() {
    this.carry = null; // the odd byte left from the previous chunk
  }

  // The whole samples in `bytes` (and the byte carried over), as floats in [-1, 1).
  push(bytes) {
    if (this.carry !== null && bytes.length) {
      const joined = new Uint8Array(bytes.length + 1);
      joined[0] = this.carry;
      joined.set(bytes, 1);
      bytes = joined;
      this.carry = null;
    }
    if (bytes.length % 2 === 1) {
      this.carry = bytes[bytes.length - 1];
      bytes = bytes.subarray(0, bytes.length - 1);
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    const out = new Float32Array(bytes.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = view.getInt16(2 * i, true) / 32768;
    return out;
  }
}

// A WAV file of the s16le `chunks` (Uint8Arrays as received) at `sampleRate`, its sizes
// exact; an odd last byte (half a sample) is left out.
export function wavBlob(chunks, sampleRate) {
  const bytes = chunks.reduce((n, c) => n + c.length, 0) & ~1;
  const head = new DataView(new ArrayBuffer(44));
  const text = (at, s) => { for (let i = 0; i < s.length; i++) head.setUint8(at + i, s.charCodeAt(i)); };
  text(0, 'RIFF');
  head.setUint32(4, 36 + bytes, true);
  text(8, 'WAVE');
  text(12, 'fmt ');
  head.setUint32(16, 16, true); // the fmt chunk's size
  head.setUint16(20, 1, true); // integer PCM
  head.setUint16(22, 1, true); // mono
  head.setUint32(24, sampleRate, true);
  head.setUint32(28, sampleRate * 2, true); // bytes per second
  head.setUint16(32, 2, true); // bytes per frame
  head.setUint16(34, 16, true); // bits per sample
  text(36, 'data');
  head.setUint32(40, bytes, true);
  const parts = [head.buffer];
  let left = bytes;
  for (const c of chunks) {
    parts.push(c.subarray(0, Math.min(c.length, left)));
    left -= Math.min(c.length, left);
  }
  return new Blob(parts, { type: 'audio/wav' });
}
