#include "seqrl/nets/dist.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <type_traits>

#include "seqrl/nets/error.hpp"

#ifdef SEQRL_MPI
#include <mpi.h>
#endif

namespace seqrl::nets::dist {

namespace {
int g_rank = 0, g_size = 1;
bool g_mpi = false;  // MPI_Init was called by init()

int env_int(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? std::atoi(v) : 0;
}

// The watchdog: a collective entered more than g_timeout seconds ago ends this rank (see dist.hpp).
double g_timeout = 600;
std::atomic<long long> g_entered_ns{0};  // when the collective in progress was entered (0: none)
std::atomic<const char*> g_entered{nullptr};
std::atomic<bool> g_watching{false};
int g_patient = 0;  // live Patient scopes (main thread only)

long long now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Marks a collective in progress for the watchdog (unless a Patient scope is alive).
class Watch {
 public:
  explicit Watch(const char* what) {
    if (!g_watching.load() || g_patient) return;
    g_entered.store(what);
    g_entered_ns.store(now_ns());
  }
  ~Watch() { g_entered_ns.store(0); }
};

void start_watchdog(int rank, int size) {
  if (const char* v = std::getenv("SEQRL_MPI_TIMEOUT"); v && *v) {
    char* end = nullptr;
    const double t = std::strtod(v, &end);
    if (end == v || *end || !(t >= 0))
      throw ValueError("SEQRL_MPI_TIMEOUT='" + std::string(v) + "': expected seconds (0 = no watchdog)");
    g_timeout = t;
  }
  if (g_timeout <= 0) return;
  g_watching.store(true);
  std::thread([rank, size] {
    const auto tick = std::chrono::milliseconds(std::max(50, std::min(1000, int(g_timeout * 250))));
    for (;;) {
      std::this_thread::sleep_for(tick);
      const long long t = g_entered_ns.load();
      if (!g_watching.load()) return;
      if (t == 0 || double(now_ns() - t) * 1e-9 <= g_timeout) continue;
      std::fprintf(stderr,
                   "seqrl: rank %d of %d: stuck in %s for more than %g s (SEQRL_MPI_TIMEOUT): another rank has "
                   "died, hangs, or waits in a different collective; ending this rank (resume from the last "
                   "checkpoint with --resume)\n",
                   rank, size, g_entered.load(), g_timeout);
      std::fflush(stderr);
      std::_Exit(124);  // from this thread MPI_Abort is not allowed (MPI_THREAD_FUNNELED); mpirun ends the rest
    }
  }).detach();
}
}  // namespace

bool built_with_mpi() {
#ifdef SEQRL_MPI
  return true;
#else
  return false;
#endif
}

int launcher_size() {
  // Open MPI's mpirun, MPICH's Hydra (and Intel MPI), PMIx launchers, Slurm's srun
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE", "SLURM_NTASKS"}) {
    const int n = env_int(v);
    if (n > 0) return n;
  }
  return 1;
}

void init(int* argc, char*** argv) {
  if (g_mpi) return;
#ifdef SEQRL_MPI
  const bool launched = std::getenv("OMPI_COMM_WORLD_SIZE") || std::getenv("PMI_SIZE") || std::getenv("PMI_RANK") ||
                        std::getenv("PMIX_RANK");
  if (!launched) return;
  int provided = 0;
  MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
  g_mpi = true;
  MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &g_size);
  if (g_size > 1) start_watchdog(g_rank, g_size);
#else
  (void)argc, (void)argv;
  const int announced = launcher_size();
  if (announced > 1)
    throw Error("this seqrl was built without MPI, but a launcher started " + std::to_string(announced) +
                " copies of it: rebuild with -DSEQRL_MPI=ON (Debian's libopenmpi-dev), or run one process");
#endif
}

void finalize() {
#ifdef SEQRL_MPI
  g_watching.store(false);
  if (g_mpi) {
    MPI_Finalize();
    g_mpi = false;
  }
#endif
}

namespace {
int g_solo = 0;  // live Solo scopes (main thread only)
}  // namespace

Solo::Solo() { ++g_solo; }
Solo::~Solo() { --g_solo; }
Patient::Patient() { ++g_patient; }
Patient::~Patient() { --g_patient; }

int rank() { return g_solo ? 0 : g_rank; }
int size() { return g_solo ? 1 : g_size; }

void abort(int code, const std::string& message) {
  std::fprintf(stderr, "seqrl: rank %d of %d: %s\n", g_rank, g_size, message.c_str());
  std::fflush(stderr);
#ifdef SEQRL_MPI
  if (g_mpi) MPI_Abort(MPI_COMM_WORLD, code);
#endif
  std::exit(code);
}

void barrier() {
  Watch watch("barrier");
#ifdef SEQRL_MPI
  if (g_mpi && size() > 1) MPI_Barrier(MPI_COMM_WORLD);
#endif
}

