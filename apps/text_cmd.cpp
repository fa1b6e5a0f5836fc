// `seqrl mle` (an LSTM language model on a text corpus by maximum likelihood, Texygen's MLE
// baseline) and `seqrl generate` (samples from a saved generator, as words when its vocabulary
// file is beside it).
#include <chrono>
#include <fstream>

#include <nlohmann/json.hpp>

#include "cli_detail.hpp"
#include "seqrl/nets/models/autoencoder.hpp"
#include "seqrl/agents/factory.hpp"
#include "seqrl/agents/mle.hpp"
#include "seqrl/agents/runner.hpp"
#include "seqrl/agents/seqgan_agent.hpp"
#include "seqrl/agents/sequence_pg.hpp"
#include "seqrl/env/registry.hpp"
#include "seqrl/env/text/text_env.hpp"
#include "seqrl/nets/checkpoint.hpp"
#include "seqrl/text/vocab.hpp"

namespace po = boost::program_options;

namespace seqrl::cli {

namespace {
std::string dirname_of(const std::string& path) {
  const auto k = path.rfind('/');
  return k == std::string::npos ? "." : path.substr(0, k);
}

// A generator saved by `seqrl mle` (its config in the metadata) and its vocabulary, if any; or
// the generator of a saved agent, which owns it.
struct Saved {
  std::unique_ptr<nets::LSTMGenerator> gen;
  std::unique_ptr<agents::Agent> agent;
  std::unique_ptr<text::Vocabulary> vocab;
  nets::IntTensor sample(size_t n, nets::Rng& rng) const { return gen ? gen->sample(n, rng) : agent->sample_text(n, rng, 1.f); }
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
  nets::LSTMGeneratorConfig g;
  auto need = [&](const char* k) { return std::stoul(nets::required_metadata(st, k, path)); };
  g.vocab = need("vocab");
  g.emb = need("emb");
  g.hidden = need("hidden");
  g.seq_len = need("seq_len");
  g.start_token = static_cast<int32_t>(need("start_token"));
  nets::Rng rng(0);
  Saved s;
  s.gen = std::make_unique<nets::LSTMGenerator>(g, rng);
  nets::load_checkpoint(path, *s.gen);
  if (auto it = st.metadata.find("vocab_file"); it != st.metadata.end() && !it->second.empty())
    s.vocab = std::make_unique<text::Vocabulary>(text::Vocabulary::load(dirname_of(path) + "/" + it->second));
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

int mle_command(const std::vector<std::string>& args, std::ostream& out, std::ostream* help_out) {
  std::string corpus, test, tokenizer = "nltk", out_dir;
  size_t epochs = 80, emb = 32, hidden = 32, batch = 64, samples = 2000, min_freq = 1;
  float lr = 0.01f;
  uint64_t seed = 1;
  po::options_description d("seqrl mle options (Texygen's MLE on COCO: emb 32, hidden 32, 80 epochs)");
  d.add_options()
      ("corpus", po::value(&corpus)->default_value(corpus), "training text, one sentence per line")
      ("test", po::value(&test)->default_value(test), "held-out text: NLL-test after every epoch")
      ("tokenizer", po::value(&tokenizer)->default_value(tokenizer), "whitespace or nltk")
      ("min-freq", po::value(&min_freq)->default_value(min_freq), "vocabulary frequency cutoff")
      ("epochs", po::value(&epochs)->default_value(epochs), "MLE epochs")
      ("emb", po::value(&emb)->default_value(emb), "embedding width")
      ("hidden", po::value(&hidden)->default_value(hidden), "LSTM width")
      ("batch", po::value(&batch)->default_value(batch), "sentences per update")
      ("lr", po::value(&lr)->default_value(lr), "Adam learning rate")
      ("samples", po::value(&samples)->default_value(samples), "sentences sampled into OUT/samples.txt at the end")
      ("seed", po::value(&seed)->default_value(seed), "seed")
      ("out", po::value(&out_dir)->default_value(out_dir), "output folder");
  po::variables_map vm;
  if (parse_args("mle", d, args, vm, help_out)) return 0;
  require(!corpus.empty(), "mle", "give --corpus FILE");
  require(!out_dir.empty(), "mle", "give --out DIR");
  text::CorpusOptions co;
  co.tokenizer = tokenizer;
  const text::Corpus train = text::Corpus::load(corpus, co);
  const text::Vocabulary vocab = text::Vocabulary::build(train.sentences, min_freq);
  const nets::IntTensor data = text::encode_padded(train.sentences, vocab);
  const size_t T = data.shape()[1];
  nets::IntTensor test_ids;
  if (!test.empty()) {
    text::CorpusOptions to = co;
    to.max_len = T - 1;
    to.long_lines = text::LongLines::kTruncate;  // a held-out line longer than the model's T
    test_ids = text::encode_padded(text::Corpus::load(test, to).sentences, vocab, T);
  }
  nets::make_dirs(out_dir);
  vocab.save(out_dir + "/vocab.txt");
  nets::LSTMGeneratorConfig g;
  g.vocab = vocab.size();
  g.emb = emb;
  g.hidden = hidden;
  g.seq_len = T;
  g.start_token = text::Vocabulary::kBos;
  nets::Rng rng(seed);
  nets::LSTMGenerator gen(g, rng);
  agents::MLEConfig m;
  m.lr = lr;
  m.batch = batch;
  m.seed = seed + 1;
  agents::MLETrainer trainer(gen, m);
  std::ofstream jsonl(out_dir + "/metrics.jsonl");
  const auto t0 = std::chrono::steady_clock::now();
  double train_nll = 0, test_nll = 0;
  for (size_t e = 1; e <= epochs; ++e) {
    train_nll = trainer.epoch(data);
    nlohmann::json j = {{"epoch", e}, {"train_nll", train_nll}};
    if (test_ids.size()) {
      nets::NoGrad ng;
      j["test_nll"] = test_nll = gen.nll(test_ids).item();
    }
    jsonl << j.dump() << "\n" << std::flush;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const std::map<std::string, std::string> meta{
      {"agent", "mle"}, {"vocab", std::to_string(g.vocab)}, {"emb", std::to_string(emb)},
      {"hidden", std::to_string(hidden)}, {"seq_len", std::to_string(T)},
      {"start_token", std::to_string(g.start_token)}, {"vocab_file", "vocab.txt"},
      {"tokenizer", tokenizer}};
  nets::save_checkpoint(out_dir + "/generator.safetensors", gen, nullptr, meta);
  nets::Rng srng(seed + 2);
  nets::write_file_atomic(out_dir + "/samples.txt", decode_lines(gen.sample(samples, srng), &vocab));
  // the held-out NLL over each sentence's tokens through its first <eos> (the repeated <eos>
  // padding not counted): per sentence and per token, comparable with seqrl fit vae's bound
  nlohmann::json to_eos;
  if (test_ids.size()) {
    nets::NoGrad ng;
    const nets::Tensor mask = nets::mask_through_eos(test_ids, text::Vocabulary::kEos);
    double scored = 0;
    for (float v : mask) scored += v;
    const double per_token = gen.nll(test_ids, mask).item();
    to_eos = {{"per_token", per_token}, {"per_sentence", per_token * scored / double(test_ids.shape()[0])},
              {"tokens_per_sentence", scored / double(test_ids.shape()[0])}};
  }
  nlohmann::json summary = {{"agent", "mle"}, {"corpus", corpus}, {"test", test},
                            {"tokenizer", tokenizer}, {"sentences", train.sentences.size()},
                            {"vocab", vocab.size()}, {"seq_len", T}, {"epochs", epochs},
                            {"seed", seed}, {"train_nll", train_nll},
                            {"test_nll", test_ids.size() ? nlohmann::json(test_nll) : nlohmann::json()},
                            {"test_nll_through_eos", to_eos},
                            {"wall_seconds", seconds}};
  nets::write_file_atomic(out_dir + "/summary.json", summary.dump(1) + "\n");
  out << summary.dump() << "\n";
  return 0;
}

int generate_command(const std::vector<std::string>& args, std::ostream& out, std::ostream* help_out) {
  std::string checkpoint, out_file;
  size_t n = 100;
  uint64_t seed = 1;
  bool past_eos = false;
  po::options_description d("seqrl generate options");
  d.add_options()
      ("checkpoint", po::value(&checkpoint)->default_value(checkpoint), "generator.safetensors written by seqrl mle or seqrl seqgan, or a seqrl train checkpoint of a reinforce-lstm or seqgan agent")
      ("n", po::value(&n)->default_value(n), "sentences to sample")
      ("seed", po::value(&seed)->default_value(seed), "sampling seed")
      ("out", po::value(&out_file)->default_value(out_file), "file to write (empty = standard output)")
      ("past-eos", po::bool_switch(&past_eos), "decode as Texygen's code_to_text does: drop the end tokens and keep the words sampled after them (default: stop at the first)");
  po::variables_map vm;
  if (parse_args("generate", d, args, vm, help_out)) return 0;
  require(!checkpoint.empty(), "generate", "give --checkpoint FILE");
  require(n > 0, "generate", "--n must be positive");
  Saved s = load_generator(checkpoint);
  nets::Rng rng(seed);
  const std::string text = decode_lines(s.sample(n, rng), s.vocab.get(), past_eos);
  if (out_file.empty())
    out << text;
  else
    nets::write_file_atomic(out_file, text);
  return 0;
}

}  // namespace seqrl::cli
