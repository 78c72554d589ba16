// Faults a simulated run injects, and the rules by which the broker recovers from them: the
// scenario's `faults:` section (docs/scenario.md). Plain data, resolved to ids and exact units.
//
// The simulator turns these into the events the core already understands (JobKilled with a reason,
// CapacityChanged, JobStartFailed); the core's recovery (core/recovery.h) decides where a killed
// job runs again.
#ifndef ARBITER_MODEL_FAULTS_H_
#define ARBITER_MODEL_FAULTS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "model/ids.h"
#include "model/units.h"

namespace arbiter {

// Nodes of `pool` fail independently, each after an exponential time with mean `mtbf`: a run on
// n nodes fails at rate n / mtbf.
struct NodeFailures {
  PoolId pool;
  Duration mtbf = 0;  // per node, > 0
};

// Spot capacity of `pool` follows a trace of available counts, or spot runs are preempted at a
// rate. With a trace, tick i (at `start + i * gap`) allows floor(nodes x count_i / max count) nodes
// of spot work; after its last tick the last count holds. When the allowance drops below the spot
// work running, the newest spot runs are preempted; a spot launch that does not fit fails. The
// scenario's faults.spot entries and its spot contracts' preemptions_per_hour and trace both
// become entries here (formats/scenario_yaml.cc): at most one trace and one rate per pool.
struct SpotPreemption {
  PoolId pool;
  std::string trace;               // the file it came from (for messages), empty with a rate
  Duration gap = 0;                // seconds between ticks
  std::vector<int32_t> counts;     // available instances per tick
  Time start = 0;                  // simulated time of tick 0
  Duration mean_time_between = 0;  // without a trace: each spot run is preempted at 1 / this
};

// At `at`, `nodes` nodes of `pool` are taken back by the provider; they return at `until`
// (kNever: never). Runs that no longer fit are killed, newest first.
struct CapacityRevocation {
  PoolId pool;
  Time at = 0;
  int32_t nodes = 0;
  Time until = kNever;
};

// Every pool of `region` has no nodes over [start, end); the runs on them are killed.
struct RegionOutage {
  RegionId region;
  Time start = 0;
  Time end = kNever;
};

// Launches that take time and may fail: the driver confirms every start (core/events.h), and the
// core may try several pools at once, each with a timeout.
struct LaunchModel {
  bool configured = false;  // the faults section has a launch subsection
  // A launch that succeeds has its nodes up after `latency`; one that cannot (no room on the
  // pool, spot not available) reports its failure after `failure_latency`. Per provider: the
  // provider's own figures, or -1 for these defaults.
  Duration latency = 0;
  Duration failure_latency = 0;
  std::vector<Duration> provider_latency;          // per provider, -1: `latency`
  std::vector<Duration> provider_failure_latency;  // per provider, -1: `failure_latency`
  // The core's rules: an attempt not up after `timeout` is cancelled and counts as a failed
  // launch (0: wait for the answer); each start tries up to `parallel` pools at once.
  Duration timeout = 0;
  int32_t parallel = 1;

  Duration LatencyOf(ProviderId provider, bool succeeds) const {
    const std::vector<Duration>& own = succeeds ? provider_latency : provider_failure_latency;
    if (provider.index() < own.size() && own[provider.index()] >= 0) return own[provider.index()];
    return succeeds ? latency : failure_latency;
  }
};

struct Faults {
  std::vector<NodeFailures> node_failures;
  std::vector<SpotPreemption> spot;
  std::vector<CapacityRevocation> revocations;
  std::vector<RegionOutage> outages;
  // How a killed job is placed again (core/recovery.h); --recovery overrides it.
  std::string recovery = "any-pool";
  // Seconds a job spends restoring its checkpoint each time it restarts.
  Duration restart_setup = 0;
  // Moving a checkpoint to another provider takes checkpoint_bytes / this many seconds (rounded
  // up; 0: no time) and costs the provider's egress price per GB (10^9 bytes).
  int64_t transfer_bytes_per_second = 0;
  std::vector<Micros> egress_per_gb;  // per provider; empty or 0: free
  // A pool where a launch failed or a run was taken back is avoided for backoff x 2^(k-1) seconds
  // after its k-th such failure in a row, at most max_backoff (0: no back-off; max 0: no cap).
  // The scenario loader's default, when neither key is written: 1 minute, up to 1 hour; the
  // simulator gives runs without a faults section the same (a spot contract's trace can still
  // fail their launches).
  Duration backoff = 0;
  Duration max_backoff = 0;
  LaunchModel launch;

  bool configured = false;  // the scenario has a faults section
};

}  // namespace arbiter

#endif  // ARBITER_MODEL_FAULTS_H_
