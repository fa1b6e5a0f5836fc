// Words to token ids and back: tokenizers, the vocabulary, and a corpus of sentences.
//
// Tokenizers: "whitespace" splits on runs of spaces and tabs; "nltk" reproduces NLTK 3.8's
// NLTKWordTokenizer (the tokenizer behind nltk.word_tokenize, which Texygen runs on COCO) on one
// line, without Punkt's sentence splitting: punctuation, quotes, brackets and contractions are
// split off ("a car." -> "a", "car", "."). tests/text/check_nltk.py compares it with NLTK itself.
//
// Vocabulary: ids 0..3 are <pad>, <bos>, <eos>, <unk>; then the words by decreasing frequency
// (ties in first-seen order), keeping words seen at least min_freq times, at most max_size ids in
// all. Saved as a plain text file, one token per line, in id order.
//
// Corpus: a UTF-8 text file, one sentence per line. Invalid UTF-8 and empty lines are errors
// naming the file and line; a final newline is optional. Lines longer than max_len tokens follow
// LongLines: kError (the default: nothing is dropped silently), kTruncate or kSkip (counted).
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "seqrl/nets/rng.hpp"
#include "seqrl/nets/tensor.hpp"

namespace seqrl::text {

using Sentence = std::vector<std::string>;

std::vector<std::string> tokenize_whitespace(const std::string& line);
std::vector<std::string> tokenize_nltk(const std::string& line);
// Characters (UTF-8), a run of spaces or tabs as the one token kCharSpace, none at either end.
inline const std::string kCharSpace = "\xe2\x96\x81";  // U+2581, SentencePiece's word boundary
std::vector<std::string> tokenize_chars(const std::string& line);
// A-Z as a-z (other bytes unchanged).
std::string lower_ascii(std::string s);
// By name: "whitespace", "nltk" or "char" (ConfigError otherwise).
std::vector<std::string> tokenize(const std::string& line, const std::string& tokenizer);

class Vocabulary {
 public:
  static constexpr int32_t kPad = 0, kBos = 1, kEos = 2, kUnk = 3;
  static const std::vector<std::string>& specials();  // <pad> <bos> <eos> <unk>

  Vocabulary();  // the four special tokens only
  static Vocabulary build(const std::vector<Sentence>& sentences, size_t min_freq = 1,
                          size_t max_size = 0);
  // One token per line in id order, the specials first. Errors name the file and line: missing
  // file, empty token, duplicate token, specials out of place.
  static Vocabulary load(const std::string& path);
  void save(const std::string& path) const;  // atomically

  size_t size() const { return tokens_.size(); }
  int32_t id(const std::string& token) const;  // kUnk when unknown
  bool contains(const std::string& token) const { return ids_.count(token) > 0; }
  const std::string& token(int32_t id) const;  // ValueError when out of range
  std::vector<int32_t> encode(const Sentence& s) const;
  // Stops at the first <eos>; <pad> and <bos> are skipped.
  Sentence decode(const int32_t* ids, size_t n) const;

 private:
  void add(const std::string& token, const std::string& where);
  std::vector<std::string> tokens_;
  std::unordered_map<std::string, int32_t> ids_;
};

enum class LongLines { kError, kTruncate, kSkip };
LongLines long_lines_from(const std::string& name);  // "error", "truncate", "skip"

struct CorpusOptions {
  std::string tokenizer = "whitespace";  // whitespace, nltk or char (tokenize)
  bool lower = false;                    // lower-case A-Z before tokenizing
  size_t max_len = 0;  // tokens per sentence (0 = no limit)
  LongLines long_lines = LongLines::kError;
  // an empty line: an error (a corpus to train on), or the empty sentence (samples, where a
  // generator's sentence that ended at once is written by seqrl generate as an empty line)
  bool empty_lines = false;
};

struct Corpus {
  std::string path;
  std::vector<Sentence> sentences;
  size_t truncated = 0, skipped = 0;  // lines handled by the LongLines policy
  static Corpus load(const std::string& path, const CorpusOptions& opt = CorpusOptions());
  size_t max_length() const;
};

// Sentences as a padded id tensor [N, T]: the tokens, then <eos> up to T (so a generator learns
// to end sentences, as Texygen pads with its end token). T = 0 picks the longest sentence + 1.
// A sentence of T or more tokens is a ShapeError naming its index.
nets::IntTensor encode_padded(const std::vector<Sentence>& sentences, const Vocabulary& vocab,
                              size_t T = 0);

// Index order for one epoch of batches: a seeded shuffle (Fisher-Yates on nets::Rng).
std::vector<size_t> shuffled_order(size_t n, nets::Rng& rng);

// A samples file of token ids (`seqrl score` on the oracle): one sequence per line, exactly T
// whitespace-separated ids in [0, vocab) each; blank lines skipped; at most `limit` rows (0 = all).
// IOError when it cannot be read; ValueError naming path:line and the bad token or count.
nets::IntTensor read_token_ids(const std::string& path, size_t T, size_t vocab, size_t limit = 0);

}  // namespace seqrl::text
