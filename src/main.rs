//! The `kafkasim` binary: all the work is in the library's `cli` module.

fn main() -> std::process::ExitCode {
    kafkasim::cli::main()
}
