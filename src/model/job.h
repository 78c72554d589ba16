// A training job: a gang of `accelerators` on `nodes` nodes, all or nothing, in one pool.
//
// Its work is an integer number of work units (a loader defines the unit: micro-steps for the
// Gavel traces, micro-seconds of reference runtime for Arbiter's CSV). On each acceptable
// accelerator type the whole gang advances at an integer rate of work units per second, so the
// runtime on a pool is ceil(remaining work / rate) seconds, exactly.
#ifndef ARBITER_MODEL_JOB_H_
#define ARBITER_MODEL_JOB_H_

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

struct Job {
  std::string name;  // the trace's or user's identifier; unique within a workload
  TenantId tenant;
  Time submit = 0;
  int32_t accelerators = 1;  // gang size
  int32_t nodes = 1;         // accelerators are spread evenly over this many nodes
  absl::InlinedVector<Throughput, 3> throughputs;  // acceptable types, each at most once
  Work work = 0;
  int32_t priority = 0;  // higher runs first where a policy honours priority
  Time deadline = kNever;
  Duration checkpoint_interval = 0;  // 0: the job never checkpoints
  int64_t checkpoint_bytes = 0;
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
// nodes <= accelerators, positive rates, no type twice, deadline after submit.
absl::Status ValidateJob(const Job& job, const Fleet& fleet);

}  // namespace arbiter

#endif  // ARBITER_MODEL_JOB_H_
