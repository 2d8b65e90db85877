//! `ttsd say` and `ttsd voices`: the command line over the same core as the server.
//!
//! `say` builds the synthesizer as `serve` does and speaks one utterance. Its text is the
//! argument, or standard input read as it arrives (`-`), so a pipe from an LLM is spoken
//! sentence by sentence before the input ends; its audio goes to a file or, chunk by chunk
//! as it is made, to standard output.

use std::io::{Read, Write};
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, bail};
use tokio::sync::mpsc;
use ttsd::audio::Format;
use ttsd::config::{SayArgs, VoiceArgs};
use ttsd::language::Language;
use ttsd::lexicon::{Lexicon, Store};
use ttsd::metrics::Metrics;
use ttsd::request::{Input, SpeechParams, VoiceParam};
use ttsd::synth::{Event, Synthesizer, Utf8Pieces, collect_file};
use ttsd::text::{NormalizationOptions, Vocab};

/// Bytes read from standard input at a time.
const READ_BUFFER: usize = 4096;

pub fn say(args: SayArgs, runtime: tokio::runtime::Runtime) -> anyhow::Result<()> {
    let format = match args.format {
        Some(f) => f,
        None => format_from_extension(&args.output)?,
    };
    let from_stdin = args.text == "-";
    let to_stdout = args.output.as_os_str() == "-";
    let engines = ttsd::config::EngineConfig::factories(&args.engine.engines()?)?;
    // No input limit and no idle clock on the command line (a pipe may think as long as it
    // likes); one utterance, so one chunk queued at a time.
    let mut core = args.engine.core(usize::MAX, 4);
    core.settings.stream_idle = None;
    // A file of any length: the audio is held once, in the file's buffer, until written.
    core.settings.max_file_audio = None;
    let params = SpeechParams {
        input: (!from_stdin).then(|| args.text.clone()),
        voice: args.voice.clone().map(VoiceParam::Name),
        response_format: Some(format.name().to_owned()),
        speed: Some(args.speed),
        lang_code: args.lang_code.clone(),
        normalization_options: Some(NormalizationOptions {
            normalize: !args.no_normalize,
            ..Default::default()
        }),
        // Standard output plays as it arrives; a file is written whole.
        stream: Some(to_stdout),
        ..Default::default()
    };
    let input = if from_stdin {
        Input::Streamed
    } else {
        Input::Required
    };
    // Validate before loading the model: bad input fails fast.
    let catalogue = ttsd::voice::Voices::join(engines.iter().map(|e| e.engine_voices()));
    let specs: Vec<_> = engines.iter().map(|e| e.spec().clone()).collect();
    let lexicons = read_lexicons(&args, &specs[0].vocab)?;
    let request = ttsd::synth::validate(
        params,
        input,
        &catalogue,
        &specs,
        core.settings.limits,
        &lexicons,
    )?;
    let synth = Arc::new(Synthesizer::build_all(
        engines,
        &core,
        Arc::new(Metrics::new()),
    )?);
    // Standard output gets each chunk as it is made; a file is written once complete, so a
    // failure never leaves half a file.
    let rate = synth.sample_rate(request.voice())?;
    runtime.block_on(async {
        let (text, mut audio) = synth.start(request, None)?;
        if from_stdin {
            let pieces = tokio_stream::wrappers::ReceiverStream::new(read_stdin());
            tokio::spawn(async move {
                if let Err(e) = text.feed(pieces).await {
                    tracing::error!(error = %e, "standard input refused");
                }
            });
        } else {
            text.finish();
        }
        if !to_stdout {
            let (file, _) = collect_file(audio, format, rate, None).await?;
            return std::fs::write(&args.output, &file)
                .with_context(|| format!("cannot write {}", args.output.display()));
        }
        let mut out = std::io::stdout().lock();
        while let Some(event) = audio.recv().await {
            match event? {
                Event::Audio(chunk) => {
                    out.write_all(&chunk.bytes)
                        .and_then(|()| out.flush())
                        .context("cannot write to standard output")?;
                }
                Event::Done(_) => break,
            }
        }
        anyhow::Ok(())
    })
}

