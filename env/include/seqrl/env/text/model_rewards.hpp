// Reward models from the generative modules, behind the same RewardModel interface as SeqGAN's
// discriminator (text_env.hpp):
//   VaeElboReward: a fitted sentence VAE's ELBO per token (z at the posterior mean, so the reward
//     is deterministic): a likelihood-based reward, like -NLL-oracle but learnt from data.
//   LatentDiscriminatorReward: a latent GAN's discriminator (seqrl fit gan --encoder) on the
//     sentence's code: P(real).
// env::make(id, {"reward_model": ...}) puts a registered reward model into a text env in place of
// its own: the registry below names every kind, and a user's own joins it with one call.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "seqrl/env/text/text_env.hpp"
#include "seqrl/nets/checkpoint.hpp"
#include "seqrl/nets/models/autoencoder.hpp"
#include "seqrl/nets/models/gan.hpp"

namespace seqrl::env {

class VaeElboReward : public RewardModel {
 public:
  explicit VaeElboReward(std::shared_ptr<const nets::SentenceAutoencoder> model);
  std::string name() const override { return "vae-elbo"; }
  std::vector<double> score(const nets::IntTensor& seqs) override;
  const nets::SentenceAutoencoder& model() const { return *model_; }

 private:
  std::shared_ptr<const nets::SentenceAutoencoder> model_;
};

class LatentDiscriminatorReward : public RewardModel {
 public:
  LatentDiscriminatorReward(std::shared_ptr<const nets::SentenceAutoencoder> encoder,
                            std::shared_ptr<nets::GanDiscriminator> d);
  std::string name() const override { return "latent-discriminator"; }
  std::vector<double> score(const nets::IntTensor& seqs) override;

 private:
  std::shared_ptr<const nets::SentenceAutoencoder> encoder_;
  std::shared_ptr<nets::GanDiscriminator> d_;
};

// ---- the reward-model registry ----------------------------------------------------------------
// A text env's option "reward_model" is "NAME", "NAME:ARG" (ARG: whatever that model takes,
// usually a checkpoint) or a bare checkpoint path, whose kind is recognised from its metadata by
// the registered kinds' `reads`. Built in: vae-elbo and latent-discriminator (seqrl fit),
// seqgan-discriminator (seqrl train --agent seqgan's checkpoint).

// What a reward model is made for: its argument and the env's vocabulary size and length.
struct RewardModelArgs {
  std::string arg;     // the text after "NAME:" (a checkpoint path for the built-in kinds); "" when none
  size_t vocab = 0;    // the env's vocabulary size
  size_t seq_len = 0;  // the env's maximum sequence length
};

struct RewardModelSpec {
  std::string name;     // reward_model's NAME (a-z, 0-9, '-')
  std::string summary;  // one line for `seqrl list reward-models`
  std::string arg;      // what ARG is, one line ("a checkpoint of seqrl fit vae"); "" = takes none
  // Builds the model. ValueError/CheckpointError naming the argument when it does not fit.
  std::function<std::shared_ptr<RewardModel>(const RewardModelArgs& a)> make;
  // Optional, for kinds read from a checkpoint: whether a checkpoint (its metadata) is of this
  // kind, so that a bare path picks it, and the model of that checkpoint, already read (without
  // load, a bare path goes to make with the path as its argument).
  std::function<bool(const std::map<std::string, std::string>& checkpoint_metadata)> reads;
  std::function<std::shared_ptr<RewardModel>(const nets::SafeTensors& checkpoint, const RewardModelArgs& a)> load;
};

// Registers (or replaces) a kind. ValueError for an empty or malformed name or no make.
void register_reward_model(RewardModelSpec spec);
// Every registered kind, in registration order.
std::vector<const RewardModelSpec*> registered_reward_models();
// The reward model that a "reward_model" option names, for an env of this vocabulary size and
// length: KeyError listing the kinds for an unknown NAME that is not a file either;
// CheckpointError naming the file for a checkpoint no kind reads.
std::shared_ptr<RewardModel> make_reward_model(const std::string& option, size_t vocab, size_t seq_len);

// The reward model of a checkpoint, by its metadata (make_reward_model of a bare path): from
// seqrl fit, a sentence VAE/AE (metadata "autoencoder") or a latent GAN (metadata "latent_gan",
// its encoder loaded from the path stored there); from seqrl train --agent seqgan, its CNN
// discriminator (P(real)). vocab and seq_len: the environment's vocabulary size and sequence
// length, checked against the model's. CheckpointError/ValueError naming the file otherwise.
std::shared_ptr<RewardModel> load_reward_model(const std::string& checkpoint, size_t vocab, size_t seq_len);

}  // namespace seqrl::env
