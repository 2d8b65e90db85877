//! Voices: Kokoro style packs, blends (`af_bella(2)+af_sky(1)`) and OpenAI voice aliases.
//!
//! A pack is `voices/NAME.bin`: little-endian f32 `[510, 1, 256]`, one 256-wide style row
//! per input length. Names are checked against the packs loaded at start and never used
//! to build a path.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use crate::text::Language;
use crate::text::g2p::language_name;
use crate::{Error, Result};

/// Width of one style vector.
pub const STYLE_DIM: usize = 256;
/// Rows in a pack: one per phoneme-id count.
pub const STYLE_ROWS: usize = 510;
/// Size of a pack file in bytes.
pub const PACK_BYTES: usize = STYLE_ROWS * STYLE_DIM * 4;
/// Most voices in one blend.
pub const MAX_BLEND: usize = 8;

/// OpenAI's voice names and the Kokoro voice each one plays.
pub const OPENAI_ALIASES: &[(&str, &str)] = &[
    ("alloy", "af_alloy"),
    ("ash", "am_adam"),
    ("ballad", "bm_lewis"),
    ("coral", "af_kore"),
    ("echo", "am_echo"),
    ("fable", "bm_fable"),
    ("onyx", "am_onyx"),
    ("nova", "af_nova"),
    ("sage", "af_sarah"),
    ("shimmer", "af_bella"),
    ("verse", "am_michael"),
    ("marin", "af_heart"),
    ("cedar", "am_eric"),
];

/// One style pack, `STYLE_ROWS × STYLE_DIM` floats.
#[derive(Debug, Clone, PartialEq)]
pub struct StylePack(Vec<f32>);

impl StylePack {
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, String> {
        if bytes.len() != PACK_BYTES {
            return Err(format!(
                "{} bytes, expected {PACK_BYTES} (f32 [{STYLE_ROWS}, 1, {STYLE_DIM}])",
                bytes.len()
            ));
        }
        let floats = bytes
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect::<Vec<_>>();
        if floats.iter().any(|f| !f.is_finite()) {
            return Err("contains NaN or infinite values".into());
        }
        Ok(StylePack(floats))
    }

    /// The style vector for an input of `n_ids` phoneme ids (before padding): row `n_ids`,
    /// the last row for the longest inputs.
    pub fn style(&self, n_ids: usize) -> &[f32] {
        let row = n_ids.min(STYLE_ROWS - 1);
        &self.0[row * STYLE_DIM..(row + 1) * STYLE_DIM]
    }

    /// The weighted average of packs (weights need not sum to one).
    fn blend(parts: &[(&StylePack, f32)]) -> StylePack {
        let total: f32 = parts.iter().map(|(_, w)| w).sum();
        let mut out = vec![0f32; STYLE_ROWS * STYLE_DIM];
        for (pack, weight) in parts {
            let w = weight / total;
            for (o, v) in out.iter_mut().zip(&pack.0) {
                *o += v * w;
            }
        }
        StylePack(out)
    }
}

/// A voice ready to speak: its canonical spec, language and (possibly blended) style.
#[derive(Debug, Clone)]
pub struct Voice {
    /// `af_heart`, or a blend normalized to `af_bella(2)+af_sky(1)`.
    pub name: String,
    pub language: Language,
    pub style: Arc<StylePack>,
}

/// Facts about a loaded voice, for listings.
#[derive(Debug, Clone, serde::Serialize)]
pub struct VoiceInfo {
    pub name: String,
    /// The language code as Kokoro names voices: `a`, `b`, `e`, …
    pub lang_code: String,
    pub language: &'static str,
    pub gender: &'static str,
    /// Whether ttsd can speak this voice's language (Japanese and Mandarin: not yet).
    pub supported: bool,
}

/// All voice packs found at start.
#[derive(Debug, Default)]
pub struct Voices {
    packs: BTreeMap<String, Arc<StylePack>>,
}

