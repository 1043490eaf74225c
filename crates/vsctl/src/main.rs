//! `rvs-vsctl`: see the library for everything.
#![forbid(unsafe_code)]

fn main() {
    std::process::exit(rvs_vsctl::run(std::env::args().collect()));
}
