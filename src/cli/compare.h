// `arbiter compare`: runs several scheduling policies on one scenario and reports one row per
// policy, with each result's ratio to the scenario's lower bounds (sim/bounds.h).
#ifndef ARBITER_CLI_COMPARE_H_
#define ARBITER_CLI_COMPARE_H_

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "model/comparison.h"

namespace arbiter {

struct CompareArgs {
  std::string scenario;
  std::string policies;                // "a,b,c"; empty: every registered policy, in name order
  std::vector<std::string> overrides;  // --set KEY=VALUE, applied before anything runs
  uint64_t seed = 0;
  std::string out;  // directory for compare.csv (empty: out/<scenario name>-compare)
  bool quiet = false;
  std::string report;  // also write the HTML comparison report to this file (empty: none)
};

// Runs every chosen policy on the scenario; on success fills `result` (if not null), prints the
// table unless quiet and writes compare.csv (and the report, if asked for, with it: all or
// nothing). Returns the process exit code (0; 1 a failure while running or writing; 2 bad input,
// e.g. an unknown policy).
int RunCompare(const CompareArgs& args, std::FILE* out, std::FILE* err,
               CompareResult* result = nullptr);

// The CSV text of a comparison: a header, one line per policy, then a line `bound` with the
// scenario's lower bounds in the columns they bound.
std::string CompareCsv(const CompareResult& result);

// The table printed by RunCompare.
std::string CompareTable(const CompareResult& result);

}  // namespace arbiter

#endif  // ARBITER_CLI_COMPARE_H_
