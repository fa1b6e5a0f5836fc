// seqrl suite on a tiny suite: the runs, skip and resume, the statistics against values computed
// here from the runs' own summaries, and the text metrics.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "run_cli.hpp"
#include "seqrl/suite/stats.hpp"
#include "seqrl/suite/suite_file.hpp"

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
    CHECK(e["return"]["median"]["value"].get<double>() == Approx(suite::median(rnd)));
    CHECK(e["return"]["iqm"]["lo"].get<double>() >= *std::min_element(rnd.begin(), rnd.end()));
    // normalised against a random policy's 100 episodes and CartPole's threshold 475
    const double base = e["random_return"].get<double>();
    CHECK(base > 15);
    CHECK(base < 30);
    CHECK(e["threshold"] == 475.0);
    CHECK(e["normalised_iqm"]["value"].get<double>() == Approx(suite::normalize((rnd[0] + rnd[1] + rnd[2]) / 3, base, 475)));
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

TEST_CASE("seqrl suite checks its file's schema up front: each bad value named by its key path, nothing run", "[cli][suite]") {
  const std::string dir = "/tmp/seqrl_suite_schema_" + std::to_string(::getpid());
  std::system(("rm -rf " + dir + " && mkdir -p " + dir).c_str());
  const std::string file = dir + "/s.json", out_dir = dir + "/out";
  const std::string ok_run = R"({"agent": "random", "env": "CartPole-v1"})";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"[1, 2]", "the suite must be a JSON object"},
      {R"({"agent": ["dqn"], "envs": {"CartPole-v1": {}}})", "unknown key \"agent\" in the suite (it takes: name, seeds"},
      {R"({"name": 5, "runs": [)" + ok_run + "]}", "name must be a string, not 5"},
      {R"({"seeds": "one", "runs": [)" + ok_run + "]}", "seeds must be a non-empty list of integers >= 0"},
      {R"({"seeds": [1, -1], "runs": [)" + ok_run + "]}", "seeds[1] must be an integer >= 0, not -1"},
      {R"({"envs": [1, 2], "agents": ["dqn"]})", "envs must be an object"},
      {R"({"envs": {"CartPole-v1": {"steps": "many"}}, "agents": ["dqn"]})", "envs.CartPole-v1.steps must be an integer >= 0, not \"many\""},
      {R"({"envs": {"CartPole-v1": {"stepz": 5}}, "agents": ["dqn"]})", "unknown key \"stepz\" in envs.CartPole-v1"},
      {R"({"agents": "dqn", "envs": {"CartPole-v1": {}}})", "agents must be a list of agent names"},
      {R"({"runs": {"a": 1}})", "runs must be a list of runs"},
      {R"({"runs": [1]})", "runs[0] must be an object with \"agent\" and \"env\""},
      {R"({"runs": [{"agent": "random"}]})", "runs[0] must be an object with \"agent\" and \"env\" (no \"env\")"},
      {R"({"runs": [{"agent": 3, "env": "CartPole-v1"}]})", "runs[0].agent must be a non-empty string, not 3"},
      {R"({"runs": [{"agent": "random", "env": "CartPole-v1", "steps": 1.5}]})", "runs[0].steps must be an integer >= 0, not 1.5"},
      {R"({"runs": [{"agent": "random", "env": "CartPole-v1", "steps": -5}]})", "runs[0].steps must be an integer >= 0, not -5"},
      {R"({"runs": [{"agent": "random", "env": "CartPole-v1", "seeds": []}]})", "runs[0].seeds must be a non-empty list"},
      {R"({"runs": [{"agent": "random", "env": "CartPole-v1", "options": [1]}]})", "runs[0].options must be an object"},
      {R"({"runs": [{"agent": "random", "env": "CartPole-v1", "options": {"lr": [1]}}]})", "runs[0].options.lr must be a string, a number or a boolean"},
      {R"({"runs": [{"agent": "random", "env": "CartPole-v1", "env_options": 3}]})", "runs[0].env_options must be an object"},
      {R"({"runs": [)" + ok_run + R"(], "temperatures": "hot"})", "temperatures must be a non-empty list of numbers > 0"},
      {R"({"runs": [)" + ok_run + R"(], "temperatures": [1.0, 0]})", "temperatures[1] must be a number > 0, not 0"},
      {R"({"runs": [)" + ok_run + R"(], "text_samples": 0})", "text_samples must be an integer >= 1 and <= 1000000, not 0"},
      {"{}", "the suite has no runs"},
      {R"({"runs": [)" + ok_run + ", " + ok_run + "]}", "two runs share the id 'random__CartPole-v1__s1'"},
      {R"({"runs": [{"agent": "random", "env": "CartPole-v1", "env_options": {"reward_model": "{run:}"}}]})", "names no run"},
  };
  for (const auto& [text, expected] : cases) {
    INFO(text);
    std::ofstream(file) << text;
    std::string out, err;
    CHECK(run({"suite", file, "--out", out_dir, "--report-only"}, out, err) == 2);
    CHECK_THAT(err, Catch::Contains(expected));
    CHECK_THAT(err, Catch::Contains("'" + file + "'") || Catch::Contains("seqrl suite: run "));  // where it is
    std::ifstream made(out_dir + "/suite.json");
    CHECK_FALSE(made.good());  // nothing written, nothing run
  }
  // a run's error is prefixed once with its id
  std::ofstream(file) << R"({"runs": [{"agent": "random", "env": "CartPole-v1", "env_options": {"reward_model": "{run:seqgan}"}}]})";
  std::string out, err;
  CHECK(run({"suite", file, "--out", out_dir, "--report-only"}, out, err) == 2);
  CHECK(err.find("seqrl suite: run ") == err.rfind("seqrl suite: run "));
  // every built-in suite, and the ones in bench/suites, pass the schema
  for (const char* name : {"quick", "toy", "text", "paper"}) {
    INFO(name);
    REQUIRE(run({"suite", "--show", name}, out, err) == 0);
    CHECK_NOTHROW(suite::check_suite_file(nlohmann::json::parse(out)));
  }
  for (const char* f : {"oracle20.json", "oracle40.json"}) {
    INFO(f);
    std::ifstream in(std::string(SEQRL_SOURCE_DIR) + "/bench/suites/" + f);
    REQUIRE(in);
    CHECK_NOTHROW(suite::check_suite_file(nlohmann::json::parse(in)));
  }
}

