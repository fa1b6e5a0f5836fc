// text/: tokenizers, vocabulary, corpus loading and its errors, BLEU / Self-BLEU / distinct-n, data paths.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "seqrl/env/registry.hpp"
#include "seqrl/nets/error.hpp"
#include "seqrl/text/data.hpp"
#include "seqrl/text/grammar.hpp"
#include "seqrl/text/metrics.hpp"
#include "seqrl/text/tasks.hpp"
#include "seqrl/text/vocab.hpp"
#include "skip.hpp"

using namespace seqrl;
using namespace seqrl::text;

namespace {
std::string write_tmp(const std::string& name, const std::string& bytes) {
  const std::string p = "/tmp/seqrl_text_" + std::to_string(::getpid()) + "_" + name;
  std::ofstream(p, std::ios::binary) << bytes;
  return p;
}
}  // namespace

TEST_CASE("tokenizers: whitespace, and NLTK's word tokenizer rules", "[text]") {
  CHECK(tokenize_whitespace("  a man\triding  a horse ") == Sentence{"a", "man", "riding", "a", "horse"});
  CHECK(tokenize_nltk("a bicycle replica with a clock as the front wheel.") ==
        Sentence{"a", "bicycle", "replica", "with", "a", "clock", "as", "the", "front", "wheel", "."});
  CHECK(tokenize_nltk("a man's dog, and (two) cats can't run!") ==
        Sentence{"a", "man", "'s", "dog", ",", "and", "(", "two", ")", "cats", "ca", "n't", "run", "!"});
  CHECK(tokenize_nltk("\"hi\" she said; 3,000 cats: ok...") ==
        Sentence{"``", "hi", "''", "she", "said", ";", "3,000", "cats", ":", "ok", "..."});
  CHECK(tokenize_nltk("i cannot gonna") == Sentence{"i", "can", "not", "gon", "na"});
  CHECK_THROWS_WITH(tokenize("x", "spacy"), Catch::Contains("unknown tokenizer 'spacy'"));
}

TEST_CASE("vocabulary: specials, frequency order, cutoffs, save and load", "[text]") {
  std::vector<Sentence> s{{"b", "a", "b"}, {"c", "a", "b"}, {"d"}};
  Vocabulary v = Vocabulary::build(s);
  REQUIRE(v.size() == 8);
  CHECK(v.token(0) == "<pad>");
  CHECK(v.token(3) == "<unk>");
  CHECK(v.token(4) == "b");  // 3 times
  CHECK(v.token(5) == "a");  // 2 times
  CHECK(v.token(6) == "c");  // 1 time, seen before d
  CHECK(v.id("zebra") == Vocabulary::kUnk);
  CHECK(Vocabulary::build(s, 2).size() == 6);
  CHECK(Vocabulary::build(s, 1, 5).size() == 5);
  const std::vector<int32_t> ids{4, 5, Vocabulary::kEos, 6};
  CHECK(v.decode(ids.data(), ids.size()) == Sentence{"b", "a"});
  const std::string p = write_tmp("vocab.txt", "");
  v.save(p);
  Vocabulary w = Vocabulary::load(p);
  CHECK(w.size() == v.size());
  CHECK(w.id("c") == v.id("c"));
  // errors name the file and line
  const std::string dup = write_tmp("dup.txt", "<pad>\n<bos>\n<eos>\n<unk>\ncat\ndog\ncat\n");
  CHECK_THROWS_WITH(Vocabulary::load(dup), Catch::Contains(dup + ":7") && Catch::Contains("duplicate token 'cat'"));
  const std::string nospecial = write_tmp("nospec.txt", "cat\n");
  CHECK_THROWS_WITH(Vocabulary::load(nospecial), Catch::Contains(nospecial + ":1") && Catch::Contains("<pad>"));
  CHECK_THROWS_WITH(Vocabulary::load("/nonexistent/v.txt"), Catch::Contains("/nonexistent/v.txt"));
}

