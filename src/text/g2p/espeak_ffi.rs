//! The espeak-ng FFI: IPA for words misaki does not know, and for the languages misaki does
//! not speak. The only `unsafe` in the crate.
//!
//! libespeak-ng keeps process-global state (the selected voice, internal buffers), so every
//! call goes through one mutex: one caller at a time. The library is linked as a system
//! library (Debian `libespeak-ng-dev`, GPL-3.0).
//!
//! A voice change queues a copy of the voice (about 1.3 KB, `DoVoiceChange`) for the wave
//! generator, which frees it when it reads the queue. Phonemizing never runs the generator,
//! so a process that alternates languages kept every copy (1.3 MB per 1,000 switches,
//! without bound; `tests/espeak_memory.rs`). After each change an empty synthesis runs the
//! generator once, its audio discarded: the queue is read and the copy freed.
#![allow(unsafe_code)]

use std::ffi::{CStr, CString, c_char, c_int, c_uint, c_void};
use std::sync::Mutex;

use crate::{Error, Result};

#[link(name = "espeak-ng")]
unsafe extern "C" {
    fn espeak_Initialize(
        output: c_int,
        buflength: c_int,
        path: *const c_char,
        options: c_int,
    ) -> c_int;
    fn espeak_SetVoiceByName(name: *const c_char) -> c_int;
    fn espeak_SetSynthCallback(callback: SynthCallback);
    fn espeak_Synth(
        text: *const c_void,
        size: usize,
        position: c_uint,
        position_type: c_int,
        end_position: c_uint,
        flags: c_uint,
        unique_identifier: *mut c_uint,
        user_data: *mut c_void,
    ) -> c_int;
    fn espeak_TextToPhonemes(
        textptr: *mut *const c_void,
        textmode: c_int,
        phonememode: c_int,
    ) -> *const c_char;
}

/// `t_espeak_callback`: audio made by [`espeak_Synth`], with its events.
type SynthCallback = unsafe extern "C" fn(*mut i16, c_int, *mut c_void) -> c_int;

/// Takes the audio of the synthesis that frees queued voices, and drops it (0: go on).
unsafe extern "C" fn discard_audio(_wav: *mut i16, _samples: c_int, _events: *mut c_void) -> c_int {
    0
}

/// `POS_CHARACTER`: [`espeak_Synth`]'s position counts characters.
const POS_CHARACTER: c_int = 1;
/// `AUDIO_OUTPUT_SYNCHRONOUS`: no audio device is opened.
const AUDIO_OUTPUT_SYNCHRONOUS: c_int = 2;
/// `espeakINITIALIZE_DONT_EXIT`: report errors instead of calling `exit()`.
const INITIALIZE_DONT_EXIT: c_int = 0x8000;
const CHARS_UTF8: c_int = 1;
const PHONEMES_IPA: c_int = 0x02;
/// Bit 7 of the phoneme mode: bits 8-23 hold a character that ties the letters of one
/// phoneme ("t^ʃ", "a^ɪ"), so a diphthong is told apart from two vowels in a row.
const PHONEMES_TIE: c_int = 0x80;
/// The tie character, as misaki asks phonemizer for it.
pub const TIE: char = '^';
const EE_OK: c_int = 0;

/// The library's state as this process knows it: initialized or not, and the voice set last.
struct State {
    initialized: bool,
    voice: Option<String>,
}

static STATE: Mutex<State> = Mutex::new(State {
    initialized: false,
    voice: None,
});

