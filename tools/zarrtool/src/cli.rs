//! The command line: one clap definition, from which `--help`, the man page
//! and the shell completions all come.

use crate::open::{self, Node, Opts};
use crate::{usage, Fail, R};
use clap::{Args, Parser, Subcommand, ValueEnum};
use serde_json::Value;
use zarr::Mode;

#[derive(Parser, Debug)]
#[command(
    name = "zarrtool",
    version,
    about = "Inspect, dump, copy and verify Zarr v2/v3 stores",
    long_about = "Inspect, dump, copy and verify Zarr v2 and v3 stores on any store libzarr opens: \
        a directory (path or file:// URL), s3://, az://, gs://, http(s):// (read-only) and memory://.\n\n\
        Every command takes URL [PATH]: a store URL and an optional node path below it; the URL may \
        also point at an array or a group directly.\n\n\
        Exit codes: 0 success, 1 a Zarr error (the library's message on stderr), 2 bad usage, \
        3 verify found bad data.",
    after_help = "Object store credentials and endpoints come from the standard environment variables \
        (AWS_*, AZURE_STORAGE_*, GOOGLE_*); --options overrides them."
)]
pub struct Cli {
    /// Object store options as a JSON object, e.g. '{"endpoint": "http://127.0.0.1:9000"}'
    /// (the options of zarr_open_with_options; applied to every object store URL)
    #[arg(long, global = true, value_name = "JSON")]
    pub options: Option<String>,
    #[command(subcommand)]
    pub cmd: Cmd,
}

/// A store URL and an optional node path below it.
#[derive(Args, Debug, Clone)]
pub struct Target {
    /// Store URL: a path, file://, memory://, s3://, az://, gs:// or http(s)://
    pub url: String,
    /// Node path below the URL (default: the node at the URL)
    pub path: Option<String>,
}

impl Target {
    fn path(&self) -> &str {
        self.path.as_deref().unwrap_or("")
    }
}

#[derive(Subcommand, Debug)]
pub enum Cmd {
    /// List groups and arrays: shape, data type, chunks, shards, codecs, fill value,
    /// dimension names, stored chunks and bytes
    Ls {
        #[command(flatten)]
        target: Target,
        /// The whole tree below the node
        #[arg(short, long)]
        recursive: bool,
    },
    /// One node in full: its metadata document and attributes
    Info {
        #[command(flatten)]
        target: Target,
        /// One JSON object for machines
        #[arg(long)]
        json: bool,
    },
    /// CDL text in the style of ncdump: dimensions, variables, attributes, data
    // -h is ncdump's "header only" here, so help is --help alone.
    #[command(disable_help_flag = true)]
    Dump {
        #[command(flatten)]
        target: Target,
        /// Header only, no data (as ncdump -h)
        #[arg(short = 'h', long = "header")]
        header: bool,
        /// Print help
        #[arg(long, action = clap::ArgAction::Help)]
        help: Option<bool>,
        /// Data of these variables only (names or paths, comma-separated)
        #[arg(short = 'v', long = "variables", value_name = "VAR,...", value_delimiter = ',')]
        variables: Vec<String>,
        /// Print only this part of each variable named by -v (numpy slices: 0:10,:,::2)
        #[arg(long, value_name = "SLICES", allow_hyphen_values = true)]
        slice: Option<String>,
    },
    /// Values of one array, in C order, to stdout or a file
    Get {
        #[command(flatten)]
        target: Target,
        /// Part of the array (numpy slices: 0:10,:,::2; an integer picks one index)
        #[arg(long, value_name = "SLICES", allow_hyphen_values = true)]
        slice: Option<String>,
        /// text: one value per line; csv: rows of the last dimension; npy: a numpy
        /// .npy file; raw: native-endian bytes
        #[arg(long, value_enum, default_value_t = Output::Text)]
        output: Output,
        /// Write to FILE instead of stdout
        #[arg(short = 'o', long = "out", value_name = "FILE")]
        out: Option<std::path::PathBuf>,
    },
    /// Copy a hierarchy or an array from any store to any store, converting the format,
    /// rechunking and recompressing on the way
    Cp(CpArgs),
    /// Read and decode every chunk (checksums included); report bad chunks by key;
    /// exit 3 when any is bad
    Verify {
        #[command(flatten)]
        target: Target,
        /// Report at most N bad chunks (all are counted)
        #[arg(long, value_name = "N", default_value_t = 10)]
        max_bad: usize,
    },
    /// Write consolidated metadata for the hierarchy at URL
    Consolidate {
        /// Store URL of the hierarchy's root
        url: String,
    },
    /// Delete an array or group and everything below it
    Rm {
        /// Store URL
        url: String,
        /// Node path below the URL
        path: String,
    },
    /// Move (rename) an array or group; local and memory stores only
    Mv {
        /// Store URL
        url: String,
        /// Node path to move
        from: String,
        /// New node path
        to: String,
    },
    /// Read or change attributes
    Attrs {
        #[command(subcommand)]
        cmd: AttrsCmd,
    },
    /// Write the man page and shell completions into a directory (used by make install)
    #[command(hide = true)]
    Generate {
        /// Output directory (man/ and completions/ are created below it)
        dir: std::path::PathBuf,
    },
}

