// AE, VAE and GAN modules: gradients through the reparametrization and the gradient penalty, the
// closed-form KL against Monte Carlo, the mixtures' scores, and small pinned learning runs.
#include <algorithm>
#include <cmath>

#include <catch2/catch.hpp>

#include "gradcheck.hpp"
#include "seqrl/nets/losses.hpp"
#include "seqrl/nets/models/autoencoder.hpp"
#include "seqrl/nets/models/gan.hpp"
#include "seqrl/nets/ops.hpp"
#include "seqrl/text/grammar.hpp"
#include "seqrl/text/vocab.hpp"

using namespace seqrl;
using namespace seqrl::nets;
using seqrl::test::check_gradients;
using seqrl::test::check_param_gradients;
using seqrl::test::random_tensor;

namespace {
// ReLU networks: a step of 1e-3 rarely crosses a kink (the default 1e-2 does, in a few units)
const seqrl::test::GradCheck kSmallStep{1e-3f, 2e-2f, 2e-3f, 60};
}  // namespace

TEST_CASE("gradcheck: the reparametrization z = mu + exp(logvar/2) eps, and through a VAE loss", "[nets][grad][vae]") {
  Rng rng(3);
  const Tensor eps = standard_normal({3, 4}, rng);
  check_gradients([&](const std::vector<Var>& v) { return reparametrize(v[0], v[1], eps); },
                  {random_tensor({3, 4}, rng), random_tensor({3, 4}, rng)});
  // every parameter of an MLP VAE, the sampled eps fixed by re-seeding the stream per evaluation
  MlpAutoencoderConfig c;
  c.in = 3, c.hidden = {5}, c.latent = 2, c.variational = true;
  MlpAutoencoder vae(c, rng);
  const Tensor x = random_tensor({4, 3}, rng);
  check_param_gradients([&] {
    Rng r(11);
    return vae.loss(x, 0.7, r).loss;
  }, vae.named_parameters(), kSmallStep);
  CHECK_THROWS_AS(reparametrize(Var(eps), Var(random_tensor({3, 3}, rng)), eps), ShapeError);
}

TEST_CASE("the closed-form KL(N(mu, σ²) || N(0, 1)) agrees with a Monte-Carlo estimate", "[nets][vae]") {
  Rng rng(5);
  Tensor mu = random_tensor({2, 3}, rng, -1.5f, 1.5f), lv = random_tensor({2, 3}, rng, -2.f, 1.f);
  const double closed = kl_normal(Var(mu), Var(lv)).item();
  // E_q[log q(z) - log p(z)] over 400k samples per dimension, summed over dimensions, mean over rows
  const int n = 400000;
  double mc = 0;
  for (size_t i = 0; i < mu.size(); ++i) {
    const double m = mu.data()[i], s = std::exp(0.5 * lv.data()[i]);
    double acc = 0;
    for (int k = 0; k < n; ++k) {
      const double e = rng.normal_double(), z = m + s * e;
      acc += (-0.5 * e * e - std::log(s)) - (-0.5 * z * z);
    }
    mc += acc / n / 2.0;  // 2 rows
  }
  INFO("closed form " << closed << ", Monte Carlo " << mc);
  CHECK(closed > 0.5);
  CHECK(std::abs(closed - mc) < 0.02 * closed);
}

TEST_CASE("the gradient penalty's input gradient equals autodiff's ∇_x D, and its parameter gradients pass a finite-difference check", "[nets][grad][gan]") {
  GanConfig c;
  c.d_hidden = 6, c.d_layers = 2, c.seed = 4;
  Rng rng(9);
  GanDiscriminator d(c, rng);
  d.eval();
  const Tensor x = random_tensor({5, 2}, rng, -2.f, 2.f);
  Var xv(x, true);
  sum(d.forward(xv)).backward();
  const Tensor g = d.input_gradient(x).value();
  REQUIRE(shape_of(g) == Shape{5, 2});
  for (size_t i = 0; i < g.size(); ++i) CHECK(g.data()[i] == Approx(xv.grad().data()[i]).margin(1e-5));
  check_param_gradients([&] { return sum(square(d.input_gradient(x))); }, d.named_parameters(), kSmallStep);
}

TEST_CASE("mixtures: real samples score ~98.9% high quality (3σ in 2-D) and cover every mode, one mode covers one", "[nets][gan]") {
  Rng rng(1);
  for (const Mixture& m : {ring8(), grid25()}) {
    const ModeScore s = score_modes(m, m.sample(2500, rng));
    INFO(m.name << ": " << s.high_quality);
    CHECK(s.modes_covered == m.centres.size());
    CHECK(s.high_quality > 0.975);
    CHECK(s.high_quality < 0.999);
    Tensor one = Tensor::from_shape({2500, 2});
    for (size_t i = 0; i < 2500; ++i) one(i, 0) = m.centres[3].first, one(i, 1) = m.centres[3].second;
    const ModeScore o = score_modes(m, one);
    CHECK(o.modes_covered == 1);
    CHECK(o.per_mode[3] == 2500);
  }
  CHECK_THROWS_AS(mixture_by_name("ring9"), ValueError);
}

