//! Audio already made, kept for what assistants say again and again ("Sure!", "Of course.",
//! "Let me check."): a short model call's samples, by everything that decides them — its
//! ids, its voice (a name or a blend's canonical name), its speed — for one engine. A cached
//! opener's first audio leaves in the time it takes to encode it.
//!
//! Bounded in bytes, least recently used out first. Only short calls are kept: a long chunk
//! is unlikely to come again word for word, and would push out many openers.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use super::Speech;

/// The longest call kept, in ids (a short sentence).
pub const MAX_CACHED_IDS: usize = 64;

/// What decides a call's samples (the engine is the cache's own).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    pub ids: Vec<i64>,
    pub voice: Arc<str>,
    /// The speed's bits (speeds are checked finite).
    pub speed: u32,
}

impl Key {
    pub fn new(ids: &[i64], voice: &Arc<str>, speed: f32) -> Option<Key> {
        (ids.len() <= MAX_CACHED_IDS).then(|| Key {
            ids: ids.to_vec(),
            voice: Arc::clone(voice),
            speed: speed.to_bits(),
        })
    }

    fn bytes(&self, speech: &Speech) -> usize {
        speech.samples.len() * 4 + self.ids.len() * 8 + self.voice.len() + 64
    }
}

#[derive(Debug, Default)]
struct State {
    entries: HashMap<Key, (Arc<Speech>, u64)>,
    /// Last use → key: the first is the least recently used.
    order: BTreeMap<u64, Key>,
    bytes: usize,
    tick: u64,
}

/// The cache; `max_bytes` 0 keeps nothing.
#[derive(Debug)]
pub struct ChunkCache {
    max_bytes: usize,
    state: Mutex<State>,
}

impl ChunkCache {
    pub fn new(max_bytes: usize) -> Self {
        ChunkCache {
            max_bytes,
            state: Mutex::new(State::default()),
        }
    }

    /// The samples of `key`, when kept (and now the most recently used).
    pub fn get(&self, key: &Key) -> Option<Arc<Speech>> {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.tick += 1;
        let tick = state.tick;
        let (speech, last) = state.entries.get_mut(key)?;
        let speech = Arc::clone(speech);
        let previous = std::mem::replace(last, tick);
        state.order.remove(&previous);
        state.order.insert(tick, key.clone());
        Some(speech)
    }

    /// Keeps `speech` for `key`, making room by dropping the least recently used.
    pub fn insert(&self, key: Key, speech: Speech) {
        let size = key.bytes(&speech);
        if size > self.max_bytes {
            return;
        }
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if state.entries.contains_key(&key) {
            return;
        }
        while state.bytes + size > self.max_bytes {
            let Some((_, oldest)) = state.order.pop_first() else {
                break;
            };
            if let Some((old, _)) = state.entries.remove(&oldest) {
                state.bytes -= oldest.bytes(&old);
            }
        }
        state.tick += 1;
        let tick = state.tick;
        state.bytes += size;
        state.order.insert(tick, key.clone());
        state.entries.insert(key, (Arc::new(speech), tick));
    }

    /// Bytes held now.
    pub fn bytes(&self) -> usize {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn speech(samples: usize) -> Speech {
        Speech {
            samples: vec![0.5; samples],
            durations: None,
        }
    }

    fn key(n: i64) -> Key {
        Key::new(&[n, 1, 2], &Arc::from("af_heart"), 1.0).unwrap_or_else(|| panic!("short"))
    }

    #[test]
    fn keeps_what_fits_and_drops_the_least_recently_used() {
        let one = key(1).bytes(&speech(1000));
        let cache = ChunkCache::new(one * 2);
        cache.insert(key(1), speech(1000));
        cache.insert(key(2), speech(1000));
        assert!(cache.get(&key(1)).is_some(), "1 is now the most recent");
        cache.insert(key(3), speech(1000));
        assert!(
            cache.get(&key(2)).is_none(),
            "2 was the least recently used"
        );
        assert!(cache.get(&key(1)).is_some() && cache.get(&key(3)).is_some());
        assert!(cache.bytes() <= one * 2);
    }

    #[test]
    fn a_key_is_everything_that_decides_the_audio() {
        let voice: Arc<str> = Arc::from("af_heart");
        let blend: Arc<str> = Arc::from("af_bella(2)+af_sky(1)");
        assert_ne!(Key::new(&[1], &voice, 1.0), Key::new(&[1], &blend, 1.0));
        assert_ne!(Key::new(&[1], &voice, 1.0), Key::new(&[1], &voice, 1.2));
        assert_ne!(Key::new(&[1], &voice, 1.0), Key::new(&[2], &voice, 1.0));
        assert!(Key::new(&vec![1; MAX_CACHED_IDS + 1], &voice, 1.0).is_none());
        let off = ChunkCache::new(0);
        off.insert(key(1), speech(10));
        assert!(off.get(&key(1)).is_none());
    }
}
