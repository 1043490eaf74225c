//! Criterion benchmarks for rvs (in `benches/`); run them with `cargo bench -p rvs-benches`.
