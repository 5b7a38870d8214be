//! Counting a text's tokens without building an encoding. `l` needs only how many token ids a
//! Hugging Face tokenizer would give (no special tokens, no truncation), not the ids, offsets and
//! masks an `Encoding` carries. BERT-style WordPiece tokenizers (BERT normalizer and
//! pre-tokenizer, WordPiece model: MiniLM, BGE, E5 and most English retrievers) are counted
//! directly on the text, with vocabulary lookups that allocate nothing; any other tokenizer is
//! run through its own normalizer, pre-tokenizer and model, skipping only the encoding. Both give
//! exactly the length of `encode(text, false)` (tested against it).

type HashSet<T> = std::collections::HashSet<T, ahash::RandomState>;

use tokenizers::models::wordpiece::WordPiece;
use tokenizers::normalizers::bert::BertNormalizer;
use tokenizers::{
    Model, ModelWrapper, NormalizerWrapper, OffsetReferential, OffsetType, PreTokenizer,
    PreTokenizerWrapper, Tokenizer,
};
use unicode_categories::UnicodeCategories;
use unicode_normalization_alignments::UnicodeNormalization;

/// Counts tokens the way one tokenizer would.
pub struct TokenCounter {
    tk: Box<Tokenizer>,
    fast: Option<BertWordPiece>,
}

/// A BERT normalizer, pre-tokenizer and WordPiece vocabulary, as plain tables.
struct BertWordPiece {
    clean_text: bool,
    chinese: bool,
    strip_accents: bool,
    lowercase: bool,
    /// Every vocabulary entry (a word's first piece is looked up here).
    whole: HashSet<String>,
    /// Continuation pieces without their prefix (`##ing` is kept as `ing`).
    cont: HashSet<String>,
    max_chars: usize,
    /// Added tokens matched in the raw text, and those matched after normalization: a text
    /// containing one is counted the tokenizer's own way.
    added_raw: Vec<String>,
    added_normalized: Vec<String>,
}

impl TokenCounter {
    pub fn new(tk: Box<Tokenizer>) -> TokenCounter {
        let fast = BertWordPiece::from(&tk);
        TokenCounter { tk, fast }
    }

    /// Whether the direct WordPiece count is in use.
    pub fn is_direct(&self) -> bool {
        self.fast.is_some()
    }

    /// Token ids `encode(text, false)` would give; `None` if the tokenizer fails on the text.
    pub fn count(&self, text: &str) -> Option<usize> {
        if let Some(f) = &self.fast
            && let Some(n) = f.count(text)
        {
            return Some(n);
        }
        self.through_tokenizer(text)
    }

    /// The tokenizer's own normalizer, pre-tokenizer and model, without the encoding.
    fn through_tokenizer(&self, text: &str) -> Option<usize> {
        let tk = &self.tk;
        let mut pre = tk
            .get_added_vocabulary()
            .extract_and_normalize(tk.get_normalizer(), text);
        if let Some(p) = tk.get_pre_tokenizer() {
            p.pre_tokenize(&mut pre).ok()?;
        }
        pre.tokenize(|n| tk.get_model().tokenize(n.get())).ok()?;
        Some(
            pre.get_splits(OffsetReferential::Original, OffsetType::Byte)
                .iter()
                .map(|(_, _, t)| t.as_ref().map_or(0, Vec::len))
                .sum(),
        )
    }
}

fn is_control(c: char) -> bool {
    if c.is_ascii() {
        // The only ASCII characters in the "other" categories are the controls (Cc).
        return c.is_ascii_control() && !matches!(c, '\t' | '\n' | '\r');
    }
    c.is_other()
}

fn is_whitespace(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || c.is_whitespace()
}

fn is_chinese_char(c: char) -> bool {
    matches!(
        c as u32,
        0x4E00..=0x9FFF
            | 0x3400..=0x4DBF
            | 0x20000..=0x2A6DF
            | 0x2A700..=0x2B73F
            | 0x2B740..=0x2B81F
            | 0x2B920..=0x2CEAF
            | 0xF900..=0xFAFF
            | 0x2F800..=0x2FA1F
    )
}

fn is_bert_punc(c: char) -> bool {
    if c.is_ascii() {
        // ASCII punctuation covers every ASCII character in the punctuation categories.
        return c.is_ascii_punctuation();
    }
    c.is_punctuation()
}

