// Turns a finished run (the core's job records and ledger) into a RunSummary.
#ifndef ARBITER_SIM_METRICS_H_
#define ARBITER_SIM_METRICS_H_

#include <vector>

#include "core/broker.h"
#include "model/scenario.h"
#include "model/summary.h"

namespace arbiter {

struct RunInfo {
  std::string policy;
  uint64_t seed = 0;
  Time end = 0;  // simulated time when the run stopped
  int64_t events = 0;
  std::string stop_reason;  // Simulator::stop_reason(): why it stopped early, if it did
};

// Requires that billing was closed at `info.end` (Simulator::Run does), so the ledger holds all
// use.
RunSummary Summarize(const Scenario& scenario, const Broker& broker, const RunInfo& info);

// Nearest-rank statistics of `values` (sorted in place).
DurationStats StatsOf(std::vector<Duration>& values);

}  // namespace arbiter

#endif  // ARBITER_SIM_METRICS_H_
