// The corpus reader (either tokenizer, any long-line policy, picked by the first byte), a vocabulary built from it and the
// sentences encoded: any bytes, including invalid UTF-8 and NUL bytes.
#include "fuzz_util.hpp"
#include "seqrl/text/vocab.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // the first byte picks the tokenizer and the long-line policy; the rest is the file
  const char* tok = data[0] & 1 ? "nltk" : "whitespace";
  const char* policy = (data[0] >> 1) % 3 == 0 ? "error" : (data[0] >> 1) % 3 == 1 ? "truncate" : "skip";
  const std::string& path = seqrl::fuzz::as_file(data + 1, size - 1);
  seqrl::fuzz::expect_clean([&] {
    seqrl::text::CorpusOptions o;
    o.tokenizer = tok;
    o.max_len = 12;
    o.long_lines = seqrl::text::long_lines_from(policy);
    const seqrl::text::Corpus c = seqrl::text::Corpus::load(path, o);
    const seqrl::text::Vocabulary v = seqrl::text::Vocabulary::build(c.sentences);
    (void)seqrl::text::encode_padded(c.sentences, v);
  });
  return 0;
}