TEST_CASE("corpus: one sentence per line, long-line policies, errors with file and line", "[text]") {
  const std::string p = write_tmp("c.txt", "a man rides\na very very very long line here\nthe end");
  CorpusOptions o;
  Corpus c = Corpus::load(p, o);
  REQUIRE(c.sentences.size() == 3);  // no final newline: the last line still counts
  CHECK(c.max_length() == 7);
  o.max_len = 4;
  CHECK_THROWS_WITH(Corpus::load(p, o), Catch::Contains(p + ":2") && Catch::Contains("7 tokens"));
  o.long_lines = LongLines::kSkip;
  Corpus s = Corpus::load(p, o);
  CHECK(s.sentences.size() == 2);
  CHECK(s.skipped == 1);
  o.long_lines = LongLines::kTruncate;
  Corpus t = Corpus::load(p, o);
  CHECK(t.sentences[1] == Sentence{"a", "very", "very", "very"});
  CHECK(t.truncated == 1);
  CHECK_THROWS_WITH(Corpus::load(write_tmp("bad.txt", "ok line\nbad \xff byte\n")),
                    Catch::Contains(":2: invalid UTF-8 at byte 5"));
  CHECK_THROWS_WITH(Corpus::load(write_tmp("blank.txt", "ok\n\nok\n")), Catch::Contains(":2: empty line"));
  CHECK_THROWS_WITH(Corpus::load(write_tmp("empty.txt", "")), Catch::Contains("the corpus is empty"));
  CHECK_THROWS_WITH(Corpus::load("/nonexistent/c.txt"), Catch::Contains("/nonexistent/c.txt"));
  CHECK(Corpus::load(write_tmp("u.txt", "caf\xc3\xa9 \xe2\x80\x9cok\xe2\x80\x9d\n")).sentences.size() == 1);
  // padded ids end with <eos>
  Vocabulary v = Vocabulary::build(c.sentences);
  nets::IntTensor ids = encode_padded(c.sentences, v);
  REQUIRE(ids.shape()[1] == 8);
  CHECK(ids(0, 3) == Vocabulary::kEos);
  CHECK(ids(1, 7) == Vocabulary::kEos);
  CHECK(ids(1, 6) == v.id("here"));
  CHECK_THROWS_AS(encode_padded(c.sentences, v, 7), ShapeError);
}

TEST_CASE("BLEU follows NLTK's sentence_bleu with method1 smoothing", "[text]") {
  // hand-computed: hyp "the cat sat on the mat" vs refs {"the cat is on the mat", "there is a cat"}
  std::vector<Sentence> refs{{"the", "cat", "is", "on", "the", "mat"}, {"there", "is", "a", "cat"}};
  Sentence hyp{"the", "cat", "sat", "on", "the", "mat"};
  BleuIndex idx(refs, 4);
  // p1 = 5/6, p2 = 3/5 (the cat, on the, the mat), bp = 1 (closest ref length 6)
  CHECK(idx.sentence_bleu(hyp, 2) == Approx(std::sqrt(5.0 / 6 * 3.0 / 5)).epsilon(1e-12));
  // p3 = 1/4 (on the mat), p4 = 0 -> 0.1 / 3
  const double b4 = std::exp((std::log(5.0 / 6) + std::log(3.0 / 5) + std::log(1.0 / 4) + std::log(0.1 / 3)) / 4);
  CHECK(idx.sentence_bleu(hyp, 4) == Approx(b4).epsilon(1e-12));
  // brevity penalty: a 2-token hypothesis against the closest length 4
  Sentence shrt{"the", "cat"};
  const double bp = std::exp(1.0 - 4.0 / 2.0);
  CHECK(idx.sentence_bleu(shrt, 2) == Approx(bp * std::exp(0.5 * (std::log(1.0) + std::log(1.0)))).epsilon(1e-12));
  CHECK(idx.sentence_bleu(Sentence{"zebra"}, 2) == 0.0);  // no unigram match
  CHECK_THROWS_AS(idx.sentence_bleu(hyp, 5), ValueError);
  // clipping: "the the the" against refs with at most two "the"
  CHECK(BleuIndex(refs, 1).sentence_bleu({"the", "the", "the"}, 1) == Approx(2.0 / 3 * std::exp(1.0 - 4.0 / 3)));
}