impl BertWordPiece {
    fn from(tk: &Tokenizer) -> Option<BertWordPiece> {
        let norm: &BertNormalizer = match tk.get_normalizer()? {
            NormalizerWrapper::BertNormalizer(b) => b,
            _ => return None,
        };
        if !matches!(
            tk.get_pre_tokenizer()?,
            PreTokenizerWrapper::BertPreTokenizer(_)
        ) {
            return None;
        }
        let wp: &WordPiece = match tk.get_model() {
            ModelWrapper::WordPiece(w) => w,
            _ => return None,
        };
        let vocab = wp.get_vocab();
        if !vocab.contains_key(&wp.unk_token) {
            return None;
        }
        let prefix = wp.continuing_subword_prefix.as_str();
        let cont: HashSet<String> = vocab
            .keys()
            .filter_map(|k| k.strip_prefix(prefix))
            .map(str::to_string)
            .collect();
        let (mut added_raw, mut added_normalized) = (Vec::new(), Vec::new());
        for t in tk
            .get_added_vocabulary()
            .get_added_tokens_decoder()
            .values()
        {
            if t.normalized {
                added_normalized.push(t.content.to_lowercase());
            } else {
                added_raw.push(t.content.clone());
            }
        }
        Some(BertWordPiece {
            clean_text: norm.clean_text,
            chinese: norm.handle_chinese_chars,
            strip_accents: norm.strip_accents.unwrap_or(norm.lowercase),
            lowercase: norm.lowercase,
            whole: vocab.into_keys().collect(),
            cont,
            max_chars: wp.max_input_chars_per_word,
            added_raw,
            added_normalized,
        })
    }

    /// The BERT normalizer's output.
    fn normalize(&self, text: &str) -> String {
        let mut s = String::with_capacity(text.len() + 8);
        for c in text.chars() {
            let c = if self.clean_text {
                if c == '\0' || c == '\u{fffd}' || is_control(c) {
                    continue;
                }
                if is_whitespace(c) { ' ' } else { c }
            } else {
                c
            };
            if self.chinese && is_chinese_char(c) {
                s.push(' ');
                s.push(c);
                s.push(' ');
            } else {
                s.push(c);
            }
        }
        if !self.strip_accents && !self.lowercase {
            return s;
        }
        if s.is_ascii() {
            // ASCII has no accents to strip and lowercases byte by byte.
            if self.lowercase {
                s.make_ascii_lowercase();
            }
            return s;
        }
        let mut out = String::with_capacity(s.len());
        let mut push = |c: char| {
            if self.lowercase {
                out.extend(c.to_lowercase());
            } else {
                out.push(c);
            }
        };
        if self.strip_accents {
            if s.is_ascii() {
                s.chars().for_each(&mut push);
            } else {
                s.nfd()
                    .map(|(c, _)| c)
                    .filter(|c| !c.is_mark_nonspacing())
                    .for_each(&mut push);
            }
        } else {
            s.chars().for_each(&mut push);
        }
        out
    }

    /// WordPiece pieces of one word (a word it cannot split is one unknown token).
    fn pieces(&self, word: &str) -> usize {
        if word.chars().count() > self.max_chars {
            return 1;
        }
        let mut n = 0;
        let mut start = 0;
        while start < word.len() {
            let mut end = word.len();
            loop {
                let sub = &word[start..end];
                let known = if start == 0 {
                    self.whole.contains(sub)
                } else {
                    self.cont.contains(sub)
                };
                if known {
                    break;
                }
                end -= sub.chars().next_back().map_or(1, char::len_utf8);
                if end <= start {
                    return 1;
                }
            }
            n += 1;
            start = end;
        }
        n
    }

    /// The count, or `None` when the text holds an added token (counted the tokenizer's way).
    fn count(&self, text: &str) -> Option<usize> {
        if self.added_raw.iter().any(|a| text.contains(a.as_str())) {
            return None;
        }
        let norm = self.normalize(text);
        if self
            .added_normalized
            .iter()
            .any(|a| norm.contains(a.as_str()))
        {
            return None;
        }
        let mut n = 0;
        let mut start = None;
        for (i, c) in norm.char_indices() {
            let split = c.is_whitespace();
            let punct = !split && is_bert_punc(c);
            if split || punct {
                if let Some(s) = start.take() {
                    n += self.pieces(&norm[s..i]);
                }
                if punct {
                    n += self.pieces(&norm[i..i + c.len_utf8()]);
                }
            } else if start.is_none() {
                start = Some(i);
            }
        }
        if let Some(s) = start {
            n += self.pieces(&norm[s..]);
        }
        Some(n)
    }
}
