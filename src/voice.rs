//! Voices: Kokoro style packs, blends (`af_bella(2)+af_sky(1)`, `af_bella-af_sky(0.3)`) and
//! OpenAI voice aliases.
//!
//! A pack is `voices/NAME.bin`: little-endian f32 `[510, 1, 256]`, one 256-wide style row
//! per input length. Names are checked against the packs loaded at start and never used
//! to build a path.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use crate::engine::ModelSpec;
use crate::error::{MAX_QUOTED, clip};
use crate::language::Language;
use crate::{Error, Result};

/// Most voices in one blend.
pub const MAX_BLEND: usize = 8;
/// Largest weight of a voice in a blend: weights are relative, so a bound only keeps
/// them sane (0.001–1000 gives ratios far beyond what can be heard).
pub const MAX_WEIGHT: f32 = 1000.0;

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

/// The largest magnitude a style value may have. Kokoro's 54 packs stay within ±3.2; a
/// pack far beyond that is corrupt (it would make the model produce noise or nothing).
pub const MAX_STYLE_MAGNITUDE: f32 = 100.0;

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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Aliases {
    /// ttsd's: each OpenAI name to the Kokoro voice most like it ([`OPENAI_ALIASES`]).
    #[default]
    Ttsd,
    /// Kokoro-FastAPI's ([`KOKORO_FASTAPI_ALIASES`]).
    KokoroFastapi,
}

impl Aliases {
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

/// A voice's style data: `rows` × `dim` floats, shaped as the engine's spec says.
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

    /// All zeros.
    pub fn silent(rows: usize, dim: usize) -> Self {
        StylePack {
            data: vec![0.0; rows.max(1) * dim.max(1)],
            rows: rows.max(1),
            dim: dim.max(1),
        }
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

    /// Packs of one shape mixed as Kokoro-FastAPI mixes them (`_get_voices_path` in
    /// `services/tts_service.py`, with its default `voice_weight_normalization`): each
    /// weight divided by the sum of the weights' magnitudes, subtracted ones included, then
    /// added or subtracted by its sign. `a(2)-b(1)` is `2/3·a − 1/3·b`; with only positive
    /// weights this is the weighted average. Every value stays within the packs' range.
    fn blend(parts: &[(&StylePack, f32)]) -> Result<StylePack> {
        let Some((first, _)) = parts.first() else {
            return Err(Error::Internal("a blend of no voices".into()));
        };
        let total: f32 = parts.iter().map(|(_, w)| w.abs()).sum();
        let mut out = vec![0f32; first.data.len()];
        for (pack, weight) in parts {
            if pack.data.len() != out.len() {
                return Err(Error::Internal("voices of different shapes".into()));
            }
            let w = weight / total;
            for (o, v) in out.iter_mut().zip(&pack.data) {
                *o += v * w;
            }
        }
        Ok(StylePack {
            data: out,
            rows: first.rows,
            dim: first.dim,
        })
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
#[derive(Debug, Clone)]
pub struct VoiceInfo {
    pub name: String,
    /// Its language, when its name names one of the table.
    pub language: Option<Language>,
    pub gender: Gender,
    /// Whether ttsd can speak it (its language has a G2P).
    pub speaks: bool,
}

/// A voice's gender, from the second letter of its name (Kokoro's convention).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gender {
    Female,
    Male,
    Unknown,
}

impl Gender {
    pub fn as_str(self) -> &'static str {
        match self {
            Gender::Female => "female",
            Gender::Male => "male",
            Gender::Unknown => "unknown",
        }
    }
}

/// All voice packs found at start, of the shape the engine takes.
#[derive(Debug)]
pub struct Voices {
    packs: BTreeMap<String, Arc<StylePack>>,
    rows: usize,
    dim: usize,
    aliases: Aliases,
}

impl Voices {
    /// No voices yet, for an engine of this spec.
    pub fn new(spec: &ModelSpec) -> Self {
        Voices {
            packs: BTreeMap::new(),
            rows: spec.style_rows,
            dim: spec.style_dim,
            aliases: Aliases::default(),
        }
    }

    /// The same voices, OpenAI's names going through `aliases`.
    pub fn with_aliases(self, aliases: Aliases) -> Self {
        Voices { aliases, ..self }
    }

    /// The voices in `dir` by their file names, without reading them.
    pub fn list(dir: &Path) -> Result<Vec<VoiceInfo>> {
        let mut names: Vec<String> = pack_files(dir)?.into_iter().map(|(name, _)| name).collect();
        names.sort();
        Ok(names.iter().map(|n| voice_info(n)).collect())
    }

