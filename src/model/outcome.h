// What happened to a job: the record the core keeps and the reports read.
#ifndef ARBITER_MODEL_OUTCOME_H_
#define ARBITER_MODEL_OUTCOME_H_

#include <string>
#include <string_view>

#include "model/ids.h"
#include "model/units.h"

namespace arbiter {

enum class JobState : uint8_t {
  kPending,   // submitted, waiting for capacity
  kRunning,   // started, not finished
  kFinished,  // all work done
  kRejected,  // can never run (no eligible pool, invalid spec); see `reason`
  kStarting,  // launched on one or more pools, waiting for a launch to come up (core/events.h)
};

std::string_view JobStateName(JobState state);

// Why a job was rejected, as a category to count by (JobOutcome::reason has the sentence).
enum class RejectReason : uint8_t {
  kNone,
  kInvalid,       // the spec breaks an invariant (ValidateJob)
  kNoType,        // no pool of any accelerator type the job accepts
  kNoContract,    // pools of its types exist, but its tenant may use none of them
  kGangTooLarge,  // no pool holds the gang in one interconnect domain
  kNodeTooSmall,  // no pool's nodes hold the job's per-node share
};
inline constexpr int kRejectReasons = 6;

// "invalid-spec", "no-pool-of-type", "no-contract", "gang-too-large", "node-too-small".
std::string_view RejectReasonName(RejectReason reason);

struct JobOutcome {
  JobState state = JobState::kPending;
  PoolId pool;                           // where it runs or last ran
  Time first_start = kNever;             // first time it started
  Time end = kNever;                     // when it finished
  Micros cost = 0;                       // everything charged to this job
  int64_t accelerator_seconds = 0;       // accelerators x seconds paid for
  int32_t starts = 0;                    // how many times it was started
  int32_t interruptions = 0;             // runs that ended without finishing (killed, preempted)
  int64_t lost_accelerator_seconds = 0;  // paid for, but lost: setup and work since a checkpoint
  Micros lost_cost = 0;                  // the cost of that lost time
  int32_t migrations = 0;  // restarts on another provider than the one holding its checkpoint
  Micros egress_cost = 0;  // paid for moving its checkpoint out of providers (in `cost` too)
  // Accelerator-seconds of ended runs that made progress it kept (not setup, not work lost to a
  // kill); with the current run's progress, divided by accelerator_seconds, this is its goodput.
  int64_t useful_accelerator_seconds = 0;
  // Launch attempts (StartJob commands) made, those that failed (including timed out), timed out
  // (LaunchOptions::timeout) and were cancelled because another attempt came up first; seconds
  // from the winning attempts' launches to their nodes being up (summed over starts); and what
  // the cancelled attempts held and cost (in `accelerator_seconds` and `cost` too).
  int32_t launch_attempts = 0;
  int32_t launch_failures = 0;
  int32_t launch_timeouts = 0;
  int32_t launches_cancelled = 0;
  Duration launch_wait = 0;
  int64_t launch_waste_accelerator_seconds = 0;
  Micros launch_waste_cost = 0;
  RejectReason rejected_for = RejectReason::kNone;
  std::string reason;  // why it was rejected, in a sentence
};

}  // namespace arbiter

#endif  // ARBITER_MODEL_OUTCOME_H_
