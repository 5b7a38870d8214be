//! Post-browse reasoning length: whitespace words, or token ids of a Hugging Face tokenizer
//! (without special tokens, with truncation and padding switched off), counted without building
//! encodings (see [`super::tokens`]).

use std::path::Path;

use super::tokens::TokenCounter;
use crate::error::Error;

/// How `l` is measured.
pub enum Length {
    Words,
    Tokens(TokenCounter),
}

impl Length {
    /// A `tokenizer.json`, or a model folder holding one.
    pub fn tokens(path: &Path) -> Result<Length, Error> {
        let file = if path.is_dir() {
            path.join("tokenizer.json")
        } else {
            path.to_path_buf()
        };
        let mut tk =
            tokenizers::Tokenizer::from_file(&file).map_err(|source| Error::Tokenizer {
                path: file.clone(),
                source,
            })?;
        tk.with_truncation(None)
            .map_err(|source| Error::Tokenizer {
                path: file.clone(),
                source,
            })?;
        tk.with_padding(None);
        Ok(Length::Tokens(TokenCounter::new(Box::new(tk))))
    }

    pub fn name(&self) -> &'static str {
        match self {
            Length::Words => "words",
            Length::Tokens(_) => "tokens",
        }
    }

    pub fn of(&self, text: &str) -> usize {
        match self {
            Length::Words => crate::run::skeleton::words(text),
            Length::Tokens(tk) => tk
                .count(text)
                .unwrap_or_else(|| crate::run::skeleton::words(text)),
        }
    }

    /// The length of the reasoning after a browse (`None` when none follows it): in words, as
    /// the skeleton counted them; in tokens, counted now.
    pub fn of_browse(&self, b: &crate::run::skeleton::BrowseBones) -> Option<usize> {
        match self {
            Length::Words => b.reasoning_words.map(|w| w as usize),
            Length::Tokens(_) => b.reasoning.as_deref().map(|t| self.of(t)),
        }
    }
}
