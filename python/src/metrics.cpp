// seqrl.score(...) for Python: the metrics of `seqrl score` (BLEU, Self-BLEU, distinct-n, the
// caption grammar, NLL-oracle) on Python lists of sentences (strings, lists of words) or token id
// arrays, with the same results and the same stamped counts. The GIL is released while scoring.
#include <algorithm>
#include <chrono>

#include "module.hpp"
#include "seqrl/env/text/text_env.hpp"
#include "seqrl/nets/error.hpp"
#include "seqrl/text/grammar.hpp"
#include "seqrl/text/metric_table.hpp"
#include "seqrl/text/metrics.hpp"
#include "seqrl/text/oracle.hpp"
#include "seqrl/text/tasks.hpp"
#include "seqrl/text/vocab.hpp"

namespace seqrl::python {

namespace {

// A sentence from a str (tokenized), a list/tuple of words, or a sequence of token ids (their
// decimal strings, as `seqrl score` reads an id file with the whitespace tokenizer).
text::Sentence sentence(py::handle h, const std::string& tokenizer, const std::string& where) {
  if (PyUnicode_Check(h.ptr())) return text::tokenize(h.cast<std::string>(), tokenizer);
  text::Sentence s;
  if (!py::isinstance<py::sequence>(h) && !py::isinstance<py::array>(h))
    throw ValueError(where + ": a sentence must be a str, a list of words or a sequence of token ids, got " +
                     py::repr(h).cast<std::string>());
  for (auto w : h) {
    if (PyUnicode_Check(w.ptr()))
      s.push_back(w.cast<std::string>());
    else if (PyLong_Check(w.ptr()) || py::hasattr(w, "__index__"))
      s.push_back(std::to_string(py::reinterpret_borrow<py::object>(w).attr("__index__")().cast<int64_t>()));
    else
      throw ValueError(where + ": a token must be a str or an int, got " + py::repr(w).cast<std::string>());
  }
  return s;
}

std::vector<text::Sentence> sentences(py::handle h, const std::string& tokenizer, const std::string& where, size_t limit) {
  if (PyUnicode_Check(h.ptr()))
    throw ValueError(where + " must be a list of sentences, not one str");
  std::vector<text::Sentence> out;
  size_t i = 0;
  for (auto s : h) {
    if (limit && out.size() == limit) break;
    out.push_back(sentence(s, tokenizer, where + "[" + std::to_string(i++) + "]"));
  }
  if (out.empty()) throw ValueError(where + " is empty");
  return out;
}

// A metric's value as Python: a number, or a dict whose n-gram orders are int keys ({2: BLEU-2}).
py::object to_python(const nlohmann::json& v) {
  if (v.is_number()) return py::float_(v.get<double>());
  py::dict d;
  for (auto& [k, x] : v.items()) {
    const bool order = !k.empty() && k.find_first_not_of("0123456789") == std::string::npos;
    if (order)
      d[py::int_(std::stoi(k))] = to_python(x);
    else
      d[py::str(k)] = to_python(x);
  }
  return std::move(d);
}

py::dict score(const std::string& metric, py::handle samples, py::object references, int n,
               const std::string& tokenizer, size_t max_len, const std::string& oracle, size_t limit,
               const py::dict& oracle_options) {
  const std::string& m = metric;
  const text::MetricSpec* spec = nullptr;
  for (const text::MetricSpec* s : text::registered_metrics())
    if (s->name == m) spec = s;
  if (!spec) throw ValueError("score: metric must be " + text::metric_names() + ", got '" + m + "'");
  using Needs = text::MetricSpec::Needs;
  text::MetricInputs in;
  if (n > 0) in.orders = {n};
  if (n < 0 || n > 10) throw ValueError("score: n must be in 0..10, got " + std::to_string(n));
  if (tokenizer != "whitespace" && tokenizer != "nltk")
    throw ValueError("score: tokenizer must be whitespace or nltk, got '" + tokenizer + "'");
  const auto t0 = std::chrono::steady_clock::now();
  py::dict res;
  res["metric"] = m;
  nlohmann::json value;
  if (spec->needs == Needs::kGrammar) {
    const auto sents = sentences(samples, "whitespace", "samples", limit);
    static const text::Grammar grammar = text::Grammar::captions();
    in.samples = &sents, in.grammar = &grammar, in.max_len = max_len;
    res["samples"] = sents.size();
    py::gil_scoped_release nogil;
    value = spec->score(in);
  } else if (spec->on_ids) {
    if (oracle.empty()) throw ValueError("score: nll-oracle needs oracle=FOLDER (SeqGAN's .npy files) or oracle='random'");
    // TextOracle-v0's options, read as the env reads them (env/text/text_env.hpp)
    nlohmann::json opts = nlohmann::json::object();
    for (auto kv : oracle_options) {
      const std::string k = kv.first.cast<std::string>();
      if (k != "vocab" && k != "seq_len" && k != "emb" && k != "hidden" && k != "oracle_seed")
        throw KeyError("score: unknown oracle option '" + k + "' (accepted: vocab, seq_len, emb, hidden, oracle_seed)");
      opts[k] = kv.second.cast<uint64_t>();
    }
    text::TextTaskOptions to = env::oracle_options(opts);
    to.oracle_dir = oracle;
    auto a = py::array_t<int64_t, py::array::c_style | py::array::forcecast>::ensure(samples);
    if (!a || a.ndim() != 2) throw ValueError("score: nll-oracle samples must be a 2-d array of token ids [N, seq_len]");
    const text::Oracle o = text::make_oracle(to, uint64_t(to.oracle_seed));
    const size_t N = limit ? std::min<size_t>(limit, a.shape(0)) : size_t(a.shape(0)), T = a.shape(1);
    if (T != o.config().seq_len)
      throw ValueError("score: samples have " + std::to_string(T) + " tokens per row, the oracle's sequences " +
                       std::to_string(o.config().seq_len));
    nets::IntTensor ids = nets::IntTensor::from_shape({N, T});
    for (size_t i = 0; i < N * T; ++i) {
      const int64_t v = a.data()[i];
      if (v < 0 || v >= int64_t(o.config().vocab))
        throw ValueError("score: token " + std::to_string(v) + " at row " + std::to_string(i / T) + ", position " +
                         std::to_string(i % T) + " is outside the oracle's vocabulary [0, " +
                         std::to_string(o.config().vocab) + ")");
      ids.data()[i] = int32_t(v);
    }
    res["oracle"] = oracle;
    res["samples"] = N;
    in.ids = &ids, in.oracle = &o;
    py::gil_scoped_release nogil;
    value = spec->score(in);
  } else {
    const auto hyps = sentences(samples, tokenizer, "samples", limit);
    res["samples"] = hyps.size();
    res["tokenizer"] = tokenizer;
    in.samples = &hyps;
    std::vector<text::Sentence> refs;
    if (spec->needs == Needs::kReferences) {
      if (references.is_none()) throw ValueError("score: " + m + " needs references");
      refs = sentences(references, tokenizer, "references", 0);
      res["references"] = refs.size();
      in.references = &refs;
    }
    py::gil_scoped_release nogil;
    value = spec->score(in);
  }
  res["value"] = to_python(value);
  res["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return res;
}

}  // namespace

void bind_metrics(py::module_& m) {
  m.def("score", &score, py::arg("metric"), py::arg("samples"), py::arg("references") = py::none(), py::kw_only(),
        py::arg("n") = 0, py::arg("tokenizer") = "nltk", py::arg("max_len") = 16, py::arg("oracle") = "",
        py::arg("limit") = 0, py::arg("oracle_options") = py::dict(),
        R"doc(A text metric, as `seqrl score` computes it; returns a dict with the value(s) and the counts.

metric: "bleu" (samples against references, BLEU-2..5 or n), "selfbleu" (each sample against all
the others; limit=500 gives Texygen's fast mode), "distinct" (distinct-1..4 or n), "grammar"
(grammatical share and NLL-oracle under the caption grammar, sentences of at most max_len words),
"nll-oracle" (token ids [N, seq_len] under an oracle LSTM: oracle=FOLDER of SeqGAN's .npy files, or
"random" with oracle_options as TextOracle-v0's vocab, seq_len, emb, hidden, oracle_seed).
samples, references: lists of str (split by tokenizer: "nltk" as Texygen, or "whitespace"), of
lists of words, or of token ids.)doc");
}

}  // namespace seqrl::python
