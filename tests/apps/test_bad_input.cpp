// The bad-input matrix (docs/hardening.md): for each kind of input seqrl reads, each way it can be
// bad, through the real command: the exit code (2: usage, 1: a bad file or value), the message
// naming the file, line, key or shape, and nothing written: the --out folder of a failed command
// does not appear, and a checkpoint a failed command read is unchanged.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "cli.hpp"
#include "run_cli.hpp"
#include "seqrl/env/registry.hpp"

using namespace seqrl;

namespace {
using test::run;
bool exists(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0;
}
std::string slurp(const std::string& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}
void put(const std::string& p, const std::string& bytes) { std::ofstream(p, std::ios::binary) << bytes; }
// a .npy file (format 1.0) of float32 zeros
std::string npy(const std::vector<size_t>& shape) {
  std::string dims;
  size_t n = 1;
  for (size_t d : shape) dims += std::to_string(d) + ", ", n *= d;
  std::string h = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }";
  while ((10 + h.size() + 1) % 64) h += ' ';
  h += '\n';
  std::string out = std::string("\x93NUMPY\x01\x00", 8);
  out += char(h.size() & 0xff);
  out += char(h.size() >> 8);
  return out + h + std::string(n * 4, '\0');
}

struct Case {
  std::string input, bad;            // the row of the matrix
  std::vector<std::string> args;
  int rc;                            // the exit code
  std::vector<std::string> mentions; // what the message must name
};
}  // namespace