TEST_CASE("a non-saturating GAN covers at least 7 of the 8 ring modes (seed 1, 3000 G steps)", "[nets][gan][learning]") {
  GanConfig c;
  c.seed = 1;
  c.lr_g = c.lr_d = 1e-3f;
  Gan gan(c);
  const Mixture ring = ring8();
  Rng data(101);
  for (int it = 0; it < 3000; ++it) {
    for (size_t k = 0; k < c.d_steps; ++k) gan.d_step(ring.sample(c.batch, data));
    gan.g_step();
  }
  Rng eval(202);
  const ModeScore s = score_modes(ring, gan.sample(2500, eval));
  INFO("modes " << s.modes_covered << ", high quality " << s.high_quality);
  CHECK(s.modes_covered >= 7);
  CHECK(s.high_quality > 0.5);
}

namespace {
// A small caption corpus from the grammar, padded with <eos>.
struct ToyCorpus {
  text::Vocabulary vocab;
  IntTensor ids;
};
ToyCorpus toy_corpus(size_t n, uint64_t seed) {
  const text::Grammar g = text::Grammar::captions();
  Rng rng(seed);
  std::vector<text::Sentence> s;
  for (size_t i = 0; i < n; ++i) s.push_back(g.sample(rng, 8));
  std::vector<text::Sentence> words{g.words()};
  ToyCorpus c{text::Vocabulary::build(words), {}};
  c.ids = text::encode_padded(s, c.vocab, 9);
  return c;
}
IntTensor rows(const IntTensor& t, size_t begin, size_t n) {
  const size_t T = t.shape()[1];
  IntTensor out = IntTensor::from_shape({n, T});
  std::copy(t.data() + begin * T, t.data() + (begin + n) * T, out.data());
  return out;
}
}  // namespace

TEST_CASE("a sentence AE reconstructs a toy corpus: greedy decoding of its codes gets >= 95% of the tokens right", "[nets][ae][learning]") {
  ToyCorpus c = toy_corpus(256, 3);
  SentenceAutoencoderConfig ac;
  ac.vocab = c.vocab.size(), ac.emb = 32, ac.hidden = 64, ac.latent = 16, ac.variational = false;
  ac.eos = text::Vocabulary::kEos;
  Rng rng(1);
  SentenceAutoencoder ae(ac, rng);
  AutoencoderTrainConfig tc;
  tc.lr = 1e-2f, tc.seed = 2;
  AutoencoderTrainer tr(ae, tc);
  for (int epoch = 0; epoch < 40; ++epoch)
    for (size_t b = 0; b + 32 <= 256; b += 32) tr.step([&](double beta, Rng& r) { return ae.loss(rows(c.ids, b, 32), beta, r); });
  ae.eval();
  const Tensor z = ae.encode(c.ids).mu.value();
  const IntTensor rec = ae.decode(z, c.ids.shape()[1]);
  // interpolation: its ends are the two sentences' own decodings
  const size_t T = c.ids.shape()[1];
  const IntTensor path = ae.interpolate(rows(c.ids, 0, 2), 4, T);
  REQUIRE(shape_of(path) == Shape{4, T});
  for (size_t t = 0; t < T; ++t) {
    CHECK(path(0, t) == rec(0, t));
    CHECK(path(3, t) == rec(1, t));
  }
  CHECK_THROWS_AS(ae.interpolate(rows(c.ids, 0, 3), 4, T), ShapeError);
  // sampled decoding: ids of the vocabulary, the same for the same seed
  Rng s1(9), s2(9);
  const IntTensor d1 = ae.decode(z, T, &s1), d2 = ae.decode(z, T, &s2);
  CHECK(bool(d1 == d2));
  CHECK(*std::max_element(d1.begin(), d1.end()) < int32_t(ac.vocab));
  CHECK(*std::min_element(d1.begin(), d1.end()) >= 0);
  const Tensor m = ae.mask(c.ids);
  double right = 0, total = 0;
  for (size_t i = 0; i < m.size(); ++i)
    if (m.data()[i] > 0) total += 1, right += rec.data()[i] == c.ids.data()[i];
  INFO("token accuracy " << right / total);
  CHECK(right / total >= 0.95);
}

