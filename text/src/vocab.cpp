// Tokenizers, the vocabulary and corpus loading.
#include "seqrl/text/vocab.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <numeric>
#include <regex>
#include <sstream>

#include "seqrl/nets/checkpoint.hpp"
#include "seqrl/nets/error.hpp"
#include "seqrl/text/data.hpp"

namespace seqrl::text {

// ---- tokenizers ---------------------------------------------------------------------------------

std::vector<std::string> tokenize_whitespace(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : line) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
      if (!cur.empty()) out.push_back(std::move(cur)), cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

namespace {
struct Rule {
  std::regex re;
  std::string with;
  // the rule can only match when the text holds one of these bytes (8-bit bytes: "\x80" stands
  // for any non-ASCII byte) or, for words, this lowercase substring: a cheap test that skips most
  // regex passes on ordinary lines
  std::string any_of;
  std::string word;
  Rule(std::regex r, std::string w, std::string any, std::string wd = "")
      : re(std::move(r)), with(std::move(w)), any_of(std::move(any)), word(std::move(wd)) {}
};
using R = std::regex;
constexpr auto kIcase = std::regex::ECMAScript | std::regex::icase;

// NLTK 3.8 NLTKWordTokenizer's substitutions in its order, in ECMAScript syntax ($1 for \1). The
// non-ASCII quotes are alternatives, not bracket members, since std::regex works on bytes.
const std::vector<Rule>& starting_quotes() {
  static const std::vector<Rule> r{
      {R("(«|“|‘|„|`+)"), " $1 ", "`\x80"},
      {R("^\""), "``", "\""},
      {R("(``)"), " $1 ", "`"},
      {R("([ \\(\\[{<])(\"|'{2})"), "$1 `` ", "\"'"},
      {R("(')(?!re|ve|ll|m|t|s|d|n)(\\w)\\b", kIcase), "$1 $2", "'"},
  };
  return r;
}
const std::vector<Rule>& punctuation() {
  static const std::vector<Rule> r{
      {R("([^\\.])(\\.)((?:[\\]\\)}>\"' ]|»|”|’)*)\\s*$"), "$1 $2 $3 ", "."},
      {R("([:,])([^\\d])"), " $1 $2", ":,"},
      {R("([:,])$"), " $1 ", ":,"},
      {R("\\.{2,}"), " $& ", "."},
      {R("[;@#$%&]"), " $& ", ";@#$%&"},
      {R("([^\\.])(\\.)([\\]\\)}>\"']*)\\s*$"), "$1 $2$3 ", "."},
      {R("[?!]"), " $& ", "?!"},
      {R("([^'])' "), "$1 ' ", "'"},
      {R("[*]"), " $& ", "*"},
      {R("[\\]\\[\\(\\)\\{\\}<>]"), " $& ", "[](){}<>"},  // parentheses and brackets
      {R("--"), " -- ", "-"},  // double dashes
  };
  return r;
}
const std::vector<Rule>& ending_quotes() {
  static const std::vector<Rule> r{
      {R("(»|”|’)"), " $1 ", "\x80"},
      {R("''"), " '' ", "'"},
      {R("\""), " '' ", "\""},
      {R("([^' ])('[sS]|'[mM]|'[dD]|') "), "$1 $2 ", "'"},
      {R("([^' ])('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) "), "$1 $2 ", "'"},
      // MacIntyre's contractions (CONTRACTIONS2 and 3)
      {R("\\b(can)(not)\\b", kIcase), " $1 $2 ", "", "cannot"},
      {R("\\b(d)('ye)\\b", kIcase), " $1 $2 ", "", "d'ye"},
      {R("\\b(gim)(me)\\b", kIcase), " $1 $2 ", "", "gimme"},
      {R("\\b(gon)(na)\\b", kIcase), " $1 $2 ", "", "gonna"},
      {R("\\b(got)(ta)\\b", kIcase), " $1 $2 ", "", "gotta"},
      {R("\\b(lem)(me)\\b", kIcase), " $1 $2 ", "", "lemme"},
      {R("\\b(more)('n)\\b", kIcase), " $1 $2 ", "", "more'n"},
      {R("\\b(wan)(na)(?=\\s)", kIcase), " $1 $2 ", "", "wanna"},
      {R(" ('t)(is)\\b", kIcase), " $1 $2 ", "", "'tis"},
      {R(" ('t)(was)\\b", kIcase), " $1 $2 ", "", "'twas"},
  };
  return r;
}
bool may_match(const std::string& s, const Rule& r) {
  if (!r.word.empty()) {
    std::string lower(s);
    for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return lower.find(r.word) != std::string::npos;
  }
  for (char t : r.any_of) {
    if (t == '\x80') {
      for (char ch : s)
        if (static_cast<unsigned char>(ch) >= 0x80) return true;
    } else if (s.find(t) != std::string::npos) {
      return true;
    }
  }
  return false;
}

std::string apply(std::string s, const std::vector<Rule>& rules) {
  for (const auto& r : rules)
    if (may_match(s, r)) s = std::regex_replace(s, r.re, r.with);
  return s;
}
}  // namespace

std::vector<std::string> tokenize_nltk(const std::string& line) {
  std::string s = apply(apply(line, starting_quotes()), punctuation());
  s = apply(" " + s + " ", ending_quotes());
  return tokenize_whitespace(s);
}

std::vector<std::string> tokenize_chars(const std::string& line) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < line.size()) {
    // one UTF-8 character: its lead byte says how many bytes (the corpus readers check the encoding)
    const unsigned char b = static_cast<unsigned char>(line[i]);
    const size_t n = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 1;
    std::string ch = line.substr(i, n);
    i += n;
    if (ch == " " || ch == "\t") {
      if (!out.empty() && out.back() != kCharSpace) out.push_back(kCharSpace);
      continue;
    }
    out.push_back(std::move(ch));
  }
  while (!out.empty() && out.back() == kCharSpace) out.pop_back();
  return out;
}

