// seqrl fit's loops: an interrupted and resumed fit equals the uninterrupted one bit for bit (a
// VAE on a mixture, a GAN, a sentence VAE), fitted models load back, and bad input is named.
#include <catch2/catch.hpp>

#include <fstream>
#include <unistd.h>

#include "seqrl/agents/fit.hpp"
#include "seqrl/agents/runner.hpp"
#include "seqrl/nets/checkpoint.hpp"

using namespace seqrl;
using namespace seqrl::agents;

namespace {
std::string tmpdir(const std::string& name) {
  return "/tmp/seqrl_fit_" + name + "_" + std::to_string(::getpid());
}
std::string slurp(const std::string& p) {
  std::ifstream f(p);
  return std::string(std::istreambuf_iterator<char>(f), {});
}
// metrics.jsonl without the wall-clock field
std::vector<nlohmann::json> metrics_of(const std::string& dir) {
  std::vector<nlohmann::json> out;
  std::ifstream f(dir + "/metrics.jsonl");
  for (std::string line; std::getline(f, line);) {
    auto j = nlohmann::json::parse(line);
    j.erase("seconds");
    out.push_back(j);
  }
  return out;
}
void check_same_run(FitConfig c, long stop_at) {
  const std::string a = tmpdir(c.kind + c.data + "_a"), b = tmpdir(c.kind + c.data + "_b");
  c.handle_sigint = false;
  c.out = a;
  const FitResult whole = fit(c);
  REQUIRE_FALSE(whole.interrupted);
  c.out = b;
  c.on_step = [&](long s) {
    if (s == stop_at) request_stop();
  };
  const FitResult part = fit(c);
  REQUIRE(part.interrupted);
  REQUIRE(part.steps == stop_at);
  FitConfig r;
  r.resume = b + "/checkpoint.safetensors";
  r.handle_sigint = false;
  const FitResult rest = fit(r);
  REQUIRE_FALSE(rest.interrupted);
  CHECK(rest.steps == c.steps);
  CHECK(rest.final_eval == whole.final_eval);
  CHECK(metrics_of(a) == metrics_of(b));
  const auto ta = nets::load_safetensors(a + "/checkpoint.safetensors"), tb = nets::load_safetensors(b + "/checkpoint.safetensors");
  REQUIRE(ta.tensors.size() == tb.tensors.size());
  for (const auto& [k, v] : ta.tensors) {
    INFO(k);
    CHECK(v == tb.tensors.at(k));
  }
  CHECK(slurp(a + "/summary.json").size() > 0);
}
}  // namespace

TEST_CASE("fit: a VAE on ring8 stopped at update 40 and resumed equals the uninterrupted run", "[agents][fit]") {
  FitConfig c;
  c.kind = "vae", c.data = "ring8", c.steps = 100, c.eval_every = 25, c.kl_anneal_steps = 50, c.checkpoint_every = 30;
  check_same_run(c, 40);
}

TEST_CASE("fit: a GAN (pre-trained D, 2 D steps, dropout, penalty) stopped and resumed equals the uninterrupted run", "[agents][fit][gan]") {
  FitConfig c;
  c.kind = "gan", c.data = "grid25", c.steps = 60, c.eval_every = 20, c.pretrain_d = 5, c.d_steps = 2;
  c.d_dropout = 0.2f, c.grad_penalty = 0.1f, c.gan_hidden = 32;
  check_same_run(c, 33);
}

TEST_CASE("fit: a sentence VAE on the grammar stopped mid-epoch and resumed equals the uninterrupted run; it loads back", "[agents][fit][vae]") {
  FitConfig c;
  c.kind = "vae", c.data = "grammar", c.samples = 200, c.max_len = 8, c.steps = 12, c.batch = 32;
  c.eval_every = 5, c.eval_samples = 50, c.emb = 16, c.hidden = 32, c.latent = 8, c.word_dropout = 0.2f, c.kl_anneal_steps = 10;
  check_same_run(c, 8);  // 6 batches per epoch: update 8 is inside the second
  const auto f = load_sentence_autoencoder(tmpdir("vaegrammar_a") + "/checkpoint.safetensors");
  REQUIRE(f.vocab);
  CHECK(f.model->cfg.latent == 8);
  CHECK(f.model->cfg.hidden == 32);
  CHECK_FALSE(f.model->training());
  CHECK_FALSE(nets::load_autoencoder(tmpdir("vaegrammar_a") + "/checkpoint.safetensors").mlp);
  FitConfig v;
  v.kind = "ae", v.data = "ring8", v.steps = 1, v.handle_sigint = false, v.out = tmpdir("ae1");
  fit(v);
  CHECK(nets::load_autoencoder(v.out + "/checkpoint.safetensors").mlp);
  CHECK_THROWS_WITH(load_sentence_autoencoder(v.out + "/checkpoint.safetensors"), Catch::Contains("not a sentence autoencoder"));
  const std::string samples = slurp(tmpdir("vaegrammar_a") + "/samples.txt");
  CHECK_THAT(samples, Catch::Contains("ten samples from the prior"));
  CHECK_THAT(samples, Catch::Contains("interpolation"));
}

TEST_CASE("fit: bad configurations are named", "[agents][fit]") {
  FitConfig c;
  c.kind = "gan", c.data = "coco";
  CHECK_THROWS_WITH(validate(c), Catch::Contains("a GAN fits ring8 or grid25 (got 'coco')"));
  c.kind = "flow";
  CHECK_THROWS_WITH(validate(c), Catch::Contains("kind must be ae, vae or gan, got 'flow'"));
  c.kind = "vae", c.data = "/nonexistent/corpus.txt", c.handle_sigint = false;
  CHECK_THROWS_WITH(fit(c), Catch::Contains("/nonexistent/corpus.txt"));
  c.data = "ring8", c.g_loss = "minimax";
  CHECK_THROWS_WITH(validate(c), Catch::Contains("--g-loss must be nonsaturating or saturating"));
}
