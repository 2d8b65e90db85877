//! The `ttsd` command: `serve`, `say` and `voices`.

use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use ttsd::config::{Cli, Command, LogFormat};

mod cli;

fn main() -> ExitCode {
    no_onnx_telemetry();
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

/// ONNX Runtime's Linux builds (1.29 on) report to Microsoft's 1DS endpoint unless
/// `ORT_DISABLE_TELEMETRY=1` is in the environment when the library starts; the C API's
/// `DisableTelemetryEvents` (which the engines also call) stops only some events. A
/// self-hosted server does not report home, so ttsd sets it unless the user chose a value.
#[allow(unsafe_code)] // the one safe moment to set the environment; see SAFETY below
fn no_onnx_telemetry() {
    const VAR: &str = "ORT_DISABLE_TELEMETRY";
    if std::env::var_os(VAR).is_none() {
        // SAFETY: the first thing `main` does, before any thread (the async runtime, ONNX
        // Runtime's pools, the engines' workers) exists, so nothing reads the environment
        // while it changes.
        unsafe { std::env::set_var(VAR, "1") };
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
        Command::Serve(args) => {
            let config = args.config()?;
            Ok(runtime()?.block_on(ttsd::server::run(config))?)
        }
        Command::Say(args) => cli::say(args, runtime()?),
        Command::Voices(args) => cli::voices(args),
    }
}
