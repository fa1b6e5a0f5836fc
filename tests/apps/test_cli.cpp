// The `seqrl` command: help lists options with defaults, config files with overrides, and bad
// input named in the message with exit code 2.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>
#include <sstream>
#include <unistd.h>

#include "cli.hpp"
#include "run_cli.hpp"
#include "cli_detail.hpp"
#include "seqrl/agents/registry.hpp"
#include "seqrl/text/metric_table.hpp"
#include "metrics_file.hpp"

using namespace seqrl;
using namespace seqrl::cli;

namespace {
using test::run;
std::string write_ini(const std::string& text) {
  const std::string p = "/tmp/seqrl_cli_" + std::to_string(::getpid()) + ".ini";
  std::ofstream(p) << text;
  return p;
}
}  // namespace

TEST_CASE("seqrl <cmd> --help lists every option with its default", "[cli]") {
  std::string out, err;
  REQUIRE(run({"demo", "--help"}, out, err) == 0);  // an alias of fit lm --data oracle
  for (const char* opt : {"--data", "--oracle", "--oracle-seed", "--samples", "--steps", "--batch", "--lr",
                          "--eval-samples", "--seed", "--config"})
    CHECK_THAT(out, Catch::Contains(opt));
  CHECK_THAT(out, Catch::Contains("(=oracle)"));  // data
  REQUIRE(run({"bench", "--help"}, out, err) == 0);
  CHECK_THAT(out, Catch::Contains("--parts"));
  CHECK_THAT(out, Catch::Contains("matmul,mle,sample"));
  REQUIRE(run({"help"}, out, err) == 0);
  // one line per command of the table, in its order
  size_t at = 0;
  for (const auto& c : commands()) {
    if (c.name.rfind("--", 0) == 0) continue;
    const size_t p = out.find("\n  " + c.name + " ");
    CHECK(p != std::string::npos);
    CHECK(p >= at);
    at = p;
  }
  REQUIRE(run({"--help"}, out, err) == 0);
  CHECK_THAT(out, Catch::Contains("suite"));
}

TEST_CASE("unknown commands, unknown options and bad values are rejected by name", "[cli]") {
  std::string out, err;
  CHECK(run({"fly"}, out, err) == 2);
  CHECK_THAT(err, Catch::Contains("unknown command 'fly'"));
  CHECK(run({"mle", "--corpus", "x"}, out, err) == 2);  // gone: the message names what replaced it
  CHECK_THAT(err, Catch::Contains("seqrl fit lm"));
  CHECK(run({"demo", "--step", "3"}, out, err) == 2);  // a typo for --steps
  CHECK_THAT(err, Catch::Contains("--step"));
  CHECK(run({"demo", "--steps", "abc"}, out, err) == 2);
  CHECK_THAT(err, Catch::Contains("abc"));
  CHECK_THAT(err, Catch::Contains("steps"));
  CHECK(run({"eval", "--checkpoint", "x", "--episodes", "0"}, out, err) == 2);
  CHECK_THAT(err, Catch::Contains("--episodes must be >= 1"));
  CHECK(run({"bench", "--parts", "mle,fast"}, out, err) == 2);
  CHECK_THAT(err, Catch::Contains("unknown part 'fast'"));
  CHECK(run({}, out, err) == 2);
}

TEST_CASE("seqrl bench --parts disc_step: the inputs of bench/project_scaleout.py", "[cli][bench]") {
  std::string out, err;
  REQUIRE(run({"bench", "--parts", "disc_step", "--repeats", "1", "--min-time", "0.01", "--warmup", "0"}, out, err) == 0);
  const auto j = nlohmann::json::parse(out);
  CHECK(j["disc_parameters"] == 7045402);  // SeqGAN's discriminator at the paper's sizes: 28.2 MB of gradient
  for (const char* b : {"64", "32", "16", "4", "1"}) CHECK(j["disc_grad_ms_by_shard"][b].get<double>() > 0);
  CHECK(j["disc_adam_ms"].get<double>() > 0);
}

TEST_CASE("a value holding Boost's placeholder text is a named error, not a hang (found by fuzz_ini)", "[cli]") {
  // Boost.Program_options' own message for it replaces '%value%' by the value forever
  std::string out, err;
  CHECK(run({"fit", "lm", "--steps", "%value%x"}, out, err) == 2);
  CHECK_THAT(err, Catch::Contains("--steps") && Catch::Contains("'%value%x' is not a valid value"));
  const std::string p = write_ini("steps = 3\nseed = %value%\n");
  CHECK(run({"fit", "lm", "--config", p}, out, err) == 2);
  CHECK_THAT(err, Catch::Contains("line 2") && Catch::Contains("seed") && Catch::Contains("%value%"));
  CHECK(run({"fit", "lm", "--steps"}, out, err) == 2);
  CHECK_THAT(err, Catch::Contains("--steps needs a value"));
}

