//! Kokoro's voices: the style packs in `voices/NAME.bin` (little-endian f32 `[510, 1, 256]`,
//! one 256-wide style row per input length), named by Kokoro's convention — the first
//! letter the language (`a` American English, `b` British, …: the language table's
//! letter), the second the gender (`af_heart`, `bm_george`) — OpenAI's voice names mapped
//! onto them, and blends mixed row by row.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::language::{LANGUAGES, Language};
use crate::voice::{Gender, Voice, VoiceBank, VoiceData, VoiceInfo};
use crate::{Error, Result};

/// A pack is one style row per input length: row `n` for `n` ids.
pub const STYLE_ROWS: usize = 510;
/// Values in a style row.
pub const STYLE_DIM: usize = 256;

/// The largest magnitude a style value may have. Kokoro's 54 packs stay within ±3.2; a
/// pack far beyond that is corrupt (it would make the model produce noise or nothing).
pub const MAX_STYLE_MAGNITUDE: f32 = 100.0;

/// The voice a request that names neither a voice nor a language gets.
pub const DEFAULT_VOICE: &str = "af_heart";

/// The voice a request naming only a language gets, per language.
const DEFAULT_VOICES: &[(Language, &str)] = &[
    (Language::EnUs, DEFAULT_VOICE),
    (Language::EnGb, "bf_emma"),
    (Language::Es, "ef_dora"),
    (Language::Fr, "ff_siwis"),
    (Language::Hi, "hf_alpha"),
    (Language::It, "if_sara"),
    (Language::Ja, "jf_alpha"),
    (Language::PtBr, "pf_dora"),
    (Language::Zh, "zf_xiaobei"),
];

/// OpenAI's voice names and the Kokoro voice each one plays, as ttsd maps them: the voice
/// that sounds most like OpenAI's (alloy is af_alloy).
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

/// OpenAI's voice names as Kokoro-FastAPI maps them (its `openai_mappings.json`), for
/// clients that expect its choices (alloy is am_adam there).
pub const KOKORO_FASTAPI_ALIASES: &[(&str, &str)] = &[
    ("alloy", "am_adam"),
    ("ash", "af_nicole"),
    ("coral", "bf_emma"),
    ("echo", "af_bella"),
    ("fable", "af_sarah"),
    ("onyx", "bm_george"),
    ("nova", "bf_isabella"),
    ("sage", "am_michael"),
    ("shimmer", "af_sky"),
];

/// Which table OpenAI's voice names go through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Aliases {
    /// ttsd's: each OpenAI name to the Kokoro voice most like it ([`OPENAI_ALIASES`]).
    #[default]
    Ttsd,
    /// Kokoro-FastAPI's ([`KOKORO_FASTAPI_ALIASES`]).
    KokoroFastapi,
}

impl Aliases {
    /// The names `--voice-aliases` takes, in order.
    pub const NAMES: &[&str] = &["ttsd", "kokoro-fastapi"];

    /// A table by its name.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "ttsd" => Some(Aliases::Ttsd),
            "kokoro-fastapi" => Some(Aliases::KokoroFastapi),
            _ => None,
        }
    }

    /// The Kokoro voice an OpenAI voice name stands for.
    pub fn get(self, name: &str) -> Option<&'static str> {
        let table = match self {
            Aliases::Ttsd => OPENAI_ALIASES,
            Aliases::KokoroFastapi => KOKORO_FASTAPI_ALIASES,
        };
        table
            .iter()
            .find(|(openai, _)| openai.eq_ignore_ascii_case(name))
            .map(|(_, kokoro)| *kokoro)
    }
}

/// A voice's style data: `rows` × `dim` floats.
#[derive(Debug, Clone, PartialEq)]
pub struct StylePack {
    data: Vec<f32>,
    rows: usize,
    dim: usize,
}