/// IPA for `text` in the espeak-ng voice `voice` (e.g. `en-us`, `en`, `es`, `fr-fr`), the
/// letters of multi-letter phonemes joined by [`TIE`].
///
/// espeak translates clause by clause and drops punctuation; the clauses' phonemes are
/// joined with a space. Control characters and NULs are removed first.
pub fn text_to_ipa(text: &str, voice: &str) -> Result<String> {
    let clean: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if clean.trim().is_empty() {
        return Ok(String::new());
    }
    let text = CString::new(clean).map_err(|e| Error::Phonemize(e.to_string()))?;
    let voice_c = CString::new(voice).map_err(|e| Error::Phonemize(e.to_string()))?;

    // A poisoned lock only means another caller panicked; the library state it guards is
    // re-established below (voice is set again when unknown).
    let mut state = STATE.lock().unwrap_or_else(|p| {
        let mut s = p.into_inner();
        s.voice = None;
        s
    });
    if !state.initialized {
        // SAFETY: called with the lock held, so no other thread is inside libespeak-ng. A null
        // path selects the library's compiled-in data directory.
        let rate = unsafe {
            espeak_Initialize(
                AUDIO_OUTPUT_SYNCHRONOUS,
                0,
                std::ptr::null(),
                INITIALIZE_DONT_EXIT,
            )
        };
        if rate <= 0 {
            return Err(Error::Phonemize(
                "espeak-ng failed to initialize (is espeak-ng-data installed?)".into(),
            ));
        }
        // SAFETY: lock held; `discard_audio` has the callback's C signature and touches
        // nothing it is given.
        unsafe { espeak_SetSynthCallback(discard_audio) };
        state.initialized = true;
    }
    if state.voice.as_deref() != Some(voice) {
        // SAFETY: lock held; `voice_c` is a valid NUL-terminated string that outlives the call.
        let rc = unsafe { espeak_SetVoiceByName(voice_c.as_ptr()) };
        if rc != EE_OK {
            state.voice = None;
            return Err(Error::Phonemize(format!(
                "espeak-ng has no voice '{voice}'"
            )));
        }
        state.voice = Some(voice.to_owned());
        // SAFETY: lock held; the text is a static NUL-terminated empty string whose size
        // includes the NUL; no identifier or user data is asked for (null), and the audio
        // goes to `discard_audio`, set at initialization.
        let rc = unsafe {
            espeak_Synth(
                c"".as_ptr().cast(),
                1,
                0,
                POS_CHARACTER,
                0,
                CHARS_UTF8 as c_uint,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
            )
        };
        if rc != EE_OK {
            tracing::warn!(rc, "espeak-ng: the voice change's queue was not read");
        }
    }

    let mut out = String::new();
    let mut cursor: *const c_void = text.as_ptr().cast();
    while !cursor.is_null() {
        // SAFETY: lock held. `cursor` points into `text`, a NUL-terminated buffer that lives
        // until the end of this function; espeak advances it within that buffer or sets it to
        // null at the end. The returned pointer is either null or a NUL-terminated string in
        // espeak's static buffer, valid until the next call, and it is copied at once.
        let phonemes = unsafe {
            let p = espeak_TextToPhonemes(
                &mut cursor,
                CHARS_UTF8,
                PHONEMES_IPA | PHONEMES_TIE | ((TIE as c_int) << 8),
            );
            if p.is_null() {
                break;
            }
            CStr::from_ptr(p).to_string_lossy().into_owned()
        };
        let phonemes = phonemes.trim();
        if !phonemes.is_empty() {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(phonemes);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speaks_a_word_in_ipa() -> Result<()> {
        let ipa = text_to_ipa("hello", "en-us")?;
        assert!(ipa.contains('h') && ipa.contains('l'), "{ipa}");
        Ok(())
    }

    #[test]
    fn nonsense_and_control_characters_are_safe() -> Result<()> {
        assert!(!text_to_ipa("zorblax", "en-us")?.is_empty());
        assert_eq!(text_to_ipa("\u{0}\u{1}", "en-us")?, "");
        Ok(())
    }

    #[test]
    fn unknown_voice_is_an_error() {
        assert!(text_to_ipa("hello", "no-such-voice").is_err());
        // and the next call with a good voice still works
        assert!(text_to_ipa("hello", "en-us").is_ok());
    }
}
