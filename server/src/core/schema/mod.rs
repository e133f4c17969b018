//! Schema governance: every event is checked against a registered schema
//! version before it is stored ("born governed").

pub mod compat;