TEST_CASE("a sentence VAE trained with KL annealing and word dropout keeps KL above zero", "[nets][vae][learning]") {
  ToyCorpus c = toy_corpus(256, 4);
  SentenceAutoencoderConfig ac;
  ac.vocab = c.vocab.size(), ac.emb = 32, ac.hidden = 64, ac.latent = 8, ac.variational = true;
  ac.eos = text::Vocabulary::kEos, ac.word_dropout = 0.3f;
  Rng rng(1);
  SentenceAutoencoder vae(ac, rng);
  AutoencoderTrainConfig tc;
  tc.lr = 1e-2f, tc.seed = 2, tc.kl_anneal_steps = 300;
  AutoencoderTrainer tr(vae, tc);
  VaeTerms last;
  for (int epoch = 0; epoch < 60; ++epoch)
    for (size_t b = 0; b + 32 <= 256; b += 32) last = tr.step([&](double beta, Rng& r) { return vae.loss(rows(c.ids, b, 32), beta, r); });
  REQUIRE(last.beta == 1.0);  // annealing is over
  vae.eval();
  Rng r(5);
  const VaeTerms t = vae.loss(c.ids, 1.0, r);
  INFO("recon " << t.recon << ", KL " << t.kl << " nats per sentence");
  CHECK(t.kl > 0.5);
  CHECK(std::isfinite(t.recon));
}


// Data-parallel shards (nets/ops.hpp dropout_rows, the models' loss_rows): every shard draws the
// whole batch's randomness and uses its rows, so the shards together are the whole batch.
TEST_CASE("dropout_rows: the shards' masks are the whole batch's rows, and the stream ends where the whole batch's does", "[nets][dist]") {
  Rng data(3);
  const Tensor x = standard_normal({7, 5}, data);
  Rng whole_rng(11);
  const Tensor whole = dropout(Var(x), 0.4f, true, whole_rng).value();
  for (const auto& [b, e] : std::vector<std::pair<size_t, size_t>>{{0, 3}, {3, 7}, {6, 7}}) {
    Rng r(11);
    const Tensor part = dropout_rows(Var(row_slice(x, b, e)), 0.4f, true, r, b, 7).value();
    for (size_t i = 0; i < (e - b) * 5; ++i) CHECK(part.data()[i] == whole.data()[b * 5 + i]);
    CHECK(r.state() == whole_rng.state());
  }
  Rng r(11);
  CHECK_THROWS_AS(dropout_rows(Var(row_slice(x, 0, 3)), 0.4f, true, r, 5, 7), ShapeError);  // rows 5..8 of 7
}

TEST_CASE("loss_rows: a VAE's shards weighted by their rows add up to the whole batch's loss, with one process's draws", "[nets][dist][vae]") {
  Rng init(5), data(6);
  MlpAutoencoder vae({2, {16}, 2, true}, init);
  const Tensor x = standard_normal({9, 2}, data);
  Rng r0(7);
  const VaeTerms whole = vae.loss(x, 0.5, r0);
  double sum = 0;
  for (const auto& [b, e] : std::vector<std::pair<size_t, size_t>>{{0, 4}, {4, 9}}) {
    Rng r(7);
    const VaeTerms part = vae.loss_rows(x, 0.5, r, b, e);
    sum += part.value * double(e - b) / 9.0;
    CHECK(r.state() == r0.state());
  }
  CHECK(sum == Approx(whole.value).epsilon(1e-6));
  // a sentence VAE with word dropout: the same
  SentenceAutoencoderConfig sc;
  sc.vocab = 12, sc.emb = 8, sc.hidden = 8, sc.latent = 4, sc.eos = 0, sc.word_dropout = 0.3f;
  SentenceAutoencoder svae(sc, init);
  IntTensor ids = IntTensor::from_shape({6, 5});
  for (size_t i = 0; i < ids.size(); ++i) ids.data()[i] = int32_t(1 + data.randint(11));
  ids(2, 3) = 0, ids(4, 1) = 0;  // two rows end early
  Rng s0(8);
  const VaeTerms swhole = svae.loss(ids, 1.0, s0);
  double ssum = 0;
  for (const auto& [b, e] : std::vector<std::pair<size_t, size_t>>{{0, 2}, {2, 5}, {5, 6}}) {
    Rng r(8);
    const VaeTerms part = svae.loss_rows(ids, 1.0, r, b, e);
    ssum += part.value * double(e - b) / 6.0;
    CHECK(r.state() == s0.state());
  }
  CHECK(ssum == Approx(swhole.value).epsilon(1e-6));
  Rng r(8);
  CHECK_THROWS_AS(svae.loss_rows(ids, 1.0, r, 4, 4), ShapeError);
}
