//! Why a document could not be read. Each variant's message is a one-line Chinese sentence
//! for the person who gave us the file; `code()` is a stable English key for programs.

use thiserror::Error;

/// The largest document we accept. Real plans are a few hundred kilobytes; anything over this
/// is almost certainly the wrong file, and refusing it early bounds memory and time.
pub const MAX_INPUT_BYTES: usize = 20 * 1024 * 1024;

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ParseError {
    #[error("文件为空")]
    Empty,
    #[error("文件过大({size} 字节),上限为 20 MB")]
    TooLarge { size: usize },
    #[error("无法识别的文件:看起来是二进制数据,不是文本、docx、html、xlsx 或 csv 文件")]
    Binary,
    #[error("不支持的文件格式:{0}")]
    Unsupported(String),
    #[error("文件已损坏或无法读取:{0}")]
    Corrupt(String),
    #[error("未能识别出工作要点的结构:没有找到编号的条目(如“1.”“(一)”)或任务分工表")]
    NoStructure,
}

impl ParseError {
    pub fn code(&self) -> &'static str {
        match self {
            ParseError::Empty => "empty",
            ParseError::TooLarge { .. } => "too_large",
            ParseError::Binary => "binary",
            ParseError::Unsupported(_) => "unsupported",
            ParseError::Corrupt(_) => "corrupt",
            ParseError::NoStructure => "no_structure",
        }
    }
}
