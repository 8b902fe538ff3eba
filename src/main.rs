//! The `sockdiag` binary: everything lives in the library; this file only hands over.
fn main() -> std::process::ExitCode {
    sockdiag::app::main()
}
