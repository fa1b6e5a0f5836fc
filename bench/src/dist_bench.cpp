// Data-parallel costs under mpirun, medians over repeats; one JSON line on rank 0.
//
//   mpirun -np N build/bench/seqrl_dist_bench [allreduce] [REPEATS=10]
//     seqrl's deterministic allreduce (nets/dist.hpp) at the gradient sizes that matter, SeqGAN's
//     discriminator (7,045,402 parameters, 28.2 MB) and generator (330,000), in both of its
//     forms: reduce-scatter (all-to-all, sum 1/N, allgather; the default) and allgather (every
//     rank sums everything).
//
//   mpirun -np N build/bench/seqrl_dist_bench disc ROWS_PER_RANK|global:ROWS [STEPS=10] [ROUNDS=5]
//     discriminator training end to end (agents::train_discriminator, the d-step of SeqGAN and
//     LeakGAN) at the paper's sizes (SeqGAN's D, length 20, vocabulary 5,000): seconds per
//     optimizer step over STEPS steps of one epoch, median of ROUNDS. ROWS_PER_RANK fixes each
//     rank's share (weak scaling: the global batch grows with N); global:ROWS fixes the global
//     batch (strong scaling). Threads as SEQRL_NUM_THREADS says; without mpirun it is one process.
//     SEQRL_BENCH_ALLREDUCE=allgather trains the first data-parallel way instead: the allgather
//     allreduce of the whole gradient, then the whole optimizer step on every rank.
//
//   mpirun -np N build/bench/seqrl_dist_bench rollouts BATCH_PER_RANK|global:BATCH [ROUNDS=5]
//     SeqGAN's Monte-Carlo rewards of one g-step at the paper's sizes (16 completions of every
//     prefix, scored by D; the rows split over the ranks, agents/src/across_ranks.hpp): seconds
//     per call, median of ROUNDS; D's weights move before each call, so its score table is
//     rebuilt as in training.
#include <algorithm>
#include <cctype>
#include <stdexcept>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "seqrl/agents/seqgan/seqgan_trainer.hpp"
#include "seqrl/nets/dist.hpp"
#include "seqrl/nets/memory.hpp"
#include "seqrl/nets/models/discriminator.hpp"
#include "seqrl/nets/optim.hpp"
#include "seqrl/nets/parallel.hpp"
#include "seqrl/nets/rng.hpp"

namespace dist = seqrl::nets::dist;
namespace nets = seqrl::nets;

namespace {
double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

struct Stats {
  double median, min, max;
};
Stats stats(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return {v[v.size() / 2], v.front(), v.back()};
}

std::string allreduce_json(int repeats) {
  std::string json = "\"part\":\"allreduce\",\"repeats\":" + std::to_string(repeats);
  for (const auto& [name, n] : {std::pair<const char*, size_t>{"discriminator", 7045402}, {"generator", 330000}}) {
    for (const auto& [algo, label] : {std::pair<dist::Allreduce, const char*>{dist::Allreduce::kReduceScatter, "reduce_scatter"},
                                      {dist::Allreduce::kAllgather, "allgather"}}) {
      dist::set_allreduce(algo);
      std::vector<float> g(n, 1.0f + float(dist::rank()));
      std::vector<double> ms;
      for (int k = 0; k < repeats + 1; ++k) {
        dist::barrier();
        const double t0 = now();
        dist::allreduce_sum(g.data(), n);
        if (k > 0) ms.push_back((now() - t0) * 1e3);  // the first call warms the buffers up
        std::fill(g.begin(), g.end(), 1.0f + float(dist::rank()));
      }
      const Stats s = stats(ms);
      char buf[256];
      std::snprintf(buf, sizeof buf, ",\"%s_%s\":{\"floats\":%zu,\"mbytes\":%.2f,\"median_ms\":%.2f,\"min_ms\":%.2f,\"max_ms\":%.2f}",
                    name, label, n, double(n) * 4 / 1e6, s.median, s.min, s.max);
      json += buf;
    }
  }
  dist::set_allreduce(dist::Allreduce::kReduceScatter);
  return json;
}

std::string disc_json(const std::string& rows, size_t steps, int rounds) {
  const bool global = rows.rfind("global:", 0) == 0;
  const size_t r = std::stoul(global ? rows.substr(7) : rows);
  const size_t B = global ? r : r * size_t(dist::size());
  const size_t V = 5000, T = 20;
  nets::Rng rng(1);
  nets::DiscriminatorConfig dc;  // SeqGAN's sizes: 7.0 M parameters, 84% in the highway
  dc.vocab = V;
  dc.seq_len = T;
  nets::Discriminator disc(dc, rng);
  nets::Adam opt(disc.named_parameters(), 1e-4f);
  // half real, half fake: random tokens (the cost does not depend on them); one epoch = `steps` steps
  nets::IntTensor real = nets::IntTensor::from_shape({B * steps / 2, T}), fake = nets::IntTensor::from_shape({B * steps - B * steps / 2, T});
  for (auto* t : {&real, &fake})
    for (auto& v : *t) v = int32_t(rng.randint(V));
  nets::Rng shuffle(2);
  seqrl::agents::train_discriminator(disc, opt, real, fake, 1, B, shuffle);  // warm-up
  std::vector<double> per_step;
  for (int k = 0; k < rounds; ++k) {
    dist::barrier();
    const double t0 = now();
    seqrl::agents::train_discriminator(disc, opt, real, fake, 1, B, shuffle);
    per_step.push_back((now() - t0) / double(steps));
  }
  const Stats s = stats(per_step);
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "\"part\":\"disc\",\"allreduce\":\"%s\",\"scaling\":\"%s\",\"global_batch\":%zu,\"rows_per_rank\":%zu,\"threads\":%zu,"
                "\"steps\":%zu,\"rounds\":%d,\"step_s\":{\"median\":%.5f,\"min\":%.5f,\"max\":%.5f}",
                std::getenv("SEQRL_BENCH_ALLREDUCE") ? std::getenv("SEQRL_BENCH_ALLREDUCE") : "reduce_scatter",
                global ? "strong" : "weak", B, B / size_t(dist::size()), size_t(nets::num_threads()), steps, rounds, s.median,
                s.min, s.max);
  return buf;
}

