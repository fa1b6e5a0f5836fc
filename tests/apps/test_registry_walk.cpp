// Every registered agent on every registered env it acts on, at a tiny budget, through the seqrl
// command: it trains, writes its checkpoint and summary, evaluates from the run folder, and a
// resume of the finished run continues nothing. The agents and envs come from the registries, so
// a new agent or env is covered without a line here (an env whose make() needs options other than
// its defaults says so below).
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <cmath>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "run_cli.hpp"
#include "seqrl/agents/registry.hpp"
#include "seqrl/env/registry.hpp"
#include "seqrl/env/space.hpp"

using namespace seqrl;
using test::run;

namespace {
// The options that make an env small, or that it needs; null: skip it (its data is absent).
nlohmann::json walk_options(const std::string& id) {
  if (id == "TextOracle-v0") return {{"vocab", 60}, {"seq_len", 8}};
  if (id == "TextCorpus-v0") return {{"corpus", std::string(SEQRL_SOURCE_DIR) + "/tests/env/data/corpus.txt"}};
  if (id == "TextCoco-v0") {
    const std::string f = std::string(SEQRL_SHARED_DIR) + "/data/coco/image_coco.txt";
    if (!std::ifstream(f)) {
      WARN("SKIPPED TextCoco-v0: COCO captions not found at " << f);
      return nullptr;
    }
    return {{"corpus", f}};
  }
  return nlohmann::json::object();
}

// Tiny values for the options an agent declares (an option it does not declare is not given).
const std::map<std::string, std::string>& tiny() {
  static const std::map<std::string, std::string> m = {
      {"samples", "128"},         {"pretrain-g-epochs", "1"}, {"pretrain-d-rounds", "1"}, {"rollouts", "1"},
      {"negatives", "64"},        {"total-batches", "1"},     {"pretrain-rounds", "1"},   {"epochs", "1"},
      {"eval-samples", "64"},     {"learning-starts", "100"}, {"buffer-size", "1000"}};
  return m;
}
}  // namespace

TEST_CASE("every registered agent trains, checkpoints, evaluates and resumes on every registered env it acts on", "[cli][registry]") {
  const std::string dir = "/tmp/seqrl_registry_walk_" + std::to_string(::getpid());
  std::string out, err;
  size_t pairs = 0;
  std::set<std::string> kinds_run;
  for (const std::string& id : env::registered_ids()) {
    if (id.rfind("My", 0) == 0 || id.rfind("Test", 0) == 0) continue;  // registered by other tests
    const nlohmann::json opts = walk_options(id);
    if (opts.is_null()) continue;
    auto probe = env::make(id, opts);
    for (const agents::AgentSpec* spec : agents::registered_agents()) {
      if (!spec->supports(probe->observation_space(), probe->action_space())) continue;
      // the first kind of this name that acts on the env is the one --agent NAME picks
      if (&agents::agent_for(spec->name, probe->observation_space(), probe->action_space()) != spec) continue;
      DYNAMIC_SECTION(spec->kind << " on " << id) {
        const std::string run_dir = dir + "/" + spec->kind + "_" + id;
        std::vector<std::string> a = {"train", "--agent", spec->name, "--env", id, "--env-options", opts.dump(),
                                      "--steps", "300", "--seed", "3", "--num-envs", "4",
                                      "--final-eval-episodes", "2", "--eval-every", "0", "--out", run_dir};
        for (const auto& o : spec->options)
          if (tiny().count(o.flag)) a.insert(a.end(), {"--" + o.flag, tiny().at(o.flag)});
        const int rc = run(a, out, err);
        INFO(err);
        REQUIRE(rc == 0);
        const auto s = nlohmann::json::parse(out);
        CHECK(s["kind"] == spec->kind);
        CHECK(s["steps"].get<long>() >= 300);
        CHECK(std::isfinite(s["final_eval_return_mean"].get<double>()));
        std::ifstream summary(run_dir + "/summary.json"), ckpt(run_dir + "/checkpoint.safetensors");
        CHECK(summary.good());
        CHECK(ckpt.good());
        // evaluated again from its folder (the env and its options from the checkpoint)
        const int eval_rc = run({"eval", "--checkpoint", run_dir, "--episodes", "2"}, out, err);
        INFO(err);
        REQUIRE(eval_rc == 0);
        CHECK(nlohmann::json::parse(out)["final_eval"]["episodes"] == 2);
        // a finished run resumed trains no further
        const int resume_rc = run({"train", "--resume", run_dir}, out, err);
        INFO(err);
        REQUIRE(resume_rc == 0);
        CHECK(nlohmann::json::parse(out)["steps"] == s["steps"]);
        CHECK(nlohmann::json::parse(out)["updates"] == s["updates"]);
        std::system(("rm -rf " + run_dir).c_str());
      }
      ++pairs;
      kinds_run.insert(spec->kind);
    }
  }
  // every registered kind acted on some env (a kind with no env to act on is a dead entry)
  for (const agents::AgentSpec* spec : agents::registered_agents())
    if (spec->kind.rfind("test", 0) != 0) CHECK(kinds_run.count(spec->kind));
  CHECK(pairs >= 50);
  std::system(("rm -rf " + dir).c_str());
}
