//! The deck reader's error: file, line and message.

use std::path::PathBuf;

/// An error in a deck, with its place.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}:{line}: {message}", file.display())]
pub struct DeckError {
    pub file: PathBuf,
    pub line: usize,
    pub message: String,
}
