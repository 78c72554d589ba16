// The result of `arbiter compare` (src/cli/compare.h): several policies simulated on one
// scenario, one row of headline figures per policy, and the scenario's lower bounds. Plain data,
// for the CSV writer and the comparison report (report/compare_report.h).
#ifndef ARBITER_MODEL_COMPARISON_H_
#define ARBITER_MODEL_COMPARISON_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/summary.h"
#include "model/units.h"

namespace arbiter {

struct CompareRow {
  std::string policy;
  int64_t jobs = 0;  // submitted
  int64_t finished = 0;
  double mean_jct_s = 0;  // of finished jobs
  Duration p99_jct_s = 0;
  Duration makespan_s = 0;
  Micros total_cost = 0;
  double utilisation = 0;       // busy / capacity, all pools together
  int64_t deadline_jobs = 0;    // jobs with a deadline
  int64_t deadline_misses = 0;  // of those, not finished by it
  // Finish-time fairness: the largest JCT / equal-share time over finished jobs (sim/bounds.h
  // EqualShareTimes); 0 when no job finished.
  double worst_ftf = 0;
  // The run's ratios to the scenario's bounds (RunBounds), when they apply.
  std::optional<double> makespan_ratio;
  std::optional<double> mean_jct_ratio;
  std::optional<double> cost_ratio;
  std::vector<Duration> jct;  // completion times of finished jobs, ascending
};

struct CompareResult {
  std::string scenario;  // the scenario's name
  uint64_t seed = 0;
  RunBounds bounds;              // the bounds alone (ratios unset): the same for every policy
  std::vector<CompareRow> rows;  // in the order the policies were given
};

}  // namespace arbiter

#endif  // ARBITER_MODEL_COMPARISON_H_
