//! The checked-in completions and man pages are what the clap command generates today.
//! `SOCKDIAG_REGENERATE=1 cargo test --test integration generated` rewrites them.
use std::path::Path;

#[test]
fn completions_and_man_pages_are_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    if std::env::var_os("SOCKDIAG_REGENERATE").is_some() {
        sockdiag::generate::write_all(root).expect("write generated files");
    }
    let mut stale = Vec::new();
    for (rel, want) in sockdiag::generate::all_files() {
        let have = std::fs::read_to_string(root.join(&rel)).unwrap_or_default();
        if have != want {
            stale.push(rel);
        }
    }
    assert!(
        stale.is_empty(),
        "stale generated files: {stale:?}; rewrite them with SOCKDIAG_REGENERATE=1 cargo test --test integration generated"
    );
    // every generated man page has no build date in it
    let man = std::fs::read_to_string(root.join("man/sockdiag.1")).unwrap();
    let th = man.lines().find(|l| l.starts_with(".TH")).unwrap();
    assert!(!th.contains("20"), "{th}");
}

#[test]
fn generate_prints_each_kind() {
    for kind in [
        "bash",
        "zsh",
        "fish",
        "elvish",
        "powershell",
        "man",
        "man-resolve",
    ] {
        let out = assert_cmd::Command::cargo_bin("sockdiag")
            .unwrap()
            .args(["--generate", kind])
            .output()
            .unwrap();
        assert!(out.status.success(), "{kind}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("resolve"),
            "{kind} knows the resolve subcommand"
        );
    }
}

/// Every man page's title line names the version, the subcommands' pages as much as the main
/// one (clap leaves a subcommand's version empty: `.TH sockdiag-probe 1 "sockdiag-probe "`).
#[test]
fn every_man_page_names_the_version() {
    let version = env!("CARGO_PKG_VERSION");
    for (rel, text) in sockdiag::generate::all_files() {
        if !rel.starts_with("man/") {
            continue;
        }
        let th = text.lines().find(|l| l.starts_with(".TH")).unwrap();
        assert!(th.contains(version), "{rel}: {th}");
    }
}

/// Issue 10: a short flag without a long one was shown as `[-4  ]` in the synopsis (a space
/// from clap_mangen inside the brackets).
#[test]
fn man_synopsis_shows_short_flags_tight() {
    for (rel, text) in sockdiag::generate::all_files() {
        if !rel.starts_with("man/") {
            continue;
        }
        let synopsis = text
            .lines()
            .skip_while(|l| *l != ".SH SYNOPSIS")
            .nth(1)
            .unwrap_or_default();
        assert!(!synopsis.contains(" \\fR]"), "{rel}: {synopsis}");
        if rel == "man/sockdiag.1" {
            assert!(synopsis.contains("[\\fB\\-4\\fR]"), "{synopsis}");
        }
    }
}

/// Issue 10: the top-level description names every subcommand's job.
#[test]
fn top_level_description_names_every_subcommand() {
    let about = sockdiag::cli::command()
        .get_about()
        .map(|a| a.to_string())
        .unwrap_or_default();
    for word in [
        "resolve",
        "probe",
        "connect",
        "socket options",
        "serve",
        "HTTP",
        "why a port cannot be reached",
    ] {
        assert!(about.contains(word), "{word} missing from: {about}");
    }
}

/// Issue 10: the README says how to install (every example runs `sockdiag` from PATH), and its
/// bash completion recipe works on a machine without the bash-completion package: a plain
/// `bash --norc` that sources the file completes subcommands and flags.
#[test]
fn readme_install_step_and_a_completion_recipe_that_works_everywhere() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    for line in [
        "cargo install --path .",
        "source ~/sockdiag/completions/sockdiag.bash",
        "fpath=(~/sockdiag/completions $fpath)",
        "~/.config/fish/completions",
        "bash-completion package",
    ] {
        assert!(readme.contains(line), "README lacks {line:?}");
    }
    let script = root.join("completions/sockdiag.bash");
    let complete = |words: &str| {
        let out = std::process::Command::new("bash")
            .args(["--norc", "--noprofile", "-c"])
            .arg(format!(
                "source '{}'; COMP_WORDS=({words}); COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 )); \
                 _sockdiag sockdiag \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"; \
                 echo \"${{COMPREPLY[*]}}\"",
                script.display()
            ))
            .output()
            .expect("bash");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    assert_eq!(complete("sockdiag pro"), "probe");
    assert!(complete("sockdiag probe --tim").contains("--timeout"));
}

#[test]
fn man_pages_show_the_command_as_typed_and_the_examples_as_written() {
    for (rel, text) in sockdiag::generate::all_files() {
        let Some(sub) = rel
            .strip_prefix("man/sockdiag-")
            .and_then(|r| r.strip_suffix(".1"))
        else {
            continue;
        };
        let synopsis = text
            .lines()
            .skip_while(|l| *l != ".SH SYNOPSIS")
            .nth(1)
            .unwrap_or_else(|| panic!("{rel}: no SYNOPSIS"));
        // `sockdiag-probe` is the page's name, not a command anyone can run.
        assert!(
            synopsis.starts_with(&format!("\\fBsockdiag {sub}\\fR")),
            "{rel}: {synopsis}"
        );
        assert!(
            !text.contains("\\fB\\-P\\fR"),
            "{rel}: the stray -P <n> entry"
        );
        // The hand-laid help after the options (tables, examples) is not filled.
        let extra: Vec<&str> = text.lines().skip_while(|l| *l != ".SH EXTRA").collect();
        if !extra.is_empty() {
            assert_eq!(extra.get(1), Some(&".nf"), "{rel}");
            assert!(extra.contains(&".fi"), "{rel}");
        }
    }
    // As man shows it: each example on a line of its own.
    let page = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("man/sockdiag-probe.1");
    if let Ok(out) = std::process::Command::new("nroff")
        .args(["-man", "-rLL=80n"])
        .arg(&page)
        .output()
    {
        let shown = String::from_utf8_lossy(&out.stdout);
        let lines: Vec<&str> = shown.lines().map(str::trim).collect();
        for example in [
            "sockdiag probe 127.0.0.1 1-65535",
            "sockdiag probe --udp 127.0.0.1 53,123",
        ] {
            assert!(lines.contains(&example), "{example:?} reflowed:\n{shown}");
        }
    }
}

#[test]
fn bash_completion_of_a_directory_adds_a_slash() {
    let Ok(_) = std::process::Command::new("bash")
        .arg("-c")
        .arg("true")
        .status()
    else {
        eprintln!("SKIPPED: no bash");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("subdir")).unwrap();
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("completions/sockdiag.bash");
    // compopt only works while readline completes; here it records what it was asked.
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(
            r#"source "$1"
compopt() { echo "compopt $*"; }
COMP_WORDS=(sockdiag probe --targets-file "$2/sub"); COMP_CWORD=3
COMP_LINE="${COMP_WORDS[*]}"; COMP_POINT=${#COMP_LINE}
_sockdiag sockdiag "$2/sub" --targets-file
printf 'reply %s\n' "${COMPREPLY[@]}""#,
        )
        .args(["x", script.to_str().unwrap(), dir.path().to_str().unwrap()])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!("reply {}/subdir", dir.path().display())),
        "{text}"
    );
    assert!(text.contains("compopt -o filenames"), "{text}");
}
