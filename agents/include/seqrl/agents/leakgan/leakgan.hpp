// LeakGAN (Guo et al., AAAI 2018, "Long Text Generation via Adversarial Training with Leaked
// Information"), as the paper describes it, on SeqGAN's discriminator and rollout machinery; the
// generator is nets/models/leakgan.hpp.
//
// Training (the paper's algorithm, the default):
//   Q        Monte-Carlo rollouts every c tokens: Q[b, j] = mean over R completions (by the current
//            generator, with the leak) of D(prefix of length min((j+1)c, T) completed); the last
//            block's Q is D of the whole sequence. Token t belongs to block j = t / c.
//   rescale  the bootstrapped rescaled activation: within each block j, the batch's Q values are
//            ranked (a real sort; ties share the mean of their ranks) and rank r of B (0 = the
//            highest) maps to sigmoid(delta (0.5 - r / B)), delta = 16.
//   manager  minimises -(1/N) sum_{b, t <= T-c} Q[b, t/c] cos(f_{t+c} - f_t, g_t)
//   worker   policy gradient, minimising (1/(B T)) sum_{b,t} (Q[b, t/c] + alpha r^I_{b,t}) (-log p(y_t))
//            with the intrinsic reward r^I_{b,t} = (1/c) sum_{i=1..c} cos(f_{t+1} - f_{t+1-i}, g_{t+1-i})
//   pre-training, interleaved: rounds of (D rounds on fresh negatives, then G epochs of worker MLE
//            and the manager's cosine loss with Q = 1 on real data); then adversarial batches
//            (one g-step, then d_steps rounds of fresh negatives x d_epochs).
//
// The reference implementation (CR-Gjx/LeakGAN) departs from the paper (docs/leakgan.md); the
// `reference` variant reproduces what changes numbers: goals held for blocks of c tokens and w_t
// l2-normalised; both adversarial losses reduced to batch scalars (tf.losses.cosine_distance
// returns a scalar: the worker's loss is -mean cos x mean log p of its own samples, no
// per-token reward; the manager's -mean cos x mean Q); the "rank" rescale by the sample's
// position in the batch (first appearance of each distinct score), divided by the rollout count,
// so the mean reward is a constant; evaluation samples and D's negatives drawn with logits x 1.5
// (temperature 2/3); on the oracle, D's positives drawn afresh from the oracle for every D round
// (G's MLE keeps the first set, as there).
#pragma once

#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "seqrl/agents/agent.hpp"
#include "seqrl/agents/early_stopping_state.hpp"
#include "seqrl/agents/text_policy.hpp"
#include "seqrl/nets/checkpoint.hpp"
#include "seqrl/nets/models/leakgan.hpp"
#include "seqrl/nets/optim.hpp"
#include "seqrl/text/oracle.hpp"
#include "seqrl/text/tasks.hpp"

