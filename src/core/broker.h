// The broker core: a deterministic state machine from events to commands.
//
// It keeps the job table, each pool's capacity and use, each tenant's access and price per pool
// (from its contracts), and the ledger; the scheduling policy decides what starts. It does no
// I/O, reads no clock (time comes with each event) and uses no global randomness, so the same
// events in the same order always give the same commands. The core is single-threaded: one
// driver calls Handle at a time.
#ifndef ARBITER_CORE_BROKER_H_
#define ARBITER_CORE_BROKER_H_

#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "absl/status/status.h"
#include "core/events.h"
#include "market/ledger.h"
#include "model/fleet.h"
#include "model/outcome.h"
#include "sched/policy.h"

namespace arbiter {

// What a tenant pays on a pool and under which kind of charge.
struct Access {
  Micros price_per_accel_hour = 0;
  ChargeKind kind = ChargeKind::kOnDemand;
};

// Access of `tenant` to `pool` from the fleet's contracts, or nullopt if it has none:
// - a provider's own first-party tenant uses its pools at their cost basis (committed price,
//   else on-demand list price, else zero), charged as internal;
// - an on_demand contract gives the on-demand list price minus its discount;
// - failing that, a spot contract gives the spot price minus its discount.
// Commitments, reservations and rights of first refusal act through the market, not here.
std::optional<Access> AccessFromContracts(const Fleet& fleet, TenantId tenant, PoolId pool);

// `price` minus `discount` parts per million, rounded to the nearest micro-dollar.
Micros Discounted(Micros price, Ppm discount);

struct BrokerOptions {
  // How long a job whose start failed waits before it is queued again.
  Duration start_retry_delay = 60;
  // Seconds a job spends restoring its checkpoint each time it restarts after an interruption.
  Duration restart_setup = 0;
};

class Broker final : private ClusterView, private Placer {
 public:
  // `fleet` must outlive the broker. Pools start with the fleet's capacity.
  Broker(const Fleet& fleet, std::unique_ptr<Policy> policy, BrokerOptions options = {});
  Broker(const Broker&) = delete;
  Broker& operator=(const Broker&) = delete;

  // Applies one event at time `now` and appends the resulting commands to `out`. Fails, leaving
  // the state unchanged, when the event breaks the protocol (time going backwards, an unknown
  // job, a finish for a job that is not running); such an event is a driver bug.
  absl::Status Handle(Time now, Event event, std::vector<Command>& out);

  Time now() const override { return now_; }
  const Fleet& fleet() const override { return fleet_; }
  int64_t jobs_submitted() const { return static_cast<int64_t>(specs_.size()); }
  const Job& spec(JobId job) const { return specs_[job.index()]; }
  const JobOutcome& outcome(JobId job) const { return outcomes_[job.index()]; }
  const std::vector<JobOutcome>& outcomes() const { return outcomes_; }
  const Ledger& ledger() const { return ledger_; }
  // Work the job still has to do (for a running job: as of now).
  Work remaining_work(JobId job) const { return RemainingWork(job); }
  const Policy& policy() const { return *policy_; }
  int64_t capacity(PoolId pool) const { return pools_[pool.index()].capacity; }
  int64_t used(PoolId pool) const { return pools_[pool.index()].used; }
  // Accelerators of `pool` used by its provider's own first-party tenant.
  int64_t used_first_party(PoolId pool) const { return pools_[pool.index()].used_first_party; }
  int64_t pending_jobs() const { return pending_jobs_; }
  int64_t pending_accelerators() const { return pending_accelerators_; }
  // Accelerator-seconds of capacity the pool had over [0, until], for until >= now().
  int64_t CapacityIntegral(PoolId pool, Time until) const;
  // Pre-sizes the job table for `jobs` jobs (an optimisation for drivers that know the count).
  void ReserveJobs(size_t jobs);

 private:
  struct PoolState {
    int64_t capacity = 0;  // accelerators
    int64_t used = 0;
    int64_t used_first_party = 0;
    int64_t integral = 0;  // accelerator-seconds of capacity over [0, since]
    Time since = 0;
    std::vector<JobId> running;  // unordered
  };
  struct Running {
    Time start = 0;         // of the current run
    Duration setup = 0;     // restore time at the start of the run (no progress)
    Time billed_until = 0;  // the run is charged up to here
    Work done = 0;          // work saved before the current run
    Rate rate = 0;          // on the current pool
  };

  // ClusterView.
  int64_t FreeAccelerators(PoolId pool) const override;
  const Job& job(JobId job) const override { return specs_[job.index()]; }
  Work RemainingWork(JobId job) const override;
  std::optional<Micros> PriceFor(TenantId tenant, PoolId pool) const override;
  std::span<const JobId> RunningOn(PoolId pool) const override {
    return pools_[pool.index()].running;
  }
  Time RunStart(JobId job) const override { return running_[job.index()].start; }
  Work WorkAtRisk(JobId job) const override;
  // Placer.
  bool Place(JobId job, PoolId pool) override;
  bool Preempt(JobId job, std::string_view reason) override;

  absl::Status Check(Time now, const Event& event) const;
  void OnSubmitted(JobSubmitted& event);
  void OnFinished(const JobFinished& event);
  void OnStartFailed(const JobStartFailed& event);
  void OnKilled(const JobKilled& event);
  void OnCapacityChanged(const CapacityChanged& event);
  void OnTimer(const TimerFired& event);
  void OnCloseBilling();
  // Charges the current run of `job` from its last start up to now.
  void ChargeRun(JobId job);
  // Charges the current run of `job` up to now and frees its accelerators.
  void EndRun(JobId job);
  // Ends the current run of a job that did not finish: keeps the work of its last checkpoint,
  // records what was lost, and queues the job again.
  void Interrupt(JobId job);
  // Work done in the current run so far, and the part of it saved by checkpoints.
  Work Progressed(JobId job) const;
  Work Checkpointed(JobId job) const;
  void RemoveRunning(JobId job);  // from its pool's running list
  // Moves a job to `state`, keeping the pending counts.
  void SetState(JobId job, JobState state);
  // Adds (sign +1) or removes (-1) the job's accelerators to the pool's use.
  void Occupy(PoolId pool, JobId job, int sign);

  // Timer tags: the kind in the top byte, the subject (a job id) below.
  enum TimerKind : uint64_t { kRetryStart = 1 };
  static uint64_t TimerTag(TimerKind kind, JobId job) {
    return (static_cast<uint64_t>(kind) << 56) | static_cast<uint64_t>(job.value());
  }
  const std::optional<Access>& AccessOf(TenantId tenant, PoolId pool) const {
    return access_[tenant.index() * fleet_.pools.size() + pool.index()];
  }

  const Fleet& fleet_;
  std::unique_ptr<Policy> policy_;
  BrokerOptions options_;
  Time now_ = 0;
  std::vector<PoolState> pools_;
  std::vector<std::optional<Access>> access_;  // tenants x pools
  std::vector<Job> specs_;
  std::vector<JobOutcome> outcomes_;
  std::vector<Running> running_;
  int64_t pending_jobs_ = 0;
  int64_t pending_accelerators_ = 0;
  std::vector<int32_t> running_slot_;  // per job: index in its pool's running list, or -1
  Ledger ledger_;
  std::vector<PoolId> grown_;            // pools whose free capacity grew during this event
  std::vector<Command>* out_ = nullptr;  // the current Handle call's output
};

}  // namespace arbiter

#endif  // ARBITER_CORE_BROKER_H_