TEST_CASE("Self-BLEU leaves each sentence out of its own references", "[text]") {
  std::vector<Sentence> s{{"a", "b", "c"}, {"a", "b", "c"}, {"x", "y", "z"}};
  // sentences 0 and 1 match each other fully; sentence 2 matches nothing
  CHECK(self_bleu(s, 2) == Approx(2.0 / 3));
  // the same as BLEU against the explicit others
  double manual = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    std::vector<Sentence> others;
    for (size_t j = 0; j < s.size(); ++j)
      if (j != i) others.push_back(s[j]);
    manual += bleu({s[i]}, others, 3) / 3;
  }
  CHECK(self_bleu(s, 3) == Approx(manual).epsilon(1e-12));
  CHECK(distinct_n(s, 1) == Approx(6.0 / 9));
  CHECK(distinct_n(s, 2) == Approx(4.0 / 6));
}

TEST_CASE("grammar: exact probabilities summed over parses, and the length normaliser", "[text][grammar]") {
  const Grammar g = Grammar::captions();
  // "a man riding a horse on a beach": the PP attaches to the verb phrase or to "a horse"
  const double np_a_man = 0.55 * 0.75 * 0.2, np_a_beach = 0.55 * 0.75 * 0.1;
  const double vp_attach = np_a_man * 0.2 * 0.3 * (0.55 * 0.75 * 0.1) * 0.4 * np_a_beach;
  const double np_attach = np_a_man * 0.45 * 0.3 * 0.2 * (0.75 * 0.1) * 0.4 * np_a_beach;
  const Sentence s{"a", "man", "riding", "a", "horse", "on", "a", "beach"};
  CHECK(g.probability(s) == Approx(vp_attach + np_attach).epsilon(1e-12));
  CHECK(g.grammatical(s));
  CHECK_FALSE(g.grammatical({"man", "a", "riding", "a", "horse"}));
  CHECK_FALSE(g.grammatical({"a", "man", "riding", "a", "unicorn"}));
  CHECK(g.probability({}) == 0.0);
  // the shortest sentences have 5 words, all of the form Det N V Det N: their probabilities,
  // summed by the parser over every such string, equal the length program's mass at 5
  CHECK(g.length_mass(4) == 0.0);
  const std::vector<std::string> det{"a", "the"}, n{"man", "woman", "dog", "horse", "beach", "table", "street", "cat"},
      v{"riding", "holding", "sitting", "walking", "standing"};
  double total = 0;
  for (auto& d1 : det)
    for (auto& n1 : n)
      for (auto& v1 : v)
        for (auto& d2 : det)
          for (auto& n2 : n) total += g.probability({d1, n1, v1, d2, n2});
  CHECK(total == Approx(g.length_mass(5)).epsilon(1e-12));
  CHECK(g.length_mass(40) > g.length_mass(16));
  CHECK(g.length_mass(60) == Approx(1.0).margin(1e-3));  // a proper grammar: lengths are finite
}

TEST_CASE("grammar: samples are grammatical, bounded, and as frequent as their probability", "[text][grammar]") {
  const Grammar g = Grammar::captions();
  nets::Rng rng(4);
  const size_t T = 12, n = 20000;
  std::vector<Sentence> xs;
  size_t hits = 0;
  const Sentence probe{"a", "man", "holding", "a", "dog"};
  for (size_t i = 0; i < n; ++i) {
    xs.push_back(g.sample(rng, T));
    REQUIRE(xs.back().size() <= T);
    hits += xs.back() == probe;
  }
  const GrammarScore sc = score_grammar(g, xs, T);
  CHECK(sc.grammatical == 1.0);
  const double p = std::exp(g.log_prob(probe, T));
  CHECK(double(hits) / n == Approx(p).margin(4 * std::sqrt(p / n)));
  // NLL-oracle of the grammar's own samples is its entropy rate: positive and finite
  CHECK(sc.nll_oracle > 0.5);
  CHECK(sc.nll_oracle < 5.0);
  std::vector<Sentence> mixed{probe, {"dog", "the"}};
  CHECK(score_grammar(g, mixed, T).grammatical == 0.5);
  CHECK_THROWS_WITH(Grammar::parse("S -> A B 0.5\nA -> 'x' 1.0\nB -> 'y' 1.0\n"), Catch::Contains("line 1") && Catch::Contains("sum to"));
  CHECK_THROWS_WITH(Grammar::parse("S -> A B 1.0\nA -> 'x' 1.0\n"), Catch::Contains("'B' has no rules"));
  CHECK_THROWS_WITH(Grammar::parse("S -> A 1.0\n"), Catch::Contains("line 1"));
}

