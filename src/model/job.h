// A training job: a gang of `accelerators` on `nodes` nodes, all or nothing, in one pool.
//
// Its work is an integer number of work units (a loader defines the unit: micro-steps for the
// Gavel traces, micro-seconds of reference runtime for Arbiter's CSV). On each acceptable
// accelerator type the whole gang advances at an integer rate of work units per second, so the
// runtime on a pool is ceil(remaining work / rate) seconds, exactly.
#ifndef ARBITER_MODEL_JOB_H_
#define ARBITER_MODEL_JOB_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "model/ids.h"
#include "model/units.h"

namespace arbiter {

class Fleet;

// The work unit of jobs whose size is given as a runtime (Arbiter's CSV, the Alibaba pods): one
// second of runtime at reference speed 1.0 is this many work units, so speeds have six decimals.
inline constexpr Work kWorkPerReferenceSecond = 1'000'000;

struct Throughput {
  AcceleratorTypeId type;
  Rate rate = 0;  // work units per second for the whole gang; > 0
};

// How a job may buy capacity where its placement allows it (a job spec's `use_spot`).
enum class SpotChoice : uint8_t {
  kAny,    // however the tenant's contracts give it (use_spot not given)
  kOnly,   // only spot (use_spot: true)
  kNever,  // never spot: on demand, holdings, first-party capacity (use_spot: false)
};

// One place a job may run: a pool of `type`, of `provider` (invalid: any) and `region` (invalid:
// any region; when set, `provider` is its provider), bought as `spot` says. Built from a job
// spec's resources (formats/job_spec.h): one rule per accelerator type of each candidate of
// `any_of` / `ordered` (or of the resources themselves).
struct PlacementRule {
  AcceleratorTypeId type;
  ProviderId provider;
  RegionId region;
  SpotChoice spot = SpotChoice::kAny;
  // `ordered`: the index of the candidate the rule came from (0: the most preferred); 0 for every
  // rule otherwise. Where a policy chooses among pools with room, it takes the lowest preference
  // first (sched/eligibility.h, PreferenceOf).
  int32_t preference = 0;

  friend bool operator==(const PlacementRule&, const PlacementRule&) = default;
};

// Where a job may run beyond its accelerator types: a pool is allowed when one rule matches it
// (sched/eligibility.h, PlacementAllows). Immutable once built; shared by every copy of the job.
struct Placement {
  std::vector<PlacementRule> rules;  // not empty

  friend bool operator==(const Placement&, const Placement&) = default;
};

struct Job {
  std::string name;  // the trace's or user's identifier; unique within a workload
  TenantId tenant;
  int32_t priority = 0;  // higher runs first where a policy honours priority
  Time submit = 0;
  int32_t accelerators = 1;  // gang size
  int32_t nodes = 1;         // accelerators are spread evenly over this many nodes
  absl::InlinedVector<Throughput, 3> throughputs;  // acceptable types, each at most once
  Work work = 0;
  Time deadline = kNever;
  Duration checkpoint_interval = 0;  // 0: the job never checkpoints
  int64_t checkpoint_bytes = 0;
  // Runs that fail by the job's own fault (a non-zero exit, reported live by a backend) that are
  // restarted before the job is marked failed; 0: the first such failure ends the job. Runs lost
  // through no fault of the job (a node died, capacity taken back) do not count.
  int32_t max_restarts = 0;
  // Where the job may run beyond its types (live jobs' cloud / region / any_of / ordered /
  // use_spot); null: any pool of an accepted type. Null for every job the trace loaders make, so
  // simulations pay one null pointer per job for it.
  std::shared_ptr<const Placement> placement;
  // The job saves all its progress when the scheduler stops it (a preemption, a move to another
  // pool), as Gavel's and Tiresias's jobs do at a round's end; a failure or a provider's kill
  // still loses the work since its last periodic checkpoint.
  bool checkpoint_at_preemption = false;
  // Seconds each run after an interruption spends restoring its checkpoint (no progress, paid),
  // on top of the faults' restart_setup.
  Duration restore = 0;

  // Accelerators needed on each node (ceil(accelerators / nodes)).
  int32_t AcceleratorsPerNode() const { return (accelerators + nodes - 1) / nodes; }
  // The gang's rate on `type`, or nullopt if the job cannot run on it.
  std::optional<Rate> RateOn(AcceleratorTypeId type) const {
    for (const Throughput& t : throughputs) {
      if (t.type == type) return t.rate;
    }
    return std::nullopt;
  }
};

// Checks one job's invariants against the fleet: known tenant and types, positive sizes and work,
// nodes <= accelerators, positive rates, no type twice, deadline after submit, max_restarts >= 0,
// and a placement whose rules name accepted types, known providers and regions (a region of the
// rule's provider) and cover every accepted type.
absl::Status ValidateJob(const Job& job, const Fleet& fleet);

}  // namespace arbiter

#endif  // ARBITER_MODEL_JOB_H_
