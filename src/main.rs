//! The `ttsd` command: `serve`, `say` and `voices`.

use std::io::{Read, Write};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::Parser;
use ttsd::audio::Format;
use ttsd::config::{Cli, Command, FirstChunk, LogFormat, SayArgs, VoiceArgs};
use ttsd::engine::Scheduler;
use ttsd::synth::{Settings, Synthesizer, prepare};
use ttsd::text::TextFrontend;
use ttsd::voice::Voices;

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.log_format);
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ttsd: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("TTSD_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,ort=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Serve(args) => Ok(runtime()?.block_on(ttsd::http::serve(args))?),
        Command::Say(args) => say(args),
        Command::Voices(args) => voices(args),
    }
}

fn say(args: SayArgs) -> anyhow::Result<()> {
    let text = if args.text == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("cannot read standard input")?;
        text
    } else {
        args.text.clone()
    };
    let format = match args.format {
        Some(f) => f,
        None => format_from_extension(&args.output)?,
    };
    let voices = Voices::load(&args.engine.assets.voices_dir)?;
    let settings = Settings {
        max_input_chars: usize::MAX,
        first_clause: args.engine.first_chunk == FirstChunk::Clause,
    };
    // Validate before loading the model: bad input fails fast.
    let request = prepare(
        &voices,
        settings,
        &text,
        &args.voice,
        args.speed,
        args.lang_code.as_deref(),
    )?
    .with_normalization(ttsd::text::NormalizationOptions {
        normalize: !args.no_normalize,
        ..Default::default()
    });
    let frontend = TextFrontend::load(&args.engine.assets.vocab)?;
    let scheduler = Scheduler::start(&args.engine.scheduler(4))?;
    let synth = Arc::new(Synthesizer {
        frontend,
        voices,
        scheduler,
        settings,
        metrics: Default::default(),
    });
    let audio = runtime()?.block_on(synth.render(request, format))?;
    if args.output.as_os_str() == "-" {
        std::io::stdout()
            .write_all(&audio)
            .context("cannot write to standard output")?;
    } else {
        std::fs::write(&args.output, &audio)
            .with_context(|| format!("cannot write {}", args.output.display()))?;
    }
    Ok(())
}

fn format_from_extension(path: &std::path::Path) -> anyhow::Result<Format> {
    if path.as_os_str() == "-" {
        return Ok(Format::Wav);
    }
    match path.extension().and_then(|e| e.to_str()) {
        None => Ok(Format::Wav),
        // An Ogg file holding Opus is often named .ogg.
        Some(ext) if ext.eq_ignore_ascii_case("ogg") => Ok(Format::Opus),
        Some(ext) => match Format::parse(ext) {
            Ok(f) => Ok(f),
            Err(_) => bail!(
                "cannot tell the format from '.{ext}'; pass --format ({})",
                Format::ALL
                    .iter()
                    .map(|f| f.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        },
    }
}

fn voices(args: VoiceArgs) -> anyhow::Result<()> {
    let voices = Voices::load(&args.voices_dir)?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{:<16} {:<22} {:<8} SPOKEN",
        "NAME", "LANGUAGE", "GENDER"
    )?;
    for v in voices.info() {
        let spoken = if v.supported { "yes" } else { "no (no G2P)" };
        writeln!(
            out,
            "{:<16} {:<22} {:<8} {spoken}",
            v.name, v.language, v.gender
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_format_follows_from_its_extension() {
        use std::path::Path;
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