TEST_CASE("config files set options and the command line overrides them", "[cli]") {
  const std::string p = write_ini("# train settings\nsteps = 3000\nlr = 0.005\nseed = 9\n");
  TrainConfig c = parse_train({"--config", p, "--seed", "4"});
  CHECK(c.run.total_steps == 3000);
  CHECK(c.agent_config["lr"].get<double>() == Approx(0.005));  // an agent's option from the file
  CHECK(c.run.seed == 4);  // command line wins
  const std::string bad = write_ini("steps = 3\nstpes = 4\n");
  try {
    parse_train({"--config", bad});
    FAIL("no throw");
  } catch (const ConfigError& e) {
    const std::string m = e.what();
    CHECK_THAT(m, Catch::Contains(bad));
    CHECK_THAT(m, Catch::Contains("line 2"));
    CHECK_THAT(m, Catch::Contains("stpes"));
  }
  const std::string badval = write_ini("steps = many\n");
  CHECK_THROWS_WITH(parse_train({"--config", badval}), Catch::Contains("line 1") && Catch::Contains("many"));
  CHECK_THROWS_WITH(parse_train({"--config", "/nonexistent.ini"}), Catch::Contains("/nonexistent.ini"));
  std::remove(p.c_str());
}

TEST_CASE("seqrl demo (fit lm on the oracle) runs end to end on a small random oracle", "[cli][learning]") {
  std::string out, err;
  const int rc = run({"demo", "--oracle", "random", "--samples", "640", "--steps", "20", "--eval-every", "0",
                      "--eval-samples", "256", "--seed", "1"},
                     out, err);
  INFO(out << err);
  REQUIRE(rc == 0);
  const auto j = nlohmann::json::parse(out);
  CHECK(j["kind"] == "lm");
  CHECK(j["final"]["nll_oracle_samples"] == 256);
  CHECK(j["final"]["nll_oracle"].get<double>() < 11.0);  // below a random generator's (about 11.4)
  std::string out2;
  CHECK(run({"demo", "--oracle", "/nonexistent"}, out2, err) == 1);
  CHECK_THAT(err, Catch::Contains("/nonexistent"));
}

TEST_CASE("seqrl train: tuned defaults per environment, bad agents and ids rejected", "[cli]") {
  std::string out, err;
  REQUIRE(run({"train", "--env", "CartPole-v1", "--help"}, out, err) == 0);
  CHECK_THAT(out, Catch::Contains("--gradient-steps arg (=128)"));
  CHECK_THAT(out, Catch::Contains("--stop-at-threshold arg (=1)"));
  TrainConfig c = parse_train({"--env", "CartPole-v1", "--seed", "3", "--lr", "0.001"});
  CHECK(c.kind == "dqn");
  CHECK(c.agent_config["hidden"] == std::vector<size_t>{256, 256});
  CHECK(c.agent_config["lr"].get<double>() == Approx(0.001));
  CHECK(c.run.seed == 3);
  CHECK(run({"train", "--agent", "trpo"}, out, err) == 2);
  CHECK_THAT(err, Catch::Contains("unknown agent 'trpo'"));
  CHECK(run({"train", "--env", "CartPol-v1"}, out, err) == 2);
  CHECK_THAT(err, Catch::Contains("did you mean"));
  // the same name resolves to another kind on a text env
  CHECK(parse_train({"--agent", "reinforce", "--env", "TextGrammar-v0"}).kind == "reinforce-lstm");
  REQUIRE(run({"list", "envs"}, out, err) == 0);
  CHECK_THAT(out, Catch::Contains("CartPole-v1  max_episode_steps=500"));
}

TEST_CASE("seqrl train: an option the agent does not have is an error naming it and the agent", "[cli]") {
  std::string out, err;
  // --hidden belongs to dqn and reinforce, not to seqgan (it used to be accepted and ignored)
  CHECK(run({"train", "--agent", "seqgan", "--env", "TextGrammar-v0", "--hidden", "64"}, out, err) == 2);
  CHECK_THAT(err, Catch::Contains("--hidden is not an option of agent 'seqgan'"));
  CHECK_THAT(err, Catch::Contains("--rollouts"));
  CHECK(run({"train", "--agent", "random", "--lr", "0.1"}, out, err) == 2);
  CHECK_THAT(err, Catch::Contains("--lr is not an option of agent 'random'"));
  // a value of the wrong type names the option and the agent
  CHECK(run({"train", "--agent", "dqn", "--batch-size", "lots"}, out, err) == 2);
  CHECK_THAT(err, Catch::Contains("--batch-size of agent 'dqn': 'lots' is not an integer"));
  CHECK(run({"train", "--agent", "dqn", "--double", "maybe"}, out, err) == 2);
  CHECK_THAT(err, Catch::Contains("0, 1, true or false"));
  // so is a typo in --env-options
  CHECK(run({"train", "--agent", "random", "--env", "TextOracle-v0", "--env-options", "{\"orcale\": \"x\"}"}, out, err) == 2);
  CHECK_THAT(err, Catch::Contains("unknown option 'orcale' for environment 'TextOracle-v0'"));
  // the list comes from the registry
  REQUIRE(run({"list", "agents"}, out, err) == 0);
  for (const agents::AgentSpec* s : agents::registered_agents())
    CHECK_THAT(out, Catch::Contains(s->name + "  (" + s->kind + ")  " + s->summary));
}

