//! Chinese words for the index: jieba's cut as a tantivy tokenizer, over the process's one
//! dictionary (loading a second copy, as a ready-made bridge crate would, costs memory).

use jieba_rs::Jieba;
use std::sync::LazyLock;
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

/// Loading the dictionary takes a moment; do it once per process.
pub(crate) static JIEBA: LazyLock<Jieba> = LazyLock::new(load);

/// jieba's own dictionary (assets/jieba/dict.txt), compressed by build.rs.
const DICTIONARY: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/jieba-dict.zst"));

/// jieba with its dictionary, unpacked as it is read: the crate's built-in loader would keep
/// the whole unpacked text (8 MB) for the life of the process besides the dictionary built
/// from it. The bytes were packed by build.rs from a well-formed file (a test below loads
/// them), so a failure here cannot happen short of a broken build; it would leave search
/// cutting text with jieba's character model alone rather than stop the server.
fn load() -> Jieba {
    let mut jieba = Jieba::empty();
    let loaded = zstd::stream::read::Decoder::with_buffer(DICTIONARY)
        .map_err(|e| e.to_string())
        .and_then(|d| jieba.load_dict(&mut std::io::BufReader::new(d)).map_err(|e| e.to_string()));
    if let Err(e) = loaded {
        tracing::error!("分词词典无法载入:{e}");
    }
    jieba
}

/// The name the index's text fields give their tokenizer.
pub(crate) const TOKENIZER: &str = "jieba";

/// A word worth indexing: something alphanumeric, not too long (a run of digits or letters
/// longer than this is an identifier nobody types).
fn keep(word: &str) -> bool {
    word.chars().any(char::is_alphanumeric) && word.chars().count() <= 32
}

/// A word of a text: where it starts (in characters, its position in the index, so a
/// phrase's words can be matched where they stand) and its bytes.
struct Word {
    position: usize,
    bytes: std::ops::Range<usize>,
    text: String,
}

/// The words of a text, lower-cased, without punctuation and blanks. `search`: jieba's
/// search-mode cut, the words and the dictionary words inside them (学前教育 also as 学前 and
/// 教育), as documents are indexed; otherwise the plain cut, whole words only, as a phrase
/// is matched (fewer words that must stand in a row).
fn cut(text: &str, search: bool) -> Vec<Word> {
    let tokens = if search { JIEBA.cut_for_search(text, true) } else { JIEBA.cut(text, true) };
    tokens
        .into_iter()
        .filter_map(|w| {
            let word = w.word.trim().to_lowercase();
            keep(&word).then_some(Word { position: w.start, bytes: w.byte_start..w.byte_end, text: word })
        })
        .collect()
}

/// A query's loose words, cut as documents are, with their positions.
pub(crate) fn search_words(text: &str) -> Vec<(usize, String)> {
    cut(text, true).into_iter().map(|w| (w.position, w.text)).collect()
}

/// A phrase's words with their offsets from its start.
pub(crate) fn phrase_words(text: &str) -> Vec<(usize, String)> {
    cut(text, false).into_iter().map(|w| (w.position, w.text)).collect()
}

/// jieba as a tantivy tokenizer (see [`search_words`]).
#[derive(Clone, Default)]
pub(crate) struct JiebaTokenizer;

pub(crate) struct JiebaStream {
    tokens: std::vec::IntoIter<Token>,
    token: Token,
}

impl Tokenizer for JiebaTokenizer {
    type TokenStream<'a> = JiebaStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> JiebaStream {
        let tokens: Vec<Token> = cut(text, true)
            .into_iter()
            .map(|w| Token {
                offset_from: w.bytes.start,
                offset_to: w.bytes.end,
                position: w.position,
                text: w.text,
                position_length: 1,
            })
            .collect();
        JiebaStream { tokens: tokens.into_iter(), token: Token::default() }
    }
}

impl TokenStream for JiebaStream {
    fn advance(&mut self) -> bool {
        match self.tokens.next() {
            Some(t) => {
                self.token = t;
                true
            }
            None => false,
        }
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_character_words_are_words_with_their_offsets() {
        let words = search_words("推进学前教育普及普惠,新建幼儿园3所。");
        let w: Vec<&str> = words.iter().map(|(_, w)| w.as_str()).collect();
        for x in ["学前", "教育", "学前教育", "普及", "普惠", "幼儿园", "新建"] {
            assert!(w.contains(&x), "{x} in {w:?}");
        }
        assert!(!w.contains(&","));
        assert!(words.contains(&(2, "学前".to_string())) && words.contains(&(4, "教育".to_string())), "{words:?}");
        let mut t = JiebaTokenizer;
        let mut s = t.token_stream("学前教育 ABC");
        let mut seen = Vec::new();
        while s.advance() {
            seen.push((s.token().position, s.token().text.clone()));
        }
        assert!(seen.contains(&(5, "abc".to_string())), "{seen:?}");
    }

    #[test]
    fn the_bundled_dictionary_is_jiebas_and_its_words_come_out_whole() {
        let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/jieba/dict.txt");
        let text = std::fs::read_to_string(file).expect("assets/jieba/dict.txt");
        assert_eq!(zstd::decode_all(DICTIONARY).expect("unpacks"), text.as_bytes());
        // A word the dictionary holds mostly comes out of the plain cut whole (a rare
        // two-character word may lose to its two common characters: 先点 as 先 + 点); with
        // jieba's character model alone, most would not. Every 499th word, to keep it quick.
        let words: Vec<&str> = text.lines().filter_map(|l| l.split_whitespace().next()).collect();
        assert_eq!(words.len(), 349_045);
        let sample: Vec<&str> = words.iter().step_by(499).copied().filter(|w| w.chars().count() > 1).collect();
        let whole = |jieba: &Jieba| sample.iter().filter(|w| jieba.cut(w, false).len() == 1).count();
        let (with, without) = (whole(&JIEBA), whole(&Jieba::empty()));
        assert!(with * 100 >= sample.len() * 95, "{with} of {} dictionary words cut whole", sample.len());
        assert!(without * 100 <= sample.len() * 60, "{without} of {} whole without a dictionary", sample.len());
    }
}