namespace seqrl::agents {

struct LeakGANConfig {
  std::string protocol = "fast";     // the preset it started from
  std::string variant = "paper";     // "paper" or "reference" (see above)
  size_t emb = 32, hidden = 32;      // worker embedding and LSTMs (LeakGAN at length 40: 64, 64)
  size_t goal_size = 16, step_size = 4;
  std::string goal_window = "sliding";  // the reference variant: "block"
  bool normalize_w = false;             // the reference variant: true
  // The scoring path's goals one prefix later than sampling's, as LeakGAN's code's teacher-forced
  // graph has them (nets::LeakGANGeneratorConfig::score_goal_shift). Off in both variants (the
  // reference runs of docs/results.md were made without it, and measured it does not bring them
  // nearer LeakGAN's logs: docs/leakgan.md)
  bool score_goal_shift = false;
  // The same shift in the g-steps alone, from the first adversarial batch on, the pre-training
  // scored without it: what the shift does to the adversarial phase from one pre-trained
  // generator (a saved pre-training of the same configuration without it is resumed). Off in both
  bool adversarial_goal_shift = false;
  float init_std = 0.1f;
  // The manager's cosine: "step" (the paper's, cos(f_{t+c} - f_t, g_t) for every t), or "block"
  // (LeakGAN's code: for each block k, cos(f_{(k+1)c} - f_{kc}, G_k), G_k the sum of goals the
  // worker's block k reads as the losses score it, goal_init's for the first block; its
  // sub_feature and real_goal_array). Both variants: "step" (the reference runs of
  // docs/results.md were made with it)
  std::string manager_loss = "step";
  // The goals before the first: "fixed" (one unit vector, not trained) or "learned" (one per
  // batch slot, batch rows, trained by the manager's optimizer where its loss reads them: the
  // block form's first block; LeakGAN's code's goal_init). Both variants: "fixed"
  std::string goal_init = "fixed";
  // The reference variant's worker scalar (its worker loss is -scalar x mean log p of its own
  // samples): "intrinsic" (the batch mean of the intrinsic reward) or "block" (LeakGAN's code's
  // Worker_Reward: the mean over (b, t) of cos(f_{t+1} - f_{c floor(t/c)}, G_t), each token's
  // feature change since its block's start against the goal sum it is scored with). "intrinsic"
  // in the reference variant (its runs in docs/results.md were made with it); the paper variant
  // weighs each token by its own intrinsic reward and refuses "block"
  std::string worker_cosine = "intrinsic";
  float g_lr = 0.0015f;              // both generator Adams (LeakGAN's code at length 20)
  float adversarial_lr = 0.f;        // their rate from the first g-step on (0 = g_lr)
  float clip = 5.f;                  // per optimizer (LeakGAN's code)
  float alpha = 1.f;                 // weight of the intrinsic reward
  std::string rescale;               // "rank" (paper), "position" (reference), "none" (raw Q); "" = the variant's
  float delta = 16.f;                // the rescale's slope
  size_t batch = 64;
  nets::DiscriminatorConfig disc;    // vocab and seq_len are set from the data
  // D's first draws: "default" (PyTorch's layer defaults, an N(0, 1) embedding) or "reference"
  // (SeqGAN's and LeakGAN's TensorFlow code: nets::reference_init). Off in both variants (the
  // reference runs of docs/results.md were made without it)
  std::string disc_init = "default";
  // The leak's padding: "zero" (positions not generated yet embedded as zero vectors) or "random"
  // (a fixed U(-1, 1) row, never trained, as LeakGAN's code pads with row 0 of its [V + 1, E]
  // table: nets::Discriminator::leak_pad). Off in both variants, for the same reason
  std::string leak_pad = "zero";
  float d_lr = 5e-5f;
  size_t pretrain_rounds = 10, pretrain_d_rounds = 5, pretrain_g_epochs = 8;  // per round
  // early stopping of G's pre-training: the last `validation` real sequences (at most a tenth) are held out of G's
  // epochs; after `patience` epochs without a better validation NLL, G goes back to its best
  // epoch and pre-trains no more (D's rounds go on). 0 = off (LeakGAN's code: off)
  size_t validation = 0, patience = 2;
  size_t d_epochs = 3;
  size_t negatives = 0;              // per D round (0 = as many as real sequences)
  size_t total_batches = 800;
  size_t rollouts = 4;
  size_t d_steps = 5;                // D rounds after each g-step
  float sample_temperature = 1.f;    // evaluation samples and D's negatives (reference: 2/3)
  // The first two tokens of the episodes acted in the env, which the g-steps learn from. LeakGAN's
  // code draws them at logits x 1.5 even in training (`generate(sess, 1.0, train=1)` scales the
  // rest by 1.0), and scores them at x 1.0: where the reward is one scalar for the batch, as in
  // the reference variant's worker, and one distribution samples and scores, that is the one
  // systematic pull of its g-step on the worker (the expected gradient of log p over tokens drawn
  // from p is zero; see score_goal_shift for the code's other). The reference variant: 2/3
  float first_tokens_temperature = 1.f;
  // D's positives: false = the task's fixed training set (the paper's GAN setting); true = on a
  // task with an oracle, as many fresh oracle samples for every D round (the reference's Main.py
  // writes a new positive file each round); without an oracle the fixed set either way
  bool fresh_positives = false;      // the reference variant: true
  // The g-steps' Adam (manager and worker) starts afresh at the first adversarial batch, its
  // moments zero, as in the reference code, whose adversarial updates have their own optimizers
  // apart from pre-training's (so its first g-step moves every weight by about the rate); false:
  // pre-training's moments carry on into the g-steps. The reference variant: true
  bool fresh_adversarial_adam = false;
  // G's pre-training data shuffled every epoch; false: the one order the data came in, every
  // epoch, as LeakGAN's code's loader walks it (its Gen_Data_loader)
  bool pretrain_shuffle = true;
  size_t eval_every = 10;            // adversarial batches between NLL-oracle figures (0 = never)
  // Where in an adversarial batch the figure is taken: "batch" (after its D rounds: nll_oracle),
  // "g-step" (after its g-step, before its D rounds, where LeakGAN's and SeqGAN's code log it:
  // nll_oracle_before_d), or "both". D's rounds change the features leaked to the generator, so
  // the two differ for LeakGAN. Their samples come from one evaluation stream, apart from training.
  std::string eval_point = "batch";
  // NLL-oracle in pre-training, after epochs e = 0, n, 2n, ... (0-based) of each round's G
  // epochs (the reference code's log: n = 5); 0 = never. Its samples come from their own random
  // stream: training is the same with it on or off
  size_t pretrain_eval_every = 0;
  size_t eval_samples = 9984;
  uint64_t seed = 1;
};
void to_json(nlohmann::json& j, const LeakGANConfig& c);
void from_json(const nlohmann::json& j, LeakGANConfig& c);

// "paper": LeakGAN's code's synthetic protocol at length 20 (10 x (5 D rounds, 8 G epochs), 800
// adversarial batches); "paper40": its length-40 settings (embedding and LSTMs 64, generator Adam
// 5e-4, D with a 30-wide filter of 160 more: 1,880 features); "fast": the paper pipeline,
// smaller, for about 20 minutes here. A "-reference" suffix, or variant "reference", switches the
// settings listed above.
LeakGANConfig leakgan_protocol(const std::string& name, const std::string& variant = "paper");

// Ranks of x within the batch, 0 = the highest; ties get the mean of their ranks.
std::vector<double> descending_ranks(const std::vector<double>& x);
// The paper's rescale of one block's rewards: sigmoid(delta (0.5 - rank / B)).
std::vector<double> rescale_by_rank(const std::vector<double>& q, double delta);
// The reference code's: by first appearance of each distinct value (idx = 1, 2, ...),
// sigmoid(delta (idx / B - 0.5)) / rollouts.
std::vector<double> rescale_by_position(const std::vector<double>& q, double delta, size_t rollouts);
// Spearman's rank correlation (ties by mean ranks); 0 when either side is constant.
double spearman(const std::vector<double>& a, const std::vector<double>& b);

class LeakGAN {
 public:
  LeakGAN(const LeakGANConfig& cfg, nets::IntTensor real, size_t vocab, const text::Oracle* oracle);
  using Log = std::function<void(const std::string&, long, const std::string&, double)>;
  // The interleaved pre-training, from the round after the last one done (none on a new LeakGAN;
  // load_state restores where a saved one stood), calling after_round() after each round
  // (LeakGANAgent saves the state there when asked to).
  void pretrain(const Log& log, const std::function<void()>& after_round = {});
  size_t pretrain_rounds_done() const { return pre_.rounds_done; }
  // Raw Q [B, blocks] by rollouts, and the rewards after the rescale.
  nets::Tensor q_values(const nets::IntTensor& seqs);
  nets::Tensor rescale(const nets::Tensor& q) const;
  // The losses of a batch (graph kept): rewards [B, blocks] (rescaled) weight them; mle: real
  // data (rewards unused: the worker's mean NLL, the manager's cosine with Q = 1). lengths: the
  // tokens the policy chose per row; later ones are not scored.
  struct Losses {
    nets::Var manager, worker;
    double mean_intrinsic = 0;  // over these rows
    double worker_cosine = 0;   // the reference variant's worker scalar over these rows (worker_cosine)
  };
  // The reference variant's batch scalars when seqs are a rank's rows of a larger batch: the whole
  // batch's mean reward, and a map from these rows' mean of the worker scalar to the whole batch's
  // (a collective: every rank with rows calls it). Null: seqs are the whole batch.
  struct WholeBatch {
    double mean_reward = 0;
    std::function<double(double)> batch_mean;
  };
  Losses losses(const nets::IntTensor& seqs, const nets::Tensor& rewards, bool mle,
                const std::vector<size_t>* lengths = nullptr, const WholeBatch* whole = nullptr);
  // One generator update from both losses (each optimizer clipped on its own).
  void step_generator(const Losses& l);
  // losses() then step_generator() on seqs [B, T]. Under MPI each rank computes the losses of its
  // rows of the batch (the per-row weights are the batch's; the parts add up to the whole) and
  // the gradients are summed in rank order; the reference variant's adversarial losses scale by
  // the whole batch's mean reward and worker scalar (the second summed over the ranks
  // during the forward pass). The values are the whole batch's on every rank.
  struct StepValues {
    double worker = 0, manager = 0, mean_intrinsic = 0, worker_cosine = 0;
  };
  StepValues train_generator(const nets::IntTensor& seqs, const nets::Tensor& rewards, bool mle,
                             const std::vector<size_t>* lengths = nullptr);
  // One adversarial g-step on sequences [B, T] (lengths: tokens the policy chose; later ones get
  // no gradient). Returns {mean D of the sequences, mean rescaled reward, rank correlation
  // between the rescaled reward and the raw Q, mean intrinsic reward}.
  std::map<std::string, double> g_step_on(const nets::IntTensor& seqs, const std::vector<size_t>* lengths = nullptr);
  // The fresh negatives of a d-step (as many as cfg.negatives, or as the real sequences when it
  // is 0); under MPI each rank samples its share of the rows, and all have the whole.
  nets::IntTensor negatives();
  // Fresh negatives, then `epochs` passes over real + negatives; the mean loss.
  double d_step(size_t epochs);
  // New Adam optimizers for the manager and the worker (moments zero) at the g-steps' rate
  void restart_generator_optimizers();
  double nll_oracle();
  double nll_of(const nets::IntTensor& data);
  void save_state(std::map<std::string, nets::Tensor>& tensors, std::map<std::string, std::string>& metadata,
                  const std::string& prefix) const;
  void load_state(const nets::SafeTensors& st, const std::string& prefix, const std::string& path);