impl StylePack {
    pub fn new(data: Vec<f32>, rows: usize, dim: usize) -> Result<Self, String> {
        if rows == 0 || dim == 0 || data.len() != rows * dim {
            return Err(format!(
                "{} values, expected {rows} × {dim} = {}",
                data.len(),
                rows * dim
            ));
        }
        if data.iter().any(|f| !f.is_finite()) {
            return Err("contains NaN or infinite values".into());
        }
        if let Some(big) = data.iter().find(|f| f.abs() > MAX_STYLE_MAGNITUDE) {
            return Err(format!(
                "contains {big:e}, far beyond a style value's range (±{MAX_STYLE_MAGNITUDE}): corrupt"
            ));
        }
        Ok(StylePack { data, rows, dim })
    }

    /// A pack file: little-endian f32, `rows` × `dim` of them.
    pub fn from_bytes(bytes: &[u8], rows: usize, dim: usize) -> Result<Self, String> {
        if bytes.len() != rows * dim * 4 {
            return Err(format!(
                "{} bytes, expected {} (f32 [{rows}, 1, {dim}])",
                bytes.len(),
                rows * dim * 4
            ));
        }
        let floats = bytes
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        Self::new(floats, rows, dim)
    }

    /// Row `n` (the last row for larger `n`).
    pub fn row(&self, n: usize) -> Option<&[f32]> {
        let row = n.min(self.rows.checked_sub(1)?);
        self.data.get(row * self.dim..(row + 1) * self.dim)
    }

    /// The pack's bytes, as a pack file holds them.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.data.iter().flat_map(|f| f.to_le_bytes()).collect()
    }

    /// Packs of one shape mixed with these weights.
    fn mix(parts: &[(&StylePack, f32)]) -> Result<StylePack> {
        let Some((first, _)) = parts.first() else {
            return Err(Error::Internal("a blend of no voices".into()));
        };
        let mut out = vec![0f32; first.data.len()];
        for (pack, weight) in parts {
            if pack.data.len() != out.len() {
                return Err(Error::Internal("voices of different shapes".into()));
            }
            for (o, v) in out.iter_mut().zip(&pack.data) {
                *o += v * weight;
            }
        }
        Ok(StylePack {
            data: out,
            rows: first.rows,
            dim: first.dim,
        })
    }
}

/// Every pack in the voices directory.
pub struct KokoroVoices {
    packs: BTreeMap<String, Arc<StylePack>>,
    aliases: Aliases,
}

impl KokoroVoices {
    /// Loads every `*.bin` in `dir`. A pack of the wrong size or with corrupt values is an
    /// error naming it; so is a directory without packs.
    pub fn load(dir: &Path, aliases: Aliases) -> Result<Self> {
        let mut voices = KokoroVoices::new(aliases);
        for (name, path) in pack_files(dir)? {
            let bytes = std::fs::read(&path)
                .map_err(|e| Error::Asset(format!("cannot read {}: {e}", path.display())))?;
            let pack = StylePack::from_bytes(&bytes, STYLE_ROWS, STYLE_DIM)
                .map_err(|e| Error::Asset(format!("bad voice pack {}: {e}", path.display())))?;
            voices.packs.insert(name, Arc::new(pack));
        }
        Ok(voices)
    }

    /// No voices yet.
    pub fn new(aliases: Aliases) -> Self {
        KokoroVoices {
            packs: BTreeMap::new(),
            aliases,
        }
    }

    /// Adds a voice.
    pub fn insert(&mut self, name: &str, pack: StylePack) {
        self.packs.insert(name.to_owned(), Arc::new(pack));
    }
}

impl VoiceBank for KokoroVoices {
    fn list(&self) -> Vec<VoiceInfo> {
        self.packs
            .keys()
            .map(|name| {
                let language = language_of(name);
                VoiceInfo {
                    name: name.clone(),
                    engine: super::NAME,
                    language,
                    gender: gender_of(name),
                    speaks: language.is_some(),
                }
            })
            .collect()
    }

    fn voice(&self, name: &str) -> Option<Voice> {
        let name = self.aliases.get(name).unwrap_or(name);
        let (name, pack) = self.packs.get_key_value(name)?;
        Some(Voice {
            name: name.as_str().into(),
            language: language_of(name)?,
            engine: super::NAME,
            data: VoiceData::new(Arc::clone(pack)),
        })
    }

