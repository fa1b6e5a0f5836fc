// TextCorpus-v0: any corpus as a text task; TextCoco-v0 is it with COCO's files and NLTK tokens.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "seqrl/env/registry.hpp"
#include "seqrl/env/space.hpp"
#include "seqrl/env/text/text_env.hpp"
#include "seqrl/text/tasks.hpp"

using namespace seqrl;

namespace {
std::string write(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
  return path;
}

std::string folder() {
  const std::string d = "/tmp/seqrl_corpus_env_" + std::to_string(::getpid());
  std::system(("mkdir -p " + d).c_str());
  return d;
}
}  // namespace

TEST_CASE("TextCorpus-v0: the options shape its vocabulary, length and held-out set", "[env][text][corpus]") {
  const std::string d = folder();
  std::string lines;
  for (int i = 0; i < 30; ++i) lines += std::string(i % 2 ? "The cat" : "a dog") + " sat on the mat number " + std::to_string(i % 7) + "\n";
  const std::string train = write(d + "/train.txt", lines);
  const std::string test = write(d + "/test.txt", "the cat sat on a zebra\nA DOG sat\n");

  // whitespace tokens, case kept, every 10th line held out (no test file)
  text::TextTask t = env::text_task("TextCorpus-v0", {{"corpus", train}}, 10, 1);
  CHECK(t.real.shape()[0] == 27);
  CHECK(t.held_out.shape()[0] == 3);
  CHECK(t.real.shape()[1] == 9);  // 8 words + <eos>
  CHECK(t.vocab->contains("The"));
  auto e = env::make("TextCorpus-v0", {{"corpus", train}});
  const auto& obs = dynamic_cast<const env::TokenSequence&>(e->observation_space());
  CHECK(size_t(obs.vocab) == t.vocab_size);
  CHECK(obs.max_len == t.real.shape()[1]);

  // lower-cased, a capped vocabulary (the rarer words read as <unk>), a test file, a length cap
  t = env::text_task("TextCorpus-v0", {{"corpus", train}, {"test", test}, {"lower", true}, {"max_vocab", 8}, {"max_tokens", 5}}, 10, 1);
  CHECK(t.vocab_size == 8);
  CHECK_FALSE(t.vocab->contains("The"));
  CHECK(t.real.shape()[0] == 30);
  CHECK(t.real.shape()[1] == 6);  // 5 tokens + <eos>
  CHECK(t.test_sentences.size() == 2);
  CHECK(t.test_sentences[1] == text::Sentence{"a", "dog", "sat"});
  bool unk = false;
  for (size_t i = 0; i < t.held_out.size(); ++i) unk |= t.held_out.data()[i] == text::Vocabulary::kUnk;
  CHECK(unk);  // "zebra"
  e = env::make("TextCorpus-v0", {{"corpus", train}, {"test", test}, {"lower", true}, {"max_vocab", 8}, {"max_tokens", 5}});
  CHECK(dynamic_cast<const env::TokenSequence&>(e->observation_space()).vocab == 8);

  // characters: the space is one token of its own
  t = env::text_task("TextCorpus-v0", {{"corpus", train}, {"tokenizer", "char"}}, 10, 1);
  CHECK(t.vocab->contains("a"));
  CHECK(t.vocab->contains(text::kCharSpace));
  CHECK_FALSE(t.vocab->contains("dog"));

  // the reward: BLEU of the finished sentence against the training sentences (a training line scores 1)
  e = env::make("TextCorpus-v0", {{"corpus", train}, {"test", test}});
  t = env::text_task("TextCorpus-v0", {{"corpus", train}, {"test", test}}, 10, 1);
  e->reset(1);
  env::StepResult r;
  for (size_t i = 0; i < t.real.shape()[1]; ++i) {
    r = e->step(env::Action(int64_t(t.real(0, i))));
    if (r.terminated) break;
  }
  REQUIRE(r.terminated);
  CHECK(r.reward == Approx(1.0));
  std::system(("rm -rf " + d).c_str());
}

