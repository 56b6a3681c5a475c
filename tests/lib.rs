//! Shared helpers for the cross-crate behaviour tests in this folder.
