// seqrl past one machine: the process group of an MPI launch (Open MPI, MPICH, a cluster's own
// MPI through its C API), or a group of one.
//
// A seqrl built with -DSEQRL_MPI=ON and started by mpirun/mpiexec/srun joins the launch's group
// (init() detects the launcher from its environment variables); started any other way, or built
// without MPI, it is a group of one and every call below is a no-op or the identity. Only the
// main thread calls these (MPI_THREAD_FUNNELED); seqrl's pool threads only compute.
//
// Collectives are deterministic: allreduce_sum adds every rank's values in rank order, so all
// ranks hold the same bits, and they are the bits of a serial sum in rank order. Fail-stop: abort() ends every rank of the job (MPI_Abort) with a message naming
// this rank.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace seqrl::nets::dist {

// Joins the launch's group when started by an MPI launcher (idempotent). Throws Error when a
// launcher says there are several processes and this build has no MPI: N copies of one command
// would otherwise write the same files.
void init(int* argc, char*** argv);
// Leaves the group (MPI_Finalize); the process exits normally afterwards.
void finalize();
// Whether this binary was built with MPI.
bool built_with_mpi();
// The group size a launcher announced in the environment (OMPI_COMM_WORLD_SIZE, PMI_SIZE,
// PMIX/Slurm variables), 1 when there is none.
int launcher_size();
int rank();
int size();
// Ends every rank of the job: prints "seqrl: rank R of N: MESSAGE" to stderr, then MPI_Abort
// (or exit with the code in a group of one).
[[noreturn]] void abort(int code, const std::string& message);
void barrier();
// Element-wise sum over ranks, in rank order, identical on every rank.
void allreduce_sum(float* data, size_t n);
void allreduce_sum(double* data, size_t n);
// How allreduce_sum moves the values, and how data-parallel optimizer steps run; every choice
// gives the same bits. kReduceScatter (the default): each rank sums 1/N of the buffer from every
// rank's piece (all-to-all), then all gather the sums, 2 (N - 1) / N of the buffer in and out per
// rank; nets::ShardedStep updates 1/N of the parameters per rank. kAllgather: every rank receives
// every rank's whole buffer and sums it all, (N - 1) times the buffer in, and every rank takes the
// whole optimizer step (the first data-parallel version, kept for comparison: seqrl_dist_bench).
enum class Allreduce { kReduceScatter, kAllgather };
void set_allreduce(Allreduce a);
Allreduce allreduce_algorithm();
// The two halves of the reduce-scatter form, for work split over the ranks (nets::ShardedStep).
// Rank r owns the chunk [begin, end) = [n r / N, n (r + 1) / N) of n values.
void chunk(size_t n, int r, size_t& begin, size_t& end);
// Sums every rank's values over this rank's chunk, in rank order (the bits allreduce_sum gives
// there); the rest of data is left as it was.
void reduce_scatter_sum(float* data, size_t n);
// Each rank's chunk of data to every rank (the other chunks of data are overwritten).
void allgather_chunks(float* data, size_t n);
// For work split by rows (Monte-Carlo rollouts, samples): rank r owns rows chunk(rows, r) of a
// row-major [rows, width] buffer; every rank's rows to every rank (the other rows are overwritten).
void allgather_rows(float* data, size_t rows, size_t width);
void allgather_rows(int32_t* data, size_t rows, size_t width);
// The maximum over ranks (stop flags, error codes).
int allreduce_max(int value);
// Whether the flag is set on any rank (a stop request, an interruption): the same answer on every
// rank, so that all stop at the same point.
inline bool any(bool flag) { return size() > 1 ? allreduce_max(flag ? 1 : 0) > 0 : flag; }
// Root's bytes on every rank.
void broadcast(std::string& bytes, int root = 0);
// Every rank's string, in rank order, on every rank.
std::vector<std::string> allgather(const std::string& mine);
// A watchdog for a rank stuck in a collective (a rank that died without taking the job down, a
// deadlock, ranks in different collectives): in a launch of more than one rank, a collective of
// this file that has not returned after SEQRL_MPI_TIMEOUT seconds (default 600; 0 = no watchdog)
// prints "seqrl: rank R of N: stuck in NAME ..." and ends this rank (exit 124), and mpirun ends
// the others; the last checkpoint is intact. Collectives that wait for other ranks' long work on
// purpose (the suite waiting for runs farmed to other ranks) run inside a Patient scope.
class Patient {
 public:
  Patient();
  ~Patient();
  Patient(const Patient&) = delete;
  Patient& operator=(const Patient&) = delete;
};
// While a Solo is alive, this process acts alone: rank() is 0, size() is 1 and every collective
// is a no-op. For work farmed out to one rank (a suite's run), whose own training code must not
// wait for ranks that are busy with other runs. Scopes nest.
class Solo {
 public:
  Solo();
  ~Solo();
  Solo(const Solo&) = delete;
  Solo& operator=(const Solo&) = delete;
};

}  // namespace seqrl::nets::dist
