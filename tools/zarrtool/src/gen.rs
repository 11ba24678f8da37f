//! The man page and shell completions, from the same clap definition as
//! `--help` (run by `make zarrtool`; installed by `make install`).

use crate::cli::Cli;
use crate::R;
use clap::CommandFactory;
use clap_complete::Shell;
use std::path::Path;

pub fn generate(dir: &Path) -> R<()> {
    let io = |p: &Path, e: std::io::Error| zarr::Error::io(p.display(), e);
    let man = dir.join("man");
    let comp = dir.join("completions");
    for d in [&man, &comp] {
        std::fs::create_dir_all(d).map_err(|e| io(d, e))?;
    }
    let cmd = Cli::command();
    // zarrtool.1, and zarrtool-<sub>.1 for every visible subcommand.
    clap_mangen::generate_to(cmd.clone(), &man).map_err(|e| io(&man, e))?;
    for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
        let mut c = cmd.clone();
        clap_complete::generate_to(shell, &mut c, "zarrtool", &comp).map_err(|e| io(&comp, e))?;
    }
    Ok(())
}