TEST_CASE("seqrl train writes summary.json with the final evaluation and config", "[cli][agents]") {
  const std::string dir = "/tmp/seqrl_train_" + std::to_string(::getpid());
  std::string out, err;
  REQUIRE(run({"train", "--env", "CartPole-v1", "--steps", "2000", "--learning-starts", "500",
               "--final-eval-episodes", "3", "--eval-every", "1000", "--out", dir},
              out, err) == 0);
  std::ifstream f(dir + "/summary.json");
  REQUIRE(f);
  auto s = nlohmann::json::parse(f);
  CHECK(s["agent"] == "dqn");
  CHECK(s["env"] == "CartPole-v1");
  CHECK(s["steps"].get<long>() == 2000);
  CHECK(s["final_eval"]["episodes"] == 3);
  CHECK(s["config"]["agent_config"]["gradient_steps"] == 128);
  std::ifstream m(dir + "/metrics.csv");
  std::string header;
  std::getline(m, header);
  CHECK(header == "step,seconds,name,value");
  std::ifstream ck(dir + "/checkpoint.safetensors");
  CHECK(ck.good());
  // --resume takes the run's configuration from the checkpoint and refuses other options
  CHECK(run({"train", "--resume", dir + "/checkpoint.safetensors", "--steps", "5"}, out, err) == 2);
  CHECK_THAT(err, Catch::Contains("--steps") && Catch::Contains("configuration stored in its checkpoint"));
  CHECK(run({"train", "--checkpoint-every", "100"}, out, err) == 2);
  CHECK_THAT(err, Catch::Contains("--checkpoint-every needs --out"));
  // resuming a finished run repeats only its final evaluation
  REQUIRE(run({"train", "--resume", dir + "/checkpoint.safetensors"}, out, err) == 0);
  CHECK(nlohmann::json::parse(out)["final_eval_return_mean"] ==
        nlohmann::json::parse(s.dump())["final_eval"]["return_mean"]);
}

TEST_CASE("seqrl eval and rollout load saved agents and write trajectories", "[cli][agents]") {
  const std::string dir = "/tmp/seqrl_evalroll_" + std::to_string(::getpid());
  std::string out, err;
  REQUIRE(run({"train", "--agent", "reinforce", "--env", "CartPole-v1", "--steps", "3000",
               "--final-eval-episodes", "2", "--eval-every", "0", "--out", dir},
              out, err) == 0);
  REQUIRE(run({"eval", "--checkpoint", dir + "/checkpoint.safetensors", "--env", "CartPole-v1",
               "--episodes", "3", "--out", dir + "/eval"},
              out, err) == 0);
  auto s = nlohmann::json::parse(out);
  CHECK(s["agent"] == "reinforce");
  CHECK(s["final_eval"]["episodes"] == 3);
  std::ifstream summary(dir + "/eval/summary.json");
  CHECK(summary.good());
  // a CartPole agent does not fit Pendulum: the error says why
  CHECK(run({"eval", "--checkpoint", dir + "/checkpoint.safetensors", "--env", "Pendulum-v1"}, out, err) == 1);
  CHECK_THAT(err, Catch::Contains("does not fit"));

  REQUIRE(run({"rollout", "--env", "CartPole-v1", "--policy", "random", "--episodes", "2",
               "--seed", "4", "--out", dir + "/traj.jsonl"},
              out, err) == 0);
  const long steps = nlohmann::json::parse(out)["steps"].get<long>();
  std::ifstream f(dir + "/traj.jsonl");
  long lines = 0, ends = 0;
  for (std::string line; std::getline(f, line); ++lines) {
    auto j = nlohmann::json::parse(line);
    CHECK(j["observation"].size() == 4);
    CHECK(j.contains("action"));
    ends += j["terminated"].get<bool>() || j["truncated"].get<bool>();
  }
  CHECK(lines == steps);
  CHECK(ends == 2);
  CHECK(run({"rollout", "--env", "CartPole-v1", "--policy", "greedy", "--out", "/tmp/x"}, out, err) == 2);
  CHECK_THAT(err, Catch::Contains("unknown --policy 'greedy'"));
  CHECK(run({"rollout", "--env", "CartPole-v1", "--out", "/tmp/x"}, out, err) == 2);
  CHECK_THAT(err, Catch::Contains("--checkpoint F or --policy random"));
}

