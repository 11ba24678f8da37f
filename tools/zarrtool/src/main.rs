//! zarrtool: a command for people on libzarr's safe Rust API: look at a
//! store (`ls`, `info`, `dump`, `get`), copy and convert it (`cp`), check
//! it (`verify`), and the library's hierarchy operations (`consolidate`,
//! `rm`, `mv`, `attrs`).
//!
//! Exit codes: 0 success, 1 a Zarr error (the library's message on stderr,
//! one line), 2 bad usage (clap's own code, also used for bad slices),
//! 3 `verify` found bad data.

mod cli;
mod cp;
mod dump;
mod gen;
mod get;
mod ls;
mod open;
mod slice;
mod values;
mod verify;

use clap::Parser;
use std::process::ExitCode;

/// Why a command failed; each maps to one exit code.
#[derive(Debug)]
pub enum Fail {
    /// An error of the library (exit 1).
    Zarr(zarr::Error),
    /// Bad usage found after argument parsing: a bad slice, a bad option value (exit 2).
    Usage(String),
    /// Writing the output failed (exit 1; a closed pipe is not reported).
    Io(std::io::Error),
    /// `verify` found bad chunks; the report is already printed (exit 3).
    BadData,
}

impl From<zarr::Error> for Fail {
    fn from(e: zarr::Error) -> Self {
        Fail::Zarr(e)
    }
}
impl From<std::io::Error> for Fail {
    fn from(e: std::io::Error) -> Self {
        Fail::Io(e)
    }
}

pub type R<T> = Result<T, Fail>;

pub fn usage(msg: impl Into<String>) -> Fail {
    Fail::Usage(msg.into())
}

/// One line on stderr: messages may quote documents with newlines.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Fail::Zarr(e)) => {
            eprintln!("zarrtool: {}", one_line(&e.to_string()));
            ExitCode::from(1)
        }
        Err(Fail::Usage(m)) => {
            eprintln!("zarrtool: {}", one_line(&m));
            ExitCode::from(2)
        }
        Err(Fail::Io(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(Fail::Io(e)) => {
            eprintln!("zarrtool: {}", one_line(&e.to_string()));
            ExitCode::from(1)
        }
        Err(Fail::BadData) => ExitCode::from(3),
    }
}