    fn default_voice(&self) -> &str {
        DEFAULT_VOICE
    }

    /// The table's default voice when it is loaded, else the first voice of that language.
    fn default_for(&self, language: Language) -> Option<&str> {
        let preferred = DEFAULT_VOICES
            .iter()
            .find(|(l, _)| *l == language)
            .map(|(_, name)| *name);
        if let Some(name) = preferred.filter(|name| self.packs.contains_key(*name)) {
            return Some(name);
        }
        self.packs
            .keys()
            .map(String::as_str)
            .find(|name| language_of(name) == Some(language))
    }

    /// Kokoro-FastAPI's mix, row by row: every value stays within the packs' range.
    fn blend(&self, parts: &[(&Voice, f32)]) -> Result<VoiceData> {
        let packs = parts
            .iter()
            .map(|(voice, weight)| Ok((pack_of(&voice.data)?, *weight)))
            .collect::<Result<Vec<_>>>()?;
        let packs: Vec<(&StylePack, f32)> = packs.iter().map(|(p, w)| (p.as_ref(), *w)).collect();
        Ok(VoiceData::new(Arc::new(StylePack::mix(&packs)?)))
    }

    /// The pack file: saved as `voices/NAME.bin` it is a voice like the others.
    fn file(&self, voice: &Voice) -> Result<Vec<u8>> {
        Ok(pack_of(&voice.data)?.to_bytes())
    }
}

/// A Kokoro voice's style pack.
pub(super) fn pack_of(data: &VoiceData) -> Result<&Arc<StylePack>> {
    data.get::<Arc<StylePack>>()
        .ok_or_else(|| Error::Internal("a voice of another engine reached Kokoro".into()))
}

/// The language of a Kokoro voice, named by its first letter (`af_heart` → American
/// English): the language table's letter.
pub fn language_of(name: &str) -> Option<Language> {
    let letter = name.chars().next()?.to_ascii_lowercase();
    LANGUAGES
        .iter()
        .find(|r| r.code == letter)
        .map(|r| r.language)
}

/// A Kokoro voice's gender, from the second letter of its name.
fn gender_of(name: &str) -> Gender {
    match name.chars().nth(1) {
        Some('f') => Gender::Female,
        Some('m') => Gender::Male,
        _ => Gender::Unknown,
    }
}