    /// Loads every `*.bin` in `dir`. A file of the wrong size is an error naming it.
    pub fn load(dir: &Path, spec: &ModelSpec) -> Result<Self> {
        let mut voices = Voices::new(spec);
        for (name, path) in pack_files(dir)? {
            let bytes = std::fs::read(&path)
                .map_err(|e| Error::Asset(format!("cannot read {}: {e}", path.display())))?;
            let pack = StylePack::from_bytes(&bytes, voices.rows, voices.dim)
                .map_err(|e| Error::Asset(format!("bad voice pack {}: {e}", path.display())))?;
            voices.insert(&name, pack)?;
        }
        Ok(voices)
    }

    /// Adds a voice; its pack must have the engine's shape.
    pub fn insert(&mut self, name: &str, pack: StylePack) -> Result<()> {
        if (pack.rows, pack.dim) != (self.rows, self.dim) {
            return Err(Error::Asset(format!(
                "voice {name} has {} × {} style values; the engine takes {} × {}",
                pack.rows, pack.dim, self.rows, self.dim
            )));
        }
        self.packs.insert(name.to_owned(), Arc::new(pack));
        Ok(())
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

    /// The voice a request naming only `language` gets: the table's default voice when it
    /// is loaded, else the first voice of that language.
    pub fn default_for(&self, language: Language) -> Option<&str> {
        let preferred = language.row().default_voice;
        if self.packs.contains_key(preferred) {
            return Some(preferred);
        }
        self.names()
            .find(|name| Language::of_voice(name) == Some(language))
    }

    /// A voice from a request: a name (`af_heart`), an OpenAI alias (`alloy`), or a blend
    /// (`af_bella+af_sky`, `af_bella(2)+af_sky(1)`, `af_bella(2)-af_sky(1)`; see
    /// [`parse_blend`] and [`StylePack::blend`]). The language is the first voice's. Names
    /// are case-insensitive.
    pub fn resolve(&self, spec: &str) -> Result<Voice> {
        let spec = spec.to_ascii_lowercase();
        let parts = parse_spec(&spec)?;
        let mut resolved = Vec::with_capacity(parts.len());
        for (name, weight) in &parts {
            let name = self.aliases.get(name).unwrap_or(name);
            let pack = self
                .packs
                .get(name)
                .ok_or_else(|| Error::UnknownVoice(clip(name, MAX_QUOTED).into_owned()))?;
            resolved.push((name, pack, *weight));
        }
        let (first, first_pack, _) = resolved[0];
        let language =
            Language::of_voice(first).ok_or_else(|| Error::UnknownVoice(first.to_owned()))?;
        if !language.speaks() {
            return Err(Error::UnsupportedLanguage {
                language: language.row().name,
                param: "voice",
            });
        }
        if resolved.len() == 1 {
            return Ok(Voice {
                name: first.to_owned(),
                language,
                style: Arc::clone(first_pack),
            });
        }
        let mut name = String::new();
        for (i, (n, _, w)) in resolved.iter().enumerate() {
            if i > 0 {
                name.push(if *w < 0.0 { '-' } else { '+' });
            }
            name.push_str(&format!("{n}({})", fmt_weight(w.abs())));
        }
        let weighted: Vec<(&StylePack, f32)> =
            resolved.iter().map(|(_, p, w)| (p.as_ref(), *w)).collect();
        Ok(Voice {
            name,
            language,
            style: Arc::new(StylePack::blend(&weighted)?),
        })
    }
}

/// The voice packs (`NAME.bin`) in `dir`: their names and paths. None is an error.
fn pack_files(dir: &Path) -> Result<Vec<(String, std::path::PathBuf)>> {
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

fn voice_info(name: &str) -> VoiceInfo {
    let language = Language::of_voice(name);
    let gender = match name.chars().nth(1) {
        Some('f') => Gender::Female,
        Some('m') => Gender::Male,
        _ => Gender::Unknown,
    };
    VoiceInfo {
        name: name.to_owned(),
        language,
        gender,
        speaks: language.is_some_and(Language::speaks),
    }
}

fn fmt_weight(w: f32) -> String {
    if w.fract() == 0.0 {
        format!("{w:.0}")
    } else {
        format!("{w}")
    }
}

/// A voice spec's parts, as [`parse_blend`] reads them; kept under this name for its
/// callers (`Voices::resolve`, Wyoming's voice check).
pub fn parse_spec(spec: &str) -> Result<Vec<(&str, f32)>> {
    parse_blend(spec)
}

/// `a(2)+b-c(0.5)` → `[("a", 2.0), ("b", 1.0), ("c", -0.5)]`: Kokoro-FastAPI's mix syntax
/// (`process_and_validate_voices` in `routers/openai_compatible.py`). Voices are joined by
/// `+` (add) or `-` (subtract); a weight in parentheses is positive and finite (the sign
/// comes from the operator, never the number); the first voice is always added. Names are
/// `[a-z0-9_]`. The weights are returned signed; [`Voices::resolve`] mixes them.
pub fn parse_blend(spec: &str) -> Result<Vec<(&str, f32)>> {
    let bad = |why: String| {
        Error::invalid(
            "voice",
            format!(
                "invalid voice '{}': {}",
                clip(spec, MAX_QUOTED),
                clip(&why, MAX_QUOTED * 2)
            ),
        )
    };
    let spec = spec.trim();
    if spec.is_empty() {
        return Err(bad("empty".into()));
    }
    let mut parts = Vec::new();
    for (sign, part) in signed_parts(spec) {
        let part = part.trim();
        if part.is_empty() {
            return Err(bad(
                "an empty item: '+' and '-' go between voice names".into()
            ));
        }
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
            return Err(bad(format!(
                "weight {weight} must be a positive number up to {MAX_WEIGHT}"
            )));
        }
        parts.push((name, sign * weight));
        if parts.len() > MAX_BLEND {
            return Err(bad(format!("at most {MAX_BLEND} voices in a blend")));
        }
    }
    Ok(parts)
}

/// The items of a blend with the sign of the operator before each (`+1.0` for the first):
/// split at `+` and `-` outside parentheses, so `a(-1)` stays one item (and is refused for
/// its weight, not for an empty name).
fn signed_parts(spec: &str) -> impl Iterator<Item = (f32, &str)> {
    let mut depth = 0usize;
    let mut start = 0;
    let mut sign = 1.0;
    let mut cuts = Vec::new();
    for (i, c) in spec.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            '+' | '-' if depth == 0 => {
                cuts.push((sign, &spec[start..i]));
                sign = if c == '+' { 1.0 } else { -1.0 };
                start = i + 1;
            }
            _ => {}
        }
    }
    cuts.push((sign, &spec[start..]));
    cuts.into_iter()
}

