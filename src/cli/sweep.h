// `arbiter sweep`: runs one scenario over a grid of overrides and reports one row per point.
#ifndef ARBITER_CLI_SWEEP_H_
#define ARBITER_CLI_SWEEP_H_

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace arbiter {

struct SweepArgs {
  std::string scenario;
  // Each "KEY=v1,v2,..." is one axis of the grid; the grid is their product, in the order given
  // (the last axis varies fastest).
  std::vector<std::string> grid;
  std::vector<std::string> overrides;  // applied to every point, before the grid's
  std::string policy;                  // empty: the scenario's
  uint64_t seed = 0;
  std::string out;  // directory for sweep.csv (empty: out/<scenario name>-sweep)
  bool quiet = false;
};

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
  std::vector<std::string> keys;
  std::vector<std::string> tenants;
  std::vector<std::string> providers;
  std::vector<SweepRow> rows;
};

// Runs the sweep; on success fills `result` (if not null), prints the table unless quiet and
// writes sweep.csv. Returns the process exit code (0, 1, or 2 for bad input).
int RunSweep(const SweepArgs& args, std::FILE* out, std::FILE* err, SweepResult* result = nullptr);

// The CSV text of a sweep (header, then one line per point).
std::string SweepCsv(const SweepResult& result);

}  // namespace arbiter

#endif  // ARBITER_CLI_SWEEP_H_