TEST_CASE("embsim: 0 for one table, invariant to rotating a table, lower for an unrelated one", "[text][metrics]") {
  nets::Rng rng(3);
  nets::Tensor a = nets::Tensor::from_shape({40, 6});
  for (auto& v : a) v = rng.normal();
  CHECK(text::embsim(a, a) == Approx(0.0).margin(1e-6));
  // a rotation in the (0, 1) plane and a scaling keep every cosine
  nets::Tensor r = a;
  const float c = std::cos(0.7f), s = std::sin(0.7f);
  for (size_t i = 0; i < 40; ++i) {
    r(i, 0) = 3.f * (c * a(i, 0) - s * a(i, 1));
    r(i, 1) = 3.f * (s * a(i, 0) + c * a(i, 1));
    for (size_t j = 2; j < 6; ++j) r(i, j) = 3.f * a(i, j);
  }
  CHECK(text::embsim(a, r) == Approx(0.0).margin(1e-5));
  nets::Tensor b = nets::Tensor::from_shape({40, 9});  // another width is fine
  for (auto& v : b) v = rng.normal();
  const double unrelated = text::embsim(a, b);
  CHECK(unrelated < -0.1);
  // the specials skipped: the first rows do not count
  nets::Tensor a2 = a;
  for (size_t j = 0; j < 6; ++j) a2(0, j) = -a(0, j) + 5.f;
  CHECK(text::embsim(a, a2, 1) == Approx(0.0).margin(1e-6));
  CHECK(text::embsim(a, a2) < 0.0);
  CHECK_THROWS_AS(text::embsim(a, nets::Tensor::from_shape({39, 6})), ShapeError);
}

namespace {
// Sets (or, with nullptr, unsets) SEQRL_DATA_DIR for one scope, then puts back what was there.
struct DataDirScope {
  explicit DataDirScope(const char* value) {
    if (const char* old = std::getenv("SEQRL_DATA_DIR")) saved = old, had = true;
    if (value) ::setenv("SEQRL_DATA_DIR", value, 1);
    else ::unsetenv("SEQRL_DATA_DIR");
  }
  ~DataDirScope() {
    if (had) ::setenv("SEQRL_DATA_DIR", saved.c_str(), 1);
    else ::unsetenv("SEQRL_DATA_DIR");
  }
  std::string saved;
  bool had = false;
};
}  // namespace

