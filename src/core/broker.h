// The broker core: a deterministic state machine from events to commands.
//
// The Broker is a thin dispatcher over the core's parts, each of which owns its own state:
//   JobTable    (job_table.h)    specs, states and outcomes, run progress, pending counts
//   PoolBook    (pool_book.h)    capacity, use, holds, awaited deliveries, running lists
//   AccessTable (access.h)       who may use which pool, how, at what price (from contracts)
//   Billing     (billing.h)      runs and holdings to the ledger
//   MarketDesk  (market_desk.h)  capacity requests, awards, deliveries, releases; MarketTally
//   Launches    (launches.h)     launch attempts, timeouts, parallel tries
//   Restarts    (restarts.h)     interruptions, checkpoints, migrations, the recovery policy
//   Learning    (learning.h)     what launches and kills taught about pools; back-off
// The Broker routes each event to the parts it concerns, carries out what crosses parts (a run
// that begins or ends touches the job table, the pool book, billing and restarts), and then runs
// the scheduling policy's pass (sched/policy.h), which sees the parts through the ClusterView the
// Broker implements. docs/design.md gives the order in which an event passes through the parts.
//
// It does no I/O, reads no clock (time comes with each event) and uses no global randomness, so
// the same events in the same order always give the same commands. The core is single-threaded:
// one driver calls Handle at a time.
//
// Where a job may run without asking anyone (its provider's own first-party work, or a holding:
// a commitment or reservation of its tenant) it starts at once. Anywhere else it needs new
// capacity: the policy's placement puts a tentative hold on the pool, and at the end of the pass
// the market desk opens one capacity request per tenant with those jobs as items.
#ifndef ARBITER_CORE_BROKER_H_
#define ARBITER_CORE_BROKER_H_

#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "core/access.h"
#include "core/billing.h"
#include "core/events.h"
#include "core/instant.h"
#include "core/job_table.h"
#include "core/launches.h"
#include "core/learning.h"
#include "core/market_desk.h"
#include "core/options.h"
#include "core/pool_book.h"
#include "core/recovery.h"
#include "core/restarts.h"
#include "market/ledger.h"
#include "model/fleet.h"
#include "model/outcome.h"
#include "model/summary.h"
#include "sched/policy.h"

namespace arbiter {

class Broker final : private ClusterView, private Placer, private MarketDesk::Host {
 public:
  // `fleet` must outlive the broker. Pools start with the fleet's capacity. `recovery` places
  // killed jobs again; nullptr is "any-pool" (they go back to the scheduling policy).
  Broker(const Fleet& fleet, std::unique_ptr<Policy> policy, BrokerOptions options = {},
         std::unique_ptr<RecoveryPolicy> recovery = nullptr);
  Broker(const Broker&) = delete;
  Broker& operator=(const Broker&) = delete;

  // Applies one event at time `now` and appends the resulting commands to `out`. Fails, leaving
  // the state unchanged, when the event breaks the protocol (time going backwards, an unknown
  // job, a finish for a job that is not running); such an event is a driver bug.
  absl::Status Handle(Time now, Event event, std::vector<Command>& out);

  Time now() const override { return instant_.now; }
  const Fleet& fleet() const override { return fleet_; }
  int64_t jobs_submitted() const { return static_cast<int64_t>(jobs_.size()); }
  const Job& spec(JobId job) const { return jobs_.spec(job); }
  const JobOutcome& outcome(JobId job) const { return jobs_.outcome(job); }
  const std::vector<JobOutcome>& outcomes() const { return jobs_.outcomes(); }
  const Ledger& ledger() const { return billing_.ledger(); }
  // Work the job still has to do (for a running job: as of now).
  Work remaining_work(JobId job) const { return RemainingWork(job); }
  const Policy& policy() const { return *policy_; }
  int64_t capacity(PoolId pool) const { return book_.capacity(pool); }
  int64_t used(PoolId pool) const { return book_.used(pool); }
  // Accelerators of `pool` used by its provider's own first-party tenant.
  int64_t used_first_party(PoolId pool) const { return book_.used_first_party(pool); }
  int64_t pending_jobs() const { return jobs_.pending_jobs(); }
  int64_t pending_accelerators() const { return jobs_.pending_accelerators(); }
  // Accelerators of the provider's own first-party jobs waiting for capacity.
  int64_t first_party_waiting(ProviderId provider) const {
    return jobs_.first_party_waiting()[provider.index()].accelerators;
  }
  const FirstPartyImpact& first_party_impact(ProviderId provider) const {
    return book_.first_party_impact(provider);
  }
  std::span<const JobId> running_on(PoolId pool) const { return RunningOn(pool); }
  // How the current run of a running job is charged.
  ChargeKind run_kind(JobId job) const { return billing_.kind(job); }
  // Every market step so far, in order (empty unless BrokerOptions::keep_audit).
  const std::vector<AuditRecord>& audit() const { return desk_.tally().audit(); }
  // Per provider and per tenant: what the market did so far (the audit-based counts).
  const std::vector<ProviderMarket>& provider_market() const { return desk_.tally().providers(); }
  const std::vector<TenantMarket>& tenant_market() const { return desk_.tally().tenants(); }
  // Seconds the tenant's requests spent waiting on a right-of-first-refusal holder.
  Duration rofr_wait(TenantId tenant) const { return desk_.rofr_wait(tenant); }
  const std::optional<Access>& access(TenantId tenant, PoolId pool) const {
    return access_.Of(tenant, pool);
  }
  // Accelerator-seconds of capacity the pool had over [0, until], for until >= now().
  int64_t CapacityIntegral(PoolId pool, Time until) const {
    return book_.CapacityIntegral(pool, until);
  }
  const PoolLearning& learning(PoolId pool) const { return learning_.of(pool); }
  // The recovery policy's name ("any-pool" when none was given).
  std::string_view recovery_policy() const { return restarts_.policy_name(); }
  // What failures, recovery and launches cost on the provider's pools.
  ProviderRecovery provider_recovery(ProviderId provider) const;
  // Useful accelerator-seconds of the job so far: its ended runs' and its current run's progress.
  int64_t UsefulAcceleratorSeconds(JobId job) const {
    return jobs_.UsefulAcceleratorSeconds(job, instant_.now);
  }
  // Jobs waiting for the recovery policy's pools, in kill order.
  std::span<const JobId> recovering() const { return restarts_.recovering(); }
  Ppm HoldPpm(PoolId pool) const override { return learning_.HoldPpm(pool); }
  // Pre-sizes the job table for `jobs` jobs (an optimisation for drivers that know the count).
  void ReserveJobs(size_t jobs);