namespace {
#ifdef SEQRL_MPI
// The allgather form: every rank receives every rank's whole buffer ((N - 1) * n values in) and
// sums all of it. Simple, but its traffic and its additions grow with N.
template <class T>
void sum_allgather(T* data, size_t n, MPI_Datatype type) {
  // one receive buffer kept across calls: a fresh 56 MB buffer per call (the discriminator's
  // gradient at 2 ranks) cost its page faults every time, 177 ms against MPI's own 5.4 ms
  static std::vector<T> all;
  if (all.size() < n * size_t(g_size)) all.resize(n * size_t(g_size));
  MPI_Allgather(data, int(n), type, all.data(), int(n), type, MPI_COMM_WORLD);
  std::memcpy(data, all.data(), n * sizeof(T));
  for (int r = 1; r < g_size; ++r) {
    const T* src = all.data() + size_t(r) * n;
    for (size_t i = 0; i < n; ++i) data[i] += src[i];
  }
}

// The reduce-scatter form: the buffer is cut into N chunks; rank j receives chunk j from every
// rank (MPI_Alltoallv) and sums it in rank order, then every rank gathers the N summed chunks
// (MPI_Allgatherv). Each rank moves 2 (N - 1) / N * n values each way, as a ring allreduce does,
// and adds n / N of them; the sums are the allgather form's, bit for bit (the same additions in
// the same order), so the choice never changes a result.
// Every rank's chunk of n values as MPI counts and displacements.
void chunk_layout(size_t n, std::vector<int>& counts, std::vector<int>& displs) {
  const size_t N = size_t(g_size);
  counts.resize(N), displs.resize(N);
  for (size_t j = 0; j < N; ++j) {
    size_t b = 0, e = 0;
    chunk(n, int(j), b, e);
    counts[j] = int(e - b), displs[j] = int(b);
  }
}

template <class T>
void reduce_scatter_impl(T* data, size_t n, MPI_Datatype type) {
  const size_t N = size_t(g_size), r = size_t(g_rank);
  std::vector<int> counts, displs, rcounts(N), rdispls(N);
  chunk_layout(n, counts, displs);
  const int mine = counts[r];
  for (size_t k = 0; k < N; ++k) rcounts[k] = mine, rdispls[k] = int(k) * mine;
  static std::vector<T> recv;  // kept across calls (page faults, as above)
  if (recv.size() < size_t(mine) * N) recv.resize(size_t(mine) * N);
  MPI_Alltoallv(data, counts.data(), displs.data(), type, recv.data(), rcounts.data(), rdispls.data(), type,
                MPI_COMM_WORLD);
  T* out = data + displs[r];
  std::memcpy(out, recv.data(), size_t(mine) * sizeof(T));
  for (size_t k = 1; k < N; ++k) {
    const T* src = recv.data() + k * size_t(mine);
    for (int i = 0; i < mine; ++i) out[i] += src[i];
  }
}

template <class T>
void allgather_chunks_impl(T* data, size_t n, MPI_Datatype type) {
  std::vector<int> counts, displs;
  chunk_layout(n, counts, displs);
  MPI_Allgatherv(MPI_IN_PLACE, 0, type, data, counts.data(), displs.data(), type, MPI_COMM_WORLD);
}

// The reduce-scatter form: the buffer is cut into N chunks; rank j receives chunk j from every
// rank (MPI_Alltoallv) and sums it in rank order, then every rank gathers the N summed chunks
// (MPI_Allgatherv). Each rank moves 2 (N - 1) / N * n values each way, as a ring allreduce does,
// and adds n / N of them; the sums are the allgather form's, bit for bit (the same additions in
// the same order), so the choice never changes a result.
template <class T>
void sum_reduce_scatter(T* data, size_t n, MPI_Datatype type) {
  reduce_scatter_impl(data, n, type);
  allgather_chunks_impl(data, n, type);
}

Allreduce g_algorithm = Allreduce::kReduceScatter;

template <class T>
void sum_in_rank_order(T* data, size_t n, MPI_Datatype type) {
  if (!g_mpi || size() == 1 || n == 0) return;
  if (n > size_t(INT32_MAX)) throw ValueError("dist::allreduce_sum: " + std::to_string(n) + " values in one call");
  if (g_algorithm == Allreduce::kReduceScatter && n >= size_t(g_size))
    sum_reduce_scatter(data, n, type);
  else
    sum_allgather(data, n, type);
}
#endif
}  // namespace

void chunk(size_t n, int r, size_t& begin, size_t& end) {
  const size_t N = size_t(size());
  begin = n * size_t(r) / N, end = n * (size_t(r) + 1) / N;
}