TEST_CASE("seqrl score: nll-oracle of token-id samples, bleu and errors naming the line", "[cli][text]") {
  const std::string oracle = std::string(SEQRL_SHARED_DIR) + "/data/seqgan_oracle";
  std::string out, err;
  const std::string p = "/tmp/seqrl_score_" + std::to_string(::getpid());
  std::ofstream(p + "_bad.txt") << "a b\n1 2 x\n";
  CHECK(run({"score", "--metric", "bleu", "--samples", p + "_bad.txt"}, out, err) == 2);
  CHECK_THAT(err, Catch::Contains("--references"));
  CHECK(run({"score", "--metric", "rouge", "--samples", p + "_bad.txt"}, out, err) == 2);
  std::ofstream(p + "_ref.txt") << "a b c\nb c d\n";
  std::ofstream(p + "_hyp.txt") << "a b c\n";
  REQUIRE(run({"score", "--metric", "bleu", "--n", "2", "--samples", p + "_hyp.txt", "--references",
               p + "_ref.txt"}, out, err) == 0);
  CHECK(nlohmann::json::parse(out)["value"]["2"].get<double>() == Approx(1.0));
  std::ifstream ref(oracle + "/reference.json");
  if (!ref) {
    WARN("SKIPPED (the rest): SeqGAN oracle not found at " << oracle << " (the ../shared folder beside the project)");
    return;
  }
  const auto j = nlohmann::json::parse(ref)["fixed_sequence_0_to_19"];
  double expected = 0;
  for (double lp : j["logprob_per_token"]) expected -= lp / 20;
  {
    std::ofstream f(p + "_ids.txt");
    for (int k = 0; k < 3; ++k) {
      for (int t = 0; t < 20; ++t) f << t << (t < 19 ? " " : "\n");
    }
  }
  REQUIRE(run({"score", "--metric", "nll-oracle", "--samples", p + "_ids.txt", "--oracle", oracle}, out, err) == 0);
  CHECK(nlohmann::json::parse(out)["value"].get<double>() == Approx(expected).epsilon(1e-5));
  std::ofstream(p + "_short.txt") << "1 2 3\n";
  CHECK(run({"score", "--metric", "nll-oracle", "--samples", p + "_short.txt", "--oracle", oracle}, out, err) == 1);
  CHECK_THAT(err, Catch::Contains(p + "_short.txt:1") && Catch::Contains("20"));
  std::ofstream(p + "_word.txt") << "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 cat\n";
  CHECK(run({"score", "--metric", "nll-oracle", "--samples", p + "_word.txt", "--oracle", oracle}, out, err) == 1);
  CHECK_THAT(err, Catch::Contains("'cat' is not a token id"));
}

TEST_CASE("a registered metric is offered by seqrl score and seqrl list metrics", "[cli][text]") {
  // a user's metric joins the table with one call (text/metric_table.hpp); every reader offers it
  text::MetricSpec m;
  m.name = "mean-length";
  m.summary = "the mean number of tokens per sample";
  m.score = [](const text::MetricInputs& in) -> nlohmann::json {
    double n = 0;
    for (const auto& s : *in.samples) n += double(s.size());
    return n / double(in.samples->size());
  };
  text::register_metric(m);
  const std::string f = "/tmp/seqrl_metric_" + std::to_string(::getpid()) + ".txt";
  std::ofstream(f) << "a man riding a horse\nthe cat\n";
  std::string out, err;
  REQUIRE(run({"score", "--metric", "mean-length", "--samples", f}, out, err) == 0);
  CHECK(nlohmann::json::parse(out)["value"].get<double>() == Approx(3.5));
  REQUIRE(run({"list", "metrics"}, out, err) == 0);
  CHECK_THAT(out, Catch::Contains("mean-length  the mean number of tokens per sample"));
  CHECK(run({"score", "--metric", "mean-lenght", "--samples", f}, out, err) == 2);
  CHECK_THAT(err, Catch::Contains("mean-length"));  // the error lists the registered ones
  std::remove(f.c_str());
}

