// The state of the fleet sampled at a fixed interval during a run, for plots. Between events the
// state is constant, so a sample at time t shows the state after every event at or before t.
// Memory is bounded by the samples, not by simulated time: a run keeps at most kMaxSamples (plus
// the final state); when a run outlives them, the interval doubles and every other sample goes.
#ifndef ARBITER_MODEL_TIMELINE_H_
#define ARBITER_MODEL_TIMELINE_H_

#include <cstdint>
#include <vector>

#include "model/units.h"

namespace arbiter {

struct Timeline {
  static constexpr size_t kMaxSamples = 16384;

  Duration interval = 0;  // seconds between samples; 0: not recorded
  size_t pools = 0;       // pools per sample
  std::vector<Time> times;
  // Per sample, per pool (index sample * pools + pool): accelerators.
  std::vector<int64_t> capacity;
  std::vector<int64_t> used;              // all tenants
  std::vector<int64_t> used_first_party;  // the pool's provider's own tenant
  // Per sample.
  std::vector<int64_t> pending_jobs;
  std::vector<int64_t> pending_accelerators;

  size_t samples() const { return times.size(); }
  int64_t At(const std::vector<int64_t>& series, size_t sample, size_t pool) const {
    return series[sample * pools + pool];
  }
  // Keeps every other sample (the first, the third, ...) and doubles the interval.
  void Halve() {
    size_t kept = 0;
    for (size_t s = 0; s < times.size(); s += 2, ++kept) {
      times[kept] = times[s];
      for (size_t p = 0; p < pools; ++p) {
        capacity[kept * pools + p] = capacity[s * pools + p];
        used[kept * pools + p] = used[s * pools + p];
        used_first_party[kept * pools + p] = used_first_party[s * pools + p];
      }
      pending_jobs[kept] = pending_jobs[s];
      pending_accelerators[kept] = pending_accelerators[s];
    }
    times.resize(kept);
    capacity.resize(kept * pools);
    used.resize(kept * pools);
    used_first_party.resize(kept * pools);
    pending_jobs.resize(kept);
    pending_accelerators.resize(kept);
    interval *= 2;
  }
};

}  // namespace arbiter

#endif  // ARBITER_MODEL_TIMELINE_H_