TEST_CASE("seqrl suite: a damaged run summary is an error naming the file, not a JSON library error", "[cli][suite]") {
  const std::string dir = "/tmp/seqrl_suite_summary_" + std::to_string(::getpid());
  std::system(("rm -rf " + dir + " && mkdir -p " + dir).c_str());
  std::ofstream(dir + "/s.json") << R"({"name": "t", "seeds": [1], "runs": [{"agent": "random", "env": "CartPole-v1",
      "steps": 200, "options": {"final-eval-episodes": 2}}]})";
  std::string out, err;
  const std::vector<std::string> report = {"suite", dir + "/s.json", "--out", dir + "/r", "--report-only",
                                           "--report-script", "/nonexistent"};
  REQUIRE(run({"suite", dir + "/s.json", "--out", dir + "/r", "--report-script", "/nonexistent"}, out, err) == 0);
  const std::string summary = dir + "/r/runs/random__CartPole-v1__s1/summary.json";
  const nlohmann::json good = read(summary);
  for (const auto& [bad, says] : std::vector<std::pair<std::string, std::string>>{
           {"[1]", "it is not a JSON object"},
           {R"({"interrupted": "x"})", "\"interrupted\" is not true or false"},
           {R"({"final_eval": 5})", "\"final_eval\" is not an object"},
           {R"({"final_eval": {"return_mean": 3, "episodes": 2}})", "\"steps\" is not a number"},
           {"", "is not JSON"}}) {
    INFO(bad);
    std::ofstream(summary) << bad;
    CHECK(run(report, out, err) == 2);
    CHECK_THAT(err, Catch::Contains("'" + summary + "'") && Catch::Contains(says));
  }
  std::ofstream(summary) << R"({"interrupted": true})";  // an interrupted run: not a row, no error
  REQUIRE(run(report, out, err) == 0);
  CHECK(read(dir + "/r/results.json")["rows"].empty());
  std::ofstream(summary) << good.dump();
  REQUIRE(run(report, out, err) == 0);
  CHECK(read(dir + "/r/results.json")["rows"].size() == 1);
  std::system(("rm -rf " + dir).c_str());
}