std::string lower_ascii(std::string s) {
  for (char& ch : s)
    if (ch >= 'A' && ch <= 'Z') ch = char(ch - 'A' + 'a');
  return s;
}

std::vector<std::string> tokenize(const std::string& line, const std::string& tokenizer) {
  if (tokenizer == "whitespace") return tokenize_whitespace(line);
  if (tokenizer == "nltk") return tokenize_nltk(line);
  if (tokenizer == "char") return tokenize_chars(line);
  throw ConfigError("unknown tokenizer '" + tokenizer + "' (known: whitespace, nltk, char)");
}

// ---- vocabulary ---------------------------------------------------------------------------------

const std::vector<std::string>& Vocabulary::specials() {
  static const std::vector<std::string> s{"<pad>", "<bos>", "<eos>", "<unk>"};
  return s;
}

Vocabulary::Vocabulary() {
  for (const auto& s : specials()) add(s, "specials");
}

void Vocabulary::add(const std::string& token, const std::string& where) {
  if (token.empty()) throw ValueError(where + ": empty token");
  auto [it, fresh] = ids_.emplace(token, static_cast<int32_t>(tokens_.size()));
  if (!fresh)
    throw ValueError(where + ": duplicate token '" + token + "' (already id " +
                     std::to_string(it->second) + ")");
  tokens_.push_back(token);
}

Vocabulary Vocabulary::build(const std::vector<Sentence>& sentences, size_t min_freq, size_t max_size) {
  std::unordered_map<std::string, size_t> count, first;
  std::vector<std::string> order;
  for (const auto& s : sentences)
    for (const auto& w : s) {
      if (count[w]++ == 0) {
        first[w] = order.size();
        order.push_back(w);
      }
    }
  std::stable_sort(order.begin(), order.end(),
                   [&](const std::string& a, const std::string& b) { return count[a] > count[b]; });
  Vocabulary v;
  for (const auto& w : order) {
    if (max_size && v.size() >= max_size) break;
    if (count[w] < min_freq) break;  // sorted by count: the rest are rarer
    if (v.contains(w)) continue;     // a corpus word spelled like a special token
    v.add(w, "Vocabulary::build");
  }
  return v;
}

Vocabulary Vocabulary::load(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw IOError("cannot open vocabulary file '" + path + "'");
  Vocabulary v;
  v.tokens_.clear();
  v.ids_.clear();
  std::string line;
  for (size_t n = 1; std::getline(f, line); ++n) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const std::string where = path + ":" + std::to_string(n);
    if (n <= specials().size() && line != specials()[n - 1])
      throw ValueError(where + ": expected the special token '" + specials()[n - 1] + "', got '" +
                       line + "' (ids 0-3 are <pad> <bos> <eos> <unk>)");
    v.add(line, where);
  }
  if (v.size() < specials().size())
    throw ValueError(path + ": a vocabulary file starts with <pad> <bos> <eos> <unk>, one per line");
  return v;
}

void Vocabulary::save(const std::string& path) const {
  std::string s;
  for (const auto& t : tokens_) s += t + "\n";
  nets::write_file_atomic(path, s);
}

int32_t Vocabulary::id(const std::string& token) const {
  auto it = ids_.find(token);
  return it == ids_.end() ? kUnk : it->second;
}

const std::string& Vocabulary::token(int32_t id) const {
  if (id < 0 || size_t(id) >= tokens_.size())
    throw ValueError("token id " + std::to_string(id) + " is outside the vocabulary of " +
                     std::to_string(tokens_.size()));
  return tokens_[size_t(id)];
}

std::vector<int32_t> Vocabulary::encode(const Sentence& s) const {
  std::vector<int32_t> ids;
  ids.reserve(s.size());
  for (const auto& w : s) ids.push_back(id(w));
  return ids;
}

Sentence Vocabulary::decode(const int32_t* ids, size_t n) const {
  Sentence s;
  for (size_t i = 0; i < n && ids[i] != kEos; ++i)
    if (ids[i] != kPad && ids[i] != kBos) s.push_back(token(ids[i]));
  return s;
}

// ---- corpus -------------------------------------------------------------------------------------

