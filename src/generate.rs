//! Completions and man pages, generated from the one clap command, so they never drift from
//! the parser. `sockdiag --generate KIND` prints one; `write_all` writes the checked-in set.
use crate::error::InputError;
use clap_complete::Shell;
use std::path::Path;

pub const SHELLS: [(Shell, &str); 5] = [
    (Shell::Bash, "sockdiag.bash"),
    (Shell::Zsh, "_sockdiag"),
    (Shell::Fish, "sockdiag.fish"),
    (Shell::Elvish, "sockdiag.elv"),
    (Shell::PowerShell, "_sockdiag.ps1"),
];

/// The text of one generated file: a shell name, `man`, or `man-SUBCOMMAND`.
pub fn generate(kind: &str) -> Result<String, InputError> {
    if let Some((shell, _)) = SHELLS
        .iter()
        .find(|(s, _)| s.to_string().eq_ignore_ascii_case(kind))
    {
        let mut cmd = crate::cli::command();
        let mut buf = Vec::new();
        clap_complete::generate(*shell, &mut cmd, "sockdiag", &mut buf);
        let text = String::from_utf8(buf).expect("completions are UTF-8");
        return Ok(if *shell == Shell::Bash {
            bash_filenames(&text)
        } else {
            text
        });
    }
    if kind == "man" {
        return Ok(man(crate::cli::command()));
    }
    if let Some(sub) = kind.strip_prefix("man-") {
        let cmd = crate::cli::command();
        let found = cmd.get_subcommands().find(|s| s.get_name() == sub).cloned();
        if let Some(sc) = found {
            // The page is sockdiag-SUB(1), the command it shows is `sockdiag SUB`. `-P n`
            // exists only to spell nmap's -Pn, which --no-discovery's entry names.
            let sc = sc
                .name(format!("sockdiag-{sub}"))
                .bin_name(format!("sockdiag {sub}"));
            let sc = if sub == "probe" {
                sc.mut_arg("pn", |a| a.hide(true))
            } else {
                sc
            };
            return Ok(man(sc));
        }
    }
    Err(InputError::new(
        "generate kind",
        kind,
        "use bash, zsh, fish, elvish, powershell, man, or man-SUBCOMMAND",
    ))
}

fn man(cmd: clap::Command) -> String {
    let mut buf = Vec::new();
    // No date: the page must be the same whenever it is generated.
    // The source names the program and its version on every page (clap would use the
    // subcommand's own version, which is empty).
    clap_mangen::Man::new(cmd)
        .source(format!("sockdiag {}", env!("CARGO_PKG_VERSION")))
        .date("")
        .render(&mut buf)
        .expect("writing to a Vec cannot fail");
    let page = String::from_utf8(buf).expect("man pages are UTF-8");
    examples_as_written(&tight_short_flags(&page))
}

/// The long help after the options (tables, examples, each with its own columns) is laid out
/// by hand: no-fill (`.nf`), so man shows each line as written instead of one justified
/// paragraph.
fn examples_as_written(page: &str) -> String {
    let mut out = String::with_capacity(page.len() + 16);
    let mut extra = false;
    for line in page.split_inclusive('\n') {
        if line.starts_with(".SH") {
            if extra {
                out.push_str(".fi\n");
            }
            extra = line.trim_end() == ".SH EXTRA";
            out.push_str(line);
            if extra {
                out.push_str(".nf\n");
            }
            continue;
        }
        out.push_str(line);
    }
    if extra {
        out.push_str(".fi\n");
    }
    out
}

/// clap_complete's bash script completes a file argument with `compgen -f` alone, so bash
/// takes a directory for a finished word (a space after it, no `/`): `compopt -o filenames`
/// in those branches makes it add the `/` (and quote names as file names).
fn bash_filenames(script: &str) -> String {
    script.replace(
        "COMPREPLY=($(compgen -f \"${cur}\"))",
        "compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- \"${cur}\"))",
    )
}

/// clap_mangen writes a short flag without a long one as `[-4 ]` in the synopsis (a space
/// inside the brackets, shown as `[-4  ]`): drop that space.
fn tight_short_flags(page: &str) -> String {
    let mut out = String::with_capacity(page.len());
    let mut synopsis = false;
    for line in page.split_inclusive('\n') {
        if synopsis && !line.starts_with(".SH") {
            out.push_str(&line.replace(" \\fR]", "\\fR]"));
        } else {
            out.push_str(line);
        }
        if line.starts_with(".SH") {
            synopsis = line.trim_end() == ".SH SYNOPSIS";
        }
    }
    out
}

/// Every generated file, as (path relative to the repository, contents).
pub fn all_files() -> Vec<(String, String)> {
    let mut files = Vec::new();
    for (shell, file) in SHELLS {
        files.push((
            format!("completions/{file}"),
            generate(&shell.to_string()).expect("known shell"),
        ));
    }
    files.push(("man/sockdiag.1".into(), generate("man").expect("man")));
    for sc in crate::cli::command().get_subcommands() {
        let name = sc.get_name().to_string();
        if name == "help" {
            continue;
        }
        files.push((
            format!("man/sockdiag-{name}.1"),
            generate(&format!("man-{name}")).expect("subcommand"),
        ));
    }
    files
}

/// Writes every generated file below `root`.
pub fn write_all(root: &Path) -> std::io::Result<()> {
    for (rel, text) in all_files() {
        let p = root.join(rel);
        if let Some(dir) = p.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(p, text)?;
    }
    Ok(())
}
