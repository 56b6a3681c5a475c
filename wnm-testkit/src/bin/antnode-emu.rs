//! `antnode-emu`: the antnode 0.4.x stand-in (see `wnm_testkit::emu` for flags and faults).
fn main() -> std::process::ExitCode {
    wnm_testkit::emu::main()
}
