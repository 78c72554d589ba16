// A scenario: a fleet, the jobs that will be submitted to it, and the scheduled changes of its
// capacity. Produced by formats/scenario_yaml (or built by hand in tests), consumed by the
// simulator. Everything in it is already resolved to ids and exact units.
#ifndef ARBITER_MODEL_SCENARIO_H_
#define ARBITER_MODEL_SCENARIO_H_

#include <optional>
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

// Settings of the scheduling policies: the scenario's `policy_options` (docs/scenario.md). Each
// policy reads those that concern it; unset ones keep the policy's own default.
struct PolicySettings {
  // gavel-*: seconds per round (0: the policy's default, 3600; Gavel's own is 360).
  Duration round = 0;
  // gavel-maxmin*: what the max-min objective divides a job's throughput by.
  enum class Fairness : uint8_t {
    kEqualShare,   // its throughput on an equal share of each type it can use (Gavel's)
    kFastestType,  // its throughput on its fastest type
  };
  Fairness fairness = Fairness::kEqualShare;
  // tiresias: the attained service (accelerator-seconds) at which a job leaves each queue but the
  // last, ascending; empty: the policy's default.
  std::vector<int64_t> queue_thresholds;
  // tiresias: a job that, since its last promotion, has waited `promote_knob` times as long as it
  // has run is promoted to the first queue, in parts per million (0: never); unset: the policy's
  // default.
  std::optional<Ppm> promote_knob;
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
  PolicySettings policy_settings;       // the scenario's policy_options
  Time horizon = kNever;                // the simulation stops here even if work remains
  std::vector<std::string> load_notes;  // what the loaders did, e.g. throughputs extrapolated

  // Validates the fleet, every job and every capacity change.
  absl::Status Validate() const;
};

}  // namespace arbiter

#endif  // ARBITER_MODEL_SCENARIO_H_
