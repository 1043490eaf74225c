//! `rvs-vswitchd [unix:PATH | tcp:IP:PORT] [options]`: see the library docs.

fn main() {
    let code = match rvs_vswitchd::args::Args::parse(std::env::args().skip(1)) {
        Ok(rvs_vswitchd::args::Parsed::Run(args)) => match rvs_vswitchd::run(*args) {
            Ok(()) => 0,
            Err(e) => {
                eprintln!("rvs-vswitchd: {e:#}");
                1
            }
        },
        Ok(rvs_vswitchd::args::Parsed::Exit(text)) => {
            print!("{text}");
            0
        }
        Err(e) => {
            eprintln!("rvs-vswitchd: {e}");
            1
        }
    };
    std::process::exit(code);
}