impl Voices {
    /// Loads every `*.bin` in `dir`. A file of the wrong size is an error naming it.
    pub fn load(dir: &Path) -> Result<Self> {
        let entries = std::fs::read_dir(dir).map_err(|e| {
            Error::Asset(format!(
                "cannot read the voices directory {}: {e} (run `make assets`)",
                dir.display()
            ))
        })?;
        let mut voices = Voices::default();
        for entry in entries {
            let path = entry
                .map_err(|e| Error::Asset(format!("reading {}: {e}", dir.display())))?
                .path();
            let Some(name) = path
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_suffix(".bin"))
            else {
                continue;
            };
            let bytes = std::fs::read(&path)
                .map_err(|e| Error::Asset(format!("cannot read {}: {e}", path.display())))?;
            let pack = StylePack::from_bytes(&bytes)
                .map_err(|e| Error::Asset(format!("bad voice pack {}: {e}", path.display())))?;
            voices.insert(name, pack);
        }
        if voices.packs.is_empty() {
            return Err(Error::Asset(format!(
                "no voice packs (*.bin) in {} (run `make assets`)",
                dir.display()
            )));
        }
        Ok(voices)
    }

    pub fn insert(&mut self, name: &str, pack: StylePack) {
        self.packs.insert(name.to_owned(), Arc::new(pack));
    }

    pub fn len(&self) -> usize {
        self.packs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.packs.is_empty()
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.packs.keys().map(String::as_str)
    }

    pub fn info(&self) -> Vec<VoiceInfo> {
        self.names().map(voice_info).collect()
    }

    /// A voice from a request: a name (`af_heart`), an OpenAI alias (`alloy`), or a blend
    /// (`af_bella+af_sky`, `af_bella(2)+af_sky(1)`). The language is the first voice's.
    /// Names are case-insensitive.
    pub fn resolve(&self, spec: &str) -> Result<Voice> {
        let spec = spec.to_ascii_lowercase();
        let parts = parse_spec(&spec)?;
        let mut resolved = Vec::with_capacity(parts.len());
        for (name, weight) in &parts {
            let name = alias(name).unwrap_or(name);
            let pack = self
                .packs
                .get(name)
                .ok_or_else(|| Error::UnknownVoice(name.to_owned()))?;
            resolved.push((name, pack, *weight));
        }
        let (first, first_pack, _) = resolved[0];
        let language = Language::from_voice(first)?;
        if resolved.len() == 1 {
            return Ok(Voice {
                name: first.to_owned(),
                language,
                style: Arc::clone(first_pack),
            });
        }
        let name = resolved
            .iter()
            .map(|(n, _, w)| format!("{n}({})", fmt_weight(*w)))
            .collect::<Vec<_>>()
            .join("+");
        let weighted: Vec<(&StylePack, f32)> =
            resolved.iter().map(|(_, p, w)| (p.as_ref(), *w)).collect();
        Ok(Voice {
            name,
            language,
            style: Arc::new(StylePack::blend(&weighted)),
        })
    }
}

/// The Kokoro voice an OpenAI voice name stands for.
pub fn alias(name: &str) -> Option<&'static str> {
    OPENAI_ALIASES
        .iter()
        .find(|(openai, _)| openai.eq_ignore_ascii_case(name))
        .map(|(_, kokoro)| *kokoro)
}

fn voice_info(name: &str) -> VoiceInfo {
    let mut chars = name.chars();
    let lang = chars.next().unwrap_or('?');
    let gender = match chars.next() {
        Some('f') => "female",
        Some('m') => "male",
        _ => "unknown",
    };
    VoiceInfo {
        name: name.to_owned(),
        lang_code: lang.to_string(),
        language: language_name(lang),
        gender,
        supported: Language::from_prefix(lang).is_some(),
    }
}

fn fmt_weight(w: f32) -> String {
    if w.fract() == 0.0 {
        format!("{w:.0}")
    } else {
        format!("{w}")
    }
}

/// `a(2)+b` → `[("a", 2.0), ("b", 1.0)]`. Names are `[a-z0-9_]`; weights positive and finite.
pub fn parse_spec(spec: &str) -> Result<Vec<(&str, f32)>> {
    let bad = |why: String| Error::invalid("voice", format!("invalid voice '{spec}': {why}"));
    let spec = spec.trim();
    if spec.is_empty() {
        return Err(bad("empty".into()));
    }
    let mut parts = Vec::new();
    for part in spec.split('+') {
        let part = part.trim();
        let (name, weight) = match part.split_once('(') {
            Some((name, rest)) => {
                let w = rest
                    .strip_suffix(')')
                    .ok_or_else(|| bad(format!("'{part}' lacks its closing ')'")))?;
                let w: f32 = w
                    .trim()
                    .parse()
                    .map_err(|_| bad(format!("'{w}' is not a number")))?;
                (name.trim(), w)
            }
            None => (part, 1.0),
        };
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            return Err(bad(format!(
                "'{name}' is not a voice name (lowercase letters, digits, '_')"
            )));
        }
        if !(w_ok(weight)) {
            return Err(bad(format!("weight {weight} must be a positive number")));
        }
        parts.push((name, weight));
    }
    if parts.len() > MAX_BLEND {
        return Err(bad(format!("at most {MAX_BLEND} voices in a blend")));
    }
    Ok(parts)
}

