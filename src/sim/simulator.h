// The discrete-event simulator: drives the broker core with a virtual clock.
//
// It owns the simulated pools (the truth of how much capacity exists), delivers the scenario's
// arrivals and capacity changes, carries out the core's commands (a start becomes a finish event
// at start + runtime) and reports what happened back as events. Order of simultaneous events:
// see event_queue.h. Everything is deterministic: the same scenario, policy and seed give the
// same run, event for event.
#ifndef ARBITER_SIM_SIMULATOR_H_
#define ARBITER_SIM_SIMULATOR_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "core/broker.h"
#include "market/agent.h"
#include "model/scenario.h"
#include "model/summary.h"
#include "model/timeline.h"
#include "sim/event_queue.h"

namespace arbiter {

struct SimProgress {
  Time now = 0;
  int64_t events = 0;
  int64_t submitted = 0;
  int64_t finished = 0;
  int64_t total_jobs = 0;
};

struct SimOptions {
  std::string policy = "fifo";
  uint64_t seed = 0;
  Time horizon = kNever;  // stop here (overrides the scenario's horizon when earlier)
  // Called every `progress_every` events and once at the end; may be empty.
  std::function<void(const SimProgress&)> progress;
  int64_t progress_every = 1 << 16;
  // Record a Timeline sample every this many simulated seconds (0: none).
  Duration sample_interval = 3600;
  // Keep every market record for market.jsonl (the market's counts are kept either way).
  bool keep_audit = true;
  // The recovery policy (core/recovery.h); empty: the scenario's faults.recovery.
  std::string recovery;
  // Pools tried at once per start (LaunchOptions::parallel); 0: the scenario's
  // faults.launch.parallel. Needs faults.launch.
  int32_t launch_parallel = 0;
};

class Simulator {
 public:
  // Builds the simulator, which owns the scenario from then on: it adds the holding pools of its
  // commitments and reservations (market/holdings.h) and one agent per provider. Fails if the
  // scenario is invalid or names an unknown policy or agent.
  static absl::StatusOr<std::unique_ptr<Simulator>> Create(Scenario scenario, SimOptions options);

  // Runs to the end: until no event is left, or the horizon. Then closes billing, so every use is
  // in the ledger. Fails only on a core protocol error (a bug).
  absl::Status Run();

  const Broker& broker() const { return *broker_; }
  const Scenario& scenario() const { return scenario_; }
  const SimOptions& options() const { return options_; }
  Time end_time() const { return now_; }
  int64_t events() const { return events_; }
  const Timeline& timeline() const { return timeline_; }
  // Why the run stopped before every job ended and without reaching the horizon (empty when it
  // did not): no job could make progress any more (see Run).
  const std::string& stop_reason() const { return stop_reason_; }

 private:
  Simulator(Scenario scenario, SimOptions options);
  // Applies one event to the core and carries out the commands it gives at once.
  absl::Status Deliver(Event event);
  // The instant now_ is over: the core decides once for everything that happened at it, and
  // providers that preempt external spot work for their own waiting demand do so.
  absl::Status Decide();
  // A provider's agent answers the ask stored in `slot`, from the provider's own state now.
  absl::Status Answer(size_t slot);
  // Providers that preempt external spot work for their own waiting demand do so now.
  void PreemptSpotForFirstParty();
  // Records the samples due at or before `until` (the state before the events at `until`).
  void SampleBefore(Time until);
  void Sample(Time at);
  void Apply(Command& command);  // may move from the command

  // --- Fault injection (the scenario's faults section) ---
  // Why a queued kill happens; stored in the low bits of the event's payload2 (above them: the
  // run's generation).
  enum KillCause : int64_t {
    kFirstParty = 0,     // the provider preempts spot work for its own demand
    kNodeFailure = 1,    // a node of the run failed
    kSpotPreempted = 2,  // spot preemption at a rate
  };
  static constexpr int64_t kCauseBits = 4;
  // Scheduled fault steps, queued as kCapacityChanged with payload -(1 + index).
  enum class FaultStep : uint8_t { kSpotTick, kRevoke, kReturn, kOutageStart, kOutageEnd };
  struct FaultEvent {
    FaultStep step;
    size_t index;  // into the faults' spot, revocations or outages
  };
  void ScheduleFaults();
  void PushFault(Time at, FaultStep step, size_t index);
  absl::Status ApplyFault(const FaultEvent& fault);
  // Draws when the run just started on `pool` fails or is preempted (`spot`: it was bought as
  // spot), and queues that kill if it comes before `finish`.
  void DrawRunFault(size_t job, PoolId pool, Time finish, bool spot);
  // --- Launches that take time (faults.launch) ---
  // Carries out a launch attempt: it will come up if the pool has room now (its nodes are held
  // from now on), else fail; either after the provider's latency.
  void Launch(const StartJob& start);
  void CancelLaunch(JobId job, PoolId pool);
  absl::Status LaunchDone(size_t slot, int64_t generation);
  // Attempts on `pool` that would come up but no longer fit under `limit` accelerators (of spot
  // work, if `spot_only`) will fail instead, newest first.
  void FailLaunches(PoolId pool, int64_t limit, bool spot_only);
  // Sets the pool's nodes to what its base, revocations and outages leave, tells the core, and
  // kills the newest runs that no longer fit.
  absl::Status ApplyNodes(PoolId pool, std::string_view reason);
  // Kills the newest runs of `pool` (only spot runs if `spot_only`) until its use is at most
  // `limit` accelerators.
  // `capacity_lost`: the kills tell the core the pool lost capacity (back-off); a scheduled cut
  // is not a failure of the pool.
  absl::Status KillUntil(PoolId pool, int64_t limit, bool spot_only, std::string_view reason,
                         bool capacity_lost = true);
  absl::Status Kill(JobId job, std::string reason, bool capacity_lost);
  int64_t SpotUsed(PoolId pool) const;
  // Exponential time with the given mean, in whole seconds (>= 1), from the faults' own stream.
  Duration DrawExponential(double mean);
  // --- Progress (runs that could never end) ---
  // A job finished, was rejected, arrived, or saved work it keeps; or capacity changed.
  void Progressed() { last_progress_ = now_; }
  // The job is pending again: progress if it now keeps more work than it ever did.
  void CheckSaved(JobId job);
  // An upper bound on how long anything that can still make progress takes to: the longest run
  // any unfinished job can need (its unsaved work at its slowest rate, with a restart's setup,
  // a checkpoint's transfer and a launch, or until its deadline, which a deadline-aware policy
  // may wait for), plus the longest wait the rules impose (back-off, retry delays, market
  // windows). Computed when asked.
  Duration ProgressBound() const;

