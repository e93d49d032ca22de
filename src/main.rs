use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = bulk::cli::Cli::parse();
    match bulk::run(cli) {
        Ok(exit) => ExitCode::from(exit.code()),
        Err(err) => {
            let exit = bulk::error::exit_for(&err);
            if exit != bulk::error::Exit::Ok {
                bulk::output::report_error(&err);
            }
            ExitCode::from(exit.code())
        }
    }
}