TEST_CASE("seqrl fit lm trains on a corpus, seqrl generate writes sentences of its vocabulary", "[cli][text]") {
  const std::string dir = "/tmp/seqrl_mle_" + std::to_string(::getpid());
  {
    std::ofstream f(dir + "_corpus.txt");
    for (int i = 0; i < 200; ++i) f << (i % 2 ? "a man riding a horse on a beach .\n" : "a dog sitting on a red couch .\n");
  }
  std::string out, err;
  REQUIRE(run({"fit", "lm", "--data", dir + "_corpus.txt", "--steps", "150", "--emb", "16", "--hidden", "16", "--lr",
               "0.02", "--out", dir},
              out, err) == 0);
  const auto s = nlohmann::json::parse(out);
  CHECK(s["final"]["nll_test"].get<double>() < 0.5);  // two sentences, learned: well below log(15) = 2.7
  REQUIRE(run({"generate", "--checkpoint", dir + "/generator.safetensors", "--n", "50"}, out, err) == 0);
  std::istringstream lines(out);
  int n = 0, known = 0;
  for (std::string l; std::getline(lines, l); ++n)
    known += l == "a man riding a horse on a beach ." || l == "a dog sitting on a red couch .";
  CHECK(n == 50);
  CHECK(known >= 40);
  // the temperature reaches the sampler: cold, only the two sentences; very hot, hardly ever
  auto known_at = [&](const char* t) {
    REQUIRE(run({"generate", "--checkpoint", dir + "/generator.safetensors", "--n", "50", "--temperature", t}, out, err) == 0);
    std::istringstream ls(out);
    int k = 0;
    for (std::string l; std::getline(ls, l);) k += l == "a man riding a horse on a beach ." || l == "a dog sitting on a red couch .";
    return k;
  };
  CHECK(known_at("0.05") == 50);
  CHECK(known_at("20") < 10);
  CHECK(run({"generate", "--checkpoint", dir + "/generator.safetensors", "--temperature", "0"}, out, err) == 2);
  CHECK_THAT(err, Catch::Contains("--temperature must be positive"));
  CHECK(run({"generate", "--checkpoint", dir + "/missing.safetensors"}, out, err) == 1);
  CHECK_THAT(err, Catch::Contains("missing.safetensors"));
}

