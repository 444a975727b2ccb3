//! `sfn-serve`: the server alone (what `sfn-gen serve` runs), for tests that need a process
//! they can kill.

use clap::Parser;

/// Serve the Step Functions API and the Lambda Invoke API on one loopback port.
#[derive(Debug, Parser)]
#[command(name = "sfn-serve", version)]
struct Cli {
    #[command(flatten)]
    args: sfn_serve::cli::Args,
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(2048)
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let result = cli
        .args
        .config(Vec::new())
        .and_then(|config| runtime.block_on(sfn_serve::cli::serve(config)));
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::from(2)
        }
    }
}
