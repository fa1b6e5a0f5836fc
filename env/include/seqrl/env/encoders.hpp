// Trained autoencoders as observation encoders (env::ObservationEncoder): an agent acts on the
// latent features (the posterior mean) instead of the raw observation.
//   AutoencoderFeatures: a flat observation of the MLP autoencoder's input width -> [latent].
//   PrefixFeatures: a text env's token prefix (TokenSequence, -1 after the prefix) -> the sentence
//     autoencoder's code of the prefix [latent] (an empty prefix: the code of the zero state).
// env::make(id, {"encoder": "DIR/checkpoint.safetensors"}) wraps any registered env with the
// encoder of a checkpoint written by seqrl fit ae|vae.
#pragma once

#include <memory>
#include <string>

#include "seqrl/env/wrappers.hpp"
#include "seqrl/nets/models/autoencoder.hpp"

namespace seqrl::env {

class AutoencoderFeatures : public Encoder {
 public:
  explicit AutoencoderFeatures(std::shared_ptr<const nets::MlpAutoencoder> model);
  nets::Tensor encode(const nets::Tensor& obs) override;
  nets::Shape feature_shape() const override { return {model_->cfg.latent}; }

 private:
  std::shared_ptr<const nets::MlpAutoencoder> model_;
};

class PrefixFeatures : public Encoder {
 public:
  explicit PrefixFeatures(std::shared_ptr<const nets::SentenceAutoencoder> model);
  nets::Tensor encode(const nets::Tensor& obs) override;
  nets::Shape feature_shape() const override { return {model_->cfg.latent}; }

 private:
  std::shared_ptr<const nets::SentenceAutoencoder> model_;
};

// The encoder of an autoencoder checkpoint (nets::load_autoencoder), checked against the
// observation space it will read: a flat Box of the MLP's input width, or a TokenSequence of the
// sentence model's vocabulary. ValueError naming the file and both shapes otherwise.
std::shared_ptr<Encoder> load_encoder(const std::string& checkpoint, const Space& observation_space);

}  // namespace seqrl::env
