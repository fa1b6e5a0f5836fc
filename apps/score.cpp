// `seqrl score`: a metric of a file of samples against references, an oracle or nothing, as JSON.
// Samples from any model (ours or another toolkit's) go through the same code.
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>

#include <nlohmann/json.hpp>
#include <xtensor/xview.hpp>

#include "cli_detail.hpp"
#include "seqrl/fit/fit.hpp"
#include "seqrl/nets/checkpoint.hpp"
#include "seqrl/nets/error.hpp"
#include "seqrl/text/grammar.hpp"
#include "seqrl/text/metric_table.hpp"
#include "seqrl/text/metrics.hpp"
#include "seqrl/text/oracle.hpp"

namespace po = boost::program_options;

namespace seqrl::cli {

namespace {
struct ScoreConfig {
  std::string metric, samples, references, oracle, tokenizer = "nltk";
  int n = 0;         // 0: every order (BLEU 2..5, distinct 1..4)
  size_t max_len = 16;  // grammar: the task's sentence length limit
  size_t limit = 0;  // score only the first `limit` samples (0 = all)
  std::string encoder, generator;  // embsim
  long embsim_steps = 500;
  size_t embsim_words = 500;
};


std::vector<text::Sentence> read_sentences(const std::string& path, const std::string& tokenizer,
                                           size_t limit, bool samples = true) {
  text::CorpusOptions o;
  o.tokenizer = tokenizer;
  // a sample's empty line is the empty sentence (seqrl generate writes one for a sentence that
  // ended at once); every metric scores it: BLEU 0, no n-grams for Self-BLEU's references or
  // distinct-n, not grammatical (the grammar has no empty sentence)
  o.empty_lines = samples;
  text::Corpus c = text::Corpus::load(path, o);
  if (limit && c.sentences.size() > limit) c.sentences.resize(limit);
  return c.sentences;
}
}  // namespace

namespace {
// EmbSim against a reference sentence model: the word embeddings of a generator checkpoint, or of
// the reference's architecture fitted on the samples with the reference's vocabulary.
int embsim_score(const ScoreConfig& c, std::ostream& out) {
  require(!c.encoder.empty(), "score", "--metric embsim needs --encoder CHECKPOINT (a sentence AE/VAE from seqrl fit)");
  require(c.samples.empty() != c.generator.empty(), "score", "--metric embsim takes one of --samples FILE or --generator CHECKPOINT");
  const auto t0 = std::chrono::steady_clock::now();
  const fit::FittedSentenceAutoencoder ref = fit::load_sentence_autoencoder(c.encoder);
  const size_t V = ref.model->cfg.vocab;
  // the first n rows of an embedding table
  auto rows = [](const nets::Tensor& t, size_t n) { return nets::Tensor(xt::view(t, xt::range(0, n), xt::all())); };
  nlohmann::json res = {{"metric", "embsim"}, {"encoder", c.encoder}};
  nets::Tensor gen;
  if (!c.generator.empty()) {
    const nets::SafeTensors st = nets::load_safetensors(c.generator);
    const auto e = st.tensors.find("embedding.weight");
    if (e == st.tensors.end()) throw CheckpointError("generator '" + c.generator + "' has no 'embedding.weight'");
    gen = e->second;
    if (gen.dimension() != 2 || gen.shape()[0] != V)
      throw ValueError("generator '" + c.generator + "' embeds " + std::to_string(gen.shape()[0]) +
                       " tokens, the encoder's vocabulary has " + std::to_string(V));
    res["generator"] = c.generator;
  } else {
    require(c.embsim_steps > 0, "score", "--embsim-steps must be positive");
    fit::FitConfig f = ref.cfg;
    f.data = c.samples;
    f.vocab_file = ref.vocab_file;
    f.steps = c.embsim_steps, f.eval_every = 0, f.checkpoint_every = 0, f.handle_sigint = false;
    // another initialisation than the reference's: what the two tables share comes from the text
    // alone (as Texygen's word2vec tables are trained apart)
    f.seed = ref.cfg.seed + 1;
    char tmpl[] = "/tmp/seqrl_embsim_XXXXXX";
    if (!::mkdtemp(tmpl)) throw IOError("cannot create a temporary folder for embsim");
    f.out = tmpl;
    fit::fit(f);
    gen = fit::load_sentence_autoencoder(f.out + "/checkpoint.safetensors").model->embedding.weight.value();
    std::filesystem::remove_all(f.out);
    res["samples_file"] = c.samples;
    res["fitted_steps"] = c.embsim_steps;
  }
  // the special tokens (<pad> <bos> <eos> <unk>) are not words
  const size_t first = ref.vocab ? text::Vocabulary::specials().size() : 0;
  // the tables without the model's start / dropped-word row (id V)
  const nets::Tensor rw = rows(ref.model->embedding.weight.value(), V), gw = rows(gen, V);
  res["value"] = text::embsim(rw, gw, first);
  res["words"] = V - first;
  // the most frequent words alone (a vocabulary built from a corpus is in order of frequency):
  // rare words' embeddings hardly move from their initialisation in either model
  if (c.embsim_words > 0 && first + c.embsim_words < V) {
    const size_t n = first + c.embsim_words;
    res["value_top_words"] = text::embsim(rows(rw, n), rows(gw, n), first);
    res["top_words"] = c.embsim_words;
  }
  res["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  out << res.dump() << "\n";
  return 0;
}
}  // namespace

int score_command(const std::vector<std::string>& args, std::ostream& out, std::ostream&) {
  ScoreConfig c;
  po::options_description d("seqrl score options");
  d.add_options()
      ("metric", po::value(&c.metric)->default_value(c.metric), (text::metric_names() + " (seqrl list metrics), or embsim").c_str())
      ("max-len", po::value(&c.max_len)->default_value(c.max_len), "grammar: the task's maximum sentence length in words")
      ("samples", po::value(&c.samples)->default_value(c.samples), "file of samples, one sentence per line (words, or token ids for nll-oracle; an empty line is the empty sentence)")
      ("references", po::value(&c.references)->default_value(c.references), "bleu: file of reference sentences")
      ("oracle", po::value(&c.oracle)->default_value(c.oracle), "nll-oracle: folder of the oracle's .npy files (SeqGAN's layout)")
      ("tokenizer", po::value(&c.tokenizer)->default_value(c.tokenizer), "whitespace or nltk (Texygen's word_tokenize)")
      ("n", po::value(&c.n)->default_value(c.n), "n-gram order (0 = bleu/selfbleu 2..5, distinct 1..4)")
      ("limit", po::value(&c.limit)->default_value(c.limit), "score only the first K samples (0 = all; Texygen's fast Self-BLEU uses 500)")
      ("encoder", po::value(&c.encoder)->default_value(c.encoder), "embsim: the reference sentence AE/VAE (seqrl fit on the real data; its vocab.txt beside it)")
      ("generator", po::value(&c.generator)->default_value(c.generator), "embsim: a generator checkpoint (seqrl fit lm, seqrl seqgan) whose word embeddings are compared (instead of --samples)")
      ("embsim-words", po::value(&c.embsim_words)->default_value(c.embsim_words), "embsim: also report the K most frequent words alone (value_top_words; 0 = no)")
      ("embsim-steps", po::value(&c.embsim_steps)->default_value(c.embsim_steps), "embsim with --samples: updates of the reference's architecture fitted on the samples");
  po::variables_map vm;
  if (parse_args("score", d, args, vm, &out)) return 0;
  const std::string m = c.metric;
  if (m == "embsim") return embsim_score(c, out);
  const text::MetricSpec* spec = nullptr;
  for (const text::MetricSpec* s : text::registered_metrics())
    if (s->name == m) spec = s;
  require(spec != nullptr, "score", "--metric must be " + text::metric_names() + " or embsim, got '" + m + "'");
  using Needs = text::MetricSpec::Needs;
  require(!c.samples.empty(), "score", "give --samples FILE");
  require(spec->needs != Needs::kReferences || !c.references.empty(), "score", "--metric " + m + " needs --references FILE");
  require(spec->needs != Needs::kOracle || !c.oracle.empty(), "score", "--metric " + m + " needs --oracle DIR");
  require(c.n >= 0 && c.n <= 10, "score", "--n must be in 0..10");
  require(c.tokenizer == "whitespace" || c.tokenizer == "nltk", "score",
          "--tokenizer must be whitespace or nltk, got '" + c.tokenizer + "'");
  const auto t0 = std::chrono::steady_clock::now();
  nlohmann::json res = {{"metric", m}, {"samples_file", c.samples}};
  text::MetricInputs in;
  if (c.n > 0) in.orders = {c.n};
  std::vector<text::Sentence> hyps, refs;
  nets::IntTensor ids;
  std::unique_ptr<text::Oracle> oracle;
  static const text::Grammar grammar = text::Grammar::captions();
  if (spec->on_ids) {
    oracle = std::make_unique<text::Oracle>(text::Oracle::from_npy(c.oracle));
    ids = text::read_token_ids(c.samples, oracle->config().seq_len, oracle->config().vocab, c.limit);
    res["oracle"] = c.oracle;
    res["samples"] = ids.shape()[0];
    in.ids = &ids, in.oracle = oracle.get();
  } else {
    // the grammar's sentences are its words as written
    const std::string tok = spec->needs == Needs::kGrammar ? "whitespace" : c.tokenizer;
    hyps = read_sentences(c.samples, tok, c.limit);
    res["samples"] = hyps.size();
    if (spec->needs != Needs::kGrammar) res["tokenizer"] = c.tokenizer;
    in.samples = &hyps;
  }
  if (spec->needs == Needs::kReferences) {
    refs = read_sentences(c.references, c.tokenizer, 0, false);
    res["references_file"] = c.references;
    res["references"] = refs.size();
    in.references = &refs;
  }
  if (spec->needs == Needs::kGrammar) in.grammar = &grammar, in.max_len = c.max_len;
  res["value"] = spec->score(in);
  res["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  out << res.dump() << "\n";
  return 0;
}

int grammar_command(const std::vector<std::string>& args, std::ostream& out, std::ostream&) {
  size_t n = 10000, max_len = 16;
  uint64_t seed = 1;
  std::string out_file;
  po::options_description d("seqrl grammar options (sentences from the built-in caption grammar)");
  d.add_options()
      ("n", po::value(&n)->default_value(n), "sentences")
      ("max-len", po::value(&max_len)->default_value(max_len), "maximum words per sentence")
      ("seed", po::value(&seed)->default_value(seed), "seed")
      ("out", po::value(&out_file)->default_value(out_file), "file to write (empty = standard output)");
  po::variables_map vm;
  if (parse_args("grammar", d, args, vm, &out)) return 0;
  const text::Grammar g = text::Grammar::captions();
  nets::Rng rng(seed);
  std::string text;
  for (size_t i = 0; i < n; ++i) {
    const text::Sentence s = g.sample(rng, max_len);
    for (size_t k = 0; k < s.size(); ++k) text += (k ? " " : "") + s[k];
    text += "\n";
  }
  if (out_file.empty())
    out << text;
  else
    nets::write_file_atomic(out_file, text);
  return 0;
}

int tokenize_command(const std::vector<std::string>& args, std::ostream& out, std::ostream&) {
  std::string input, tokenizer = "nltk";
  po::options_description d("seqrl tokenize options");
  d.add_options()
      ("input", po::value(&input)->default_value(input), "text file, one sentence per line")
      ("tokenizer", po::value(&tokenizer)->default_value(tokenizer), "whitespace or nltk");
  po::variables_map vm;
  if (parse_args("tokenize", d, args, vm, &out)) return 0;
  require(!input.empty(), "tokenize", "give --input FILE");
  require(tokenizer == "whitespace" || tokenizer == "nltk", "tokenize",
          "--tokenizer must be whitespace or nltk, got '" + tokenizer + "'");
  for (const auto& s : read_sentences(input, tokenizer, 0)) {
    for (size_t i = 0; i < s.size(); ++i) out << (i ? " " : "") << s[i];
    out << "\n";
  }
  return 0;
}

}  // namespace seqrl::cli
