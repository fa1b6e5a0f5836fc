// A GAN (Goodfellow et al. 2014) on vectors: an MLP generator G(z), z ~ N(0, I), and an MLP
// discriminator D(x) (a logit) playing min_G max_D E[log D(x)] + E[log(1 - D(G(z)))].
//
// D's loss is the cross-entropy of real (1) against generated (0). G's loss is either the
// original, saturating one, E[log(1 - D(G(z)))] minimised, whose gradient vanishes once D wins,
// or the non-saturating one, -E[log D(G(z))]. Remedies against collapse are options: D
// pre-training, k D steps per G step (interleaved training), dropout in D, L2 weight decay and
// the R1 gradient penalty (Mescheder et al. 2018) (gamma / 2) E_real |∇_x D(x)|².
//
// And the 2-D benchmarks of mode collapse: the ring of 8 Gaussians (radius 2, σ 0.02, as Metz et
// al. 2017) and the 5×5 grid (centres -4..4 step 2, σ 0.05, as PacGAN), scored as VEEGAN/PacGAN
// do: a sample is high quality within 3σ of its nearest mode; a mode is covered when at least
// min_count of the high-quality samples fall on it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "seqrl/nets/layers.hpp"
#include "seqrl/nets/optim.hpp"

namespace seqrl::nets {

struct GanConfig {
  size_t data_dim = 2;        // x width
  size_t noise_dim = 2;       // z width
  size_t g_hidden = 128, g_layers = 3;  // G: noise -> g_layers x g_hidden (ReLU) -> data
  size_t d_hidden = 128, d_layers = 3;  // D: data -> d_layers x d_hidden (ReLU) -> 1 logit
  std::string g_loss = "nonsaturating";  // or "saturating" (the original minimax loss)
  size_t d_steps = 1;         // D updates per G update
  size_t batch = 256;
  float lr_g = 1e-3f, lr_d = 1e-3f, beta1 = 0.5f, beta2 = 0.999f;  // Adam
  float d_dropout = 0.f;      // dropout before each of D's hidden-to-next layers (training only)
  float d_l2 = 0.f;           // L2 weight decay of D's parameters (Adam's L2 form)
  float grad_penalty = 0.f;   // R1 gamma (0: off)
  size_t pretrain_d = 0;      // D updates against the initial G before training starts
  uint64_t seed = 0;
};

class GanDiscriminator : public Module {
 public:
  GanDiscriminator(const GanConfig& cfg, Rng& rng);
  // Logits [B, 1]; dropout in training mode.
  Var forward(const Var& x);
  // The same for rows [begin, begin + B) of a batch of `total` rows (a rank's shard in
  // data-parallel training): dropout draws the whole batch's masks (nets/ops.hpp dropout_rows).
  Var forward_rows(const Var& x, size_t begin, size_t total);
  // ∇_x of sum(logits) as a differentiable function of D's parameters (built from the layers'
  // weights and the ReLU masks of x, without dropout): [B, data_dim]. For the gradient penalty.
  Var input_gradient(const Tensor& x) const;
  std::vector<std::unique_ptr<Linear>> layers;
  float dropout_p;
  Rng dropout_rng;
};

struct GanStepStats {
  double d_loss = 0, g_loss = 0, penalty = 0;
  double d_real = 0, d_fake = 0;  // mean D probability on real and generated samples
};

class Gan {
 public:
  explicit Gan(const GanConfig& cfg);
  // One D update on real [B, data_dim] and B fresh generated samples.
  GanStepStats d_step(const Tensor& real);
  // One G update on a fresh batch of noise.
  double g_step();
  // Both steps train data-parallel under MPI (nets/dist.hpp): every rank draws the whole batch's
  // noise and D's dropout masks, computes the gradient of its rows of the batch, the gradients
  // are summed over the ranks (data_parallel_backward) and every rank takes the same step; the
  // statistics are the global batch's. In a group of one they are the whole-batch steps.
  // n samples [n, data_dim] (no graph).
  Tensor sample(size_t n, Rng& rng) const;
  GanConfig cfg;
  Rng rng;  // initialisation, noise and everything else of training
  MLP generator;
  GanDiscriminator discriminator;
  Adam opt_g, opt_d;
};

// ---- 2-D mixtures and mode scores ---------------------------------------------------------------
struct Mixture {
  std::string name;
  std::vector<std::pair<float, float>> centres;
  float std = 0.f;
  // n samples [n, 2]: a uniform mode, then Gaussian noise.
  Tensor sample(size_t n, Rng& rng) const;
};
Mixture ring8();
Mixture grid25();
// "ring8" or "grid25"; ValueError otherwise.
Mixture mixture_by_name(const std::string& name);

struct ModeScore {
  size_t modes_covered = 0;
  double high_quality = 0;           // share of samples within 3σ of their nearest mode
  std::vector<size_t> per_mode;      // high-quality samples on each mode
};
ModeScore score_modes(const Mixture& m, const Tensor& samples, size_t min_count = 20);

}  // namespace seqrl::nets
