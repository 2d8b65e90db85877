//! A model's phoneme vocabulary: one symbol, one id.

use std::collections::HashMap;
use std::path::Path;

use crate::{Error, Result};

/// The symbol → id table from `vocab.json` (`{"vocab": {symbol: id}}`).
#[derive(Debug, Clone)]
pub struct Vocab {
    ids: HashMap<char, i64>,
    symbols: HashMap<i64, char>,
}

impl Vocab {
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::Asset(format!(
                "cannot read the phoneme vocabulary {}: {e} (run `make assets`)",
                path.display()
            ))
        })?;
        Self::from_json(&text)
            .map_err(|e| Error::Asset(format!("bad phoneme vocabulary {}: {e}", path.display())))
    }

    pub fn from_json(text: &str) -> Result<Self, String> {
        #[derive(serde::Deserialize)]
        struct File {
            vocab: HashMap<String, i64>,
        }
        let file: File = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let mut ids = HashMap::with_capacity(file.vocab.len());
        for (symbol, id) in file.vocab {
            let mut chars = symbol.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) if id > 0 => {
                    ids.insert(c, id);
                }
                _ => {
                    return Err(format!(
                        "entry {symbol:?} → {id} is not one symbol → positive id"
                    ));
                }
            }
        }
        if ids.is_empty() {
            return Err("no symbols".into());
        }
        Ok(Self::from_ids(ids))
    }

    /// A vocabulary of these symbols, numbered from 1 in order (a test engine's).
    pub fn from_symbols(symbols: &str) -> Self {
        Self::from_ids(symbols.chars().zip(1..).collect())
    }

    /// A vocabulary of these symbol → id pairs (an engine's own map, such as a Piper
    /// voice's `phoneme_id_map`).
    pub fn from_pairs(pairs: impl IntoIterator<Item = (char, i64)>) -> Self {
        Self::from_ids(pairs.into_iter().collect())
    }

    fn from_ids(ids: HashMap<char, i64>) -> Self {
        let symbols = ids.iter().map(|(&c, &id)| (id, c)).collect();
        Vocab { ids, symbols }
    }

    /// The symbol of an id.
    pub fn symbol(&self, id: i64) -> Option<char> {
        self.symbols.get(&id).copied()
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    pub fn contains(&self, c: char) -> bool {
        self.ids.contains_key(&c)
    }

    /// The symbols of `phonemes` outside the vocabulary, each once, in order of appearance.
    pub fn unknown(&self, phonemes: &str) -> Vec<char> {
        let mut unknown: Vec<char> = Vec::new();
        for c in phonemes.chars().filter(|&c| !self.contains(c)) {
            if !unknown.contains(&c) {
                unknown.push(c);
            }
        }
        unknown
    }

    /// The phonemes with every symbol outside the vocabulary removed (and the spaces that
    /// leaves doubled folded), so that one char is one id.
    pub fn retain_known(&self, phonemes: &str) -> String {
        let mut out = String::with_capacity(phonemes.len());
        for c in phonemes.chars().filter(|&c| self.contains(c)) {
            if c == ' ' && (out.is_empty() || out.ends_with(' ')) {
                continue;
            }
            out.push(c);
        }
        let trimmed = out.trim_end().len();
        out.truncate(trimmed);
        out
    }

    /// Token ids for phonemes; unknown symbols are dropped.
    pub fn encode(&self, phonemes: &str) -> Vec<i64> {
        phonemes
            .chars()
            .filter_map(|c| self.ids.get(&c).copied())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocab() -> Vocab {
        Vocab::from_json(
            r#"{"vocab": {" ": 16, ".": 4, "h": 50, "ə": 83, "l": 54, "O": 31, "ˈ": 156}}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn maps_symbols_to_ids() {
        assert_eq!(vocab().encode("həlˈO."), vec![50, 83, 54, 156, 31, 4]);
    }

    #[test]
    fn unknown_symbols_are_dropped_never_sent() {
        let v = vocab();
        assert_eq!(v.encode("h❓l"), vec![50, 54]);
        assert_eq!(v.retain_known("❓ həl ❓ lO ❓"), "həl lO");
    }

    #[test]
    fn an_engines_own_map_is_a_vocabulary() {
        let v = Vocab::from_pairs([('_', 0), ('a', 14), ('ɪ', 74)]);
        assert_eq!(v.encode("aɪx"), vec![14, 74]);
        assert_eq!(v.symbol(74), Some('ɪ'));
    }

    #[test]
    fn rejects_malformed_files() {
        assert!(Vocab::from_json(r#"{"vocab": {"ab": 3}}"#).is_err());
        assert!(Vocab::from_json(r#"{"vocab": {"a": 0}}"#).is_err());
        assert!(Vocab::from_json(r#"{"vocab": {}}"#).is_err());
        assert!(Vocab::from_json("[]").is_err());
    }
}