fn w_ok(w: f32) -> bool {
    w.is_finite() && w > 0.0 && w <= MAX_WEIGHT
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::EngineFactory;
    use crate::engine::tone::{Cost, ToneFactory};

    const ROWS: usize = 8;
    const DIM: usize = 2;

    fn pack(value: f32) -> StylePack {
        StylePack::silent(ROWS, DIM).map_values(value)
    }

    fn voices() -> Voices {
        let mut v = Voices {
            packs: BTreeMap::new(),
            rows: ROWS,
            dim: DIM,
            aliases: Aliases::Ttsd,
        };
        for (name, value) in [
            ("af_bella", 1.0),
            ("af_sky", 4.0),
            ("bm_george", 0.0),
            ("af_alloy", 2.0),
            ("jf_alpha", 0.0),
            ("ff_siwis", 0.0),
            ("zf_xiaobei", 0.0),
        ] {
            v.insert(name, pack(value))
                .unwrap_or_else(|e| panic!("{e}"));
        }
        v
    }

    impl StylePack {
        fn map_values(mut self, value: f32) -> Self {
            self.data.iter_mut().for_each(|v| *v = value);
            self
        }
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
            "af_bella(1001)",
            "../etc/passwd",
            "a b",
            "AF_BELLA",
            "af_bella(inf)",
        ] {
            assert!(parse_spec(bad).is_err(), "{bad:?} should be rejected");
        }
        let nine = ["af_bella"; MAX_BLEND + 1].join("+");
        assert!(parse_spec(&nine).is_err());
        Ok(())
    }

    #[test]
    fn blends_are_weighted_averages() -> Result<()> {
        let v = voices();
        let equal = v.resolve("af_bella+af_sky")?;
        assert_eq!(equal.style.row(3).map(|r| r[0]), Some(2.5));
        let weighted = v.resolve("af_bella(3)+af_sky(1)")?;
        assert_eq!(weighted.style.row(3).map(|r| r[0]), Some(1.75));
        assert_eq!(weighted.name, "af_bella(3)+af_sky(1)");
        Ok(())
    }

    #[test]
    fn blends_subtract_as_kokoro_fastapi_does() -> Result<()> {
        assert_eq!(
            parse_blend("af_bella+af_sky-af_nicole(0.5)")?,
            vec![("af_bella", 1.0), ("af_sky", 1.0), ("af_nicole", -0.5)]
        );
        assert_eq!(
            parse_blend("af_bella(2) - af_sky")?,
            vec![("af_bella", 2.0), ("af_sky", -1.0)]
        );
        // parse_spec is the same reading.
        assert_eq!(parse_spec("a-b")?, parse_blend("a-b")?);
        for bad in [
            "-af_bella",
            "+af_bella",
            "af_bella-",
            "af_bella+-af_sky",
            "af_bella--af_sky",
            "af_bella(-1)",
            "af_bella-af_sky(-1)",
            "af_bella(1",
            "af_bella)-af_sky",
        ] {
            assert!(parse_blend(bad).is_err(), "{bad:?} should be rejected");
        }
        let message = parse_blend("af_bella(-1)")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(message.contains("weight -1"), "{message}");

        // Weights over the sum of their magnitudes, then signed: bella = 1, sky = 4, alloy = 2.
        let v = voices();
        let value = |spec: &str| -> Result<f32> {
            Ok(v.resolve(spec)?.style.row(3).map_or(f32::NAN, |r| r[0]))
        };
        for (spec, expected) in [
            ("af_bella(2)-af_sky(1)", 2.0 / 3.0 - 4.0 / 3.0),
            ("af_bella-af_sky", 0.5 - 2.0),
            ("af_bella+af_sky-af_alloy", (1.0 + 4.0 - 2.0) / 3.0),
            ("af_sky(3)+af_bella-af_bella", 3.0 * 4.0 / 5.0),
            // A lone weighted voice is the voice itself, as upstream with normalization on.
            ("af_sky(3)", 4.0),
        ] {
            let got = value(spec)?;
            assert!((got - expected).abs() < 1e-6, "{spec}: {got} ≠ {expected}");
        }
        assert_eq!(
            v.resolve("af_bella(2)-af_sky")?.name,
            "af_bella(2)-af_sky(1)"
        );
        assert_eq!(
            v.resolve("AF_BELLA+alloy-af_sky(0.5)")?.name,
            "af_bella(1)+af_alloy(1)-af_sky(0.5)"
        );
        Ok(())
    }

    #[test]
    fn aliases_and_errors() -> Result<()> {
        let v = voices();
        assert_eq!(v.resolve("alloy")?.name, "af_alloy");
        assert_eq!(v.resolve("ALLOY")?.name, "af_alloy");
        assert_eq!(Aliases::KokoroFastapi.get("alloy"), Some("am_adam"));
        assert_eq!(Aliases::KokoroFastapi.get("ballad"), None);
        assert_eq!(v.resolve("bm_george")?.language, Language::EnGb);
        assert!(matches!(
            v.resolve("af_nobody"),
            Err(Error::UnknownVoice(_))
        ));
        assert_eq!(v.resolve("ff_siwis")?.language, Language::Fr);
        let listed = v.info();
        let speaks = |name: &str| listed.iter().find(|i| i.name == name).map(|i| i.speaks);
        assert_eq!(speaks("ff_siwis"), Some(true));
        assert_eq!(speaks("bm_george"), Some(true));
        for unspoken in ["jf_alpha", "zf_xiaobei"] {
            let language = Language::of_voice(unspoken).map(Language::speaks);
            assert_eq!(speaks(unspoken), language);
            if language == Some(false) {
                assert!(matches!(
                    v.resolve(unspoken),
                    Err(Error::UnsupportedLanguage { .. })
                ));
            }
        }
        assert_eq!(v.default_for(Language::EnUs), Some("af_alloy"));
        assert_eq!(v.default_for(Language::EnGb), Some("bm_george"));
        assert_eq!(v.default_for(Language::Es), None);
        Ok(())
    }

    #[test]
    fn every_alias_names_a_shipped_voice() {
        let shipped = include_str!("../voices/SHA256SUMS");
        for (openai, kokoro) in OPENAI_ALIASES.iter().chain(KOKORO_FASTAPI_ALIASES) {
            assert!(
                shipped.contains(&format!(" {kokoro}.bin")),
                "{openai} → {kokoro} is not a shipped voice"
            );
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
    fn packs_of_the_wrong_shape_are_refused() {
        assert!(StylePack::from_bytes(&[0u8; 100], ROWS, DIM).is_err());
        assert!(StylePack::from_bytes(&[0u8; ROWS * DIM * 4], ROWS, DIM).is_ok());
        assert!(StylePack::new(vec![f32::NAN; ROWS * DIM], ROWS, DIM).is_err());
        assert!(StylePack::new(vec![1e30; ROWS * DIM], ROWS, DIM).is_err());
        let factory = ToneFactory::new(Cost::default());
        let mut v = Voices::new(factory.spec());
        assert!(v.insert("af_x", pack(1.0)).is_err());
        assert!(v.insert("af_x", factory.voice(0.5)).is_ok());
    }
}