void reduce_scatter_sum(float* data, size_t n) {
  Watch watch("reduce_scatter_sum");
#ifdef SEQRL_MPI
  if (!g_mpi || size() == 1 || n == 0) return;
  if (n > size_t(INT32_MAX)) throw ValueError("dist::reduce_scatter_sum: " + std::to_string(n) + " values in one call");
  reduce_scatter_impl(data, n, MPI_FLOAT);
#else
  (void)data, (void)n;
#endif
}

void allgather_chunks(float* data, size_t n) {
  Watch watch("allgather_chunks");
#ifdef SEQRL_MPI
  if (!g_mpi || size() == 1 || n == 0) return;
  if (n > size_t(INT32_MAX)) throw ValueError("dist::allgather_chunks: " + std::to_string(n) + " values in one call");
  allgather_chunks_impl(data, n, MPI_FLOAT);
#else
  (void)data, (void)n;
#endif
}

namespace {
template <class T>
void gather_rows(T* data, size_t rows, size_t width, [[maybe_unused]] const char* type_name) {
  Watch watch("allgather_rows");
#ifdef SEQRL_MPI
  if (!g_mpi || size() == 1 || rows == 0 || width == 0) return;
  if (rows * width > size_t(INT32_MAX))
    throw ValueError("dist::allgather_rows: " + std::to_string(rows) + " x " + std::to_string(width) + " " +
                     type_name + " values in one call");
  std::vector<int> counts, displs;
  chunk_layout(rows, counts, displs);
  for (size_t j = 0; j < counts.size(); ++j) counts[j] *= int(width), displs[j] *= int(width);
  const MPI_Datatype type = std::is_same_v<T, float> ? MPI_FLOAT : MPI_INT32_T;
  MPI_Allgatherv(MPI_IN_PLACE, 0, type, data, counts.data(), displs.data(), type, MPI_COMM_WORLD);
#else
  (void)data, (void)rows, (void)width;
#endif
}
}  // namespace

void allgather_rows(float* data, size_t rows, size_t width) { gather_rows(data, rows, width, "float"); }
void allgather_rows(int32_t* data, size_t rows, size_t width) { gather_rows(data, rows, width, "int32"); }

void set_allreduce(Allreduce a) {
#ifdef SEQRL_MPI
  g_algorithm = a;
#else
  (void)a;
#endif
}

Allreduce allreduce_algorithm() {
#ifdef SEQRL_MPI
  return g_algorithm;
#else
  return Allreduce::kReduceScatter;
#endif
}

void allreduce_sum(float* data, size_t n) {
  Watch watch("allreduce_sum");
#ifdef SEQRL_MPI
  sum_in_rank_order(data, n, MPI_FLOAT);
#else
  (void)data, (void)n;
#endif
}

void allreduce_sum(double* data, size_t n) {
  Watch watch("allreduce_sum");
#ifdef SEQRL_MPI
  sum_in_rank_order(data, n, MPI_DOUBLE);
#else
  (void)data, (void)n;
#endif
}

int allreduce_max(int value) {
  Watch watch("allreduce_max");
#ifdef SEQRL_MPI
  if (g_mpi && size() > 1) {
    int out = value;
    MPI_Allreduce(&value, &out, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    return out;
  }
#endif
  return value;
}

void broadcast(std::string& bytes, int root) {
  Watch watch("broadcast");
#ifdef SEQRL_MPI
  if (!g_mpi || size() == 1) return;
  unsigned long long n = bytes.size();
  MPI_Bcast(&n, 1, MPI_UNSIGNED_LONG_LONG, root, MPI_COMM_WORLD);
  if (n > (unsigned long long)INT32_MAX) throw ValueError("dist::broadcast: " + std::to_string(n) + " bytes in one call");
  bytes.resize(size_t(n));
  MPI_Bcast(bytes.data(), int(n), MPI_CHAR, root, MPI_COMM_WORLD);
#else
  (void)bytes, (void)root;
#endif
}

std::vector<std::string> allgather(const std::string& mine) {
  Watch watch("allgather");
#ifdef SEQRL_MPI
  if (g_mpi && size() > 1) {
    int n = int(mine.size());
    std::vector<int> sizes(static_cast<size_t>(g_size)), offsets(static_cast<size_t>(g_size));
    MPI_Allgather(&n, 1, MPI_INT, sizes.data(), 1, MPI_INT, MPI_COMM_WORLD);
    int total = 0;
    for (int r = 0; r < g_size; ++r) offsets[size_t(r)] = total, total += sizes[size_t(r)];
    std::string all(size_t(total), '\0');
    MPI_Allgatherv(mine.data(), n, MPI_CHAR, all.data(), sizes.data(), offsets.data(), MPI_CHAR, MPI_COMM_WORLD);
    std::vector<std::string> out;
    for (int r = 0; r < g_size; ++r) out.push_back(all.substr(size_t(offsets[size_t(r)]), size_t(sizes[size_t(r)])));
    return out;
  }
#endif
  return {mine};
}

}  // namespace seqrl::nets::dist
