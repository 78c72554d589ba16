#include "sched/allocation_lp.h"

#include <algorithm>
#include <limits>
#include <map>
#include <span>
#include <tuple>

#include "ClpSimplex.hpp"
#include "absl/container/flat_hash_map.h"
#include "model/strings.h"

namespace arbiter {
namespace {

// Column-major sparse matrix under construction.
struct Columns {
  std::vector<CoinBigIndex> start = {0};
  std::vector<int> index;
  std::vector<double> value;
  std::vector<double> lower;
  std::vector<double> upper;
  std::vector<double> objective;

  int Add(double lo, double hi, double obj) {
    lower.push_back(lo);
    upper.push_back(hi);
    objective.push_back(obj);
    return static_cast<int>(lower.size()) - 1;
  }
  void Entry(int row, double v) {
    index.push_back(row);
    value.push_back(v);
  }
  void Close() { start.push_back(static_cast<CoinBigIndex>(index.size())); }
};

constexpr double kInf = std::numeric_limits<double>::max();
// Programs with more columns than this are presolved (see SolveOne).
constexpr size_t kPresolveColumns = 3000;

}  // namespace

namespace {

// Solves the program in which job j stands for count[j] identical jobs (empty: one each).
absl::StatusOr<Allocation> SolveOne(const AllocationProblem& problem,
                                    std::span<const int64_t> count = {});

// What the program's rows and columns of a job depend on under `objective`: jobs with the same
// key are interchangeable, so an optimal allocation may give them the same shares.
using JobKey = std::tuple<int32_t, int64_t, std::vector<Rate>, std::vector<Micros>, Work, Duration>;
JobKey KeyOf(const AllocationJob& job, AllocationObjective objective) {
  switch (objective) {
    case AllocationObjective::kMaxMinFairness:  // rates relative to each other, gang and weight
      return {job.gang, job.weight, job.rates, {}, 0, 0};
    case AllocationObjective::kMinCost:  // the cost ratios do not depend on the work; deadlines do
      return {job.gang,       0, job.rates, job.prices, job.deadline_in > 0 ? job.work : 0,
              job.deadline_in};
    case AllocationObjective::kMinMakespan:
      break;
  }
  return {job.gang, 0, job.rates, {}, job.work, job.deadline_in};
}

}  // namespace

absl::StatusOr<Allocation> SolveAllocation(const AllocationProblem& problem, AllocationMemo* memo) {
  const int64_t n = static_cast<int64_t>(problem.jobs.size());
  const int64_t limit = problem.max_jobs_per_program;
  // Identical jobs are solved as one kind of that many: the program shrinks to the distinct
  // kinds of job (on Gavel's traces, a few dozen models and gang sizes), and identical jobs get
  // identical shares (averaging an optimal allocation over them keeps it feasible and optimal).
  // Kinds are in the order of their keys, so that the program does not depend on job order.
  using Kinds = std::map<JobKey, std::pair<int32_t, int64_t>>;  // key -> (representative, count)
  Kinds kinds;
  std::vector<Kinds::iterator> kind_of(problem.jobs.size());
  for (size_t j = 0; j < problem.jobs.size(); ++j) {
    kind_of[j] =
        kinds.try_emplace(KeyOf(problem.jobs[j], problem.objective), static_cast<int32_t>(j), 0)
            .first;
    ++kind_of[j]->second.second;
  }
  const auto kinds_size = static_cast<int64_t>(kinds.size());
  if ((kinds_size < n || memo != nullptr) && (limit <= 0 || kinds_size <= limit)) {
    AllocationProblem classes;
    classes.objective = problem.objective;
    classes.capacity = problem.capacity;
    classes.baseline = problem.baseline;
    classes.spread = problem.spread;
    std::vector<int64_t> count;
    // The program as numbers, to recognise it when it comes again.
    std::vector<int64_t> signature = {static_cast<int64_t>(problem.objective),
                                      static_cast<int64_t>(problem.baseline), problem.spread};
    signature.insert(signature.end(), problem.capacity.begin(), problem.capacity.end());
    absl::flat_hash_map<const JobKey*, int32_t> index;
    for (const auto& [key, kind] : kinds) {
      index[&key] = static_cast<int32_t>(classes.jobs.size());
      classes.jobs.push_back(problem.jobs[kind.first]);
      count.push_back(kind.second);
      const auto& [gang, weight, rates, prices, work, deadline] = key;
      signature.insert(signature.end(), {gang, weight, kind.second, work, deadline});
      signature.insert(signature.end(), rates.begin(), rates.end());
      signature.insert(signature.end(), prices.begin(), prices.end());
    }
    Allocation out;
    if (memo != nullptr && memo->valid_ && memo->signature_ == signature) {
      out = memo->allocation_;
      out.remembered = true;
    } else {
      absl::StatusOr<Allocation> one = SolveOne(classes, count);
      if (!one.ok()) return one.status();
      out = *std::move(one);
      if (memo != nullptr) {
        memo->valid_ = true;
        memo->signature_ = std::move(signature);
        memo->allocation_ = out;
      }
    }
    std::vector<std::vector<double>> shares = std::move(out.x);
    out.x.resize(problem.jobs.size());
    for (size_t j = 0; j < problem.jobs.size(); ++j) out.x[j] = shares[index[&kind_of[j]->first]];
    return out;
  }
  if (limit <= 0 || n <= limit) return SolveOne(problem);
  const int64_t k = (n + limit - 1) / limit;
  Allocation out;
  out.x.resize(problem.jobs.size());
  out.partitions = k;
  for (int64_t part = 0; part < k; ++part) {
    AllocationProblem sub;
    sub.objective = problem.objective;
    sub.baseline = problem.baseline;
    sub.spread = problem.spread;
    for (int64_t j = part; j < n; j += k) sub.jobs.push_back(problem.jobs[j]);
    sub.capacity.resize(problem.capacity.size());
    for (size_t t = 0; t < problem.capacity.size(); ++t) {
      int64_t share = problem.capacity[t] / k + (part < problem.capacity[t] % k ? 1 : 0);
      for (const AllocationJob& job : sub.jobs) {
        if (job.rates.size() == problem.capacity.size() && job.rates[t] > 0 &&
            job.gang <= problem.capacity[t]) {
          share = std::max<int64_t>(share, job.gang);
        }
      }
      sub.capacity[t] = share;
    }
    absl::StatusOr<Allocation> one = SolveOne(sub);
    if (!one.ok()) {
      // Name the job as the caller knows it.
      return absl::Status(one.status().code(),
                          StrCat(one.status().message(), " (partition ", part, " of ", k, ")"));
    }
    for (size_t i = 0; i < one->x.size(); ++i) {
      out.x[part + static_cast<int64_t>(i) * k] = std::move(one->x[i]);
    }
    out.iterations += one->iterations;
    out.deadline_slack_jobs += one->deadline_slack_jobs;
    switch (problem.objective) {
      case AllocationObjective::kMaxMinFairness:
        out.objective = part == 0 ? one->objective : std::min(out.objective, one->objective);
        break;
      case AllocationObjective::kMinMakespan:  // the partition that ends last
        if (part == 0 || one->makespan > out.makespan) {
          out.objective = one->objective;
          out.makespan = one->makespan;
        }
        break;
      case AllocationObjective::kMinCost:
        out.objective += one->objective;
        break;
    }
  }
  return out;
}

namespace {

// AllocationProblem::spread: each job's share spread over its usable types (runtime > 0) in
// proportion to their capacity, if every type's capacity still holds the result.
void Spread(const AllocationProblem& problem, std::span<const int64_t> count,
            const std::vector<std::vector<double>>& runtime, std::vector<std::vector<double>>& x) {
  const size_t n = x.size();
  const size_t m = problem.capacity.size();
  std::vector<std::vector<double>> y(n, std::vector<double>(m, 0));
  std::vector<double> load(m, 0);
  for (size_t j = 0; j < n; ++j) {
    double share = 0;
    double capacity = 0;
    for (size_t t = 0; t < m; ++t) {
      share += x[j][t];
      if (runtime[j][t] > 0) capacity += static_cast<double>(problem.capacity[t]);
    }
    for (size_t t = 0; t < m; ++t) {
      if (runtime[j][t] <= 0) continue;
      y[j][t] = share * static_cast<double>(problem.capacity[t]) / capacity;
      load[t] +=
          static_cast<double>(problem.jobs[j].gang * (count.empty() ? 1 : count[j])) * y[j][t];
    }
  }
  for (size_t t = 0; t < m; ++t) {
    if (load[t] > static_cast<double>(problem.capacity[t]) * (1 + 1e-9) + 1e-9) return;
  }
  x = std::move(y);
}

absl::StatusOr<Allocation> SolveOne(const AllocationProblem& problem,
                                    std::span<const int64_t> count) {
  const size_t n = problem.jobs.size();
  // Accelerators job j stands for on a type: its gang times its count.
  const auto weight_of = [&](size_t j) {
    return static_cast<double>(problem.jobs[j].gang * (count.empty() ? 1 : count[j]));
  };
  const size_t m = problem.capacity.size();
  if (n == 0 || m == 0) return absl::InvalidArgumentError("allocation: no jobs or no types");
  // Runtimes (seconds at a full share) and which (job, type) pairs can be used.
  std::vector<std::vector<double>> runtime(n, std::vector<double>(m, 0));
  std::vector<double> best_runtime(n, kInf);
  // kMaxMinFairness's base throughput per job, in units of work per second.
  std::vector<double> base(n, 0);
  for (size_t j = 0; j < n; ++j) {
    const AllocationJob& job = problem.jobs[j];
    if (job.rates.size() != m ||
        (problem.objective == AllocationObjective::kMinCost && job.prices.size() != m)) {
      return absl::InvalidArgumentError(
          StrCat("allocation: job ", j, " needs one rate (and price) per type"));
    }
    if (job.work <= 0 || job.gang <= 0 || job.weight <= 0) {
      return absl::InvalidArgumentError(
          StrCat("allocation: job ", j, " needs positive work, gang and weight"));
    }
    for (size_t t = 0; t < m; ++t) {
      if (job.rates[t] <= 0 || problem.capacity[t] < job.gang) continue;
      runtime[j][t] = static_cast<double>(job.work) / static_cast<double>(job.rates[t]);
      best_runtime[j] = std::min(best_runtime[j], runtime[j][t]);
    }
    if (best_runtime[j] == kInf) {
      return absl::InvalidArgumentError(
          StrCat("allocation: job ", j, " fits on no type with capacity"));
    }
    if (problem.baseline == MaxMinBaseline::kFastestType) {
      base[j] = static_cast<double>(job.work) / best_runtime[j];
    } else {
      double capacity = 0;
      for (size_t t = 0; t < m; ++t) {
        if (runtime[j][t] <= 0) continue;
        const double c = static_cast<double>(problem.capacity[t]);
        base[j] += c * static_cast<double>(job.rates[t]);
        capacity += c;
      }
      base[j] /= capacity;
    }
  }
  const AllocationObjective objective = problem.objective;
  const bool two_stage = objective != AllocationObjective::kMinCost;
  double t0 = 0;  // kMinMakespan's scale: the longest best runtime
  for (size_t j = 0; j < n; ++j) t0 = std::max(t0, best_runtime[j]);

  // Rows: job shares [0, n), type capacities [n, n + m), then per-job rows: the fairness or
  // makespan bound of every job, or the deadline of each job that has one.
  const int type_row = static_cast<int>(n);
  std::vector<double> row_lower;
  std::vector<double> row_upper;
  for (size_t j = 0; j < n; ++j) {
    row_lower.push_back(-kInf);
    row_upper.push_back(1);
  }
  for (size_t t = 0; t < m; ++t) {
    row_lower.push_back(-kInf);
    row_upper.push_back(static_cast<double>(problem.capacity[t]));
  }
  std::vector<int> bound_row(n, -1);
  for (size_t j = 0; j < n; ++j) {
    const bool has = two_stage || problem.jobs[j].deadline_in > 0;
    if (!has) continue;
    bound_row[j] = static_cast<int>(row_lower.size());
    row_lower.push_back(two_stage ? 0 : 1);
    row_upper.push_back(kInf);
  }

  Columns cols;
  std::vector<std::vector<int>> column(n, std::vector<int>(m, -1));
  // The second stage's objective per X column (the effective accelerators it gives).
  std::vector<double> second;
  for (size_t j = 0; j < n; ++j) {
    const AllocationJob& job = problem.jobs[j];
    double cheapest = kInf;
    if (objective == AllocationObjective::kMinCost) {
      for (size_t t = 0; t < m; ++t) {
        if (runtime[j][t] > 0) {
          cheapest = std::min(cheapest, static_cast<double>(job.prices[t]) * runtime[j][t]);
        }
      }
    }
    for (size_t t = 0; t < m; ++t) {
      if (runtime[j][t] <= 0) continue;
      const double speed = best_runtime[j] / runtime[j][t];  // 1 on the fastest type
      const double gang = static_cast<double>(job.gang);
      const double accelerators = weight_of(j);  // gang x count
      double obj = 0;
      if (objective == AllocationObjective::kMinCost) {
        const double cost = static_cast<double>(job.prices[t]) * runtime[j][t];
        obj = cost > 0 ? accelerators * cheapest / cost : accelerators;
      }
      column[j][t] = cols.Add(0, 1, obj);
      second.push_back(accelerators * speed);
      cols.Entry(static_cast<int>(j), 1);
      cols.Entry(type_row + static_cast<int>(t), accelerators);
      if (bound_row[j] >= 0) {
        double coefficient = 0;
        switch (objective) {
          case AllocationObjective::kMaxMinFairness:
            coefficient = gang * static_cast<double>(job.rates[t]) / base[j] /
                          static_cast<double>(job.weight);
            break;
          case AllocationObjective::kMinMakespan:
            coefficient = t0 / runtime[j][t];
            break;
          case AllocationObjective::kMinCost:
            coefficient = static_cast<double>(job.deadline_in) / runtime[j][t];
            break;
        }
        cols.Entry(bound_row[j], coefficient);
      }
      cols.Close();
    }
  }
  const int x_columns = static_cast<int>(cols.lower.size());
  int bound_column = -1;
  double penalty = 0;
  if (two_stage) {
    bound_column = cols.Add(0, kInf, 1);
    for (size_t j = 0; j < n; ++j) cols.Entry(bound_row[j], -1);
    cols.Close();
  } else {
    // A deadline's slack costs more than any allocation can gain.
    double total = 0;
    for (size_t j = 0; j < n; ++j) total += weight_of(j);
    penalty = 1000 * (total + 1);
    for (size_t j = 0; j < n; ++j) {
      if (bound_row[j] < 0) continue;
      cols.Add(0, kInf, -penalty);
      cols.Entry(bound_row[j], 1);
      cols.Close();
    }
  }

  ClpSimplex model;
  model.setLogLevel(0);
  model.loadProblem(static_cast<int>(cols.lower.size()), static_cast<int>(row_lower.size()),
                    cols.start.data(), cols.index.data(), cols.value.data(), cols.lower.data(),
                    cols.upper.data(), cols.objective.data(), row_lower.data(), row_upper.data());
  model.setOptimizationDirection(-1);  // maximise
  // A large first solve goes through CLP's presolve and its choice of method: on the max-min
  // program (highly degenerate: one bound row per job) that is ~2x faster than plain primal
  // simplex (bench/README.md); a small one (kinds of job rather than jobs) is ~2x faster by plain
  // primal simplex. The second stage starts from the first's basis.
  if (cols.lower.size() > kPresolveColumns) {
    model.initialSolve();
  } else {
    model.primal();
  }
  if (!model.isProvenOptimal()) {
    return absl::InternalError(StrCat("allocation: the solver stopped with status ", model.status(),
                                      " after ", model.numberIterations(), " iterations"));
  }
  Allocation out;
  out.iterations = model.numberIterations();
  double bound = 0;
  if (two_stage) {
    // Keep (almost) the optimal bound and use the rest of the capacity where it is most
    // effective.
    bound = model.primalColumnSolution()[bound_column];
    model.setColumnLower(bound_column, bound * (1 - 1e-7));
    model.setObjectiveCoefficient(bound_column, 0);
    for (int c = 0; c < x_columns; ++c) model.setObjectiveCoefficient(c, second[c]);
    model.primal(1);
    if (!model.isProvenOptimal()) {
      return absl::InternalError(
          StrCat("allocation: the second stage stopped with status ", model.status()));
    }
    out.iterations += model.numberIterations();
  }
  const double* solution = model.primalColumnSolution();
  out.x.assign(n, std::vector<double>(m, 0));
  for (size_t j = 0; j < n; ++j) {
    for (size_t t = 0; t < m; ++t) {
      if (column[j][t] >= 0) out.x[j][t] = std::clamp(solution[column[j][t]], 0.0, 1.0);
    }
  }
  if (problem.spread) Spread(problem, count, runtime, out.x);
  out.objective = two_stage ? bound : model.objectiveValue();
  if (objective == AllocationObjective::kMinMakespan) {
    out.makespan = bound > 0 ? t0 / bound : static_cast<double>(kNever);
  }
  if (objective == AllocationObjective::kMinCost) {
    int s = x_columns;
    for (size_t j = 0; j < n; ++j) {
      if (bound_row[j] < 0) continue;
      if (solution[s++] > 1e-6) out.deadline_slack_jobs += count.empty() ? 1 : count[j];
    }
  }
  return out;
}

}  // namespace

}  // namespace arbiter
