// What one command hands another stays what it was. A generator travels: `fit lm` writes it,
// `train --agent seqgan|ppo --init-generator` and `train --agent reinforce --init-checkpoint`
// start from it, `generate` samples it (from the fit folder or from the run's checkpoint) and `score`
// reads the samples. With no update in between, the same seed must give the same samples on every
// text env (the oracle's bare ids, the grammar's and COCO's words). A generator whose words, start,
// end or sizes differ from the env's is refused, naming the first difference.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "run_cli.hpp"
#include "skip.hpp"

using namespace seqrl;

namespace {
using test::run;

std::string slurp(const std::string& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}
bool exists(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0;
}
std::string fresh_dir(const std::string& name) {
  const std::string d = "handoff_" + name;
  std::system(("rm -rf " + d + " && mkdir -p " + d).c_str());
  return d;
}

// `seqrl generate` of 64 samples, seed 5, from a checkpoint or folder: the file's text
std::string samples_of(const std::string& checkpoint, const std::string& file) {
  std::string out, err;
  const int rc = run({"generate", "--checkpoint", checkpoint, "--n", "64", "--seed", "5", "--out", file}, out, err);
  INFO("generate " << checkpoint << ": " << err);
  REQUIRE(rc == 0);
  return slurp(file);
}

struct Task {
  std::string name;
  std::vector<std::string> fit;  // fit lm's data options
  std::string env, env_options;
  std::string metric;  // a seqrl score metric for its samples
};

// fit lm -> generate; fit lm -> train seqgan / reinforce / ppo (no update) -> generate, score
void check_handoff(const Task& t) {
  const std::string d = fresh_dir(t.name);
  std::string out, err;
  std::vector<std::string> fit = {"fit", "lm", "--steps", "3", "--seed", "3", "--emb", "32", "--hidden", "32",
                                  "--eval-every", "0", "--eval-samples", "64", "--out", d + "/lm"};
  fit.insert(fit.end(), t.fit.begin(), t.fit.end());
  INFO(t.name);
  REQUIRE(run(fit, out, err) == 0);
  const std::string lm = samples_of(d + "/lm/generator.safetensors", d + "/lm.txt");
  CHECK(samples_of(d + "/lm", d + "/lm_dir.txt") == lm);  // the fit folder stands for its generator

  // SeqGAN from it: pre-trains D, makes no adversarial update (fewer steps than one batch of episodes)
  REQUIRE(run({"train", "--agent", "seqgan", "--env", t.env, "--env-options", t.env_options, "--seed", "3",
               "--init-generator", d + "/lm", "--steps", "64", "--pretrain-d-rounds", "1",  // a folder stands for its file
               "--negatives", "64", "--samples", "256", "--final-eval-episodes", "1", "--out", d + "/sg"},
              out, err) == 0);
  INFO("seqgan: " << out << err);
  CHECK(nlohmann::json::parse(out).at("updates") == 0);
  CHECK(samples_of(d + "/sg/checkpoint.safetensors", d + "/sg.txt") == lm);
  CHECK(samples_of(d + "/sg", d + "/sg_dir.txt") == lm);  // a run folder stands for its checkpoint

  // REINFORCE's LSTM policy from it: no update (fewer episodes than one update's)
  REQUIRE(run({"train", "--agent", "reinforce", "--env", t.env, "--env-options", t.env_options, "--seed", "3",
               "--init-checkpoint", d + "/lm/generator.safetensors", "--steps", "64", "--num-envs", "4",
               "--episodes-per-update", "1000", "--eval-every", "0", "--final-eval-episodes", "1", "--out", d + "/rl"},
              out, err) == 0);
  INFO("reinforce: " << out << err);
  CHECK(nlohmann::json::parse(out).at("updates") == 0);
  CHECK(samples_of(d + "/rl/checkpoint.safetensors", d + "/rl.txt") == lm);

  // PPO with a KL anchor from it: no update (fewer sequences than one rollout's)
  REQUIRE(run({"train", "--agent", "ppo", "--env", t.env, "--env-options", t.env_options, "--seed", "3",
               "--init-generator", d + "/lm/generator.safetensors", "--steps", "64", "--num-envs", "4",
               "--episodes-per-update", "1000", "--final-eval-episodes", "1", "--out", d + "/ppo"},
              out, err) == 0);
  INFO("ppo: " << out << err);
  CHECK(nlohmann::json::parse(out).at("updates") == 0);
  CHECK(samples_of(d + "/ppo/checkpoint.safetensors", d + "/ppo.txt") == lm);

  // a train run's checkpoint is a generator to start from too: mle -> ppo, the run's samples
  REQUIRE(run({"train", "--agent", "mle", "--env", t.env, "--env-options", t.env_options, "--seed", "3", "--epochs", "1",
               "--samples", "256", "--steps", "64", "--num-envs", "4", "--final-eval-episodes", "1", "--out", d + "/mle"},
              out, err) == 0);
  INFO("mle: " << err);
  const std::string mle = samples_of(d + "/mle", d + "/mle.txt");
  REQUIRE(run({"train", "--agent", "ppo", "--env", t.env, "--env-options", t.env_options, "--seed", "3",
               "--init-generator", d + "/mle", "--steps", "64", "--num-envs", "4",  // the run's folder
               "--episodes-per-update", "1000", "--final-eval-episodes", "1", "--out", d + "/ppo_mle"},
              out, err) == 0);
  CHECK(samples_of(d + "/ppo_mle", d + "/ppo_mle.txt") == mle);
  CHECK(mle != lm);

  // score reads what generate wrote (an empty line is the empty sentence), the same figure for both
  auto score = [&](const std::string& file) {
    std::vector<std::string> a = {"score", "--metric", t.metric, "--samples", file};
    if (t.metric == "nll-oracle") a.insert(a.end(), {"--oracle", d + "/oracle"});
    REQUIRE(run(a, out, err) == 0);
    return nlohmann::json::parse(out).at("value");
  };
  if (t.metric != "nll-oracle") CHECK(score(d + "/sg.txt") == score(d + "/lm.txt"));
}
}  // namespace

