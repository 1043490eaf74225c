//! `rvs-ofctl`: see the library.
#![forbid(unsafe_code)]

fn main() {
    let code = rvs_ofctl::run(std::env::args_os().skip(1));
    std::process::exit(code);
}