TEST_CASE("bad-input matrix: every reader's bad inputs give a named error, a non-zero exit, and write nothing", "[cli][hardening]") {
  const std::string d = "/tmp/seqrl_badinput_" + std::to_string(::getpid());
  std::system(("rm -rf " + d + " && mkdir -p " + d).c_str());
  std::string out, err;
  // a real checkpoint to break
  REQUIRE(run({"train", "--agent", "dqn", "--steps", "300", "--hidden", "8", "--final-eval-episodes", "1", "--out",
               d + "/good"},
              out, err) == 0);
  const std::string ck = d + "/good/checkpoint.safetensors", good = slurp(ck);
  put(d + "/empty", "");
  put(d + "/trunc.safetensors", good.substr(0, good.size() / 2));
  put(d + "/huge.safetensors", std::string("\0\0\0\0\0\0\0\x10{}", 10));  // a header of 2^60 bytes
  put(d + "/text.safetensors", "{\"agent\": \"dqn\"}\n");
  std::string corpus;
  for (int i = 0; i < 30; ++i) corpus += "a man riding a horse number " + std::to_string(i) + "\n";
  put(d + "/corpus.txt", corpus);
  put(d + "/utf8.txt", "a good line\nthe \xff\xfe bad one\n" + corpus);
  put(d + "/dup_vocab.txt", "<pad>\n<bos>\n<eos>\n<unk>\na\na\n");
  std::string nineteen;
  for (int i = 0; i < 19; ++i) nineteen += std::to_string(i * 7) + " ";
  put(d + "/ids_word.txt", nineteen + "cat\n");
  put(d + "/ids_short.txt", "1 2 3\n");
  put(d + "/ids_big.txt", nineteen + "99999\n");
  put(d + "/bad.ini", "steps = 3\nstpes = 4\n");
  put(d + "/badval.ini", "steps = many\n");
  put(d + "/badneg.ini", "num-envs = -2\n");
  // an oracle folder whose embedding has the wrong shape, and one with a file that is not .npy
  std::system(("mkdir -p " + d + "/oracle_shape " + d + "/oracle_magic").c_str());
  put(d + "/oracle_shape/00_g_embeddings.npy", npy({7, 3}));
  put(d + "/oracle_magic/00_g_embeddings.npy", "not a numpy file at all");
  // token-id samples are scored by SeqGAN's oracle (length 20, vocabulary 5000) from ../shared
  const std::string oracle = std::string(SEQRL_SHARED_DIR) + "/data/seqgan_oracle";
  const bool have_oracle = exists(oracle + "/00_g_embeddings.npy");
  if (!have_oracle) WARN(oracle + " is absent: the token-id sample rows are skipped");
  auto score_ids = [&](const std::string& f) {
    return std::vector<std::string>{"score", "--metric", "nll-oracle", "--oracle", oracle, "--samples", f};
  };
  std::vector<Case> cases = {
      {"checkpoint", "missing", {"eval", "--checkpoint", d + "/nope.safetensors"}, 1, {d + "/nope.safetensors"}},
      {"checkpoint", "empty", {"eval", "--checkpoint", d + "/empty"}, 1, {d + "/empty", "0 bytes"}},
      {"checkpoint", "truncated", {"eval", "--checkpoint", d + "/trunc.safetensors"}, 1, {"trunc.safetensors", "truncated"}},
      {"checkpoint", "header claims 2^60 bytes", {"eval", "--checkpoint", d + "/huge.safetensors"}, 1, {"huge.safetensors", "1152921504606846976"}},
      {"checkpoint", "wrong type (JSON text)", {"eval", "--checkpoint", d + "/text.safetensors"}, 1, {"text.safetensors", "not a safetensors file"}},
      {"checkpoint", "wrong kind (no generator)", {"generate", "--checkpoint", ck}, 2, {"'dqn' agent", "no generator"}},
      {"checkpoint", "wrong env (spaces)", {"eval", "--checkpoint", ck, "--env", "Pendulum-v1"}, 1, {"does not fit this environment", "Discrete"}},
      {"checkpoint", "wrong env (observations)", {"eval", "--checkpoint", ck, "--env", "Acrobot-v1"}, 1, {"trained on CartPole-v1", "--env Acrobot-v1", "shape=[6]"}},
      {"checkpoint", "resume with other options", {"train", "--resume", ck, "--steps", "5"}, 2, {"--steps", "checkpoint"}},
      {"checkpoint", "resume of a truncated file", {"train", "--resume", d + "/trunc.safetensors"}, 1, {"trunc.safetensors"}},
      {"corpus", "missing", {"fit", "lm", "--data", d + "/nope.txt", "--out", d + "/o1"}, 1, {d + "/nope.txt"}},
      {"corpus", "empty", {"fit", "lm", "--data", d + "/empty", "--out", d + "/o2"}, 1, {d + "/empty", "empty"}},
      {"corpus", "invalid UTF-8", {"fit", "lm", "--data", d + "/utf8.txt", "--out", d + "/o3"}, 1, {d + "/utf8.txt:2", "UTF-8"}},
      {"vocabulary", "missing", {"fit", "lm", "--data", d + "/corpus.txt", "--vocab-file", d + "/nope_vocab.txt", "--out", d + "/o4"}, 1, {"nope_vocab.txt"}},
      {"vocabulary", "empty", {"fit", "lm", "--data", d + "/corpus.txt", "--vocab-file", d + "/empty", "--out", d + "/o5"}, 1, {d + "/empty", "<pad>"}},
      {"vocabulary", "duplicate word", {"fit", "lm", "--data", d + "/corpus.txt", "--vocab-file", d + "/dup_vocab.txt", "--out", d + "/o6"}, 1, {"dup_vocab.txt:6", "'a'"}},
      {"oracle folder", "missing", {"fit", "lm", "--data", "oracle", "--oracle", d + "/nope_oracle", "--out", d + "/o7"}, 1, {d + "/nope_oracle/00_g_embeddings.npy"}},
      {"oracle folder", "wrong shape", {"fit", "lm", "--data", "oracle", "--oracle", d + "/oracle_shape", "--out", d + "/o8"}, 1, {"00_g_embeddings.npy", "[7, 3]", "[5000, 32]"}},
      {"oracle folder", "not .npy", {"fit", "lm", "--data", "oracle", "--oracle", d + "/oracle_magic", "--out", d + "/o9"}, 1, {"00_g_embeddings.npy", "NUMPY"}},
      {"config file", "missing", {"train", "--config", d + "/nope.ini"}, 2, {"nope.ini"}},
      {"config file", "unknown key", {"train", "--config", d + "/bad.ini", "--out", d + "/o10"}, 2, {"bad.ini", "line 2", "stpes"}},
      {"config file", "wrong type", {"fit", "lm", "--config", d + "/badval.ini", "--out", d + "/o11"}, 2, {"badval.ini", "line 1", "many"}},
      {"env options", "not JSON", {"train", "--env-options", "{nope", "--out", d + "/o12"}, 2, {"--env-options", "not JSON"}},
      {"env options", "unknown key", {"train", "--env-options", "{\"bogus\": 1}", "--out", d + "/o13"}, 2, {"'bogus'", "max_episode_steps"}},
      {"env options", "wrong type", {"train", "--env-options", "{\"max_episode_steps\": \"ten\"}", "--out", d + "/o14"}, 2, {"'max_episode_steps'", "integer"}},
      {"env options", "absurd size", {"train", "--env", "TextOracle-v0", "--env-options", "{\"vocab\": 1000000000000}", "--out", d + "/o15"}, 2, {"'vocab'", "[2, 1000000]"}},
      {"options", "out of range", {"train", "--num-envs", "0", "--out", d + "/o16"}, 2, {"--num-envs"}},
      {"options", "another agent's", {"train", "--agent", "random", "--hidden", "8", "--out", d + "/o17"}, 2, {"--hidden", "agent 'random'"}},
      {"options", "unknown", {"train", "--stpes", "8", "--out", d + "/o18"}, 2, {"--stpes"}},
      {"options", "not a number", {"fit", "lm", "--steps", "ten", "--out", d + "/o19"}, 2, {"--steps", "'ten'"}},
      // Boost once read -1 into an unsigned option as 2^64 - 1 (--num-envs -1 hung making
      // envs, grammar --n -5 hung then died of SIGFPE); a hidden size of 0 died of SIGFPE too
      {"options", "negative, unsigned", {"train", "--num-envs", "-1", "--out", d + "/o20"}, 2, {"--num-envs", "'-1'", ">= 0"}},
      {"options", "negative seed", {"train", "--seed", "-1", "--out", d + "/o21"}, 2, {"--seed", "'-1'"}},
      {"options", "negative count", {"grammar", "--n", "-5", "--out", d + "/o22"}, 2, {"--n", "'-5'"}},
      {"config file", "negative, unsigned", {"train", "--config", d + "/badneg.ini", "--out", d + "/o23"}, 2, {"badneg.ini", "line 1", "'num-envs'", "'-2'"}},
      {"options", "negative in a list", {"train", "--agent", "reinforce", "--hidden", "4,-1", "--out", d + "/o24"}, 2, {"--hidden", "'4,-1'"}},
      {"options", "zero hidden size", {"train", "--agent", "reinforce", "--hidden", "0", "--out", d + "/o25"}, 1, {"MLP", "must be positive"}},
      {"options", "zero embedding", {"train", "--agent", "mle", "--env", "TextGrammar-v0", "--emb", "0", "--out", d + "/o26"}, 1, {"Embedding", "must be positive"}},
      {"options", "gamma above 1", {"train", "--agent", "dqn", "--gamma", "2", "--out", d + "/o27"}, 1, {"gamma", "[0, 1]"}},
      {"options", "negative evaluation period", {"train", "--eval-every", "-1", "--out", d + "/o29"}, 2, {"--eval-every", ">= 0"}},
      {"options", "no final evaluation episodes", {"train", "--final-eval-episodes", "0", "--out", d + "/o30"}, 2, {"--final-eval-episodes", ">= 1"}},
      {"options", "no env steps between training rounds", {"train", "--agent", "dqn", "--train-frequency", "0", "--learning-starts", "10", "--out", d + "/o31"}, 1, {"train_frequency", ">= 1"}},
      {"options", "no rollouts", {"train", "--agent", "seqgan", "--env", "TextGrammar-v0", "--rollouts", "0", "--out", d + "/o28"}, 1, {"rollouts", ">= 1"}},
  };
  // a checkpoint of another kind where one kind is needed: the message says what the file holds
  REQUIRE(run({"fit", "lm", "--data", d + "/corpus.txt", "--steps", "2", "--batch", "8", "--emb", "4", "--hidden", "4",
               "--out", d + "/lm"},
              out, err) == 0);
  for (const Case& c : std::vector<Case>{
           {"checkpoint", "fit lm's training state to generate", {"generate", "--checkpoint", d + "/lm/checkpoint.safetensors"}, 2, {"training state of seqrl fit lm", d + "/lm/generator.safetensors"}},
           {"checkpoint", "fit lm's training state to resume", {"train", "--resume", d + "/lm/checkpoint.safetensors"}, 1, {"'run.config' is missing", "training state of seqrl fit lm"}},
           {"checkpoint", "a DQN run as a generator", {"train", "--agent", "seqgan", "--env", "TextGrammar-v0", "--init-generator", ck, "--out", d + "/o32"}, 1, {"--init-generator", "agent 'dqn' on CartPole-v1", "no LSTM generator"}},
           {"checkpoint", "a generator of other words (refused before the run writes anything)", {"train", "--agent", "seqgan", "--env", "TextGrammar-v0", "--init-generator", d + "/lm/generator.safetensors", "--out", d + "/o34"}, 1, {"--init-generator", "the generator's vocabulary", "at 5, the env's has 'the'"}},
           {"checkpoint", "a run folder where a file is read", {"fit", "gan", "--data", d + "/corpus.txt", "--encoder", d + "/lm", "--out", d + "/o35"}, 1, {d + "/lm", "is a folder, not a file"}},
           {"checkpoint", "a DQN run as an encoder", {"fit", "gan", "--data", d + "/corpus.txt", "--encoder", ck, "--out", d + "/o33"}, 1, {"'fit.config' is missing", "agent 'dqn'"}}})
    cases.push_back(c);
  if (have_oracle)
    for (const Case& c : std::vector<Case>{
             {"samples (token ids)", "not an id", score_ids(d + "/ids_word.txt"), 1, {"ids_word.txt:1", "'cat'"}},
             {"samples (token ids)", "wrong length", score_ids(d + "/ids_short.txt"), 1, {"ids_short.txt:1", "3 token ids", "20"}},
             {"samples (token ids)", "id outside the vocabulary", score_ids(d + "/ids_big.txt"), 1, {"ids_big.txt:1", "'99999'", "5000"}},
             {"samples (token ids)", "empty", score_ids(d + "/empty"), 1, {d + "/empty", "no samples"}}})
      cases.push_back(c);
  for (const Case& c : cases) {
    INFO(c.input << ": " << c.bad);
    const int rc = run(c.args, out, err);
    INFO("exit " << rc << ", stderr: " << err);
    CHECK(rc == c.rc);
    for (const auto& m : c.mentions) CHECK_THAT(err, Catch::Contains(m));
    for (size_t i = 0; i + 1 < c.args.size(); ++i)
      if (c.args[i] == "--out") CHECK_FALSE(exists(c.args[i + 1]));  // nothing written
  }
  // the same command run again into a folder that holds a run: refused, the run kept (it once
  // was replaced: checkpoint, metrics and summary)
  const std::string lm_ckpt = slurp(d + "/lm/checkpoint.safetensors");
  CHECK(run({"train", "--agent", "dqn", "--steps", "300", "--hidden", "8", "--out", d + "/good"}, out, err) == 2);
  CHECK_THAT(err, Catch::Contains("'" + d + "/good' already holds a run") && Catch::Contains("--resume") &&
                      Catch::Contains("--overwrite"));
  CHECK(run({"fit", "lm", "--data", d + "/corpus.txt", "--steps", "2", "--batch", "8", "--out", d + "/lm"}, out, err) == 2);
  CHECK_THAT(err, Catch::Contains("'" + d + "/lm' already holds a run"));
  CHECK(slurp(d + "/lm/checkpoint.safetensors") == lm_ckpt);
  CHECK(slurp(ck) == good);  // read by failing commands, never rewritten
  std::system(("rm -rf " + d).c_str());
}

TEST_CASE("bad-input matrix, the API: an action outside the space and a step after the end are named errors", "[env][hardening]") {
  auto e = env::make("CartPole-v1");
  e->reset(1);
  CHECK_THROWS_AS(e->step(env::Action(2)), env::InvalidAction);
  CHECK_THROWS_WITH(e->step(env::Action(-1)), Catch::Contains("-1") && Catch::Contains("Discrete(2)"));
  auto p = env::make("Pendulum-v1");
  p->reset(1);
  CHECK_THROWS_WITH(p->step(env::Action::box(nets::Tensor{0.f, 0.f})), Catch::Contains("[2]") && Catch::Contains("[1]"));
  auto fresh = env::make("CartPole-v1");
  CHECK_THROWS_WITH(fresh->step(env::Action(0)), Catch::Contains("before reset()"));
  auto t = env::make("TextGrammar-v0");
  t->reset(1);
  CHECK_THROWS_AS(t->step(env::Action(int64_t(1) << 40)), env::InvalidAction);
}