  LeakGANConfig cfg;
  nets::Rng rng;
  nets::Discriminator disc;
  nets::LeakGANGenerator gen;

 private:
  void clip_and_step();
  nets::IntTensor real_;
  const text::Oracle* oracle_;
  std::unique_ptr<nets::Adam> m_opt_, w_opt_, d_opt_;
  nets::Rng shuffle_rng_, eval_rng_, positives_rng_;
  // Where the pre-training stands (saved and loaded with the state): rounds and G epochs done,
  // whether early stopping has ended G's epochs, its count, and its best epoch's generator and
  // optimizers (kept only while the pre-training runs)
  struct PretrainProgress {
    size_t rounds_done = 0;
    long epochs = 0;
    bool stopped = false;
    detail::EarlyStoppingState early;
  };
  PretrainProgress pre_;
  nets::SafeTensors pre_best_;
  // D's positives for a round: real_, or fresh oracle samples (fresh_positives)
  nets::IntTensor fresh_positives();
};

struct LeakGANAgentConfig {
  LeakGANConfig gan = leakgan_protocol("fast");
  std::string env_id;
  nlohmann::json env_options = nlohmann::json::object();
  size_t samples = 10000;
  // g-steps after which the agent is done (Agent::done) and the runner ends the run; 0 = run to
  // --steps. Set to the protocol's total_batches when the run was started with --steps 0.
  size_t stop_after_batches = 0;
  // A file the interleaved pre-training is saved to (atomically) after every round, and resumed
  // from when it exists (the paper protocols' pre-training is hours on one core): a stop asked
  // for during the pre-training (Ctrl-C, SIGTERM) takes effect after the round, with Interrupted.
  // Empty: none, and a stop takes effect when the pre-training ends.
  std::string pretrain_checkpoint;
};
void to_json(nlohmann::json& j, const LeakGANAgentConfig& c);
void from_json(const nlohmann::json& j, LeakGANAgentConfig& c);

// LeakGAN under the runner, as SeqGANAgent: pre-trains before its first action, acts with the
// generator (the leak recomputed from each prefix), and turns every `batch` finished episodes into
// a g-step and d_steps D rounds.
class LeakGANAgent : public Agent {
 public:
  static std::unique_ptr<LeakGANAgent> for_spaces(const env::Space& obs, const env::Space& act,
                                                  const LeakGANAgentConfig& cfg);
  LeakGANAgent(const LeakGANAgentConfig& cfg, text::TextTask task);
  std::string name() const override { return "leakgan"; }
  std::vector<env::Action> act(const nets::Tensor& obs, bool deterministic) override;
  void observe(const Transitions& t) override { episodes_.observe(t); }
  Metrics update() override;
  void save_state(nets::SafeTensors& out) const override;
  void load_state(const nets::SafeTensors& in, const std::string& path) override;
  long updates() const override { return batches_; }
  bool done() const override { return cfg.stop_after_batches && batches_ >= long(cfg.stop_after_batches); }
  nets::IntTensor sample_text(size_t n, nets::Rng& rng, float temperature) const override;
  nets::Tensor text_log_probs(const nets::IntTensor& seqs, float temperature) const override;
  bool generates_text() const override { return true; }
  LeakGAN& gan() { return *gan_; }
  // The interleaved pre-training, once (before the first action), from cfg.pretrain_checkpoint
  // when it exists.
  void pretrain();

  LeakGANAgentConfig cfg;

 private:
  text::TextTask task_;
  std::unique_ptr<LeakGAN> gan_;
  bool pretrained_ = false;
  long batches_ = 0;
  // the pre-training's figures for the first metrics line (saved with cfg.pretrain_checkpoint):
  // the last epoch's and D round's, the best validation NLL, NLL-oracle by G epochs run
  struct PretrainFigures {
    double nll = 0, cos = 0, dl = 0, best = -1;
    long epochs = 0;
    Metrics curve;
  } figures_;
  void save_pretraining() const;
  void resume_pretraining();
  Metrics pending_;
  TextEpisodes episodes_;
};

struct AgentSpec;
AgentSpec leakgan_agent_spec();

}  // namespace seqrl::agents
