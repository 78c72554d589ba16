// Heterogeneity-aware allocations as linear programs, in the manner of Gavel (Narayanan et al.,
// OSDI'20), solved with COIN-OR CLP.
//
// An allocation X[j][t] in [0, 1] is the share of time job j should run on accelerator type t;
// sum_t X[j][t] <= 1 for each job, and sum_j gang[j] X[j][t] <= capacity[t] for each type. The
// effective throughput of job j is sum_t rate[j][t] X[j][t]. Objectives:
//
//  kMaxMinFairness: maximise the smallest weighted normalised throughput,
//      min_j  gang[j] / weight[j] x sum_t X[j][t] rate[j][t] / base[j]
//    (effective accelerators per unit of weight: a 1-accelerator job gets more time than an
//    8-accelerator one, as in Gavel), then, keeping that minimum, use the capacity it does not
//    need where it is most effective (the most accelerators weighted by rate / max_t rate).
//    base[j] is, by default (MaxMinBaseline::kEqualShare, Gavel's), the throughput the job would
//    get from an equal share of each type it can use, sum_t capacity[t] rate[j][t] / sum_t
//    capacity[t] over those types: with every job able to use every type this is Gavel's
//    X_equal normalisation up to a factor common to all jobs, which leaves the allocation
//    unchanged. With kFastestType it is max_t rate[j][t], the job's rate on its fastest type.
//    The two differ for jobs whose speed is flat across types or fastest on an older type.
//  kMinMakespan: maximise y (1 / makespan, scaled) subject to each job finishing its remaining
//    work by the makespan at its effective throughput: sum_t X[j][t] T0 / runtime[j][t] >= y,
//    with runtime[j][t] = work[j] / rate[j][t] and T0 the longest best runtime; plus eps times
//    the accelerators used, as above.
//  kMinCost: maximise the accelerators used weighted by cost efficiency,
//      sum_jt gang[j] X[j][t] min_u cost[j][u] / cost[j][t],   cost[j][t] = price x gang x runtime
//    (Gavel's throughput-per-dollar objective normalised per job: each type's capacity goes to the
//    jobs whose work costs least there relative to their cheapest option), subject to every job
//    with a deadline progressing fast enough to meet it:
//      sum_t X[j][t] / runtime[j][t] >= 1 / (deadline[j] - now);
//    a deadline that cannot be met gets a slack variable at a large penalty, so the program is
//    always feasible and misses as little as it must.
//
// Large programs are partitioned, as in POP (Narayanan et al., SOSP'21): with more than
// `max_jobs_per_program` jobs, job i goes to partition i mod k (k = the fewest partitions within
// the limit), each partition gets 1/k of every type's capacity (at least its largest gang there,
// so no job loses a type it could use: the partitions may then promise a little more than the
// type has, which the enforcing policy absorbs by taking allocations in priority order), and the
// partitions are solved apart. For many small jobs the result is close to the whole program's;
// the cost grows linearly in the jobs instead of super-linearly.
//
// The solver runs in one thread with no time limit, so the same input gives the same allocation.
#ifndef ARBITER_SCHED_ALLOCATION_LP_H_
#define ARBITER_SCHED_ALLOCATION_LP_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "model/units.h"

namespace arbiter {

enum class AllocationObjective { kMaxMinFairness, kMinMakespan, kMinCost };

// What kMaxMinFairness divides a job's throughput by (see above).
enum class MaxMinBaseline { kEqualShare, kFastestType };

struct AllocationJob {
  int32_t gang = 1;
  int64_t weight = 1;
  Work work = 0;               // remaining
  std::vector<Rate> rates;     // per type; 0: cannot run there
  std::vector<Micros> prices;  // per type, per accelerator-hour (kMinCost)
  Duration deadline_in = 0;    // seconds left to its deadline; 0: none (kMinCost)
};

struct AllocationProblem {
  AllocationObjective objective = AllocationObjective::kMaxMinFairness;
  std::vector<int64_t> capacity;  // per type, accelerators
  std::vector<AllocationJob> jobs;
  int64_t max_jobs_per_program = 0;  // 0: one program, however large
  MaxMinBaseline baseline = MaxMinBaseline::kEqualShare;
  // Of the optimal allocations, return the one that spreads each job's share over the types it
  // can use in proportion to their capacity, where that stays within every type's capacity (else
  // the solver's own). For programs whose optima differ only in where jobs run, such as those of
  // heterogeneity-agnostic policies (every rate 1): what an interior-point solver such as Gavel's
  // returns, where a simplex vertex would tie each job to one type by its place in the program.
  bool spread = false;
};

struct Allocation {
  std::vector<std::vector<double>> x;  // [job][type]
  double objective = 0;                // the program's objective value
  int64_t iterations = 0;
  // kMinMakespan: the makespan the allocation implies, in seconds (kNever if none).
  double makespan = 0;
  // kMinCost: jobs whose deadline the allocation cannot meet.
  int64_t deadline_slack_jobs = 0;
  int64_t partitions = 1;   // programs solved (see max_jobs_per_program)
  bool remembered = false;  // returned by an AllocationMemo without solving
};

// The last program a caller solved, by its kinds of job (what the objective depends on) and their
// counts, with its allocation: a caller that solves the same program again (a round policy between
// arrivals and completions) gets the allocation back without solving.
class AllocationMemo {
 private:
  friend absl::StatusOr<Allocation> SolveAllocation(const AllocationProblem&, AllocationMemo*);
  bool valid_ = false;
  std::vector<int64_t> signature_;
  Allocation allocation_;  // per kind of job
};

// Solves the program (or returns `memo`'s allocation when it is the program solved last).
// Fails on an empty or inconsistent problem (vectors of the wrong length, a job that can run
// nowhere, non-positive work) or if the solver does not reach an optimum.
absl::StatusOr<Allocation> SolveAllocation(const AllocationProblem& problem,
                                           AllocationMemo* memo = nullptr);

}  // namespace arbiter

#endif  // ARBITER_SCHED_ALLOCATION_LP_H_
