// A scenario: a fleet, the jobs that will be submitted to it, and the scheduled changes of its
// capacity. Produced by formats/scenario_yaml (or built by hand in tests), consumed by the
// simulator. Everything in it is already resolved to ids and exact units.
#ifndef ARBITER_MODEL_SCENARIO_H_
#define ARBITER_MODEL_SCENARIO_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "model/faults.h"
#include "model/fleet.h"
#include "model/job.h"
#include "model/live.h"

namespace arbiter {

// At `at`, `pool` has `nodes` nodes (new capacity online, or capacity revoked).
struct CapacityChange {
  Time at = 0;
  PoolId pool;
  int32_t nodes = 0;
};

// Rules of the capacity market that are not part of any one contract.
struct MarketOptions {
  // How long quotes are gathered from providers (0: until every asked provider answered).
  Duration quote_window = 0;
  // How long a job whose request got no offer waits before it asks again.
  Duration retry_delay = 600;
};

struct Scenario {
  std::string name;
  std::string description;
  Fleet fleet;
  std::vector<Job> jobs;  // ordered by submit time; ties keep their source order
  std::vector<CapacityChange> capacity_changes;
  MarketOptions market;
  Faults faults;    // faults a simulated run injects, and how jobs recover
  LiveConfig live;  // pools' backends and API tokens, for `arbiter serve`; simulations ignore it
  std::string default_policy = "fifo";
  Time horizon = kNever;                // the simulation stops here even if work remains
  std::vector<std::string> load_notes;  // what the loaders did, e.g. throughputs extrapolated

  // Validates the fleet, every job and every capacity change.
  absl::Status Validate() const;
};

}  // namespace arbiter

#endif  // ARBITER_MODEL_SCENARIO_H_
