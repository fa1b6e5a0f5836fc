// seqrl suite on a tiny suite: the runs, skip and resume, the statistics against values computed
// here from the runs' own summaries, and the text metrics.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "run_cli.hpp"
#include "seqrl/bench/stats.hpp"

using namespace seqrl;

namespace {
using test::run;
nlohmann::json read(const std::string& p) {
  std::ifstream f(p);
  REQUIRE(f);
  return nlohmann::json::parse(f);
}
double final_return(const std::string& summary) { return read(summary)["final_eval"]["return_mean"].get<double>(); }
}  // namespace

TEST_CASE("seqrl suite runs a suite file, skips finished runs, resumes from checkpoints, and its statistics are the runs'", "[cli][suite]") {
  const std::string dir = "/tmp/seqrl_suite_" + std::to_string(::getpid());
  std::system(("rm -rf " + dir + " && mkdir -p " + dir).c_str());
  const nlohmann::json suite = {
      {"name", "tiny"},
      {"seeds", {1, 2, 3}},
      {"runs",
       {{{"agent", "random"}, {"env", "CartPole-v1"}, {"steps", 300}, {"options", {{"final-eval-episodes", 5}}}},
        {{"agent", "dqn"}, {"env", "CartPole-v1"}, {"steps", 1200},
         {"options", {{"learning-starts", 200}, {"train-frequency", 16}, {"gradient-steps", 4}, {"final-eval-episodes", 5}}}},
        {{"agent", "mle"}, {"env", "TextGrammar-v0"}, {"seeds", {1, 2}}, {"options", {{"epochs", 2}, {"samples", 256}}}},
        {{"agent", "seqgan"}, {"env", "CartPole-v1"}}}},  // does not act on CartPole: an error
      {"temperatures", {0.8, 1.0}},
      {"text_samples", 64}};
  std::ofstream(dir + "/bad.json") << suite.dump();
  std::string out, err;
  CHECK(run({"suite", dir + "/bad.json", "--out", dir + "/r", "--report-script", "/nonexistent"}, out, err) == 2);
  CHECK_THAT(err, Catch::Contains("seqgan"));
  nlohmann::json good = suite;
  good["runs"].erase(3);
  std::ofstream(dir + "/tiny.json") << good.dump();
  REQUIRE(run({"suite", dir + "/tiny.json", "--out", dir + "/r", "--report-script", "/nonexistent"}, out, err) == 0);
  CHECK_THAT(err, Catch::Contains("[1/8] random on CartPole-v1, seed 1"));
  CHECK_THAT(err, Catch::Contains("suite ETA"));
  const nlohmann::json res = read(dir + "/r/results.json");
  REQUIRE(res["rows"].size() == 8);
  // the statistics of random on CartPole are those of its three runs' final returns
  std::vector<double> rnd;
  for (int s = 1; s <= 3; ++s) rnd.push_back(final_return(dir + "/r/runs/random__CartPole-v1__s" + std::to_string(s) + "/summary.json"));
  bool found = false;
  for (const auto& e : res["stats"]) {
    if (e["agent"] != "random" || e["env"] != "CartPole-v1") continue;
    found = true;
    CHECK(e["seeds"] == 3);
    CHECK(e["return"]["mean"]["value"].get<double>() == Approx((rnd[0] + rnd[1] + rnd[2]) / 3));
    CHECK(e["return"]["median"]["value"].get<double>() == Approx(bench::median(rnd)));
    CHECK(e["return"]["iqm"]["lo"].get<double>() >= *std::min_element(rnd.begin(), rnd.end()));
    // normalised against a random policy's 100 episodes and CartPole's threshold 475
    const double base = e["random_return"].get<double>();
    CHECK(base > 15);
    CHECK(base < 30);
    CHECK(e["threshold"] == 475.0);
    CHECK(e["normalised_iqm"]["value"].get<double>() == Approx(bench::normalize((rnd[0] + rnd[1] + rnd[2]) / 3, base, 475)));
  }
  CHECK(found);
  // the text run's sweep: one entry per temperature, stamped with its counts
  const nlohmann::json tm = read(dir + "/r/runs/mle__TextGrammar-v0__s1/text_metrics.json");
  REQUIRE(tm.size() == 2);
  CHECK(tm[1]["temperature"] == 1.0);
  CHECK(tm[1]["samples"] == 64);
  CHECK(tm[1]["selfbleu_samples"] == 64);
  for (const char* k : {"nll_test", "grammatical", "selfbleu2", "selfbleu5", "distinct4"}) CHECK(tm[1].contains(k));
  CHECK(tm[0]["nll_test"].get<double>() != tm[1]["nll_test"].get<double>());  // the temperature counts
  std::ifstream csv(dir + "/r/results.csv");
  std::string header, line;
  std::getline(csv, header);
  CHECK_THAT(header, Catch::StartsWith("id,agent,kind,env,seed,steps,wall_seconds,return"));
  int lines = 0;
  while (std::getline(csv, line)) ++lines;
  CHECK(lines == 8);
  std::ifstream mdf(dir + "/r/report.md");
  std::stringstream md;
  md << mdf.rdbuf();
  CHECK_THAT(md.str(), Catch::Contains("| CartPole-v1 | random | 3 |"));
  CHECK_THAT(md.str(), Catch::Contains("| TextGrammar-v0 | mle | 2 |"));

  // a second run skips every finished run and reports the same
  REQUIRE(run({"suite", dir + "/tiny.json", "--out", dir + "/r", "--report-script", "/nonexistent"}, out, err) == 0);
  CHECK_THAT(err, Catch::Contains("[5/8] dqn on CartPole-v1, seed 2: finished before, skipped"));
  CHECK(read(dir + "/r/results.json")["stats"] == res["stats"]);
  // a run without its summary (interrupted after its last checkpoint) resumes from the checkpoint
  // and ends where it would have
  const std::string dqn2 = dir + "/r/runs/dqn__CartPole-v1__s2";
  const double before = final_return(dqn2 + "/summary.json");
  std::remove((dqn2 + "/summary.json").c_str());
  REQUIRE(run({"suite", dir + "/tiny.json", "--out", dir + "/r", "--report-script", "/nonexistent"}, out, err) == 0);
  CHECK_THAT(err, Catch::Contains("[5/8] dqn on CartPole-v1, seed 2: resuming from its checkpoint"));
  CHECK(final_return(dqn2 + "/summary.json") == before);
  // a built-in suite prints as a file to start from
  REQUIRE(run({"suite", "--show", "quick"}, out, err) == 0);
  CHECK(nlohmann::json::parse(out)["name"] == "quick");
  CHECK(run({"suite", "nosuch"}, out, err) == 2);
  CHECK_THAT(err, Catch::Contains("built in: quick, toy, text, paper"));
  std::system(("rm -rf " + dir).c_str());
}