 private:
  // ClusterView.
  int64_t FreeAccelerators(PoolId pool) const override;
  const Job& job(JobId job) const override { return jobs_.spec(job); }
  Work RemainingWork(JobId job) const override { return jobs_.RemainingWork(job, instant_.now); }
  std::optional<Micros> PriceFor(TenantId tenant, PoolId pool) const override {
    return access_.Price(tenant, pool);
  }
  std::optional<Micros> PurchasePrice(TenantId tenant, PoolId pool, Purchase how) const override {
    return access_.PurchasePrice(tenant, pool, how);
  }
  std::span<const JobId> RunningOn(PoolId pool) const override { return book_.running_on(pool); }
  Time RunStart(JobId job) const override { return jobs_.run(job).start; }
  Work WorkAtRisk(JobId job) const override { return jobs_.WorkAtRisk(job, instant_.now); }
  // Placer.
  bool Place(JobId job, PoolId pool) override;
  bool PlaceAs(JobId job, PoolId pool, Purchase how) override;
  bool Preempt(JobId job, std::string_view reason) override;
  // MarketDesk::Host.
  void StartDelivered(JobId job, PoolId pool, Micros price, ChargeKind kind) override {
    StartRun(job, pool, price, kind);
  }
  void LetGo(JobId job) override;

  absl::Status Check(Time now, const Event& event) const;
  void OnSubmitted(JobSubmitted& event);
  void OnFinished(const JobFinished& event);
  void OnStartFailed(const JobStartFailed& event);
  void OnStarted(const JobStarted& event);
  void OnKilled(const JobKilled& event);
  void OnTimer(const TimerFired& event);
  void OnCloseBilling();
  // After the event: deliveries, recovery and the policy's pass over the pools that grew.
  void Decide();

  // Starts a run of `job` on `pool` now, charged at `price` as `kind` (with launch confirmation:
  // launches it, see Launches).
  void StartRun(JobId job, PoolId pool, Micros price, ChargeKind kind);
  // The job's run on `pool` begins: billed from `launched`, with no progress until now plus its
  // restore and transfer time. Returns that restore and transfer time.
  Duration BeginRun(JobId job, PoolId pool, Micros price, ChargeKind kind, Time launched);
  // Charges the current run of `job` up to now.
  void ChargeRun(JobId job);
  // Charges the current run of `job` up to now and frees its accelerators.
  void EndRun(JobId job);
  // Ends the current run of a job that did not finish: keeps the work of its last checkpoint,
  // records what was lost, and queues the job again (`killed`: through the recovery policy).
  void Interrupt(JobId job, bool killed = false);
  // Counts the current run's useful accelerator-seconds as `run_useful`.
  void CountUseful(JobId job, int64_t run_useful);
  // Hands a pending job back to whoever places it: the recovery list or the scheduling policy.
  // `failed`: its last attempt failed (counts towards Restarts::kRecoveryAttempts).
  void Requeue(JobId job, bool failed);
  // Every launch attempt of the job failed: it goes back to the queue after the retry delay.
  void LaunchFailed(JobId job);
  // Starts recovering jobs where their recovery policy allows and they fit now.
  void Recover();

  const Fleet& fleet_;
  std::unique_ptr<Policy> policy_;
  BrokerOptions options_;
  Instant instant_;
  AccessTable access_;
  JobTable jobs_;
  PoolBook book_;
  Billing billing_;
  Learning learning_;
  Restarts restarts_;
  Launches launches_;
  MarketDesk desk_;
  Time wakeup_ = 0;  // the policy's wake-up timer set last
};

}  // namespace arbiter

#endif  // ARBITER_CORE_BROKER_H_
