// `seqrl seqgan`: SeqGAN (or its MLE baseline) with the paper's or the fast protocol, on the
// synthetic oracle (NLL-oracle), COCO captions (BLEU and Self-BLEU against the test set) or the
// caption grammar (grammatical share). Writes metrics.jsonl, summary.json (phase wall times and
// the task's metrics), generator.safetensors and samples.txt.
#include <chrono>
#include <fstream>
#include <memory>
#include <optional>

#include <nlohmann/json.hpp>

#include "cli_detail.hpp"
#include "seqrl/agents/mle.hpp"
#include "seqrl/agents/seqgan.hpp"
#include "seqrl/nets/checkpoint.hpp"
#include "seqrl/text/grammar.hpp"
#include "seqrl/text/metrics.hpp"
#include "seqrl/text/oracle.hpp"
#include "seqrl/text/tasks.hpp"

namespace po = boost::program_options;

namespace seqrl::cli {

int seqgan_command(const std::vector<std::string>& args, std::ostream& out, std::ostream&) {
  std::string protocol = "fast", task = "oracle", oracle_dir = "../shared/data/seqgan_oracle", out_dir,
              mode = "seqgan", corpus = "../shared/data/coco/image_coco.txt",
              test = "../shared/data/coco/test_coco.txt";
  uint64_t seed = 1;
  size_t samples = 10000, mle_extra = 10, max_len = 16;
  long total_batches = -1, pretrain_g = -1, pretrain_d = -1;
  float init_std = -1.f;
  long eval_samples = -1;
  po::options_description d("seqrl seqgan options");
  d.add_options()
      ("protocol", po::value(&protocol)->default_value(protocol), "paper or fast (see agents/seqgan.hpp)")
      ("task", po::value(&task)->default_value(task), "oracle, coco or grammar")
      ("mode", po::value(&mode)->default_value(mode), "seqgan, or mle: the baseline (pre-training, then --mle-extra-epochs more MLE epochs)")
      ("oracle", po::value(&oracle_dir)->default_value(oracle_dir), "oracle: SeqGAN's oracle folder (.npy files), or 'random' for a fresh N(0,1) oracle from --seed")
      ("samples", po::value(&samples)->default_value(samples), "oracle and grammar: training sequences drawn from the task")
      ("corpus", po::value(&corpus)->default_value(corpus), "coco: training captions")
      ("test", po::value(&test)->default_value(test), "coco: test captions (BLEU references, NLL-test)")
      ("max-len", po::value(&max_len)->default_value(max_len), "grammar: maximum words per sentence")
      ("seed", po::value(&seed)->default_value(seed), "seed of the data, models and sampling")
      ("total-batches", po::value(&total_batches)->default_value(total_batches), "override the protocol's adversarial batches (-1 = keep)")
      ("pretrain-g-epochs", po::value(&pretrain_g)->default_value(pretrain_g), "override the protocol's MLE epochs (-1 = keep)")
      ("pretrain-d-rounds", po::value(&pretrain_d)->default_value(pretrain_d), "override the protocol's discriminator rounds (-1 = keep)")
      ("init-std", po::value(&init_std)->default_value(init_std), "generator init N(0, s) (SeqGAN: 0.1; 0 = layer defaults; -1 = the protocol's)")
      ("eval-samples", po::value(&eval_samples)->default_value(eval_samples), "oracle: generator samples per NLL-oracle (-1 = the protocol's 9,984)")
      ("mle-extra-epochs", po::value(&mle_extra)->default_value(mle_extra), "mode mle: MLE epochs after pre-training")
      ("out", po::value(&out_dir)->default_value(out_dir), "output folder (metrics.jsonl, summary.json, samples.txt)");
  po::variables_map vm;
  if (parse_args("seqgan", d, args, vm, &out)) return 0;
  require(mode == "seqgan" || mode == "mle", "seqgan", "--mode must be seqgan or mle, got '" + mode + "'");
  require(task == "oracle" || task == "coco" || task == "grammar", "seqgan",
          "--task must be oracle, coco or grammar, got '" + task + "'");
  agents::SeqGANConfig cfg = agents::seqgan_protocol(protocol);
  cfg.seed = seed;
  if (total_batches >= 0) cfg.total_batches = size_t(total_batches);
  if (pretrain_g >= 0) cfg.pretrain_g_epochs = size_t(pretrain_g);
  if (pretrain_d >= 0) cfg.pretrain_d_rounds = size_t(pretrain_d);
  if (init_std >= 0.f) cfg.init_std = init_std;
  if (eval_samples > 0) cfg.eval_samples = size_t(eval_samples);

  // the task's data: real [N, T], held-out [M, T], and how to turn ids back into words
  text::TextTaskOptions topt;
  topt.oracle_dir = oracle_dir, topt.corpus = corpus, topt.test = test, topt.samples = samples, topt.max_len = max_len;
  const text::TextTask data = text::load_text_task(task, topt, seed);
  const text::Oracle* oracle = data.oracle.get();
  const text::Vocabulary* vocab = data.vocab.get();
  const std::vector<text::Sentence>& test_sentences = data.test_sentences;
  const text::Grammar grammar = text::Grammar::captions();
  const nets::IntTensor& real = data.real;
  const nets::IntTensor& held_out = data.held_out;
  const size_t V = data.vocab_size;
  agents::SeqGAN gan(cfg, real, V, oracle);

  std::ofstream jsonl;
  if (!out_dir.empty()) {
    nets::make_dirs(out_dir);
    jsonl.open(out_dir + "/metrics.jsonl");
    if (!jsonl) throw IOError("cannot write into '" + out_dir + "'");
  }
  auto log = [&](const std::string& phase, long step, const std::string& key, double v) {
    nlohmann::json j = {{"phase", phase}, {"step", step}, {key, v}};
    if (jsonl.is_open()) jsonl << j.dump() << "\n" << std::flush;
    if (key == "nll_oracle" || key == "nll_test") out << j.dump() << "\n" << std::flush;
  };
  using clock = std::chrono::steady_clock;
  auto secs = [](clock::time_point a) { return std::chrono::duration<double>(clock::now() - a).count(); };
  // the task's quality figures of the current generator; the test set's n-gram index is built once
  std::optional<text::BleuIndex> refs;
  auto quality = [&](const std::string& when) {
    nlohmann::json q = {{"nll_test", gan.nll_of(held_out)}};
    if (oracle) q["nll_oracle"] = gan.nll_oracle();
    if (vocab) {
      nets::Rng srng(seed + 3);
      const nets::IntTensor s = gan.gen.sample(2000, srng);
      std::vector<text::Sentence> sents;
      for (size_t i = 0; i < s.shape()[0]; ++i) sents.push_back(vocab->decode(s.data() + i * s.shape()[1], s.shape()[1]));
      if (task == "grammar") {
        const text::GrammarScore g = text::score_grammar(grammar, sents, max_len);
        q["grammatical"] = g.grammatical;
        q["nll_oracle_grammatical"] = g.nll_oracle;
      } else {
        if (!refs) refs.emplace(test_sentences, 5);
        std::vector<text::Sentence> first(sents.begin(), sents.begin() + 500);
        text::BleuIndex self(first, 5);
        for (int n = 2; n <= 5; ++n) {
          double b = 0, sb = 0;
          for (const auto& h : sents) b += refs->sentence_bleu(h, n) / double(sents.size());
          for (size_t i = 0; i < first.size(); ++i) sb += self.sentence_bleu_excluding(first[i], n, i) / double(first.size());
          q["bleu" + std::to_string(n)] = b;
          q["selfbleu" + std::to_string(n)] = sb;
        }
      }
    }
    for (auto& [k, v] : q.items()) log(when, 0, k, v.get<double>());
    return q;
  };
  nlohmann::json phases = nlohmann::json::object();
  const nlohmann::json q0 = quality("init");
  auto t = clock::now();
  gan.pretrain_generator(log);
  phases["pretrain_g"] = secs(t);
  const nlohmann::json q_pre = quality("after_pretrain");
  if (mode == "mle") {
    agents::MLEConfig m;
    m.lr = cfg.g_lr;
    m.clip = cfg.clip;
    m.batch = cfg.batch;
    m.seed = seed + 2;
    agents::MLETrainer trainer(gan.gen, m);
    t = clock::now();
    for (size_t e = 1; e <= mle_extra; ++e) {
      log("mle_extra", long(e), "train_nll", trainer.epoch(real));
      if (oracle) log("mle_extra", long(e), "nll_oracle", gan.nll_oracle());
    }
    phases["mle_extra"] = secs(t);
  } else {
    t = clock::now();
    gan.pretrain_discriminator(log);
    phases["pretrain_d"] = secs(t);
    t = clock::now();
    gan.adversarial(log);
    phases["adversarial"] = secs(t);
  }
  const nlohmann::json q_final = quality("final");
  nlohmann::json summary = {{"agent", mode}, {"task", task}, {"seed", seed}, {"init", q0},
                            {"after_pretrain", q_pre}, {"final", q_final}, {"phase_seconds", phases},
                            {"config", cfg}, {"mle_extra_epochs", mode == "mle" ? mle_extra : 0}};
  if (oracle) {  // the flat keys bench/seqgan_oracle.sh reads
    summary["oracle"] = oracle_dir;
    summary["nll_oracle_init"] = q0["nll_oracle"];
    summary["nll_oracle_after_pretrain"] = q_pre["nll_oracle"];
    summary["nll_oracle_final"] = q_final["nll_oracle"];
    summary["nll_test_after_pretrain"] = q_pre["nll_test"];
    summary["nll_test_final"] = q_final["nll_test"];
  }
  if (!out_dir.empty()) {
    nets::write_file_atomic(out_dir + "/summary.json", summary.dump(1) + "\n");
    std::map<std::string, std::string> meta{
        {"agent", mode}, {"vocab", std::to_string(V)}, {"emb", std::to_string(cfg.emb)},
        {"hidden", std::to_string(cfg.hidden)}, {"seq_len", std::to_string(real.shape()[1])},
        {"start_token", std::to_string(gan.gen.cfg.start_token)}};
    if (vocab) {
      vocab->save(out_dir + "/vocab.txt");
      meta["vocab_file"] = "vocab.txt";
    }
    nets::save_checkpoint(out_dir + "/generator.safetensors", gan.gen, nullptr, meta);
    nets::Rng srng(seed + 3);
    const std::string text = decode_lines(gan.gen.sample(2000, srng), vocab);
    nets::write_file_atomic(out_dir + "/samples.txt", text);
  }
  out << summary.dump() << "\n";
  return 0;
}

}  // namespace seqrl::cli
