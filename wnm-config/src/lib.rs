//! Layered configuration: command line > environment > config files > stored machine row > defaults, with validation.