#[derive(Subcommand, Debug)]
pub enum AttrsCmd {
    /// Print the attributes (or one of them) as JSON
    Get {
        #[command(flatten)]
        target: Target,
        /// Print only this attribute
        #[arg(long)]
        name: Option<String>,
    },
    /// Set attributes from a JSON object, merged into the existing ones
    Set {
        #[command(flatten)]
        target: Target,
        /// A JSON object of attributes, e.g. '{"units": "K"}'
        #[arg(long, value_name = "JSON")]
        json: String,
        /// Replace all attributes instead of merging
        #[arg(long)]
        replace: bool,
    },
}

#[derive(Args, Debug)]
pub struct CpArgs {
    /// Source URL (a hierarchy, a group or an array)
    pub src: String,
    /// Destination URL (created; must be empty unless --resume)
    pub dst: String,
    /// Zarr format of the copy (default: the source's)
    #[arg(long, value_parser = clap::value_parser!(u8).range(2..=3))]
    pub zarr_format: Option<u8>,
    /// Chunk shape of the copy (inner chunks when sharded), e.g. 1,90,180; applies to
    /// arrays of that rank
    #[arg(long, value_name = "N,...", value_delimiter = ',')]
    pub chunks: Vec<u64>,
    /// Shard shape of the copy (v3), e.g. 4,180,360; "none" for no sharding
    #[arg(long, value_name = "N,...|none")]
    pub shards: Option<String>,
    /// Codec list of the copy as JSON (v3 codecs or numcodecs objects), e.g.
    /// '[{"name":"zstd","configuration":{"level":5}}]'
    #[arg(long, value_name = "JSON")]
    pub codecs: Option<String>,
    /// Copy this many blocks at once (default: one per core)
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,
    /// Continue an interrupted copy: destination chunks already written and equal are kept
    #[arg(long)]
    pub resume: bool,
    /// No progress bar even on a terminal
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    Text,
    Csv,
    Npy,
    Raw,
}

pub fn run(cli: Cli) -> R<()> {
    let opts = Opts::parse(cli.options.as_deref())?;
    match cli.cmd {
        Cmd::Ls { target, recursive } => {
            let item = open::open(&target.url, target.path(), Mode::Read, &opts)?;
            crate::ls::ls(&item, recursive)
        }
        Cmd::Info { target, json } => {
            let item = open::open(&target.url, target.path(), Mode::Read, &opts)?;
            crate::ls::info(&item, json)
        }
        Cmd::Dump {
            target,
            header,
            variables,
            slice,
            ..
        } => {
            if slice.is_some() && variables.is_empty() {
                return Err(usage("--slice needs -v: it applies to the variables named there"));
            }
            let item = open::open(&target.url, target.path(), Mode::Read, &opts)?;
            crate::dump::dump(item, &target.url, header, &variables, slice.as_deref())
        }
        Cmd::Get {
            target,
            slice,
            output,
            out,
        } => {
            let item = open::open(&target.url, target.path(), Mode::Read, &opts)?;
            crate::get::get(&item, slice.as_deref(), output, out.as_deref())
        }
        Cmd::Cp(args) => crate::cp::cp(&args, &opts),
        Cmd::Verify { target, max_bad } => {
            let item = open::open(&target.url, target.path(), Mode::Read, &opts)?;
            crate::verify::verify(&item, max_bad)
        }
        Cmd::Consolidate { url } => {
            let root = open::open_root(&url, Mode::Write, &opts)?;
            root.consolidate()?;
            Ok(())
        }
        Cmd::Rm { url, path } => {
            let root = open::open_root(&url, Mode::Write, &opts)?;
            root.delete(&path)?;
            Ok(())
        }
        Cmd::Mv { url, from, to } => {
            let root = open::open_root(&url, Mode::Write, &opts)?;
            root.rename(&from, &to)?;
            Ok(())
        }
        Cmd::Attrs { cmd } => attrs(cmd, &opts),
        Cmd::Generate { dir } => crate::gen::generate(&dir),
    }
}

fn attrs(cmd: AttrsCmd, opts: &Opts) -> R<()> {
    match cmd {
        AttrsCmd::Get { target, name } => {
            let item = open::open(&target.url, target.path(), Mode::Read, opts)?;
            let attrs = item.attributes()?;
            let v = match name {
                None => Value::Object(attrs),
                Some(n) => attrs
                    .get(&n)
                    .cloned()
                    .ok_or_else(|| Fail::Zarr(zarr::Error::NotFound(format!("attribute \"{n}\""))))?,
            };
            println!("{}", serde_json::to_string_pretty(&v).expect("JSON values serialize"));
            Ok(())
        }
        AttrsCmd::Set { target, json, replace } => {
            let new = match serde_json::from_str::<Value>(&json) {
                Ok(Value::Object(m)) => m,
                Ok(_) => return Err(usage("--json must be a JSON object")),
                Err(e) => return Err(usage(format!("--json is not valid JSON: {e}"))),
            };
            let item = open::open(&target.url, target.path(), Mode::Write, opts)?;
            let mut attrs = if replace {
                Default::default()
            } else {
                item.attributes()?
            };
            attrs.extend(new);
            match &item.node {
                Node::Array(a) => a.set_attributes(attrs)?,
                Node::Group(g) => g.set_attributes(attrs)?,
                Node::Implicit(_) => {
                    return Err(Fail::Zarr(zarr::Error::NotFound(format!(
                        "no group or array metadata at \"{}\"",
                        item.display()
                    ))))
                }
            }
            Ok(())
        }
    }
}