TEST_CASE("TextCoco-v0 is TextCorpus-v0 with COCO's files and NLTK tokens", "[env][text][corpus]") {
  const std::string d = folder();
  const std::string train = write(d + "/image_coco.txt", "A man, riding a horse.\nthe cat's on a red couch\ntwo dogs play in the park .\n");
  write(d + "/test_coco.txt", "a man riding a red horse\n");
  const text::TextTask coco = env::text_task("TextCoco-v0", {{"corpus", train}}, 10, 3);
  const text::TextTask corpus = env::text_task(
      "TextCorpus-v0", {{"corpus", train}, {"test", d + "/test_coco.txt"}, {"tokenizer", "nltk"}}, 10, 3);
  CHECK(coco.real == corpus.real);
  CHECK(coco.held_out == corpus.held_out);
  CHECK(coco.vocab_size == corpus.vocab_size);
  CHECK(coco.test_sentences == corpus.test_sentences);
  for (int32_t i = 0; i < int32_t(coco.vocab_size); ++i) CHECK(coco.vocab->token(i) == corpus.vocab->token(i));
  auto a = env::make("TextCoco-v0", {{"corpus", train}});
  auto b = env::make("TextCorpus-v0", {{"corpus", train}, {"test", d + "/test_coco.txt"}, {"tokenizer", "nltk"}});
  CHECK(a->observation_space().str() == b->observation_space().str());
  a->reset(2), b->reset(2);
  for (int64_t tok : {int64_t(4), int64_t(5), int64_t(6), int64_t(text::Vocabulary::kEos)}) {
    const auto ra = a->step(env::Action(tok)), rb = b->step(env::Action(tok));
    CHECK(ra.reward == rb.reward);
    CHECK(ra.terminated == rb.terminated);
  }
  std::system(("rm -rf " + d).c_str());
}

TEST_CASE("TextCorpus-v0: a bad corpus or option is an error naming it", "[env][text][corpus]") {
  const std::string d = folder();
  CHECK_THROWS_WITH(env::make("TextCorpus-v0", nlohmann::json::object()), Catch::Contains("needs the option corpus"));
  CHECK_THROWS_WITH(env::make("TextCorpus-v0", {{"corpus", d + "/missing.txt"}}), Catch::Contains(d + "/missing.txt"));
  const std::string gap = write(d + "/gap.txt", "one line\n\nthird line\n");
  CHECK_THROWS_WITH(env::make("TextCorpus-v0", {{"corpus", gap}}), Catch::Contains(gap + ":2") && Catch::Contains("empty line"));
  const std::string bad = write(d + "/bad.txt", "ok\n\xff\xfe broken\n");
  CHECK_THROWS_WITH(env::make("TextCorpus-v0", {{"corpus", bad}}), Catch::Contains(bad + ":2") && Catch::Contains("UTF-8"));
  const std::string few = write(d + "/few.txt", "one\ntwo\n");
  CHECK_THROWS_WITH(env::text_task("TextCorpus-v0", {{"corpus", few}}, 10, 1), Catch::Contains("at least 10 lines"));
  CHECK_THROWS_WITH(env::make("TextCorpus-v0", {{"corpus", few}, {"tokenizer", "bpe"}}),
                    Catch::Contains("tokenizer") && Catch::Contains("whitespace, nltk or char"));
  CHECK_THROWS_WITH(env::make("TextCorpus-v0", {{"corpus", few}, {"max_vocab", -1}}), Catch::Contains("max_vocab"));
  CHECK_THROWS_WITH(env::make("TextCorpus-v0", {{"corpus", few}, {"lowercase", true}}),
                    Catch::Contains("unknown option 'lowercase'") && Catch::Contains("lower"));
  // an env without data behind it has no task, and the error lists those that have
  CHECK_THROWS_WITH(env::text_task("CartPole-v1", {}, 10, 1, "seqgan"),
                    Catch::Contains("seqgan needs a text env with data") && Catch::Contains("TextCorpus-v0"));
  std::system(("rm -rf " + d).c_str());
}
