// `seqrl score` samples of token ids (NLL-oracle's input): any bytes against the oracle's shape.
#include "fuzz_util.hpp"
#include "seqrl/text/vocab.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& path = seqrl::fuzz::as_file(data, size);
  seqrl::fuzz::expect_clean([&] { (void)seqrl::text::read_token_ids(path, 20, 5000, 0); });
  seqrl::fuzz::expect_clean([&] { (void)seqrl::text::read_token_ids(path, 3, 10, 2); });
  return 0;
}
