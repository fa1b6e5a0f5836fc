// The thread pool behind parallel_for: workers wait on a condition variable for a new job
// generation, run their static part, and report back. One job at a time (a mutex serialises
// callers from different threads).
#include "seqrl/nets/parallel.hpp"

#include <cblas.h>

#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "seqrl/nets/error.hpp"

namespace seqrl::nets {

namespace {
thread_local bool t_in_part = false;

int default_threads() {
  if (const char* e = std::getenv("SEQRL_NUM_THREADS")) {
    char* end = nullptr;
    const long v = std::strtol(e, &end, 10);
    if (end == e || *end || v < 1 || v > 256)
      throw ValueError(std::string("SEQRL_NUM_THREADS='") + e + "' is not a thread count in [1, 256]");
    return static_cast<int>(v);
  }
  const unsigned hc = std::thread::hardware_concurrency();
  return static_cast<int>(std::clamp(hc ? hc : 1u, 1u, 8u));
}

class Pool {
 public:
  explicit Pool(int n) { resize(n); }
  ~Pool() { stop_workers(); }

  int size() const { return size_; }

  void resize(int n) {
    std::lock_guard<std::mutex> run_lock(run_mutex_);
    stop_workers();
    size_ = n;
    stop_ = false;
    // New workers start at the current generation: jobs before their birth are not theirs.
    const uint64_t gen = generation_;
    for (int t = 1; t < n; ++t) workers_.emplace_back([this, t, gen] { work(t, gen); });
    if (n > 1) openblas_set_num_threads(1);
  }

  void run(size_t n, const std::function<void(size_t, size_t, size_t)>& fn) {
    std::lock_guard<std::mutex> run_lock(run_mutex_);
    const size_t parts = std::min<size_t>(size_, n);
    {
      std::lock_guard<std::mutex> lk(m_);
      job_ = &fn;
      n_ = n;
      parts_ = parts;
      pending_ = static_cast<int>(parts) - 1;
      error_ = nullptr;
      ++generation_;
    }
    cv_.notify_all();
    run_part(0);
    std::unique_lock<std::mutex> lk(m_);
    done_cv_.wait(lk, [&] { return pending_ == 0; });
    job_ = nullptr;
    if (error_) std::rethrow_exception(error_);
  }

 private:
  void run_part(size_t part) {
    size_t b, e;
    partition(n_, parts_, part, b, e);
    t_in_part = true;
    try {
      if (b < e) (*job_)(b, e, part);
    } catch (...) {
      std::lock_guard<std::mutex> lk(m_);
      if (!error_) error_ = std::current_exception();
    }
    t_in_part = false;
  }

  void work(int t, uint64_t seen) {
    for (;;) {
      {
        std::unique_lock<std::mutex> lk(m_);
        cv_.wait(lk, [&] { return stop_ || generation_ != seen; });
        if (stop_) return;
        seen = generation_;
        if (static_cast<size_t>(t) >= parts_) continue;  // this job has fewer parts
      }
      run_part(static_cast<size_t>(t));
      {
        std::lock_guard<std::mutex> lk(m_);
        --pending_;
      }
      done_cv_.notify_one();
    }
  }

  void stop_workers() {
    {
      std::lock_guard<std::mutex> lk(m_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& w : workers_) w.join();
    workers_.clear();
  }

  std::mutex run_mutex_, m_;
  std::condition_variable cv_, done_cv_;
  std::vector<std::thread> workers_;
  const std::function<void(size_t, size_t, size_t)>* job_ = nullptr;
  size_t n_ = 0, parts_ = 0;
  int pending_ = 0, size_ = 1;
  uint64_t generation_ = 0;
  bool stop_ = false;
  std::exception_ptr error_;
};

Pool& pool() {
  static Pool p(default_threads());
  return p;
}
}  // namespace

int num_threads() { return pool().size(); }

void set_num_threads(int n) {
  if (n < 1) throw ValueError("set_num_threads: need at least 1 thread, got " + std::to_string(n));
  if (n != pool().size()) pool().resize(n);
}

void parallel_for(size_t n, const std::function<void(size_t, size_t, size_t)>& fn) {
  if (n == 0) return;
  if (t_in_part || pool().size() == 1 || n == 1) {
    fn(0, n, 0);
    return;
  }
  pool().run(n, fn);
}

}  // namespace seqrl::nets
