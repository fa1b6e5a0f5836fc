// The collectives of nets/dist.hpp under mpirun -np N: every rank checks the results against
// closed forms and against the other ranks bit for bit, then the ranks agree on pass/fail.
// usage: mpirun -np N seqrl_dist_check   (prints "dist_check: N ranks, ok" on rank 0)
#include <algorithm>
#include <chrono>
#include <cmath>
#include <thread>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "seqrl/agents/leakgan/leakgan.hpp"
#include "seqrl/agents/seqgan/seqgan_trainer.hpp"
#include "seqrl/nets/dist.hpp"
#include "seqrl/nets/optim.hpp"
#include "seqrl/nets/rng.hpp"

namespace dist = seqrl::nets::dist;

int main(int argc, char** argv) {
  dist::init(&argc, &argv);
  const int r = dist::rank(), n = dist::size();
  if (argc > 1 && std::string(argv[1]) == "stuck") {
    // the watchdog: rank 1 never reaches the collective rank 0 waits in (it sleeps past the test's
    // own time limit); with SEQRL_MPI_TIMEOUT=2 rank 0 must say so and end within seconds
    if (r == 1) std::this_thread::sleep_for(std::chrono::seconds(60));
    float x = 1.f;
    dist::allreduce_sum(&x, 1);
    std::printf("dist_check stuck: rank %d returned from the collective (no watchdog?)\n", r);
    dist::finalize();
    return 0;
  }
  int failures = 0;
  auto check = [&](bool ok, const std::string& what) {
    if (!ok) std::fprintf(stderr, "rank %d: FAIL %s\n", r, what.c_str()), ++failures;
  };
  check(n == dist::launcher_size(), "size() equals the launcher's size");
  // allreduce_sum: the serial sum in rank order, bit for bit, of values whose sum depends on order,
  // in both forms, at sizes that do not divide by the ranks and below their number
  const size_t m = 1000;
  auto values_of = [&](int rank, size_t len) {
    seqrl::nets::Rng rng(uint64_t(rank) + 7);
    std::vector<float> v(len);
    for (auto& x : v) x = rng.normal() * std::pow(10.f, float(rank % 3) * 3.f);
    return v;
  };
  std::vector<float> mine;
  for (const auto algo : {dist::Allreduce::kAllgather, dist::Allreduce::kReduceScatter})
    for (const size_t len : {size_t(1), size_t(7), m}) {
      dist::set_allreduce(algo);
      mine = values_of(r, len);
      std::vector<float> want = values_of(0, len);
      for (int k = 1; k < n; ++k) {
        const auto v = values_of(k, len);
        for (size_t i = 0; i < len; ++i) want[i] += v[i];
      }
      dist::allreduce_sum(mine.data(), len);
      check(std::memcmp(mine.data(), want.data(), len * sizeof(float)) == 0,
            "allreduce_sum(float) of " + std::to_string(len) + " is the rank-order sum (" +
                (algo == dist::Allreduce::kAllgather ? "allgather" : "reduce-scatter") + ")");
    }
  std::vector<double> d(3, double(r) + 0.5);
  dist::allreduce_sum(d.data(), d.size());
  check(d[0] == n * (n - 1) / 2.0 + 0.5 * n, "allreduce_sum(double)");
  check(dist::allreduce_max(r * 10) == (n - 1) * 10, "allreduce_max");
  std::string b = r == 0 ? std::string("bytes from rank 0\0with a zero", 29) : "";
  dist::broadcast(b);
  check(b == std::string("bytes from rank 0\0with a zero", 29), "broadcast");
  const auto all = dist::allgather(std::string(size_t(r), 'x'));
  bool ok = int(all.size()) == n;
  for (int k = 0; ok && k < n; ++k) ok = all[size_t(k)] == std::string(size_t(k), 'x');
  check(ok, "allgather");
  // ShardedStep: Adam's step split over the ranks gives the parameters of allreduce_gradients +
  // step(), bit for bit, and after finish() the same moments; parameters with a gradient on one
  // rank only (in place and in the bucket), one with none anywhere, chunks cut inside parameters
  {
    auto make_params = [&] {
      seqrl::nets::NamedParams ps;
      seqrl::nets::Rng rng(3);
      // (70,000 values: a tensor reduced in place; the others go through the shared bucket)
      for (const size_t len : {size_t(5), size_t(1000), size_t(70000), size_t(7), size_t(3)}) {
        seqrl::nets::Tensor t = seqrl::nets::Tensor::from_shape({len});
        for (auto& x : t) x = rng.normal();
        ps.push_back({"p" + std::to_string(ps.size()), seqrl::nets::Var(t, true)});
      }
      return ps;
    };
    auto set_grads = [&](seqrl::nets::NamedParams& ps, int step) {
      for (size_t k = 0; k < ps.size(); ++k) {
        ps[k].second.zero_grad();
        if (k == 4 || ((k == 2 || k == 3) && r != 0)) continue;  // p4: no gradient anywhere; p2, p3: rank 0's only
        seqrl::nets::Rng rng(uint64_t(100 * step + 10 * r + int(k)));
        auto& g = ps[k].second.node()->grad_buffer();
        for (auto& x : g) x = rng.normal() * std::pow(10.f, float(r % 3));
        ps[k].second.node()->has_grad = true;
      }
    };
    auto a = make_params(), b = make_params();
    seqrl::nets::Adam oa(a, 1e-2f), ob(b, 1e-2f);
    {
      seqrl::nets::ShardedStep sharded(ob);
      for (int step = 0; step < 3; ++step) {
        set_grads(a, step);
        seqrl::nets::allreduce_gradients(a);
        oa.step();
        set_grads(b, step);
        sharded.step();
      }
    }  // finish()
    bool same = true;
    for (size_t k = 0; k < a.size(); ++k)
      same = same && std::memcmp(a[k].second.value().data(), b[k].second.value().data(), a[k].second.size() * 4) == 0;
    check(same, "ShardedStep's parameters are allreduce + step()'s, bit for bit");
    const auto sa = oa.state(), sb = ob.state();
    bool moments = sa.tensors.size() == sb.tensors.size() && !sa.tensors.empty();
    for (const auto& [key, t] : sa.tensors)
      moments = moments && sb.tensors.count(key) &&
                std::memcmp(t.data(), sb.tensors.at(key).data(), t.size() * 4) == 0;
    check(moments, "ShardedStep's moments, gathered by finish(), are step()'s");
    check(sa.scalars.at("step") == sb.scalars.at("step"), "ShardedStep counts the steps");
  }
  // check_replicas: quiet while the ranks agree; when one parameter differs on the last rank,
  // every rank throws naming that parameter and that rank
  {
    seqrl::nets::NamedParams ps;
    for (const size_t len : {size_t(4), size_t(9)}) {
      seqrl::nets::Tensor t = seqrl::nets::Tensor::from_shape({len});
      for (size_t i = 0; i < len; ++i) t.data()[i] = float(i) * 0.5f;
      ps.push_back({"w" + std::to_string(ps.size()), seqrl::nets::Var(t, true)});
    }
    bool quiet = true;
    try {
      seqrl::nets::check_replicas(ps, "at the test's start");
    } catch (const std::exception&) {
      quiet = false;
    }
    check(quiet, "check_replicas is quiet while the ranks agree");
    if (n > 1) {
      if (r == n - 1) ps[1].second.node()->value.data()[3] += 1e-6f;
      std::string msg;
      try {
        seqrl::nets::check_replicas(ps, "after update 7");
      } catch (const std::exception& e) {
        msg = e.what();
      }
      check(msg.find("parameter 'w1' on rank(s) " + std::to_string(n - 1) + " is not rank 0's") != std::string::npos &&
                msg.find("after update 7") != std::string::npos,
            "check_replicas names the parameter and the rank that differ: '" + msg + "'");
    }
  }
  // check_replica_state (the runner's check at start-up and at checkpoints): an agent's tensors and
  // metadata; a random stream's state that differs on the last rank is named
  {
    std::map<std::string, seqrl::nets::Tensor> tensors;
    tensors["gen.w"] = seqrl::nets::Tensor::from_shape({5});
    for (size_t i = 0; i < 5; ++i) tensors["gen.w"].data()[i] = float(i);
    std::map<std::string, std::string> meta = {{"rng", "12345"}, {"updates", "7"}};
    bool quiet = true;
    try {
      seqrl::nets::check_replica_state(tensors, meta, "at start-up");
    } catch (const std::exception&) {
      quiet = false;
    }
    check(quiet, "check_replica_state is quiet while the ranks agree");
    if (n > 1) {
      if (r == n - 1) meta["rng"] = "12346";
      std::string msg;
      try {
        seqrl::nets::check_replica_state(tensors, meta, "at the checkpoint of step 640");
      } catch (const std::exception& e) {
        msg = e.what();
      }
      check(msg.find("state entry 'rng' on rank(s) " + std::to_string(n - 1)) != std::string::npos &&
                msg.find("at the checkpoint of step 640") != std::string::npos,
            "check_replica_state names the entry and the rank that differ: '" + msg + "'");
    }
  }
  // Monte-Carlo rollouts and fresh negatives split by rows over the ranks (agents/src/across_ranks.hpp):
  // the sampled tokens (both d-steps' negatives) are one process's, bit for bit; SeqGAN's rewards and
  // LeakGAN's Q are its scores to within 1e-6 (OpenBLAS rounds a row's products differently with
  // other rows beside it in the call), with the random stream left where one process leaves it; the
  // discriminator switches to its score table where one process does (after 40 scored sequences
  // here, midway through the rollouts)
  {
    const size_t V = 20, T = 10, N = 64;
    seqrl::nets::Rng data_rng(3);
    seqrl::nets::IntTensor real = seqrl::nets::IntTensor::from_shape({N, T});
    for (auto& x : real) x = int32_t(data_rng.next_u32() % V);
    auto bits_equal = [](const auto& x, const auto& y) {
      return x.size() == y.size() && std::memcmp(x.data(), y.data(), x.size() * sizeof(*x.data())) == 0;
    };
    auto close = [](const seqrl::nets::Tensor& x, const seqrl::nets::Tensor& y) {
      if (x.size() != y.size()) return false;
      double diff = 0;
      for (size_t i = 0; i < x.size(); ++i) diff = std::max(diff, double(std::abs(x.data()[i] - y.data()[i])));
      return diff < 1e-6;
    };
    seqrl::agents::SeqGANConfig sc = seqrl::agents::seqgan_protocol("fast");
    sc.emb = 8, sc.hidden = 8, sc.batch = 8, sc.rollouts = 3, sc.negatives = 37, sc.seed = 5;
    sc.disc.emb = 8, sc.disc.filter_sizes = {2, 3}, sc.disc.num_filters = {4, 4}, sc.disc.score_table_after = 40;
    seqrl::agents::SeqGAN sa(sc, real, V, nullptr), sb(sc, real, V, nullptr);
    seqrl::nets::Rng batch_rng(9);
    const seqrl::nets::IntTensor seqs = sa.gen.sample(sc.batch, batch_rng);
    const seqrl::nets::Tensor qa = sa.rewards(seqs);
    const seqrl::nets::IntTensor na = sa.negatives();
    seqrl::nets::Tensor qb;
    seqrl::nets::IntTensor nb;
    {
      dist::Solo solo;
      qb = sb.rewards(seqs);
      nb = sb.negatives();
    }
    check(close(qa, qb), "SeqGAN's rollout rewards split over the ranks are one process's");
    check(bits_equal(na, nb) && na.shape()[0] == 37, "SeqGAN's negatives split over the ranks are one process's");
    check(sa.disc.has_score_table() && sb.disc.has_score_table(), "the score table switch happened on every rank");
    check(sa.rng.state() == sb.rng.state(), "the rollouts left the random stream where one process does");
    // the policy-gradient step on those rewards: each rank its rows, the gradients summed in rank
    // order; the generator's parameters within rounding of one process's
    std::vector<seqrl::nets::Tensor> before;
    for (const auto& [name, p] : sa.gen.named_parameters()) before.push_back(p.value());
    sa.g_step_on(seqs);
    {
      dist::Solo solo;
      sb.g_step_on(seqs);
    }
    const auto pa = sa.gen.named_parameters(), pb = sb.gen.named_parameters();
    double pdiff = 0, moved = 0;
    for (size_t k = 0; k < pa.size(); ++k)
      for (size_t i = 0; i < before[k].size(); ++i) {
        const float a = pa[k].second.value().data()[i];
        pdiff = std::max(pdiff, double(std::abs(a - pb[k].second.value().data()[i])));
        moved = std::max(moved, double(std::abs(a - before[k].data()[i])));
      }
    check(moved > 1e-4 && pdiff < 1e-6, "SeqGAN's policy-gradient step over the ranks is one process's to rounding "
                                        "(it moved the generator by " + std::to_string(moved) + ", max difference " +
                                        std::to_string(pdiff) + ")");

    seqrl::agents::LeakGANConfig lc = seqrl::agents::leakgan_protocol("fast");
    lc.emb = 8, lc.hidden = 8, lc.goal_size = 4, lc.batch = 8, lc.rollouts = 3, lc.negatives = 29, lc.seed = 6;
    lc.disc = sc.disc;
    seqrl::agents::LeakGAN la(lc, real, V, nullptr), lb(lc, real, V, nullptr);
    const seqrl::nets::IntTensor lseqs = la.gen.sample(la.disc, lc.batch, batch_rng);
    const seqrl::nets::Tensor la_q = la.q_values(lseqs);
    const seqrl::nets::IntTensor la_n = la.negatives();
    seqrl::nets::Tensor lb_q;
    seqrl::nets::IntTensor lb_n;
    {
      dist::Solo solo;
      lb_q = lb.q_values(lseqs);
      lb_n = lb.negatives();
    }
    check(close(la_q, lb_q) && la.rng.state() == lb.rng.state(), "LeakGAN's rollout Q split over the ranks is one process's");
    check(bits_equal(la_n, lb_n) && la_n.shape()[0] == 29, "LeakGAN's negatives split over the ranks are one process's");
    // a whole adversarial g-step (rollouts, rescale, manager and worker losses, both updates) over
    // the ranks, for the paper's variant and the reference code's (whose batch scalars, the mean
    // reward and the mean intrinsic reward, are the whole batch's): the generator within rounding
    // of one process's
    auto max_diff = [](seqrl::agents::LeakGAN& x, seqrl::agents::LeakGAN& y, const std::vector<seqrl::nets::Tensor>& was,
                       double& moved) {
      const auto px = x.gen.named_parameters(), py = y.gen.named_parameters();
      double d = 0;
      moved = 0;
      for (size_t k = 0; k < px.size(); ++k)
        for (size_t i = 0; i < was[k].size(); ++i) {
          const float a = px[k].second.value().data()[i];
          d = std::max(d, double(std::abs(a - py[k].second.value().data()[i])));
          moved = std::max(moved, double(std::abs(a - was[k].data()[i])));
        }
      return d;
    };
    for (const char* protocol : {"fast", "fast-reference"}) {
      seqrl::agents::LeakGANConfig gc = seqrl::agents::leakgan_protocol(protocol);
      gc.emb = 8, gc.hidden = 8, gc.goal_size = 4, gc.batch = 8, gc.rollouts = 3, gc.negatives = 29, gc.seed = 7;
      gc.disc = sc.disc;
      seqrl::agents::LeakGAN ga(gc, real, V, nullptr), gb(gc, real, V, nullptr);
      seqrl::nets::Rng sample_rng(4);
      const seqrl::nets::IntTensor gseqs = ga.gen.sample(ga.disc, gc.batch, sample_rng);
      std::vector<seqrl::nets::Tensor> was;
      for (const auto& [name, p] : ga.gen.named_parameters()) was.push_back(p.value());
      ga.g_step_on(gseqs);
      {
        dist::Solo solo;
        gb.g_step_on(gseqs);
      }
      double moved = 0;
      const double d = max_diff(ga, gb, was, moved);
      check(moved > 1e-4 && d < 1e-6, std::string("LeakGAN's g-step (") + protocol + ") over the ranks is one process's "
                                       "to rounding (it moved the generator by " + std::to_string(moved) +
                                       ", max difference " + std::to_string(d) + ")");
    }
  }
  // every rank holds the same bits: compare against rank 0's
  std::string bytes(reinterpret_cast<const char*>(mine.data()), m * sizeof(float));
  std::string root = bytes;
  dist::broadcast(root);
  check(root == bytes, "the same bits on every rank");
  const int any = dist::allreduce_max(failures);
  if (r == 0) std::printf("dist_check: %d ranks, %s\n", n, any ? "FAILED" : "ok");
  dist::finalize();
  return any ? 1 : 0;
}
