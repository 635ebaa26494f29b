//! Why a document could not be read. Each variant's message is a one-line Chinese sentence
//! for the person who gave us the file; `code()` is a stable English key for programs.

use docread::ReadError;
use thiserror::Error;

/// The largest document we accept. Real plans are a few hundred kilobytes; anything over this
/// is almost certainly the wrong file, and refusing it early bounds memory and time.
pub const MAX_INPUT_BYTES: usize = 20 * 1024 * 1024;

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// The file could not be read as a document: empty, binary, unsupported or corrupt.
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error("文件过大({size} 字节),上限为 20 MB")]
    TooLarge { size: usize },
    /// Read, but beyond what one plan may hold (see [`crate::limits`]): the sentence says
    /// what and how much.
    #[error("{0}")]
    TooBig(String),
    #[error("未能识别出工作要点的结构:没有找到编号的条目(如“1.”“(一)”)或任务分工表")]
    NoStructure,
}

impl ParseError {
    pub fn code(&self) -> &'static str {
        match self {
            ParseError::Read(ReadError::Empty) => "empty",
            ParseError::Read(ReadError::Binary) => "binary",
            ParseError::Read(ReadError::Unsupported(_)) => "unsupported",
            ParseError::Read(ReadError::Corrupt(_)) => "corrupt",
            ParseError::TooLarge { .. } => "too_large",
            ParseError::NoStructure => "no_structure",
            ParseError::TooBig(_) => "too_big",
        }
    }
}
