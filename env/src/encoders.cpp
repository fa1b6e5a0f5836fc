// Autoencoders as observation encoders. See encoders.hpp.
#include "seqrl/env/encoders.hpp"

#include "seqrl/env/text/text_env.hpp"

namespace seqrl::env {

AutoencoderFeatures::AutoencoderFeatures(std::shared_ptr<const nets::MlpAutoencoder> m) : model_(std::move(m)) {
  if (!model_) throw ValueError("AutoencoderFeatures: the model is null");
}

nets::Tensor AutoencoderFeatures::encode(const nets::Tensor& obs) {
  if (obs.size() != model_->cfg.in)
    throw ShapeError("AutoencoderFeatures: observation of " + std::to_string(obs.size()) + " values, the encoder reads " +
                     std::to_string(model_->cfg.in));
  nets::Tensor x = nets::Tensor::from_shape({1, model_->cfg.in});
  std::copy(obs.begin(), obs.end(), x.begin());
  nets::Tensor f = model_->features(x);
  f.reshape({model_->cfg.latent});
  return f;
}

PrefixFeatures::PrefixFeatures(std::shared_ptr<const nets::SentenceAutoencoder> m) : model_(std::move(m)) {
  if (!model_) throw ValueError("PrefixFeatures: the model is null");
}

nets::Tensor PrefixFeatures::encode(const nets::Tensor& obs) {
  const size_t n = prefix_length(obs.data(), obs.size());
  nets::IntTensor ids = nets::IntTensor::from_shape({1, std::max<size_t>(n, 1)});
  ids(0, 0) = 0;  // an empty prefix reads nothing (length 0), the id is a placeholder
  for (size_t t = 0; t < n; ++t) ids(0, t) = static_cast<int32_t>(obs.data()[t]);
  nets::Tensor f = model_->features(ids, {n});
  f.reshape({model_->cfg.latent});
  return f;
}

std::shared_ptr<Encoder> load_encoder(const std::string& path, const Space& space) {
  const nets::LoadedAutoencoder m = nets::load_autoencoder(path);
  if (m.sentence) {
    const auto* ts = dynamic_cast<const TokenSequence*>(&space);
    if (!ts || ts->vocab != int64_t(m.sentence->cfg.vocab))
      throw ValueError("encoder '" + path + "' reads token prefixes of a vocabulary of " +
                       std::to_string(m.sentence->cfg.vocab) + ", the environment observes " + space.str());
    return std::make_shared<PrefixFeatures>(m.sentence);
  }
  const nets::Shape s = space.shape();
  if (s.size() != 1 || s[0] != m.mlp->cfg.in)
    throw ValueError("encoder '" + path + "' reads vectors of " + std::to_string(m.mlp->cfg.in) +
                     " values, the environment observes " + space.str());
  return std::make_shared<AutoencoderFeatures>(m.mlp);
}

}  // namespace seqrl::env
