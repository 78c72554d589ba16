// The state of the fleet sampled at a fixed interval during a run, for plots. Between events the
// state is constant, so a sample at time t shows the state after every event at or before t.
#ifndef ARBITER_MODEL_TIMELINE_H_
#define ARBITER_MODEL_TIMELINE_H_

#include <cstdint>
#include <vector>

#include "model/units.h"

namespace arbiter {

struct Timeline {
  Duration interval = 0;  // seconds between samples; 0: not recorded
  size_t pools = 0;       // pools per sample
  std::vector<Time> times;
  // Per sample, per pool (index sample * pools + pool): accelerators.
  std::vector<int32_t> capacity;
  std::vector<int32_t> used;              // all tenants
  std::vector<int32_t> used_first_party;  // the pool's provider's own tenant
  // Per sample.
  std::vector<int64_t> pending_jobs;
  std::vector<int64_t> pending_accelerators;

  size_t samples() const { return times.size(); }
  int32_t At(const std::vector<int32_t>& series, size_t sample, size_t pool) const {
    return series[sample * pools + pool];
  }
};

}  // namespace arbiter

#endif  // ARBITER_MODEL_TIMELINE_H_