/// The voice packs (`NAME.bin`) in `dir`: their names and paths. None is an error.
fn pack_files(dir: &Path) -> Result<Vec<(String, PathBuf)>> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        Error::Asset(format!(
            "cannot read the voices directory {}: {e} (run `make assets`)",
            dir.display()
        ))
    })?;
    let mut packs = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|e| Error::Asset(format!("reading {}: {e}", dir.display())))?
            .path();
        if let Some(name) = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".bin"))
        {
            packs.push((name.to_owned(), path.clone()));
        }
    }
    if packs.is_empty() {
        return Err(Error::Asset(format!(
            "no voice packs (*.bin) in {} (run `make assets`)",
            dir.display()
        )));
    }
    Ok(packs)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROWS: usize = 8;
    const DIM: usize = 2;

    fn pack(value: f32) -> StylePack {
        StylePack {
            data: vec![value; STYLE_ROWS * STYLE_DIM],
            rows: STYLE_ROWS,
            dim: STYLE_DIM,
        }
    }

    fn voices() -> KokoroVoices {
        let mut v = KokoroVoices::new(Aliases::Ttsd);
        for (name, value) in [
            ("af_bella", 1.0),
            ("af_sky", 4.0),
            ("bm_george", 0.0),
            ("af_alloy", 2.0),
            ("jf_alpha", 0.0),
            ("xx_nobody", 0.0),
        ] {
            v.insert(name, pack(value));
        }
        v
    }

    #[test]
    fn names_say_language_and_gender_and_aliases_follow_the_table() {
        let v = voices();
        assert_eq!(
            v.voice("bm_george").map(|v| v.language),
            Some(Language::EnGb)
        );
        assert_eq!(v.voice("jf_alpha").map(|v| v.language), Some(Language::Ja));
        assert_eq!(v.voice("alloy").map(|v| v.name), Some("af_alloy".into()));
        assert!(v.voice("af_nobody").is_none());
        assert!(v.voice("xx_nobody").is_none(), "no language, no voice");
        let listed = v.list();
        let info = |name: &str| listed.iter().find(|i| i.name == name).cloned();
        assert_eq!(info("bm_george").map(|i| i.gender), Some(Gender::Male));
        assert_eq!(
            info("xx_nobody").map(|i| (i.language, i.speaks)),
            Some((None, false))
        );
        assert_eq!(Aliases::KokoroFastapi.get("alloy"), Some("am_adam"));
        assert_eq!(Aliases::KokoroFastapi.get("ballad"), None);
        assert_eq!(v.default_for(Language::EnUs), Some("af_alloy"));
        assert_eq!(v.default_for(Language::EnGb), Some("bm_george"));
        assert_eq!(v.default_for(Language::Es), None);
        for (letter, language) in [
            ("af_heart", Language::EnUs),
            ("pm_alex", Language::PtBr),
            ("zm_yunxi", Language::Zh),
        ] {
            assert_eq!(language_of(letter), Some(language));
        }
        assert_eq!(language_of(""), None);
    }

    #[test]
    fn blends_mix_rows_and_files_are_packs() -> Result<()> {
        let v = voices();
        let (bella, sky) = (v.voice("af_bella"), v.voice("af_sky"));
        let (Some(bella), Some(sky)) = (bella, sky) else {
            panic!("both voices")
        };
        let mixed = v.blend(&[(&bella, 0.75), (&sky, -0.25)])?;
        let row = pack_of(&mixed)?.row(3).map(|r| r[0]);
        assert_eq!(row, Some(0.75 - 1.0));
        let voice = Voice {
            name: "mix".into(),
            language: Language::EnUs,
            engine: crate::engine::kokoro::NAME,
            data: mixed,
        };
        assert_eq!(v.file(&voice)?.len(), STYLE_ROWS * STYLE_DIM * 4);
        Ok(())
    }

    #[test]
    fn every_alias_and_default_names_a_shipped_voice() {
        let shipped = include_str!("../../../voices/SHA256SUMS");
        let defaults = DEFAULT_VOICES.iter().map(|(_, name)| ("default", *name));
        for (alias, kokoro) in OPENAI_ALIASES
            .iter()
            .chain(KOKORO_FASTAPI_ALIASES)
            .copied()
            .chain(defaults)
        {
            assert!(
                shipped.contains(&format!(" {kokoro}.bin")),
                "{alias} → {kokoro} is not a shipped voice"
            );
        }
        for (language, name) in DEFAULT_VOICES {
            assert_eq!(language_of(name), Some(*language), "{name}");
        }
    }

    #[test]
    fn rows_are_clamped_to_the_last() -> Result<(), String> {
        let data: Vec<f32> = (0..ROWS * DIM).map(|i| (i / DIM) as f32).collect();
        let p = StylePack::new(data, ROWS, DIM)?;
        assert_eq!(p.row(0).map(|r| r[0]), Some(0.0));
        assert_eq!(p.row(5).map(|r| r[0]), Some(5.0));
        assert_eq!(p.row(500).map(|r| r[0]), Some((ROWS - 1) as f32));
        assert_eq!(p.row(5).map(<[f32]>::len), Some(DIM));
        Ok(())
    }

    #[test]
    fn packs_of_the_wrong_shape_or_corrupt_are_refused() {
        assert!(StylePack::from_bytes(&[0u8; 100], ROWS, DIM).is_err());
        assert!(StylePack::from_bytes(&[0u8; ROWS * DIM * 4], ROWS, DIM).is_ok());
        assert!(StylePack::new(vec![f32::NAN; ROWS * DIM], ROWS, DIM).is_err());
        assert!(StylePack::new(vec![1e30; ROWS * DIM], ROWS, DIM).is_err());
    }
}