TEST_CASE("seqrl suite reuses a run only when it is the run asked for: another budget, option or data set is refused by name", "[cli][suite]") {
  const std::string dir = "/tmp/seqrl_suite_identity_" + std::to_string(::getpid());
  std::system(("rm -rf " + dir + " && mkdir -p " + dir).c_str());
  auto suite = [&](const std::string& run_json) {
    std::ofstream(dir + "/s.json") << R"({"name": "t", "seeds": [1], "runs": [)" + run_json + "]}";
  };
  const std::vector<std::string> again = {"suite", dir + "/s.json", "--out", dir + "/so", "--report-script", "/nonexistent"};
  std::string out, err;
  suite(R"({"agent": "dqn", "env": "CartPole-v1", "steps": 400, "options": {"learning-starts": 100, "final-eval-episodes": 2}})");
  REQUIRE(run(again, out, err) == 0);
  const std::string summary = dir + "/so/runs/dqn__CartPole-v1__s1/summary.json";
  const std::string before = read(summary).dump();
  // the same file again: the run is the one asked for, and is reused
  REQUIRE(run(again, out, err) == 0);
  CHECK_THAT(err, Catch::Contains("finished before, skipped"));
  // a record written before an option existed lacks it: at the option's default it is the same
  // run (a new option's default keeps the old behaviour); set to anything else it is not
  {
    nlohmann::json older = read(summary);
    REQUIRE(older["config"]["agent_config"].contains("gamma"));
    older["config"]["agent_config"].erase("gamma");
    std::ofstream(summary) << older.dump();
    REQUIRE(run(again, out, err) == 0);
    CHECK_THAT(err, Catch::Contains("finished before, skipped"));
    suite(R"({"agent": "dqn", "env": "CartPole-v1", "steps": 400, "options": {"learning-starts": 100, "final-eval-episodes": 2, "gamma": 0.5}})");
    CHECK(run(again, out, err) == 2);
    CHECK_THAT(err, Catch::Contains("agent_config.gamma (none) -> 0.5"));
    suite(R"({"agent": "dqn", "env": "CartPole-v1", "steps": 400, "options": {"learning-starts": 100, "final-eval-episodes": 2}})");
    std::ofstream(summary) << before;
  }
  // another budget, another agent option: refused, naming each difference, the run left as it was
  for (const auto& [changed, says] : std::vector<std::pair<std::string, std::string>>{
           {R"({"agent": "dqn", "env": "CartPole-v1", "steps": 600, "options": {"learning-starts": 100, "final-eval-episodes": 2}})",
            "steps 400 -> 600"},
           {R"({"agent": "dqn", "env": "CartPole-v1", "steps": 400, "options": {"learning-starts": 100, "final-eval-episodes": 2, "gamma": 0.5}})",
            "agent_config.gamma 0.99"},
           {R"({"agent": "dqn", "env": "CartPole-v1", "steps": 400, "options": {"learning-starts": 100, "final-eval-episodes": 3}})",
            "final_eval_episodes 2 -> 3"}}) {
    INFO(changed);
    suite(changed);
    CHECK(run(again, out, err) == 2);
    CHECK_THAT(err, Catch::Contains("holds a run of another configuration") && Catch::Contains(says) &&
                        Catch::Contains("Delete that folder"));
    CHECK(read(summary).dump() == before);
  }
  // an interrupted run (its checkpoint, no summary) is not resumed under another configuration either
  std::remove(summary.c_str());
  CHECK(run(again, out, err) == 2);
  CHECK_THAT(err, Catch::Contains("checkpoint.safetensors") && Catch::Contains("final_eval_episodes 2 -> 3"));
  // a data file the run reads, changed in place: the run is not the one asked for any more
  std::ofstream(dir + "/corpus.txt") << "a b c\nb c d\nc d e\nd e f\ne f a\nf a b\na c e\nb d f\nc e a\nd f b\n";
  suite(R"({"agent": "random", "env": "TextCoco-v0", "steps": 50, "env_options": {"corpus": ")" + dir +
        R"(/corpus.txt"}, "options": {"final-eval-episodes": 2}})");
  std::system(("rm -rf " + dir + "/so").c_str());
  REQUIRE(run(again, out, err) == 0);
  REQUIRE(run(again, out, err) == 0);
  CHECK_THAT(err, Catch::Contains("finished before, skipped"));
  std::ofstream(dir + "/corpus.txt", std::ios::app) << "e a c\n";
  CHECK(run(again, out, err) == 2);
  CHECK_THAT(err, Catch::Contains("holds a run of another configuration") && Catch::Contains("data." + dir + "/corpus.txt"));
  std::system(("rm -rf " + dir).c_str());
}

