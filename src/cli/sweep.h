// `arbiter sweep`: runs one scenario over a grid of overrides and reports one row per point.
#ifndef ARBITER_CLI_SWEEP_H_
#define ARBITER_CLI_SWEEP_H_

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "model/sweep_result.h"

namespace arbiter {

// The most points a sweep's grid may have.
inline constexpr size_t kMaxSweepPoints = 100'000;

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
  std::string report;  // also write the HTML report of the grid to this file (empty: none)
};

// Runs the sweep; on success fills `result` (if not null), prints the table unless quiet and
// writes sweep.csv (and the report, if asked for, with it: all or nothing). Returns the process
// exit code (0, 1, or 2 for bad input).
int RunSweep(const SweepArgs& args, std::FILE* out, std::FILE* err, SweepResult* result = nullptr);

// The CSV text of a sweep (header, then one line per point).
std::string SweepCsv(const SweepResult& result);

}  // namespace arbiter

#endif  // ARBITER_CLI_SWEEP_H_
