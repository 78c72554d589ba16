// The result of `arbiter sweep` (src/cli/sweep.h): one scenario simulated at every point of a grid
// of overrides, one row of headline figures per point. Plain data, for the CSV writer and the
// sweep report (report/sweep_report.h).
#ifndef ARBITER_MODEL_SWEEP_RESULT_H_
#define ARBITER_MODEL_SWEEP_RESULT_H_

#include <cstdint>
#include <string>
#include <vector>

namespace arbiter {

// One row of a sweep: the grid values of the point and its headline figures.
struct SweepRow {
  std::vector<std::string> values;
  int64_t jobs = 0;
  int64_t finished = 0;
  double mean_jct_s = 0;
  int64_t p99_jct_s = 0;
  double mean_wait_s = 0;
  int64_t makespan_s = 0;
  int64_t total_cost_micros = 0;
  std::vector<int64_t> tenant_cost_micros;  // per tenant, scenario order
  std::vector<double> tenant_mean_jct_s;
  std::vector<double> provider_utilisation;
  std::vector<int64_t> provider_items_won;
  std::vector<int64_t> provider_items_won_by_right;
};

struct SweepResult {
  std::string scenario;           // the scenario's name
  std::vector<std::string> keys;  // the grid's axes, in the order given
  std::vector<std::string> tenants;
  std::vector<std::string> providers;
  // One per point, in grid order: the last axis varies fastest.
  std::vector<SweepRow> rows;
};

}  // namespace arbiter

#endif  // ARBITER_MODEL_SWEEP_RESULT_H_
