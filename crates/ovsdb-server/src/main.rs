//! `rvs-ovsdb-server`: see [`rvs_ovsdb_server::cli`].
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    std::process::exit(rvs_ovsdb_server::cli::run(&args));
}
