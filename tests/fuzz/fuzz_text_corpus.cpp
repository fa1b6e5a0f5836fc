// TextCorpus-v0 over any bytes as its training file (the first byte picks the tokenizer,
// lower-casing, a vocabulary cap and a length cap; the second whether a test file is given, the
// same bytes): the env made, its task loaded and one episode stepped. Whatever the file holds,
// the outcome is an env or a seqrl::Error naming the file and line, never a crash.
#include <nlohmann/json.hpp>

#include "fuzz_util.hpp"
#include "seqrl/env/registry.hpp"
#include "seqrl/text/tasks.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const uint8_t a = data[0], b = data[1];
  const std::string& path = seqrl::fuzz::as_file(data + 2, size - 2);
  nlohmann::json o = {{"corpus", path},
                      {"tokenizer", a % 3 == 0 ? "whitespace" : a % 3 == 1 ? "nltk" : "char"},
                      {"lower", bool(a & 4)},
                      {"max_vocab", (a & 8) ? 4 + (b >> 4) : 0},
                      {"max_tokens", (a & 16) ? 1 + (a >> 5) : 0}};
  if (b & 1) o["test"] = path;
  seqrl::fuzz::expect_clean([&] {
    auto e = seqrl::env::make("TextCorpus-v0", o);
    const seqrl::text::TextTask t = seqrl::env::text_task("TextCorpus-v0", o, 10, 1);
    e->reset(1);
    for (size_t i = 0; i < t.real.shape()[1]; ++i) {
      const auto r = e->step(seqrl::env::Action(int64_t(4 % t.vocab_size)));
      if (r.terminated || r.truncated) break;
    }
  });
  return 0;
}
