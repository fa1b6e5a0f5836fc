// A subcommand's --config INI file, any bytes, against options of every type the commands use.
#include <boost/program_options.hpp>

#include "cli_detail.hpp"
#include "fuzz_util.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace po = boost::program_options;
  const std::string& path = seqrl::fuzz::as_file(data, size);
  seqrl::fuzz::expect_clean([&] {
    std::string s;
    size_t n = 0;
    long l = 0;
    float f = 0;
    bool b = false;
    uint64_t u = 0;
    po::options_description d("fuzz");
    d.add_options()("steps", po::value(&n)->default_value(1), "")("seed", po::value(&u)->default_value(1), "")(
        "lr", po::value(&f)->default_value(0.1f), "")("env", po::value(&s)->default_value("x"), "")(
        "offset", po::value(&l)->default_value(0), "")("flag", po::bool_switch(&b), "");
    po::variables_map vm;
    seqrl::cli::parse_args("fuzz", d, {"--config", path}, vm, nullptr);
  });
  return 0;
}