fn w_ok(w: f32) -> bool {
    w.is_finite() && w > 0.0 && w <= 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pack(value: f32) -> StylePack {
        StylePack(vec![value; STYLE_ROWS * STYLE_DIM])
    }

    fn voices() -> Voices {
        let mut v = Voices::default();
        v.insert("af_bella", pack(1.0));
        v.insert("af_sky", pack(4.0));
        v.insert("bm_george", pack(0.0));
        v.insert("af_alloy", pack(2.0));
        v.insert("jf_alpha", pack(0.0));
        v.insert("ff_siwis", pack(0.0));
        v.insert("zf_xiaobei", pack(0.0));
        v
    }

    #[test]
    fn parses_names_blends_and_weights() -> Result<()> {
        assert_eq!(parse_spec("af_bella")?, vec![("af_bella", 1.0)]);
        assert_eq!(
            parse_spec("af_bella(2) + af_sky(0.5)")?,
            vec![("af_bella", 2.0), ("af_sky", 0.5)]
        );
        for bad in [
            "",
            "+",
            "af_bella(",
            "af_bella(x)",
            "af_bella(-1)",
            "af_bella(0)",
            "../etc/passwd",
            "a b",
            "AF_BELLA",
            "af_bella(inf)",
        ] {
            assert!(parse_spec(bad).is_err(), "{bad:?} should be rejected");
        }
        Ok(())
    }

    #[test]
    fn blends_are_weighted_averages() -> Result<()> {
        let v = voices();
        let equal = v.resolve("af_bella+af_sky")?;
        assert_eq!(equal.style.style(10)[0], 2.5);
        let weighted = v.resolve("af_bella(3)+af_sky(1)")?;
        assert_eq!(weighted.style.style(10)[0], 1.75);
        assert_eq!(weighted.name, "af_bella(3)+af_sky(1)");
        Ok(())
    }

    #[test]
    fn aliases_and_errors() -> Result<()> {
        let v = voices();
        assert_eq!(v.resolve("alloy")?.name, "af_alloy");
        assert_eq!(v.resolve("ALLOY")?.name, "af_alloy");
        assert_eq!(v.resolve("bm_george")?.language, Language::EnGb);
        assert!(matches!(
            v.resolve("af_nobody"),
            Err(Error::UnknownVoice(_))
        ));
        assert!(matches!(
            v.resolve("jf_alpha"),
            Err(Error::UnsupportedLanguage(_))
        ));
        assert_eq!(v.resolve("ff_siwis")?.language, Language::Fr);
        let listed = v.info();
        let supported = |name: &str| listed.iter().find(|i| i.name == name).map(|i| i.supported);
        assert_eq!(supported("ff_siwis"), Some(true));
        assert_eq!(supported("bm_george"), Some(true));
        assert_eq!(supported("zf_xiaobei"), Some(false));
        assert_eq!(supported("jf_alpha"), Some(false));
        Ok(())
    }

    #[test]
    fn every_alias_names_a_shipped_voice() {
        let shipped = include_str!("../voices/SHA256SUMS");
        for (openai, kokoro) in OPENAI_ALIASES {
            assert!(
                shipped.contains(&format!(" {kokoro}.bin")),
                "{openai} → {kokoro} is not a shipped voice"
            );
        }
    }

    #[test]
    fn style_row_is_the_id_count() {
        let mut data = vec![0f32; STYLE_ROWS * STYLE_DIM];
        for row in 0..STYLE_ROWS {
            data[row * STYLE_DIM] = row as f32;
        }
        let p = StylePack(data);
        assert_eq!(p.style(0)[0], 0.0);
        assert_eq!(p.style(42)[0], 42.0);
        assert_eq!(p.style(510)[0], 509.0);
        assert_eq!(p.style(42).len(), STYLE_DIM);
    }

    #[test]
    fn rejects_packs_of_the_wrong_size() {
        assert!(StylePack::from_bytes(&[0u8; 100]).is_err());
        assert!(StylePack::from_bytes(&vec![0u8; PACK_BYTES]).is_ok());
    }
}
