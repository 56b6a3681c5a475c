//! `wnm`, the Weave Node Manager command line: argument resolution, wiring and output. Thin by design.
fn main() {
    println!("wnm {}", env!("CARGO_PKG_VERSION"));
}
