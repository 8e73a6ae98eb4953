//! The command surface shared by the desktop app and the CLI.
pub mod bindings;
pub mod dto;