TEST_CASE("seqrl seqgan is an alias of seqrl train: the same run, the same numbers", "[cli][text][seqgan]") {
  const std::string dir = "/tmp/seqrl_seqgan_" + std::to_string(::getpid());
  std::string out, err;
  REQUIRE(run({"seqgan", "--oracle", "random", "--samples", "256", "--eval-samples", "512", "--seed", "3",
               "--pretrain-g-epochs", "1", "--pretrain-d-rounds", "1", "--total-batches", "1", "--out", dir + "/a"},
              out, err) == 0);
  CHECK_THAT(err, Catch::Contains("seqrl train --agent seqgan --protocol fast --steps 0 --env TextOracle-v0"));
  REQUIRE(run({"train", "--agent", "seqgan", "--env", "TextOracle-v0", "--env-options",
               R"({"oracle": "random", "oracle_seed": 3})", "--seed", "3", "--samples", "256", "--eval-samples", "512",
               "--pretrain-g-epochs", "1", "--pretrain-d-rounds", "1", "--total-batches", "1", "--out", dir + "/b"},
              out, err) == 0);
  // every metric of every logged moment equal, but the wall times
  const auto a = test::metrics_of(dir + "/a"), b = test::metrics_of(dir + "/b");
  REQUIRE(a.size() > 3);
  CHECK(a == b);
  const auto s = nlohmann::json::parse(std::ifstream(dir + "/a/summary.json"));
  CHECK(s["agent"] == "seqgan");
  CHECK(s["config"]["agent_config"]["gan"]["total_batches"] == 1);
  CHECK(s["config"]["agent_config"]["gan"]["eval_samples"] == 512);
  CHECK(s["config"]["agent_config"]["gan"]["rollouts"] == 16);
  // the MLE baseline: the protocol's pre-training epochs plus the extra ones, at its settings
  REQUIRE(run({"seqgan", "--mode", "mle", "--task", "grammar", "--samples", "256", "--pretrain-g-epochs", "2",
               "--mle-extra-epochs", "1", "--init-std", "0.1", "--out", dir + "/m"}, out, err) == 0);
  const auto m = nlohmann::json::parse(std::ifstream(dir + "/m/summary.json"));
  CHECK(m["agent"] == "mle");
  CHECK(m["config"]["agent_config"]["epochs"] == 3);
  CHECK(m["config"]["agent_config"]["init_std"].get<double>() == Approx(0.1));
  CHECK(m["config"]["agent_config"]["lr"].get<double>() == Approx(0.01));
  CHECK(run({"seqgan", "--mode", "mle", "--total-batches", "3"}, out, err) == 2);
  CHECK_THAT(err, Catch::Contains("drop --pretrain-d-rounds, --total-batches and --eval-samples"));
  CHECK(run({"seqgan", "--protocol", "slow"}, out, err) == 2);
  CHECK_THAT(err, Catch::Contains("unknown SeqGAN protocol 'slow'"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("seqrl grammar writes a corpus that seqrl score --metric grammar finds fully grammatical", "[cli][text][grammar]") {
  const std::string p = "/tmp/seqrl_grammar_" + std::to_string(::getpid()) + ".txt";
  std::string out, err;
  REQUIRE(run({"grammar", "--n", "300", "--max-len", "12", "--out", p}, out, err) == 0);
  REQUIRE(run({"score", "--metric", "grammar", "--max-len", "12", "--samples", p}, out, err) == 0);
  const auto j = nlohmann::json::parse(out);
  CHECK(j["value"]["grammatical"] == 1.0);
  CHECK(j["samples"] == 300);
  std::ofstream(p) << "a man holding a dog\ndog the a\n";
  REQUIRE(run({"score", "--metric", "grammar", "--samples", p}, out, err) == 0);
  CHECK(nlohmann::json::parse(out)["value"]["grammatical"] == 0.5);
}

TEST_CASE("seqrl fit: ae/vae/gan by name with summary.json, bad kinds, data and resume options are named", "[cli][fit]") {
  const std::string dir = "/tmp/seqrl_fitcli_" + std::to_string(::getpid());
  std::string out, err;
  REQUIRE(run({"fit", "gan", "--data", "ring8", "--steps", "30", "--eval-every", "10", "--gan-hidden", "16", "--out", dir}, out, err) == 0);
  const auto s = nlohmann::json::parse(std::ifstream(dir + "/summary.json"));
  CHECK(s["kind"] == "gan");
  CHECK(s["final"]["modes"] == 8);
  CHECK(s["final"].contains("modes_covered"));
  CHECK(s["final"].contains("high_quality"));
  CHECK(s["config"]["gan_hidden"] == 16);
  std::ifstream samples(dir + "/samples.csv");
  CHECK(samples);
  REQUIRE(run({"fit", "ae", "--data", "grid25", "--steps", "20", "--out", dir + "_ae"}, out, err) == 0);
  CHECK(nlohmann::json::parse(out)["final"].contains("recon"));
  CHECK(run({"fit", "flow", "--data", "ring8"}, out, err) == 2);
  CHECK_THAT(err, Catch::Contains("kind must be ae, vae, gan or lm, got 'flow'"));
  CHECK(run({"fit", "--data", "ring8"}, out, err) == 2);
  CHECK_THAT(err, Catch::Contains("say what to fit first"));
  CHECK(run({"fit", "gan", "--data", "grammar"}, out, err) == 2);
  CHECK_THAT(err, Catch::Contains("seqrl seqgan"));
  CHECK(run({"fit", "--resume", dir + "/checkpoint.safetensors", "--steps", "5"}, out, err) == 2);
  CHECK_THAT(err, Catch::Contains("--steps with --resume"));
  CHECK(run({"fit", "--resume", dir + "/nope.safetensors"}, out, err) == 1);
  CHECK_THAT(err, Catch::Contains("nope.safetensors"));
  CHECK(run({"fit", "--help"}, out, err) == 0);
  CHECK_THAT(out, Catch::Contains("--grad-penalty"));
}

TEST_CASE("seqrl score --metric embsim: a reference sentence model against samples fitted with its vocabulary, and errors", "[cli][text][fit]") {
  const std::string dir = "/tmp/seqrl_embsim_" + std::to_string(::getpid());
  std::string out, err;
  REQUIRE(run({"fit", "ae", "--data", "grammar", "--samples", "300", "--steps", "40", "--batch", "32", "--emb", "8",
               "--hidden", "16", "--latent", "4", "--eval-every", "0", "--eval-samples", "50", "--out", dir}, out, err) == 0);
  REQUIRE(run({"grammar", "--n", "200", "--seed", "5", "--out", dir + "/samples.txt"}, out, err) == 0);
  REQUIRE(run({"score", "--metric", "embsim", "--encoder", dir + "/checkpoint.safetensors", "--samples", dir + "/samples.txt",
               "--embsim-steps", "20", "--embsim-words", "10"}, out, err) == 0);
  const auto j = nlohmann::json::parse(out);
  CHECK(j["top_words"] == 10);
  CHECK(j["value_top_words"].get<double>() <= 0.0);
  CHECK(j["value"].get<double>() <= 0.0);
  CHECK(j["value"].get<double>() > -3.0);
  CHECK(j["words"].get<int>() > 10);
  CHECK(run({"score", "--metric", "embsim", "--samples", dir + "/samples.txt"}, out, err) == 2);
  CHECK_THAT(err, Catch::Contains("needs --encoder"));
  CHECK(run({"score", "--metric", "embsim", "--encoder", dir + "/checkpoint.safetensors"}, out, err) == 2);
  CHECK_THAT(err, Catch::Contains("one of --samples FILE or --generator CHECKPOINT"));
}

#include "cli_detail.hpp"
#include "seqrl/agents/registry.hpp"

TEST_CASE("decode_lines stops at <eos>, or with past_eos drops the end tokens and keeps what follows (Texygen's code_to_text)", "[cli][text]") {
  text::Vocabulary v = text::Vocabulary::build({{"a", "b", "c"}});
  const int32_t a = v.id("a"), b = v.id("b"), c = v.id("c"), e = text::Vocabulary::kEos;
  nets::IntTensor ids = nets::IntTensor::from_shape({1, 6});
  const int32_t row[6] = {a, b, e, c, e, e};
  std::copy(row, row + 6, ids.data());
  CHECK(decode_lines(ids, &v) == "a b\n");
  CHECK(decode_lines(ids, &v, true) == "a b c\n");
}

TEST_CASE("seqrl train --agent seqgan on the grammar env, seqrl generate reads its checkpoint as words", "[cli][text][seqgan]") {
  const std::string dir = "/tmp/seqrl_train_seqgan_" + std::to_string(::getpid());
  std::string out, err;
  REQUIRE(run({"train", "--agent", "seqgan", "--env", "TextGrammar-v0", "--samples", "512",
               "--pretrain-g-epochs", "3", "--pretrain-d-rounds", "1", "--rollouts", "2", "--steps", "1152",
               "--final-eval-episodes", "1", "--out", dir},
              out, err) == 0);
  const auto s = nlohmann::json::parse(out);
  CHECK(s["agent"] == "seqgan");
  CHECK(s["updates"].get<long>() >= 1);  // sentences end at <eos>: at least one batch of 64 in 1,152 steps
  std::ifstream summary(dir + "/summary.json");
  const auto sj = nlohmann::json::parse(summary);
  CHECK(sj["config"]["agent_config"]["gan"]["rollouts"] == 2);
  // seqrl eval without --env runs the agent in the env it was trained in
  REQUIRE(run({"eval", "--checkpoint", dir + "/checkpoint.safetensors", "--episodes", "2"}, out, err) == 0);
  CHECK(nlohmann::json::parse(out)["env"] == "TextGrammar-v0");
  REQUIRE(run({"generate", "--checkpoint", dir + "/checkpoint.safetensors", "--n", "20"}, out, err) == 0);
  std::istringstream lines(out);
  int n = 0, words = 0;
  for (std::string l; std::getline(lines, l); ++n) words += l.find_first_of("abcdefghijklmnopqrstuvwxyz") != std::string::npos;
  CHECK(n == 20);
  CHECK(words >= 15);  // words of the grammar, not ids (a few may be empty: <eos> first)
  // an env without real data behind it is refused, and the message says which envs have
  CHECK(run({"train", "--agent", "seqgan", "--env", "CartPole-v1", "--steps", "100"}, out, err) != 0);
  CHECK_THAT(err, Catch::Contains("TextGrammar-v0"));
  std::system(("rm -rf " + dir).c_str());
}

TEST_CASE("seqrl train --steps 0 runs the GANs' protocol: total_batches g-steps, however short the sentences", "[cli][text][seqgan][leakgan]") {
  // The step budget of --steps 0 assumes full-length episodes; the grammar's sentences end early
  // at <eos>, so without the agent ending the run it would make about twice the batches.
  const std::string dir = "/tmp/seqrl_train_protocol_" + std::to_string(::getpid());
  std::string out, err;
  for (const std::string agent : {"seqgan", "leakgan"}) {
    std::vector<std::string> a = {"train", "--agent", agent, "--env", "TextGrammar-v0", "--samples", "256",
                                  "--pretrain-g-epochs", "1", "--pretrain-d-rounds", "1", "--rollouts", "1",
                                  "--negatives", "128", "--total-batches", "2", "--steps", "0",
                                  "--final-eval-episodes", "1", "--out", dir + agent};
    if (agent == "leakgan") a.insert(a.end(), {"--pretrain-rounds", "1"});
    REQUIRE(run(a, out, err) == 0);
    const auto s = nlohmann::json::parse(out);
    const long bound = nlohmann::json::parse(std::ifstream(dir + agent + "/summary.json"))["config"]["steps"].get<long>();
    INFO(agent << " bound " << bound << ", ran " << s["steps"]);
    CHECK(s["updates"].get<long>() == 2);
    CHECK(s["steps"].get<long>() < bound);  // it ended before the bound
    CHECK(s["final_eval_episodes"].get<long>() == 1);  // and was evaluated as a finished run
    // resuming the finished run does not train on
    REQUIRE(run({"train", "--resume", dir + agent + "/checkpoint.safetensors"}, out, err) == 0);
    CHECK(nlohmann::json::parse(out)["updates"].get<long>() == 2);
    std::system(("rm -rf " + dir + agent).c_str());
  }
  // an explicit --steps is the budget, as for every agent: no protocol stop
  CHECK_FALSE(parse_train({"--agent", "seqgan", "--env", "TextGrammar-v0", "--steps", "1000"}).protocol_budget);
  CHECK(parse_train({"--agent", "seqgan", "--env", "TextGrammar-v0"}).protocol_budget);
}

TEST_CASE("seqrl train --agent leakgan on the grammar env, seqrl generate and eval read its checkpoint", "[cli][text][leakgan]") {
  const std::string dir = "/tmp/seqrl_train_leakgan_" + std::to_string(::getpid());
  std::string out, err;
  REQUIRE(run({"train", "--agent", "leakgan", "--env", "TextGrammar-v0", "--samples", "512", "--pretrain-rounds", "1",
               "--pretrain-g-epochs", "2", "--pretrain-d-rounds", "1", "--negatives", "256", "--rollouts", "2",
               "--steps", "1152", "--final-eval-episodes", "1", "--out", dir},
              out, err) == 0);
  const auto s = nlohmann::json::parse(out);
  CHECK(s["kind"] == "leakgan");
  CHECK(s["updates"].get<long>() >= 1);
  std::ifstream metrics(dir + "/metrics.jsonl");
  std::string all((std::istreambuf_iterator<char>(metrics)), {});
  CHECK_THAT(all, Catch::Contains("reward_rank_corr"));
  CHECK_THAT(all, Catch::Contains("intrinsic_reward"));
  REQUIRE(run({"generate", "--checkpoint", dir + "/checkpoint.safetensors", "--n", "5"}, out, err) == 0);
  std::istringstream lines(out);
  int n = 0;
  for (std::string l; std::getline(lines, l);) ++n;
  CHECK(n == 5);
  REQUIRE(run({"eval", "--checkpoint", dir + "/checkpoint.safetensors", "--episodes", "2"}, out, err) == 0);
  CHECK(nlohmann::json::parse(out)["env"] == "TextGrammar-v0");
  // the reference code's settings are one preset away
  CHECK(parse_train({"--agent", "leakgan", "--env", "TextGrammar-v0", "--protocol", "fast-reference"})
            .agent_config["gan"]["goal_window"] == "block");
  std::system(("rm -rf " + dir).c_str());
}

TEST_CASE("seqrl train --agent mle --validation N stops at the epoch with the best held-out NLL", "[cli][text]") {
  const std::string dir = "/tmp/seqrl_mle_es_" + std::to_string(::getpid());
  std::string out, err;
  // 462 training sentences for at most 40 epochs over-fit: the held-out NLL turns up long before
  const std::vector<std::string> common = {"train", "--agent", "mle", "--env", "TextGrammar-v0", "--samples", "512",
                                           "--epochs", "40", "--seed", "3", "--final-eval-episodes", "2"};
  auto with = [&](std::vector<std::string> extra, const std::string& out_dir) {
    std::vector<std::string> a = common;
    a.insert(a.end(), extra.begin(), extra.end());
    a.insert(a.end(), {"--out", out_dir});
    return run(a, out, err);
  };
  REQUIRE(with({"--validation", "50", "--patience", "1"}, dir + "/es") == 0);
  const auto es = test::metrics_of(dir + "/es");
  REQUIRE(!es.empty());
  REQUIRE(es[0].contains("best_epoch"));
  const double best = es[0]["best_epoch"].get<double>();
  CHECK(best >= 1);
  CHECK(best < 39);  // stopped early: patience 1 after the best epoch
  CHECK(std::isfinite(es[0]["validation_nll"].get<double>()));
  // without validation every epoch runs on all the data, and no early-stopping figures appear
  REQUIRE(with({}, dir + "/all") == 0);
  CHECK(nlohmann::json::parse(out)["updates"].get<long>() == 40 * (512 / 64));
  const auto all = test::metrics_of(dir + "/all");
  REQUIRE(!all.empty());
  CHECK_FALSE(all[0].contains("best_epoch"));
  CHECK(with({"--validation", "500"}, dir + "/bad") == 0);  // capped at a tenth: 51 held out
  std::filesystem::remove_all(dir);
}

TEST_CASE("seqrl train --agent A --help works for every agent, without --env", "[cli]") {
  // the errors about another agent's option point to this command; on the default env (CartPole)
  // the text agents' help used to fail with "does not act on observations Box(...)"
  std::string out, err;
  for (const std::string& agent : agents::agent_names()) {
    INFO(agent);
    REQUIRE(run({"train", "--agent", agent, "--help"}, out, err) == 0);
    CHECK_THAT(out, Catch::Contains("defaults for --agent " + std::string(agent) + " --env "));
  }
  REQUIRE(run({"train", "--agent", "seqgan", "--help"}, out, err) == 0);
  CHECK_THAT(out, Catch::Contains("--rollouts"));  // its own options are listed
  REQUIRE(run({"train", "--help"}, out, err) == 0);
  CHECK_THAT(out, Catch::Contains("defaults for --agent dqn --env CartPole-v1"));  // unchanged where it fits
  // a run (not help) still says what the agent takes rather than picking an env by itself
  CHECK(run({"train", "--agent", "seqgan", "--steps", "10"}, out, err) == 2);
  CHECK_THAT(err, Catch::Contains("TextGrammar-v0") && Catch::Contains("does not act on"));
}