/// The `--lexicon` files, read and checked as an upload is, in order: kept in memory as
/// the default list of this one request.
fn read_lexicons(args: &SayArgs, vocab: &Arc<Vocab>) -> anyhow::Result<Store> {
    if args.lexicons.len() > ttsd::lexicon::MAX_PER_REQUEST {
        bail!(
            "--lexicon is given {} times; at most {} lexicons read one text",
            args.lexicons.len(),
            ttsd::lexicon::MAX_PER_REQUEST
        );
    }
    let store = Store::in_memory(Arc::clone(vocab));
    let json_language = match args.lang_code.as_deref() {
        Some(code) => Language::from_code(code)?.row().bcp47,
        None => "en",
    };
    let mut names = Vec::new();
    for (i, path) in args.lexicons.iter().enumerate() {
        let read = || -> anyhow::Result<Lexicon> {
            let bytes = std::fs::read(path)?;
            let is_json = path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("json"));
            Ok(if is_json {
                Lexicon::from_json(&bytes, json_language, vocab)?
            } else {
                Lexicon::from_pls(String::from_utf8(bytes)?, vocab)?
            })
        };
        let lexicon = read().with_context(|| format!("lexicon {}", path.display()))?;
        // Named by place: the files' own names need not be lexicon names.
        let name = format!("lexicon-{}", i + 1);
        store.put(&name, lexicon)?;
        names.push(name);
    }
    Ok(store.with_defaults(names)?)
}

/// Standard input as it arrives, in valid UTF-8 pieces (a character split between two
/// reads waits for its rest).
fn read_stdin() -> mpsc::Receiver<ttsd::Result<String>> {
    let (tx, rx) = mpsc::channel(16);
    std::thread::spawn(move || {
        let mut stdin = std::io::stdin().lock();
        let mut buf = [0u8; READ_BUFFER];
        let mut text = Utf8Pieces::default();
        loop {
            let n = match stdin.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                // The text broke off: the speech fails rather than end where it broke.
                Err(e) => {
                    let e = ttsd::Error::Internal(format!("reading standard input: {e}"));
                    let _ = tx.blocking_send(Err(e));
                    return;
                }
            };
            let piece = text.push(&buf[..n]);
            let failed = piece.is_err();
            if piece.as_ref().is_ok_and(String::is_empty) {
                continue;
            }
            if tx.blocking_send(piece).is_err() || failed {
                return;
            }
        }
        if let Err(e) = text.finish() {
            let _ = tx.blocking_send(Err(e));
        }
    });
    rx
}

fn format_from_extension(path: &Path) -> anyhow::Result<Format> {
    if path.as_os_str() == "-" {
        return Ok(Format::Wav);
    }
    match path.extension().and_then(|e| e.to_str()) {
        None => Ok(Format::Wav),
        // An Ogg file holding Opus is often named .ogg.
        Some(ext) if ext.eq_ignore_ascii_case("ogg") => Ok(Format::Opus),
        Some(ext) => match Format::from_name(ext) {
            Some(f) => Ok(f),
            None => bail!(
                "cannot tell the format from '.{ext}'; pass --format ({})",
                Format::names().join(", ")
            ),
        },
    }
}

pub fn voices(args: VoiceArgs) -> anyhow::Result<()> {
    let engines = ttsd::config::EngineConfig::factories(&args.engine.engines()?)?;
    let voices = ttsd::voice::Voices::join(engines.iter().map(|e| e.engine_voices())).info();
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{:<20} {:<8} {:<22} {:<8} SPEAKS",
        "NAME", "ENGINE", "LANGUAGE", "GENDER"
    )?;
    for v in voices {
        let language = v.language.map_or("unknown", |l| l.row().name);
        let speaks = if v.speaks { "yes" } else { "no (no G2P)" };
        writeln!(
            out,
            "{:<20} {:<8} {:<22} {:<8} {speaks}",
            v.name,
            v.engine,
            language,
            v.gender.as_str()
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_format_follows_from_its_extension() {
        for &f in Format::ALL {
            let name = format!("out.{}", f.name());
            assert_eq!(format_from_extension(Path::new(&name)).ok(), Some(f));
        }
        assert_eq!(
            format_from_extension(Path::new("a.OGG")).ok(),
            Some(Format::Opus)
        );
        assert_eq!(
            format_from_extension(Path::new("-")).ok(),
            Some(Format::Wav)
        );
        assert!(format_from_extension(Path::new("a.m4a")).is_err());
    }
}