LongLines long_lines_from(const std::string& name) {
  if (name == "error") return LongLines::kError;
  if (name == "truncate") return LongLines::kTruncate;
  if (name == "skip") return LongLines::kSkip;
  throw ConfigError("unknown long-line policy '" + name + "' (known: error, truncate, skip)");
}

namespace {
// The byte offset of the first invalid UTF-8 sequence, or npos.
size_t invalid_utf8(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (len == 0 || i + len > s.size()) return i;
    for (size_t k = 1; k < len; ++k)
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return i;
    // overlong forms and surrogates
    const auto c1 = static_cast<unsigned char>(len > 1 ? s[i + 1] : 0);
    if ((len == 2 && c < 0xC2) || (len == 3 && c == 0xE0 && c1 < 0xA0) ||
        (len == 3 && c == 0xED && c1 >= 0xA0) || (len == 4 && c == 0xF0 && c1 < 0x90) ||
        (len == 4 && (c > 0xF4 || (c == 0xF4 && c1 >= 0x90))))
      return i;
    i += len;
  }
  return std::string::npos;
}
}  // namespace

Corpus Corpus::load(const std::string& path, const CorpusOptions& opt) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw IOError("cannot open corpus file '" + path + "'" + data_hint(path));
  Corpus c;
  c.path = path;
  std::string line;
  for (size_t n = 1; std::getline(f, line); ++n) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const std::string where = path + ":" + std::to_string(n);
    if (size_t b = invalid_utf8(line); b != std::string::npos)
      throw ValueError(where + ": invalid UTF-8 at byte " + std::to_string(b + 1));
    Sentence s = tokenize(opt.lower ? lower_ascii(line) : line, opt.tokenizer);
    if (s.empty() && !opt.empty_lines) throw ValueError(where + ": empty line (one sentence per line)");
    if (opt.max_len && s.size() > opt.max_len) {
      if (opt.long_lines == LongLines::kError)
        throw ValueError(where + ": " + std::to_string(s.size()) + " tokens, more than the maximum " +
                         std::to_string(opt.max_len) + " (choose truncate or skip for long lines)");
      if (opt.long_lines == LongLines::kSkip) {
        ++c.skipped;
        continue;
      }
      s.resize(opt.max_len);
      ++c.truncated;
    }
    c.sentences.push_back(std::move(s));
  }
  if (c.sentences.empty()) throw ValueError(path + ": the corpus is empty");
  return c;
}

size_t Corpus::max_length() const {
  size_t m = 0;
  for (const auto& s : sentences) m = std::max(m, s.size());
  return m;
}

nets::IntTensor encode_padded(const std::vector<Sentence>& sentences, const Vocabulary& vocab, size_t T) {
  if (T == 0) {
    for (const auto& s : sentences) T = std::max(T, s.size());
    ++T;
  }
  nets::IntTensor out = nets::IntTensor::from_shape({sentences.size(), T});
  std::fill(out.begin(), out.end(), Vocabulary::kEos);
  for (size_t i = 0; i < sentences.size(); ++i) {
    if (sentences[i].size() >= T)
      throw ShapeError("sentence " + std::to_string(i) + " has " + std::to_string(sentences[i].size()) +
                       " tokens: it needs T > " + std::to_string(sentences[i].size()) +
                       " to end with <eos>, got T = " + std::to_string(T));
    for (size_t t = 0; t < sentences[i].size(); ++t) out(i, t) = vocab.id(sentences[i][t]);
  }
  return out;
}

std::vector<size_t> shuffled_order(size_t n, nets::Rng& rng) {
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  for (size_t i = n; i > 1; --i) std::swap(order[i - 1], order[rng.randint(i)]);  // Fisher-Yates
  return order;
}

nets::IntTensor read_token_ids(const std::string& path, size_t T, size_t vocab, size_t limit) {
  std::ifstream f(path);
  if (!f) throw IOError("cannot open samples file '" + path + "'");
  std::vector<int32_t> ids;
  size_t rows = 0;
  std::string line;
  for (size_t n = 1; std::getline(f, line) && (limit == 0 || rows < limit); ++n) {
    const auto toks = tokenize_whitespace(line);
    if (toks.empty()) continue;
    if (toks.size() != T)
      throw ValueError(path + ":" + std::to_string(n) + ": " + std::to_string(toks.size()) +
                       " token ids, the oracle's sequences have " + std::to_string(T));
    for (const auto& t : toks) {
      size_t used = 0;
      long v = -1;
      try {
        v = std::stol(t, &used);
      } catch (const std::exception&) {
      }
      if (used != t.size() || v < 0 || size_t(v) >= vocab)
        throw ValueError(path + ":" + std::to_string(n) + ": '" + t + "' is not a token id in [0, " +
                         std::to_string(vocab) + ")");
      ids.push_back(static_cast<int32_t>(v));
    }
    ++rows;
  }
  if (rows == 0) throw ValueError(path + ": no samples");
  nets::IntTensor out = nets::IntTensor::from_shape({rows, T});
  std::copy(ids.begin(), ids.end(), out.begin());
  return out;
}

}  // namespace seqrl::text
