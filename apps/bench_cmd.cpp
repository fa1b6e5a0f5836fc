// `seqrl bench`: speed benchmarks of the engine (nets) and the RL loop (rl); JSON on stdout.
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "cli_detail.hpp"
#include "seqrl/bench/rl_bench.hpp"
#include "seqrl/nets/checkpoint.hpp"

namespace po = boost::program_options;

namespace seqrl::cli {

BenchConfig parse_bench(const std::vector<std::string>& args, bool* help, std::ostream* help_out) {
  BenchConfig c;
  po::options_description d("seqrl bench options");
  d.add_options()
      ("suite", po::value(&c.suite)->default_value(c.suite), "which benchmark suite: nets, rl")
      ("parts", po::value(&c.nets.parts)->default_value(c.nets.parts), "comma-separated parts: matmul,mle,sample,disc,rollout (also: leak, disc_step)")
      ("rollout-repeats", po::value(&c.nets.rollout_repeats)->default_value(c.nets.rollout_repeats), "timed calls of the rollout reward (seconds each)")
      ("repeats", po::value(&c.nets.repeats)->default_value(c.nets.repeats), "timed blocks per figure")
      ("min-time", po::value(&c.nets.min_time)->default_value(c.nets.min_time), "seconds per timed block at least")
      ("warmup", po::value(&c.nets.warmup)->default_value(c.nets.warmup), "untimed calls first")
      ("seed", po::value(&c.nets.seed)->default_value(c.nets.seed), "seed of the random inputs")
      ("out", po::value(&c.out)->default_value(c.out), "also write the JSON to this file");
  po::variables_map vm;
  const bool h = parse_args("bench", d, args, vm, help_out);
  if (help) *help = h;
  if (h) return c;
  require(c.suite == "nets" || c.suite == "rl", "bench",
          "unknown --suite '" + c.suite + "' (known: nets, rl)");
  std::stringstream ss(c.nets.parts);
  for (std::string p; std::getline(ss, p, ',');)
    require(p == "matmul" || p == "mle" || p == "sample" || p == "disc" || p == "rollout" || p == "leak" || p == "disc_step",
            "bench", "unknown part '" + p + "' in --parts (known: matmul, mle, sample, disc, rollout, leak, disc_step)");
  require(c.nets.repeats >= 1, "bench", "--repeats must be >= 1");
  require(c.nets.min_time > 0, "bench", "--min-time must be > 0");
  return c;
}

int bench_command(const std::vector<std::string>& args, std::ostream& out, std::ostream&) {
  bool help = false;
  const BenchConfig c = parse_bench(args, &help, &out);
  if (help) return 0;
  const nlohmann::json j = c.suite == "rl" ? bench::run_rl_bench(bench::RlBenchConfig{c.nets.repeats > 5 ? 5 : c.nets.repeats})
                                           : bench::run_nets_bench(c.nets);
  out << j.dump() << "\n";
  if (!c.out.empty()) nets::write_file_atomic(c.out, j.dump(1) + "\n");
  return 0;
}

}  // namespace seqrl::cli
