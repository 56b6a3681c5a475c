//! Test kit: antnode emulator (antnode-emu) and helpers shared by integration tests and benchmarks.
//!
//! - [`emu`]: the emulator itself (`antnode-emu` is a thin `main` over it).
//! - [`emulator_path`], [`EmuNode`], [`ServeMany`]: run emulated nodes from tests.
//! - [`free_port`], [`free_ports`], [`free_port_range`]: ports on 127.0.0.1.
//! - [`bench`]: measuring phases for `wnm-bench`.

pub mod bench;
pub mod emu;
mod ports;
mod process;

pub use ports::{free_port, free_port_range, free_ports};
pub use process::{
    EmuNode, ServeMany, TEST_REWARDS_ADDRESS, emulator_command, emulator_path, port_accepts,
};
