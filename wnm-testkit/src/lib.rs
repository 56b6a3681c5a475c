//! Test kit: antnode emulator (antnode-emu) and helpers shared by integration tests and benchmarks.
