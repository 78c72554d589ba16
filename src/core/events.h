// The broker core's protocol: events in, commands out.
//
// Drivers (the simulator, the daemon) turn what happened into events and carry out the commands
// the core returns. Nothing crosses this boundary as an exception: a launch that failed is an
// event, a job that cannot be placed is a command with a reason.
#ifndef ARBITER_CORE_EVENTS_H_
#define ARBITER_CORE_EVENTS_H_

#include <cstdint>
#include <string>
#include <variant>

#include "model/ids.h"
#include "model/job.h"
#include "model/market.h"
#include "model/units.h"

namespace arbiter {

// --- Events ---

// A job arrives. Job ids are dense and in submission order: the n-th submitted job is id n-1.
struct JobSubmitted {
  JobId job;
  Job spec;
};

// A running job did all its work.
struct JobFinished {
  JobId job;
};

// A start the core asked for did not happen (no room on the real pool, launch error). Nothing is
// charged. Without launch confirmation the job goes back to the queue after the broker's retry
// delay. With it (BrokerOptions::launch), `pool` names the attempt that failed; the job goes back
// to the queue when its last attempt has failed. A failure of an attempt the core has cancelled
// (CancelStart) is ignored.
struct JobStartFailed {
  JobId job;
  std::string reason;
  PoolId pool;  // the attempt's pool; unset: the job's only start
};

// With launch confirmation (BrokerOptions::launch): the launch of `job` on `pool` succeeded, its
// nodes are up and the run begins now. The core cancels the job's other attempts. A confirmation
// of an attempt the core has cancelled is ignored (the driver has been told to undo it).
struct JobStarted {
  JobId job;
  PoolId pool;
};

// A running job stopped without finishing, for a reason outside the core: its node failed, the
// provider preempted it, its capacity was revoked. It keeps the work of its last checkpoint, is
// charged for the time it ran, and goes back to the queue.
struct JobKilled {
  JobId job;
  std::string reason;
  bool by_provider = false;  // the provider stopped it for its own demand (audited)
  // The pool lost the capacity (spot reclaimed, capacity revoked, region down), not just one
  // run: the pool is backed off (RecoveryOptions::backoff).
  bool capacity_lost = false;
};

// A provider's answer to an AskProvider command.
struct ProviderAnswered {
  Answer answer;
};

// `pool` has `nodes` nodes from now on.
struct CapacityChanged {
  PoolId pool;
  int32_t nodes = 0;
};

// A timer the core set fired.
struct TimerFired {
  uint64_t tag = 0;
};

// Charge every running job for its use up to now (the end of a run, an invoice period). Running
// jobs keep running; their next charge starts now.
struct CloseBilling {};

using Event = std::variant<JobSubmitted, JobFinished, JobStartFailed, JobKilled, CapacityChanged,
                           ProviderAnswered, TimerFired, CloseBilling, JobStarted>;

// --- Commands ---

// Start `job` on `pool` now. The job spends `setup` seconds restoring (no progress), then has
// `remaining` work at `rate` work units per second, so it finishes after
// setup + RuntimeFor(remaining, rate) seconds unless stopped.
//
// With launch confirmation (BrokerOptions::launch) this is a launch attempt: the driver
// provisions the nodes and answers JobStarted (the run, with its setup, begins then) or
// JobStartFailed. A job may have attempts on several pools at once; the first confirmed wins.
struct StartJob {
  JobId job;
  PoolId pool;
  int32_t accelerators = 0;
  Work remaining = 0;
  Rate rate = 0;
  Duration setup = 0;
  bool spot = false;  // bought as spot capacity
};

// Abandon the launch attempt of `job` on `pool` (another attempt won, or it timed out): release
// whatever it provisioned and report nothing more about it.
struct CancelStart {
  JobId job;
  PoolId pool;
};

// Stop `job` now (the core preempted it); its accelerators are free from now on.
struct StopJob {
  JobId job;
  std::string reason;
};

// `job` will never run; `reason` says why in words a user can act on.
struct RejectJob {
  JobId job;
  std::string reason;
};

// Deliver TimerFired{tag} at `at`.
struct SetTimer {
  Time at = 0;
  uint64_t tag = 0;
};

// Put `ask` to its provider; the answer comes back as ProviderAnswered.
struct AskProvider {
  Ask ask;
};

// Every item of `request` is settled: providers' offers for it no longer stand.
struct RequestClosed {
  RequestId request = 0;
};

// The run of `job` goes on, on the nodes it has, but is counted in `pool` from now on: the
// commitment it ran under ended and its nodes went back to `pool`, the commitment's parent (the
// run is billed at the tenant's price there from now on). Nothing changes for the job itself.
struct RunMoved {
  JobId job;
  PoolId pool;
};

using Command = std::variant<StartJob, StopJob, RejectJob, SetTimer, AskProvider, RequestClosed,
                             CancelStart, RunMoved>;

}  // namespace arbiter

#endif  // ARBITER_CORE_EVENTS_H_