  struct PoolTruth {
    int64_t capacity = 0;
    int64_t used = 0;
  };

  Scenario scenario_;
  SimOptions options_;
  std::unique_ptr<Broker> broker_;
  std::vector<std::unique_ptr<AgentPolicy>> agents_;  // per provider
  // Each tenant's prices per pool under its contracts, as providers price their offers:
  // [tenant * pools + pool] -> (on-demand, spot).
  QuotePrices prices_;
  std::vector<Ask> asks_;         // asks awaiting their answer; free slots are reused
  ProviderState provider_state_;  // the answering provider's view, rebuilt per answer
  std::vector<std::vector<PoolId>> provider_pools_;  // per provider: its pools for sale
  std::vector<size_t> free_asks_;
  std::vector<bool> preempting_;  // per provider: has preempt_spot
  bool any_preempting_ = false;
  std::vector<bool> killing_;  // per job: a provider's kill is on its way
  // Capacity offered to open requests, per pool, and what each open request was offered.
  std::vector<int64_t> promised_;
  absl::flat_hash_map<RequestId, std::vector<std::pair<PoolId, int32_t>>> offered_;
  EventQueue queue_;
  std::vector<PoolTruth> pools_;
  std::vector<int32_t> run_generation_;  // per job: bumped at each start; stale finishes ignored
  std::vector<PoolId> run_pool_;         // per job: the pool of its current run
  std::vector<Time> run_start_;          // per job: when its current run started
  std::vector<Command> commands_;
  Timeline timeline_;
  Time next_sample_ = 0;
  // Faults: per pool, the base nodes (scenario capacity changes), nodes revoked now, outages of
  // its region now, the node MTBF, the spot preemption rate, the spot allowance (accelerators).
  std::vector<FaultEvent> fault_events_;
  std::vector<int32_t> base_nodes_;
  std::vector<int32_t> revoked_nodes_;
  std::vector<int32_t> outages_;
  std::vector<Duration> node_mtbf_;
  std::vector<Duration> spot_mean_;
  std::vector<int64_t> spot_limit_;
  std::vector<size_t> spot_tick_;    // per spot trace: the tick applied last
  std::vector<bool> start_failing_;  // per job: its start failed; the core has not heard yet
  // Launch attempts in flight (faults.launch), in slots reused after they end; a slot's
  // generation tells a queued outcome whether it is still the slot's attempt.
  struct LaunchSlot {
    StartJob start;
    bool live = false;
    bool up = false;  // will come up (holds its nodes); else will fail
    Time launched = 0;
    int64_t generation = 0;
  };
  bool confirm_launches_ = false;
  std::vector<LaunchSlot> launches_;
  std::vector<size_t> free_launches_;
  absl::flat_hash_map<std::pair<int32_t, int32_t>, size_t> launch_slot_;  // (job, pool) -> slot
  std::vector<int64_t> spot_launching_;  // per pool: spot accelerators of attempts coming up
  uint64_t fault_rng_ = 0;
  Time last_progress_ = 0;
  Duration progress_bound_ = 0;        // ProgressBound() when last computed
  int64_t queued_changes_ = 0;         // capacity changes and fault steps still queued
  std::vector<Work> least_remaining_;  // per job: the least work it ever had left, pending
  std::string stop_reason_;
  Time now_ = 0;
  int64_t events_ = 0;
  int64_t finished_ = 0;
  int64_t rejected_ = 0;
  size_t next_arrival_ = 0;
};

}  // namespace arbiter

#endif  // ARBITER_SIM_SIMULATOR_H_
