// Reward models from the generative modules, behind the same RewardModel interface as SeqGAN's
// discriminator (text_env.hpp):
//   VaeElboReward: a fitted sentence VAE's ELBO per token (z at the posterior mean, so the reward
//     is deterministic): a likelihood-based reward, like -NLL-oracle but learnt from data.
//   LatentDiscriminatorReward: a latent GAN's discriminator (seqrl fit gan --encoder) on the
//     sentence's code: P(real).
// env::make(id, {"reward_model": checkpoint}) puts either into a text env in place of its own.
#pragma once

#include <memory>
#include <string>

#include "seqrl/env/text/text_env.hpp"
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

// The reward model of a checkpoint: from seqrl fit, a sentence VAE/AE (metadata "autoencoder")
// or a latent GAN (metadata "latent_gan", its encoder loaded from the path stored there); from
// seqrl train --agent seqgan, its CNN discriminator (P(real)). vocab and seq_len: the
// environment's vocabulary size and sequence length, checked against the model's.
// CheckpointError/ValueError naming the file otherwise.
std::shared_ptr<RewardModel> load_reward_model(const std::string& checkpoint, size_t vocab, size_t seq_len);

}  // namespace seqrl::env
