// The text tasks' data by name. See tasks.hpp.
#include "seqrl/text/tasks.hpp"

#include "seqrl/nets/error.hpp"

namespace seqrl::text {

TextTask load_text_task(const std::string& name, const TextTaskOptions& o, uint64_t seed) {
  TextTask t;
  t.name = name;
  nets::Rng data_rng(seed + 1000);
  if (name == "oracle") {
    nets::LSTMGeneratorConfig oc;
    oc.vocab = o.oracle_vocab, oc.seq_len = o.oracle_seq_len;
    t.oracle = std::make_shared<const Oracle>(o.oracle_dir == "random"
                                                  ? Oracle::random(oc, o.oracle_seed >= 0 ? uint64_t(o.oracle_seed) : seed)
                                                  : Oracle::from_npy(o.oracle_dir));
    t.real = t.oracle->sample(o.samples, data_rng);
    t.held_out = t.oracle->sample(o.held_out, data_rng);
    t.vocab_size = t.oracle->config().vocab;
    return t;
  }
  std::vector<Sentence> train, heldout;
  size_t T = 0;
  if (name == "coco") {
    CorpusOptions co;
    co.tokenizer = "nltk";  // Texygen's word_tokenize
    train = Corpus::load(o.corpus, co).sentences;
    t.vocab = std::make_shared<const Vocabulary>(Vocabulary::build(train));
    CorpusOptions to = co;
    to.max_len = Corpus{o.corpus, train}.max_length();
    to.long_lines = LongLines::kTruncate;
    t.test_sentences = Corpus::load(o.test, to).sentences;
    heldout = t.test_sentences;
  } else if (name == "grammar") {
    const Grammar g = Grammar::captions();
    for (size_t i = 0; i < o.samples; ++i) train.push_back(g.sample(data_rng, o.max_len));
    for (size_t i = 0; i < o.held_out; ++i) heldout.push_back(g.sample(data_rng, o.max_len));
    std::vector<Sentence> words{g.words()};
    t.vocab = std::make_shared<const Vocabulary>(Vocabulary::build(words));
    T = o.max_len + 1;
  } else {
    const Corpus c = Corpus::load(name);  // IOError naming the path when it cannot be read
    for (size_t i = 0; i < c.sentences.size(); ++i) (i % 10 == 9 ? heldout : train).push_back(c.sentences[i]);
    if (train.empty() || heldout.empty())
      throw ValueError("text task '" + name + "': needs at least 10 sentences (every 10th is held out), got " +
                       std::to_string(c.sentences.size()));
    t.vocab = std::make_shared<const Vocabulary>(o.vocab_file.empty() ? Vocabulary::build(train)
                                                                       : Vocabulary::load(o.vocab_file));
    T = c.max_length() + 1;
  }
  t.real = encode_padded(train, *t.vocab, T);
  t.held_out = encode_padded(heldout, *t.vocab, t.real.shape()[1]);
  t.vocab_size = t.vocab->size();
  t.eos = Vocabulary::kEos;
  return t;
}

}  // namespace seqrl::text
