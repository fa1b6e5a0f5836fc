// `seqrl fit ae|vae|gan|lm`: the generative modules and the language model through fit::fit (see fit/fit.hpp).
#include <algorithm>

#include <nlohmann/json.hpp>

#include "cli_detail.hpp"
#include "seqrl/fit/fit.hpp"
#include "seqrl/agents/runner.hpp"

namespace po = boost::program_options;

namespace seqrl::cli {

int fit_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  fit::FitConfig c;
  std::vector<std::string> rest = args;
  const bool asks_help = !args.empty() && (args[0] == "--help" || args[0] == "-h");
  if (!asks_help && (args.empty() || args[0].rfind("--", 0) == 0)) {
    if (std::find(args.begin(), args.end(), "--resume") == args.end())
      throw ConfigError("seqrl fit: say what to fit first: seqrl fit ae|vae|gan|lm --data NAME ...");
  } else if (!asks_help) {
    c.kind = args[0];
    rest.erase(rest.begin());
  }
  // the tuned defaults for this kind and data set (the options below start from them)
  std::string data = c.data;
  for (size_t i = 0; i + 1 < rest.size(); ++i)
    if (rest[i] == "--data") data = rest[i + 1];
  for (const auto& a : rest)
    if (a.rfind("--data=", 0) == 0) data = a.substr(7);
  if (!asks_help) c = fit::fit_defaults(c.kind, data);
  po::options_description d("seqrl fit ae|vae|gan|lm options (defaults for " + c.kind + " on " + data + ")");
  d.add_options()
      ("data", po::value(&c.data)->default_value(c.data), "ring8, grid25 (2-D mixtures), oracle, coco, grammar, or a text file (one sentence per line)")
      ("seed", po::value(&c.seed)->default_value(c.seed), "seed of the models, data order and sampling")
      ("steps", po::value(&c.steps)->default_value(c.steps), "updates (a GAN: generator updates)")
      ("batch", po::value(&c.batch)->default_value(c.batch), "examples per update (0 = 256 for vectors, 64 for sentences)")
      ("lr", po::value(&c.lr)->default_value(c.lr), "Adam learning rate")
      ("clip", po::value(&c.clip)->default_value(c.clip), "autoencoders: gradient-norm clip (0 = none)")
      ("eval-every", po::value(&c.eval_every)->default_value(c.eval_every), "updates between evaluations (0 = the final one only)")
      ("eval-samples", po::value(&c.eval_samples)->default_value(c.eval_samples), "a GAN: samples scored; sentences: held-out rows scored (0 = all)")
      ("out", po::value(&c.out)->default_value(c.out), "output folder: checkpoint.safetensors, metrics.jsonl, summary.json, samples")
      ("checkpoint-every", po::value(&c.checkpoint_every)->default_value(c.checkpoint_every), "updates between checkpoints (0 = at the end and on Ctrl-C)")
      ("resume", po::value(&c.resume)->default_value(c.resume), "continue the run saved in this checkpoint (takes no other option)")
      ("overwrite", po::bool_switch(&c.overwrite), "start over in an --out folder that already holds a run (its checkpoint and summary are replaced)")
      ("latent", po::value(&c.latent)->default_value(c.latent), "autoencoders: bottleneck width (0 = 2 for vectors, 32 for sentences)")
      ("hidden", po::value(&c.hidden)->default_value(c.hidden), "autoencoders: hidden width (0 = 64 for vectors, 256 for sentences)")
      ("emb", po::value(&c.emb)->default_value(c.emb), "sentences: embedding width")
      ("init-std", po::value(&c.init_std)->default_value(c.init_std), "lm: N(0, s) initialisation of every parameter (SeqGAN: 0.1; 0 = the layers' defaults)")
      ("shuffle", po::value(&c.shuffle)->default_value(c.shuffle), "lm: shuffle the data every epoch (0: one fixed order, as SeqGAN's loader)")
      ("kl-anneal", po::value(&c.kl_anneal_steps)->default_value(c.kl_anneal_steps), "VAE: updates of linear KL warm-up (0 = none)")
      ("word-dropout", po::value(&c.word_dropout)->default_value(c.word_dropout), "sentences: decoder word-dropout probability")
      ("g-loss", po::value(&c.g_loss)->default_value(c.g_loss), "GAN: nonsaturating (-log D(G(z))) or saturating (log(1 - D(G(z))))")
      ("d-steps", po::value(&c.d_steps)->default_value(c.d_steps), "GAN: discriminator updates per generator update")
      ("pretrain-d", po::value(&c.pretrain_d)->default_value(c.pretrain_d), "GAN: discriminator updates before training")
      ("d-dropout", po::value(&c.d_dropout)->default_value(c.d_dropout), "GAN: dropout in the discriminator")
      ("d-l2", po::value(&c.d_l2)->default_value(c.d_l2), "GAN: L2 weight decay of the discriminator")
      ("grad-penalty", po::value(&c.grad_penalty)->default_value(c.grad_penalty), "GAN: R1 gradient penalty gamma (0 = off)")
      ("noise-dim", po::value(&c.noise_dim)->default_value(c.noise_dim), "GAN: width of z")
      ("gan-hidden", po::value(&c.gan_hidden)->default_value(c.gan_hidden), "GAN: hidden width of G and D")
      ("g-layers", po::value(&c.g_layers)->default_value(c.g_layers), "GAN: hidden layers of G")
      ("d-layers", po::value(&c.d_layers)->default_value(c.d_layers), "GAN: hidden layers of D")
      ("encoder", po::value(&c.encoder)->default_value(c.encoder), "GAN on a text data set: the sentence AE/VAE checkpoint whose codes it learns")
      ("beta1", po::value(&c.beta1)->default_value(c.beta1), "GAN: Adam beta1")
      ("oracle", po::value(&c.oracle_dir)->default_value(c.oracle_dir), "oracle: SeqGAN's oracle folder, or 'random'")
      ("oracle-vocab", po::value(&c.oracle_vocab)->default_value(c.oracle_vocab), "oracle random: vocabulary (TextOracle-v0's vocab option)")
      ("oracle-seq-len", po::value(&c.oracle_seq_len)->default_value(c.oracle_seq_len), "oracle random: sequence length (TextOracle-v0's seq_len)")
      ("oracle-seed", po::value(&c.oracle_seed)->default_value(c.oracle_seed), "oracle random: its seed (TextOracle-v0's oracle_seed; -1 = --seed)")
      ("corpus", po::value(&c.corpus)->default_value(c.corpus), "coco: training captions")
      ("test", po::value(&c.test)->default_value(c.test), "coco: test captions")
      ("samples", po::value(&c.samples)->default_value(c.samples), "oracle and grammar: training sequences drawn")
      ("vocab-file", po::value(&c.vocab_file)->default_value(c.vocab_file), "a text file: its vocabulary from this file (another model's vocab.txt) instead of its own words")
      ("max-len", po::value(&c.max_len)->default_value(c.max_len), "grammar: maximum words per sentence");
  po::variables_map vm;
  if (parse_args("fit", d, rest, vm, &out)) return 0;
  if (!c.resume.empty()) {
    for (const auto& [k, v] : vm)
      if (!v.defaulted() && k != "resume")
        throw ConfigError("seqrl fit: --" + k + " with --resume: a resumed run keeps the configuration stored in its checkpoint");
    c.resume = file_in_run_folder(c.resume, {"checkpoint.safetensors"}, "fit");
  }
  const fit::FitResult r = fit::fit(c, &err);
  if (r.interrupted) {
    const std::string why = agents::stop_reason();  // (empty on a rank that was stopped by another)
    err << "seqrl fit: interrupted" << (why.empty() ? "" : " by " + why) << " at update " << r.steps
        << (r.checkpoint.empty() ? std::string("; no --out, so nothing was saved\n")
                                 : "; checkpoint saved, continue with: seqrl fit --resume " + r.checkpoint + "\n");
    return 130;
  }
  out << nlohmann::json{{"kind", r.kind},
                        {"steps", r.steps}, {"wall_seconds", r.seconds}, {"final", r.final_eval}}
             .dump()
      << "\n";
  return 0;
}

}  // namespace seqrl::cli