TEST_CASE("a generator handed from fit lm to the agents samples as it did, on every text env", "[cli][handoff]") {
  const std::string shared = SEQRL_SHARED_DIR "/data";
  check_handoff({"grammar", {"--data", "grammar", "--samples", "512"}, "TextGrammar-v0", "{}", "grammar"});
  check_handoff({"oracle", {"--data", "oracle", "--oracle", "random", "--oracle-vocab", "200", "--oracle-seq-len", "8",
                            "--oracle-seed", "7", "--samples", "512"},
                 "TextOracle-v0", R"({"oracle": "random", "vocab": 200, "seq_len": 8, "oracle_seed": 7})", "distinct"});
  if (!exists(shared + "/coco/image_coco.txt")) SEQRL_SKIP("COCO captions not found at " << shared << "/coco");
  check_handoff({"coco",
                 {"--data", "coco", "--corpus", shared + "/coco/image_coco.txt", "--test", shared + "/coco/test_coco.txt"},
                 "TextCoco-v0", R"({"corpus": ")" + shared + R"(/coco/image_coco.txt"})", "selfbleu"});
}

TEST_CASE("a generator whose words, start, end or sizes are not the env's is refused by name", "[cli][handoff]") {
  const std::string d = fresh_dir("refused");
  std::string out, err;
  // a language model of a small corpus: other words than the grammar's
  std::ofstream(d + "/corpus.txt") << "the cat sat\na dog ran\nthe dog sat\na cat ran\n"
                                      "the cat ran\na dog sat\nthe dog ran\na cat sat\nthe bird sang\na bird flew\n";
  REQUIRE(run({"fit", "lm", "--data", d + "/corpus.txt", "--steps", "1", "--batch", "8", "--emb", "32", "--hidden", "32",
               "--eval-every", "0", "--out", d + "/words"},
              out, err) == 0);
  auto refused = [&](const std::vector<std::string>& args, const std::vector<std::string>& says) {
    const int rc = run(args, out, err);
    INFO(err);
    CHECK(rc == 1);
    for (const auto& s : says) CHECK_THAT(err, Catch::Contains(s));
  };
  const std::string gen = d + "/words/generator.safetensors";
  // vocabulary, word by word: the corpus's 5th word against the grammar's
  refused({"train", "--agent", "seqgan", "--env", "TextGrammar-v0", "--init-generator", gen, "--out", d + "/o1"},
          {"--init-generator", "the generator's vocabulary", "at 4, the env's has"});
  refused({"train", "--agent", "reinforce", "--env", "TextGrammar-v0", "--init-checkpoint", gen, "--out", d + "/o2"},
          {"--init-checkpoint", "the generator's vocabulary", "at 4, the env's has"});
  CHECK_FALSE(exists(d + "/o1"));
  CHECK_FALSE(exists(d + "/o2"));
  // a generator of words on the oracle's bare ids
  refused({"train", "--agent", "reinforce", "--env", "TextOracle-v0", "--env-options",
           R"({"oracle": "random", "vocab": 17, "seq_len": 4})", "--init-checkpoint", gen, "--out", d + "/o3"},
          {"is a generator of words", "bare ids"});
  // the grammar's words, but another maximum length
  REQUIRE(run({"fit", "lm", "--data", "grammar", "--samples", "256", "--max-len", "10", "--steps", "1", "--emb", "32",
               "--hidden", "32", "--eval-every", "0", "--out", d + "/short"},
              out, err) == 0);
  refused({"train", "--agent", "seqgan", "--env", "TextGrammar-v0", "--init-generator", d + "/short/generator.safetensors",
           "--out", d + "/o4"},
          {"maximum length (seq_len) is 11, the env's generator's is 17"});
  // a generator started at <bos> (fit lm's before 2026-12-06): the first input is named with its word
  std::string st = slurp(d + "/short/generator.safetensors");
  const std::string from = R"("start_token":"0")", to = R"("start_token":"1")";
  const size_t at = st.find(from);
  REQUIRE(at != std::string::npos);
  st.replace(at, from.size(), to);
  std::system(("mkdir -p " + d + "/bos && cp " + d + "/short/vocab.txt " + d + "/bos/").c_str());
  std::ofstream(d + "/bos/generator.safetensors", std::ios::binary) << st;
  refused({"train", "--agent", "seqgan", "--env", "TextGrammar-v0", "--env-options", R"({"max_len": 10})",
           "--init-generator", d + "/bos/generator.safetensors", "--out", d + "/o5"},
          {"first input (start_token) is 1 ('<bos>'), the env's generator's is 0 ('<pad>')"});
}
