// Reward models from the generative modules. See model_rewards.hpp.
#include "seqrl/env/text/model_rewards.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <mutex>

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

namespace {
std::shared_ptr<RewardModel> latent_discriminator(const nets::SafeTensors& st, const std::string& path, size_t vocab) {
  nets::GanConfig g;
  std::string encoder;
  try {
    const auto j = nlohmann::json::parse(st.metadata.at("latent_gan"));
    encoder = j.at("encoder").get<std::string>();
    g.data_dim = j.at("data_dim"), g.d_hidden = j.at("d_hidden"), g.d_layers = j.at("d_layers");
  } catch (const nlohmann::json::exception& e) {
    throw CheckpointError("checkpoint '" + path + "': metadata 'latent_gan': " + e.what());
  } catch (const std::out_of_range&) {
    throw CheckpointError("checkpoint '" + path + "' is not a latent GAN of seqrl fit gan --encoder (no 'latent_gan' metadata)");
  }
  const auto enc = nets::load_autoencoder(encoder).sentence;
  if (!enc) throw CheckpointError("checkpoint '" + path + "': its encoder '" + encoder + "' is not a sentence autoencoder");
  check_vocab(*enc, vocab, encoder);
  nets::Rng rng(0);
  auto d = std::make_shared<nets::GanDiscriminator>(g, rng);
  nets::load_module_state(*d, st, "d.", path);
  return std::make_shared<LatentDiscriminatorReward>(enc, d);
}

std::shared_ptr<RewardModel> vae_elbo(const nets::SafeTensors& st, const std::string& path, size_t vocab) {
  if (!st.metadata.count("autoencoder"))
    throw CheckpointError("checkpoint '" + path + "' is not an autoencoder of seqrl fit ae|vae (no 'autoencoder' metadata)");
  const auto m = nets::load_autoencoder(st, path).sentence;
  if (!m) throw CheckpointError("checkpoint '" + path + "' holds a vector autoencoder, not a sentence model");
  check_vocab(*m, vocab, path);
  return std::make_shared<VaeElboReward>(m);
}

bool is_seqgan(const std::map<std::string, std::string>& m) {
  auto it = m.find("agent");
  return it != m.end() && it->second == "seqgan";
}

// A built-in kind read from a checkpoint file: make reads the file and hands it to load.
RewardModelSpec from_checkpoint(
    std::string name, std::string summary, std::string arg,
    std::function<std::shared_ptr<RewardModel>(const nets::SafeTensors&, const RewardModelArgs&)> load,
    std::function<bool(const std::map<std::string, std::string>&)> reads) {
  RewardModelSpec s{std::move(name), std::move(summary), std::move(arg), nullptr, std::move(reads), std::move(load)};
  s.make = [load = s.load, n = s.name](const RewardModelArgs& a) {
    if (a.arg.empty()) throw ValueError("reward model '" + n + "' needs a checkpoint: reward_model '" + n + ":PATH'");
    return load(nets::load_safetensors(a.arg), a);
  };
  return s;
}

std::mutex& reward_mutex() {
  static std::mutex m;
  return m;
}

std::vector<RewardModelSpec>& reward_table() {
  static std::vector<RewardModelSpec> t = [] {
    std::vector<RewardModelSpec> b;
    b.push_back(from_checkpoint(
        "vae-elbo", "a sentence VAE's (or AE's) ELBO per token at the posterior mean (seqrl fit vae)",
        "a sentence autoencoder checkpoint of seqrl fit ae|vae",
        [](const nets::SafeTensors& st, const RewardModelArgs& a) { return vae_elbo(st, a.arg, a.vocab); },
        [](const auto& m) { return m.count("autoencoder") > 0; }));
    b.push_back(from_checkpoint(
        "latent-discriminator", "a latent GAN's discriminator on the sentence's code: P(real) (seqrl fit gan --encoder)",
        "a latent GAN checkpoint of seqrl fit gan --encoder",
        [](const nets::SafeTensors& st, const RewardModelArgs& a) { return latent_discriminator(st, a.arg, a.vocab); },
        [](const auto& m) { return m.count("latent_gan") > 0; }));
    b.push_back(from_checkpoint(
        "seqgan-discriminator", "SeqGAN's CNN discriminator: P(real) (seqrl train --agent seqgan)",
        "a checkpoint of seqrl train --agent seqgan",
        [](const nets::SafeTensors& st, const RewardModelArgs& a) { return seqgan_discriminator(st, a.arg, a.vocab, a.seq_len); },
        is_seqgan));
    return b;
  }();
  return t;
}

bool good_name(const std::string& n) {
  if (n.empty()) return false;
  for (char ch : n)
    if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-')) return false;
  return true;
}
}  // namespace

void register_reward_model(RewardModelSpec s) {
  if (!good_name(s.name))
    throw ValueError("register_reward_model: the name '" + s.name + "' is not made of a-z, 0-9 and '-'");
  if (!s.make) throw ValueError("register_reward_model: '" + s.name + "' has no make");
  std::lock_guard<std::mutex> lk(reward_mutex());
  auto& t = reward_table();
  auto it = std::find_if(t.begin(), t.end(), [&](const RewardModelSpec& x) { return x.name == s.name; });
  if (it != t.end())
    *it = std::move(s);
  else
    t.push_back(std::move(s));
}

std::vector<const RewardModelSpec*> registered_reward_models() {
  std::lock_guard<std::mutex> lk(reward_mutex());
  std::vector<const RewardModelSpec*> v;
  for (const auto& s : reward_table()) v.push_back(&s);
  return v;
}

std::shared_ptr<RewardModel> load_reward_model(const std::string& path, size_t vocab, size_t seq_len) {
  const nets::SafeTensors st = nets::load_safetensors(path);
  std::vector<std::string> kinds;
  for (const RewardModelSpec* s : registered_reward_models()) {
    if (!s->reads) continue;
    kinds.push_back(s->name);
    if (s->reads(st.metadata)) return s->load ? s->load(st, {path, vocab, seq_len}) : s->make({path, vocab, seq_len});
  }
  std::string k;
  for (const auto& x : kinds) k += (k.empty() ? "" : ", ") + x;
  throw CheckpointError("checkpoint '" + path + "' is of no reward model kind that reads checkpoints (" + k +
                        "): neither a sentence autoencoder nor a latent GAN of seqrl fit, nor a seqrl train --agent seqgan run");
}

std::shared_ptr<RewardModel> make_reward_model(const std::string& option, size_t vocab, size_t seq_len) {
  const size_t colon = option.find(':');
  const std::string name = option.substr(0, colon);
  for (const RewardModelSpec* s : registered_reward_models())
    if (s->name == name) {
      std::shared_ptr<RewardModel> r = s->make({colon == std::string::npos ? "" : option.substr(colon + 1), vocab, seq_len});
      if (!r) throw ValueError("reward model '" + name + "' made nothing");
      return r;
    }
  struct stat sb;
  if (::stat(option.c_str(), &sb) == 0) return load_reward_model(option, vocab, seq_len);
  std::string names;
  for (const RewardModelSpec* s : registered_reward_models()) names += (names.empty() ? "" : ", ") + s->name;
  throw KeyError("option reward_model: '" + option + "' is neither a registered reward model (" + names +
                 "; NAME or NAME:ARG) nor a checkpoint file");
}

}  // namespace seqrl::env