TEST_CASE("seqrl suite: a run starts from another run's generator ({run:AGENT} in its options), and runs differing only in options get their own ids", "[cli][suite]") {
  const std::string dir = "/tmp/seqrl_suite_chain_" + std::to_string(::getpid());
  std::system(("rm -rf " + dir + " && mkdir -p " + dir).c_str());
  std::ofstream(dir + "/s.json") << R"({"name": "chain", "seeds": [2], "runs": [
      {"agent": "mle", "env": "TextGrammar-v0", "steps": 64, "options": {"epochs": 1, "samples": 256, "final-eval-episodes": 1}},
      {"agent": "ppo", "env": "TextGrammar-v0", "steps": 1200, "options": {"init-generator": "{run:mle}", "beta": 0.05,
       "episodes-per-update": 16, "final-eval-episodes": 1}},
      {"agent": "ppo", "env": "TextGrammar-v0", "steps": 1200, "options": {"init-generator": "{run:mle}", "beta": 1,
       "episodes-per-update": 16, "final-eval-episodes": 1}},
      {"agent": "mle", "label": "mle-small", "env": "TextGrammar-v0", "steps": 64,
       "options": {"epochs": 1, "samples": 128, "final-eval-episodes": 1}},
      {"agent": "ppo", "label": "ppo-small", "env": "TextGrammar-v0", "steps": 1200, "options": {"init-generator": "{run:mle-small}",
       "beta": 0.05, "episodes-per-update": 16, "final-eval-episodes": 1}}]})";
  std::string out, err;
  REQUIRE(run({"suite", dir + "/s.json", "--out", dir + "/r", "--report-script", "/nonexistent"}, out, err) == 0);
  CHECK_THAT(err, Catch::Contains("[4/5] mle (mle-small) on TextGrammar-v0, seed 2"));  // the progress names the label
  const nlohmann::json res = read(dir + "/r/results.json");
  std::set<std::string> ids;
  for (const auto& row : res["rows"]) ids.insert(row["id"].get<std::string>());
  CHECK(ids.size() == 5);
  CHECK(ids.count("mle__TextGrammar-v0__s2") == 1);  // a run alone of its kind keeps its id (beside a labelled one)
  CHECK(ids.count("mle-small__TextGrammar-v0__s2") == 1);
  CHECK(ids.count("ppo-small__TextGrammar-v0__s2") == 1);
  // each ppo run started from the generator it names: {run:mle} the unlabelled mle run's,
  // {run:mle-small} the labelled one's (its config names that checkpoint)
  for (const auto& id : ids) {
    if (id.rfind("ppo", 0) != 0) continue;
    INFO(id);
    const std::string from = dir + "/r/runs/" + (id == "ppo-small__TextGrammar-v0__s2" ? "mle-small" : "mle") +
                             "__TextGrammar-v0__s2/checkpoint.safetensors";
    const nlohmann::json cfg = read(dir + "/r/runs/" + id + "/summary.json")["config"];
    CHECK(cfg["agent_config"]["init_generator"] == from);
    CHECK(cfg["data"].contains(from));
  }
  // the statistics keep the two ppo runs apart, each labelled by the option that differs (they
  // were one group of "2 seeds" before); the labelled runs by their labels
  std::map<std::string, int> seeds;
  for (const auto& e : res["stats"]) seeds[e["agent"].get<std::string>()] = e["seeds"].get<int>();
  CHECK(seeds == std::map<std::string, int>{{"mle", 1}, {"ppo {\"beta\":0.05}", 1}, {"ppo {\"beta\":1}", 1},
                                            {"mle-small", 1}, {"ppo-small", 1}});
  std::set<std::string> labels;
  for (const auto& row : res["rows"]) labels.insert(row["label"].get<std::string>());
  CHECK(labels.size() == 5);
  std::system(("rm -rf " + dir).c_str());
}
