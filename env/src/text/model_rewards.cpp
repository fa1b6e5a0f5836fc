// Reward models from the generative modules. See model_rewards.hpp.
#include "seqrl/env/text/model_rewards.hpp"

#include <cmath>

#include <nlohmann/json.hpp>

#include "seqrl/env/text/text_env.hpp"
#include "seqrl/nets/checkpoint.hpp"
#include "seqrl/nets/models/discriminator.hpp"

namespace seqrl::env {

VaeElboReward::VaeElboReward(std::shared_ptr<const nets::SentenceAutoencoder> m) : model_(std::move(m)) {
  if (!model_) throw ValueError("VaeElboReward: the model is null");
}

std::vector<double> VaeElboReward::score(const nets::IntTensor& seqs) {
  const nets::SentenceAutoencoder::RowElbo r = model_->elbo(seqs);
  std::vector<double> s(r.elbo.size());
  for (size_t i = 0; i < s.size(); ++i) s[i] = r.tokens[i] > 0 ? r.elbo[i] / r.tokens[i] : 0.0;
  return s;
}

LatentDiscriminatorReward::LatentDiscriminatorReward(std::shared_ptr<const nets::SentenceAutoencoder> e,
                                                     std::shared_ptr<nets::GanDiscriminator> d)
    : encoder_(std::move(e)), d_(std::move(d)) {
  if (!encoder_ || !d_) throw ValueError("LatentDiscriminatorReward: the encoder or the discriminator is null");
  d_->eval();
}

std::vector<double> LatentDiscriminatorReward::score(const nets::IntTensor& seqs) {
  nets::NoGrad ng;
  const nets::Tensor z = encoder_->encode(seqs).mu.value();
  const nets::Tensor l = d_->forward(nets::Var(z)).value();
  std::vector<double> s(l.size());
  for (size_t i = 0; i < s.size(); ++i) s[i] = 1.0 / (1.0 + std::exp(-double(l.data()[i])));
  return s;
}

namespace {
void check_vocab(const nets::SentenceAutoencoder& m, size_t vocab, const std::string& path) {
  if (m.cfg.vocab != vocab)
    throw ValueError("reward model '" + path + "' reads a vocabulary of " + std::to_string(m.cfg.vocab) +
                     " tokens, the environment's has " + std::to_string(vocab));
}
}  // namespace

namespace {
// The discriminator of a `seqrl train --agent seqgan` checkpoint (tensors "gan.disc.*"): its sizes
// from the stored tensors, its filter order from the stored config.
std::shared_ptr<RewardModel> seqgan_discriminator(const nets::SafeTensors& st, const std::string& path,
                                                  size_t vocab, size_t seq_len) {
  nets::DiscriminatorConfig dc;
  const auto it = st.tensors.find("gan.disc.embedding.weight");
  if (it == st.tensors.end())
    throw CheckpointError("checkpoint '" + path + "' has no 'gan.disc.embedding.weight'");
  const nets::Tensor& emb = it->second;
  if (emb.dimension() != 2 || emb.shape()[0] != vocab)
    throw CheckpointError("checkpoint '" + path + "': its discriminator's embedding is " + shape_str(emb.shape()) +
                          ", not [" + std::to_string(vocab) + ", E] for this environment's vocabulary");
  dc.vocab = vocab;
  dc.emb = emb.shape()[1];
  dc.seq_len = seq_len;
  std::vector<size_t> order;
  try {
    const auto cfg = nlohmann::json::parse(nets::required_metadata(st, "config", path));
    order = cfg.at("gan").at("disc").at("filter_sizes").get<std::vector<size_t>>();
  } catch (const nlohmann::json::exception& e) {
    throw CheckpointError("checkpoint '" + path + "': its 'config' metadata: " + e.what());
  }
  dc.filter_sizes.clear(), dc.num_filters.clear();
  for (size_t k : order) {
    auto conv = st.tensors.find("gan.disc.conv" + std::to_string(k) + ".weight");
    if (conv == st.tensors.end()) continue;  // dropped for the task's length
    if (k > seq_len)
      throw CheckpointError("checkpoint '" + path + "': its discriminator has filters of " + std::to_string(k) +
                            " tokens, longer than this environment's sequences of " + std::to_string(seq_len));
    dc.filter_sizes.push_back(k);
    dc.num_filters.push_back(conv->second.shape()[2]);
  }
  nets::Rng rng(0);
  auto d = std::make_shared<nets::Discriminator>(dc, rng);
  nets::load_module_state(*d, st, "gan.disc.", path);
  return std::make_shared<DiscriminatorReward>(d);
}
}  // namespace

std::shared_ptr<RewardModel> load_reward_model(const std::string& path, size_t vocab, size_t seq_len) {
  const nets::SafeTensors st = nets::load_safetensors(path);
  if (auto it = st.metadata.find("agent"); it != st.metadata.end() && it->second == "seqgan")
    return seqgan_discriminator(st, path, vocab, seq_len);
  if (st.metadata.count("latent_gan")) {
    nets::GanConfig g;
    std::string encoder;
    try {
      const auto j = nlohmann::json::parse(st.metadata.at("latent_gan"));
      encoder = j.at("encoder").get<std::string>();
      g.data_dim = j.at("data_dim"), g.d_hidden = j.at("d_hidden"), g.d_layers = j.at("d_layers");
    } catch (const nlohmann::json::exception& e) {
      throw CheckpointError("checkpoint '" + path + "': metadata 'latent_gan': " + e.what());
    }
    const auto enc = nets::load_autoencoder(encoder).sentence;
    if (!enc) throw CheckpointError("checkpoint '" + path + "': its encoder '" + encoder + "' is not a sentence autoencoder");
    check_vocab(*enc, vocab, encoder);
    nets::Rng rng(0);
    auto d = std::make_shared<nets::GanDiscriminator>(g, rng);
    nets::load_module_state(*d, st, "d.", path);
    return std::make_shared<LatentDiscriminatorReward>(enc, d);
  }
  if (!st.metadata.count("autoencoder"))
    throw CheckpointError("checkpoint '" + path + "' is neither a sentence autoencoder nor a latent GAN of seqrl fit, "
                          "nor a seqrl train --agent seqgan run");
  const auto m = nets::load_autoencoder(st, path).sentence;
  if (!m) throw CheckpointError("checkpoint '" + path + "' holds a vector autoencoder, not a sentence model");
  check_vocab(*m, vocab, path);
  return std::make_shared<VaeElboReward>(m);
}

}  // namespace seqrl::env