// SeqGAN's Monte-Carlo rewards of one g-step (SeqGAN::rewards: R = 16 completions of every prefix,
// scored by D) at the paper's sizes, the rows split over the ranks. Before each timed call D's
// weights move a little, as a d-step moves them between g-steps, so the call rebuilds D's score
// table as it does in training (that part is not split: every rank builds the whole table).
std::string rollouts_json(const std::string& rows, int rounds) {
  const bool global = rows.rfind("global:", 0) == 0;
  const size_t r = std::stoul(global ? rows.substr(7) : rows);
  const size_t B = global ? r : r * size_t(dist::size());
  const size_t V = 5000, T = 20;
  seqrl::agents::SeqGANConfig c = seqrl::agents::seqgan_protocol("paper");
  c.batch = B;
  nets::Rng rng(3);
  nets::IntTensor real = nets::IntTensor::from_shape({B, T});
  for (auto& v : real) v = int32_t(rng.randint(V));
  seqrl::agents::SeqGAN gan(c, real, V, nullptr);
  const nets::IntTensor seqs = gan.gen.sample(B, rng);
  gan.rewards(seqs);  // warm-up
  std::vector<double> per_call;
  for (int k = 0; k < rounds; ++k) {
    gan.disc.embedding.weight.node()->value.data()[k] += 1e-3f;  // a d-step's change: the table is rebuilt
    dist::barrier();
    const double t0 = now();
    gan.rewards(seqs);
    per_call.push_back(now() - t0);
  }
  const Stats s = stats(per_call);
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "\"part\":\"rollouts\",\"scaling\":\"%s\",\"global_batch\":%zu,\"rollouts\":%zu,\"rows\":%zu,\"threads\":%zu,"
                "\"rounds\":%d,\"step_s\":{\"median\":%.5f,\"min\":%.5f,\"max\":%.5f}",
                global ? "strong" : "weak", B, c.rollouts, c.rollouts * B, size_t(nets::num_threads()), rounds, s.median,
                s.min, s.max);
  return buf;
}
}  // namespace

int main(int argc, char** argv) {
  dist::init(&argc, &argv);
  nets::keep_freed_memory();  // as the seqrl command does: no page faults per step
  const std::string part = argc > 1 ? argv[1] : "allreduce";
  std::string json = "{\"ranks\":" + std::to_string(dist::size()) + ",";
  try {
    if (const char* a = std::getenv("SEQRL_BENCH_ALLREDUCE"); a && std::string(a) == "allgather")
      dist::set_allreduce(dist::Allreduce::kAllgather);
    if (part == "disc") {
      if (argc < 3) throw std::runtime_error("disc needs ROWS_PER_RANK or global:ROWS");
      json += disc_json(argv[2], argc > 3 ? std::stoul(argv[3]) : 10, argc > 4 ? std::atoi(argv[4]) : 5);
    } else if (part == "rollouts") {
      if (argc < 3) throw std::runtime_error("rollouts needs BATCH_PER_RANK or global:BATCH");
      json += rollouts_json(argv[2], argc > 3 ? std::atoi(argv[3]) : 5);
    } else if (part == "allreduce" || std::isdigit(static_cast<unsigned char>(part[0]))) {
      // (a bare number is the old form's REPEATS)
      const char* rep = part == "allreduce" ? (argc > 2 ? argv[2] : "10") : argv[1];
      json += allreduce_json(std::atoi(rep));
    } else {
      throw std::runtime_error("unknown part '" + part + "' (allreduce, disc, rollouts)");
    }
  } catch (const std::exception& e) {
    dist::abort(2, std::string("seqrl_dist_bench: ") + e.what());
  }
  json += "}";
  if (dist::rank() == 0) std::printf("%s\n", json.c_str());
  dist::finalize();
  return 0;
}