TEST_CASE("data paths: SEQRL_DATA_DIR, else ../shared/data, and every default follows it", "[text][data]") {
  {
    DataDirScope d(nullptr);
    CHECK(data_dir() == "../shared/data");
    CHECK(data_path("coco/image_coco.txt") == "../shared/data/coco/image_coco.txt");
    CHECK(TextTaskOptions{}.oracle_dir == "../shared/data/seqgan_oracle");
    // a missing default file's error says where the folder is taken from and how to move it
    const std::string hint = data_hint(data_path("coco/image_coco.txt"));
    CHECK_THAT(hint, Catch::Contains("relative to the working folder " + std::filesystem::current_path().string()));
    CHECK_THAT(hint, Catch::Contains("set SEQRL_DATA_DIR"));
    CHECK(data_hint("/elsewhere/image_coco.txt").empty());
  }
  {
    DataDirScope d("");  // empty counts as unset
    CHECK(data_dir() == "../shared/data");
  }
  {
    DataDirScope d("/nonexistent/seqrl-data/");
    CHECK(data_dir() == "/nonexistent/seqrl-data/");
    CHECK(data_path("seqgan_oracle") == "/nonexistent/seqrl-data/seqgan_oracle");
    const TextTaskOptions o;
    CHECK(o.oracle_dir == "/nonexistent/seqrl-data/seqgan_oracle");
    CHECK(o.corpus == "/nonexistent/seqrl-data/coco/image_coco.txt");
    CHECK(o.test == "/nonexistent/seqrl-data/coco/test_coco.txt");
    // the loaders' errors name the file and the variable it came from
    try {
      load_text_task("coco", o, 1);
      FAIL("loaded COCO from a folder that does not exist");
    } catch (const IOError& e) {
      CHECK_THAT(e.what(), Catch::Contains("'/nonexistent/seqrl-data/coco/image_coco.txt'") &&
                               Catch::Contains("under SEQRL_DATA_DIR=/nonexistent/seqrl-data"));
    }
    try {
      load_text_task("oracle", o, 1);
      FAIL("loaded the oracle from a folder that does not exist");
    } catch (const IOError& e) {
      CHECK_THAT(e.what(), Catch::Contains("/nonexistent/seqrl-data/seqgan_oracle/") &&
                               Catch::Contains("under SEQRL_DATA_DIR=/nonexistent/seqrl-data"));
    }
  }
  // the shared data found through the variable alone, from whatever the working folder is
  const std::string shared = std::string(SEQRL_SHARED_DIR) + "/data";
  if (!std::ifstream(shared + "/coco/image_coco.txt")) {
    WARN("SKIPPED (the rest): no COCO captions at " << shared << " (the ../shared folder beside the project)");
    return;
  }
  DataDirScope d(shared.c_str());
  TextTaskOptions o;
  o.samples = 8;
  o.held_out = 2;
  const TextTask coco = load_text_task("coco", o, 1);
  CHECK(coco.real.shape(0) == 10000);  // Image COCO: 10,000 training and 10,000 test captions
  CHECK(coco.test_sentences.size() == 10000);
  const TextTask oracle = load_text_task("oracle", o, 1);
  CHECK(oracle.vocab_size == 5000);
  CHECK(oracle.real.shape(0) == 8);
}

TEST_CASE("data paths: TextCoco-v0 without options finds the captions through SEQRL_DATA_DIR", "[text][data][env]") {
  const std::string shared = std::string(SEQRL_SHARED_DIR) + "/data";
  if (!std::ifstream(shared + "/coco/image_coco.txt")) {
    SEQRL_SKIP("no COCO captions at " << shared << " (the ../shared folder beside the project)");
  }
  {
    DataDirScope d("/nonexistent/seqrl-data");
    CHECK_THROWS_WITH(env::make("TextCoco-v0", env::Info::object()),
                      Catch::Contains("/nonexistent/seqrl-data/coco/image_coco.txt"));
  }
  DataDirScope d(shared.c_str());
  auto e = env::make("TextCoco-v0", env::Info::object());
  auto explicit_corpus = env::make("TextCoco-v0", {{"corpus", shared + "/coco/image_coco.txt"}});
  CHECK(e->action_space().str() == explicit_corpus->action_space().str());
}

TEST_CASE("a text task's held-out sequences are the same whatever its training size, and none is a training row", "[text]") {
  // the suite's text metrics build the task with 2,000 samples, the runs with 10,000: the
  // held-out set must not be rows of the larger training set (it was, drawn after the training
  // data from the same stream)
  for (const std::string name : {"oracle", "grammar"}) {
    INFO(name);
    text::TextTaskOptions o;
    o.oracle_dir = "random", o.oracle_vocab = 60, o.oracle_seq_len = 8, o.oracle_emb = 8, o.oracle_hidden = 8;
    o.held_out = 300;
    o.samples = 300;
    const text::TextTask small = text::load_text_task(name, o, 4);
    o.samples = 3000;
    const text::TextTask large = text::load_text_task(name, o, 4);
    REQUIRE(small.held_out.shape() == large.held_out.shape());
    CHECK((small.held_out == large.held_out));  // independent of the training size
    CHECK((nets::row_slice(large.real, 0, 300) == small.real));
    // row i of the held-out set against row 300 + i of the larger training set (equal throughout before)
    size_t same = 0;
    const size_t T = large.real.shape()[1];
    for (size_t i = 0; i < 300; ++i)
      same += std::equal(small.held_out.data() + i * T, small.held_out.data() + (i + 1) * T, large.real.data() + (300 + i) * T);
    CHECK(same < 30);
  }
}
