//! Example domains shipped in the binary.

pub mod bank;
