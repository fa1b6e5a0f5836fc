// `seqrl generate`: samples from a saved generator, as words when its vocabulary file is beside
// it. (The language model itself is fitted by `seqrl fit lm`.)
#include <chrono>
#include <fstream>

#include <nlohmann/json.hpp>

#include "cli_detail.hpp"
#include "seqrl/nets/models/autoencoder.hpp"
#include "seqrl/agents/factory.hpp"
#include "seqrl/agents/generator_file.hpp"
#include "seqrl/agents/run_dir.hpp"
#include "seqrl/agents/mle/mle_trainer.hpp"
#include "seqrl/agents/runner.hpp"
#include "seqrl/agents/seqgan/seqgan.hpp"
#include "seqrl/agents/reinforce/reinforce_lstm.hpp"
#include "seqrl/env/registry.hpp"
#include "seqrl/env/text/text_env.hpp"
#include "seqrl/nets/checkpoint.hpp"
#include "seqrl/text/vocab.hpp"

namespace po = boost::program_options;

namespace seqrl::cli {

namespace {
// A generator saved by `seqrl fit lm` (its config in the metadata) and its vocabulary, if any; or
// the generator of a saved agent, which owns it.
struct Saved {
  std::unique_ptr<nets::LSTMGenerator> gen;
  std::unique_ptr<agents::Agent> agent;
  std::unique_ptr<text::Vocabulary> vocab;
  nets::IntTensor sample(size_t n, nets::Rng& rng, float temperature) const {
    return gen ? gen->sample(n, rng, temperature) : agent->sample_text(n, rng, temperature);
  }
};
// A generator inside a `seqrl train` checkpoint (reinforce-lstm, seqgan): the run's env, named
// in the checkpoint, gives the spaces to rebuild the agent and the words behind the ids.
Saved load_agent_generator(const std::string& path, const nets::SafeTensors& st) {
  const agents::RunConfig run = agents::run_config_of(st, path);
  auto probe = env::make(run.env_id, run.env_options);
  Saved s;
  s.agent = agents::load_agent(st, path, probe->observation_space(), probe->action_space());
  if (!s.agent->generates_text())
    throw ConfigError("seqrl generate: checkpoint '" + path + "' holds a '" + s.agent->name() +
                      "' agent, which has no generator (mle, reinforce-lstm, seqgan and leakgan have)");
  if (const auto* te = dynamic_cast<const env::TextGenEnv*>(probe.get()); te && te->words())
    s.vocab = std::make_unique<text::Vocabulary>(*te->words());
  return s;
}

Saved load_generator(const std::string& path) {
  const nets::SafeTensors st = nets::load_safetensors(path);
  if (st.metadata.count("run.config")) return load_agent_generator(path, st);  // seqrl train
  if (auto k = st.metadata.find("fit.kind"); k != st.metadata.end() && k->second == "lm")
    throw ConfigError("seqrl generate: '" + path + "' is the training state of seqrl fit lm; its generator is '" +
                      agents::dir_of(path) + "/generator.safetensors'");
  const agents::GeneratorFileInfo info = agents::generator_file_info(st, path);
  nets::Rng rng(0);
  Saved s;
  s.gen = std::make_unique<nets::LSTMGenerator>(info.cfg, rng);
  nets::load_checkpoint(st, path, *s.gen);  // the file read once
  if (!info.vocab_path.empty()) s.vocab = std::make_unique<text::Vocabulary>(text::Vocabulary::load(info.vocab_path));
  return s;
}
}  // namespace

std::string decode_lines(const nets::IntTensor& ids, const text::Vocabulary* vocab, bool past_eos) {
  std::string out;
  const size_t n = ids.shape()[0], T = ids.shape()[1];
  for (size_t i = 0; i < n; ++i) {
    if (vocab && past_eos) {  // Texygen's code_to_text: drop every end token, keep what follows
      bool first = true;
      for (size_t t = 0; t < T; ++t) {
        const int32_t id = ids(i, t);
        if (id == text::Vocabulary::kEos || id == text::Vocabulary::kPad || id == text::Vocabulary::kBos) continue;
        out += (first ? "" : " ") + vocab->token(id);
        first = false;
      }
    } else if (vocab) {
      const text::Sentence s = vocab->decode(ids.data() + i * T, T);
      for (size_t k = 0; k < s.size(); ++k) out += (k ? " " : "") + s[k];
    } else {
      for (size_t t = 0; t < T; ++t) out += (t ? " " : "") + std::to_string(ids(i, t));
    }
    out += "\n";
  }
  return out;
}

int generate_command(const std::vector<std::string>& args, std::ostream& out, std::ostream&) {
  std::string checkpoint, out_file;
  size_t n = 100;
  uint64_t seed = 1;
  bool past_eos = false;
  float temperature = 1.f;
  po::options_description d("seqrl generate options");
  d.add_options()
      ("checkpoint", po::value(&checkpoint)->default_value(checkpoint), "generator.safetensors written by seqrl fit lm, or a seqrl train checkpoint of an mle, reinforce-lstm, seqgan or leakgan agent (or the run folder holding either)")
      ("n", po::value(&n)->default_value(n), "sentences to sample")
      ("seed", po::value(&seed)->default_value(seed), "sampling seed")
      ("temperature", po::value(&temperature)->default_value(temperature), "sample from softmax(logits / t) (LeakGAN's and Texygen's code: 2/3, logits x 1.5)")
      ("out", po::value(&out_file)->default_value(out_file), "file to write (empty = standard output)")
      ("past-eos", po::bool_switch(&past_eos), "decode as Texygen's code_to_text does: drop the end tokens and keep the words sampled after them (default: stop at the first)");
  po::variables_map vm;
  if (parse_args("generate", d, args, vm, &out)) return 0;
  require(!checkpoint.empty(), "generate", "give --checkpoint FILE");
  require(n > 0, "generate", "--n must be positive");
  require(temperature > 0.f, "generate", "--temperature must be positive");
  // a fit lm folder's generator, or a train run's checkpoint
  Saved s = load_generator(file_in_run_folder(checkpoint, {"generator.safetensors", "checkpoint.safetensors"}, "generate"));
  nets::Rng rng(seed);
  const std::string text = decode_lines(s.sample(n, rng, temperature), s.vocab.get(), past_eos);
  if (out_file.empty())
    out << text;
  else
    nets::write_file_atomic(out_file, text);
  return 0;
}

}  // namespace seqrl::cli
