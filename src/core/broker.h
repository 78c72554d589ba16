// The broker core: a deterministic state machine from events to commands.
//
// It keeps the job table, each pool's capacity and use, each tenant's access and price per pool
// (from its contracts), the capacity market's open requests, and the ledger; the scheduling
// policy decides what starts and in what order. It does no I/O, reads no clock (time comes with
// each event) and uses no global randomness, so the same events in the same order always give the
// same commands. The core is single-threaded: one driver calls Handle at a time.
//
// Where a job may run without asking anyone (its provider's own first-party work, or a holding:
// a commitment or reservation of its tenant) it starts at once. Anywhere else it needs new
// capacity: the policy's placement puts a tentative hold on the pool, and at the end of the pass
// the core opens one capacity request per tenant with those jobs as items. The exchange
// (market/exchange.h) asks providers according to the tenant's contracts, including a right of
// first refusal; an awarded item starts when its capacity is there, or is released to the market
// again if it is not there by the promised start plus the grace period.
#ifndef ARBITER_CORE_BROKER_H_
#define ARBITER_CORE_BROKER_H_

#include <memory>
#include <optional>
#include <span>
#include <tuple>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "core/events.h"
#include "core/recovery.h"
#include "market/exchange.h"
#include "market/ledger.h"
#include "model/fleet.h"
#include "model/outcome.h"
#include "model/scenario.h"
#include "model/summary.h"
#include "sched/policy.h"

namespace arbiter {

// What a tenant pays on a pool, under which kind of charge, and whether it must ask for it.
struct Access {
  Micros price_per_accel_hour = 0;
  ChargeKind kind = ChargeKind::kOnDemand;
  bool market = false;  // new capacity: obtained through a capacity request
};

// Access of `tenant` to `pool` from the fleet's contracts, or nullopt if it has none:
// - a holding pool (market/holdings.h) is its holder's alone, at no charge per use (the holding
//   is billed as a whole), charged as committed or reserved;
// - a provider's own first-party tenant uses its pools at their cost basis (committed price,
//   else on-demand list price, else zero), charged as internal;
// - an on_demand contract gives the on-demand list price minus its discount, through the market;
// - failing that, a spot contract gives the spot price minus its discount, through the market.
std::optional<Access> AccessFromContracts(const Fleet& fleet, TenantId tenant, PoolId pool);

// The price of spot capacity for `tenant` on `pool` (Purchase::kSpot): a spot contract with the
// pool's provider and a pool that sells spot, at the spot price minus the contract's discount;
// nullopt on holding pools and on its own provider's pools (first-party work is not bought).
std::optional<Micros> SpotPriceFromContracts(const Fleet& fleet, TenantId tenant, PoolId pool);

// `price` minus `discount` parts per million, rounded to the nearest micro-dollar.
Micros Discounted(Micros price, Ppm discount);

// How killed jobs come back: restart costs, and what the core learns about pools.
struct RecoveryOptions {
  // Moving a checkpoint to another provider: checkpoint_bytes / this many seconds of extra setup
  // (rounded up; 0: instantaneous), and egress_per_gb[provider it leaves] per 10^9 bytes, charged
  // to the tenant as ChargeKind::kEgress.
  int64_t transfer_bytes_per_second = 0;
  std::vector<Micros> egress_per_gb;  // per provider; missing entries are free
  // Back-off of a pool after a failed launch or capacity taken back (JobKilled::capacity_lost):
  // after its k-th such failure in a row the pool shows no free capacity for
  // min(backoff x 2^(k-1), max_backoff) seconds. A run that finishes on it resets the count. The
  // count is kept for the whole run, across launches. 0: no back-off.
  Duration backoff = 0;
  Duration max_backoff = 0;
  // Rank pools by the hold probability learned from launches and kills (ClusterView::HoldPpm).
  bool learn = false;
};

// Launches that take time (BrokerOptions::launch).
struct LaunchOptions {
  // The driver answers every StartJob with JobStarted or JobStartFailed (core/events.h). Until
  // then the job is kStarting and each attempt holds its pool's capacity. false: a StartJob runs
  // from the moment it is sent, and a failure is reported at once.
  bool confirm = false;
  // An attempt not up this many seconds after its launch is cancelled and counts as a failed
  // launch of its pool (0: wait for the driver's answer).
  Duration timeout = 0;
  // Pools tried at once per start: the chosen pool, and up to parallel - 1 other pools of the
  // same provider and accelerator type where the tenant buys the same way (spot, on demand, its
  // own holding) that have room and are not backed off, ranked as recovery candidates (cost of
  // the remaining run, then the pool most likely to hold). The first attempt up wins; the others
  // are cancelled and pay for the time they held their accelerators. Only with `confirm`.
  int32_t parallel = 1;
};

struct BrokerOptions {
  // How long a job whose start failed waits before it is queued again.
  Duration start_retry_delay = 60;
  // Seconds a job spends restoring its checkpoint each time it restarts after an interruption.
  Duration restart_setup = 0;
  // The market's rules beyond the contracts (quote window, retry delay of unplaced jobs).
  MarketOptions market;
  RecoveryOptions recovery;
  LaunchOptions launch;
  // Keep every market record (AuditRecord) for market.jsonl. Counts are kept either way.
  bool keep_audit = true;
};

// Per pool: what the core learned about runs started there.
struct PoolLearning {
  int64_t launches = 0;         // runs started (including those whose launch then failed)
  int64_t launch_failures = 0;  // JobStartFailed
  int64_t kills = 0;            // JobKilled
  int32_t streak = 0;           // failures in a row that count for back-off
  Time avoid_until = 0;         // in back-off before this time
};

// Per provider: what failures and recovery cost (runs on its pools, checkpoints leaving it).
struct ProviderRecovery {
  int64_t interruptions = 0;
  int64_t lost_accelerator_seconds = 0;
  Micros lost_cost = 0;
  int64_t useful_accelerator_seconds = 0;  // of ended runs on its pools
  int64_t migrations_out = 0;              // checkpoints moved out of it
  Micros egress_cost = 0;
  int64_t restarts = 0;  // runs started on its pools that were not their job's first
  // Launch attempts on its pools (without LaunchOptions::confirm a launch is up at once).
  LaunchFigures launch;
};

// Per provider: the market's record of what external tenants cost its own first-party demand.
struct FirstPartyImpact {
  int64_t displaced_accelerator_seconds = 0;  // external use while own demand of that size waited
  int64_t delayed_job_seconds = 0;            // own jobs waiting while external work ran
};

class Broker final : private ClusterView, private Placer, private ExchangeOutbox {
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
  // Accelerators of the provider's own first-party jobs waiting for capacity.
  int64_t first_party_waiting(ProviderId provider) const {
    return providers_[provider.index()].first_party_waiting_accelerators;
  }
  const FirstPartyImpact& first_party_impact(ProviderId provider) const {
    return providers_[provider.index()].impact;
  }
  std::span<const JobId> running_on(PoolId pool) const { return RunningOn(pool); }
  // How the current run of a running job is charged.
  ChargeKind run_kind(JobId job) const { return running_[job.index()].kind; }
  // Every market step so far, in order (empty unless BrokerOptions::keep_audit).
  const std::vector<AuditRecord>& audit() const { return audit_; }
  // Per provider and per tenant: what the market did so far (the audit-based counts).
  const std::vector<ProviderMarket>& provider_market() const { return provider_market_; }
  const std::vector<TenantMarket>& tenant_market() const { return tenant_market_; }
  // Seconds the tenant's requests spent waiting on a right-of-first-refusal holder.
  Duration rofr_wait(TenantId tenant) const { return exchange_.holder_wait(tenant); }
  const std::optional<Access>& access(TenantId tenant, PoolId pool) const {
    return AccessOf(tenant, pool);
  }
  // Accelerator-seconds of capacity the pool had over [0, until], for until >= now().
  int64_t CapacityIntegral(PoolId pool, Time until) const;
  const PoolLearning& learning(PoolId pool) const { return learning_[pool.index()]; }
  // The recovery policy's name ("any-pool" when none was given).
  std::string_view recovery_policy() const { return recovery_ ? recovery_->name() : "any-pool"; }
  const ProviderRecovery& provider_recovery(ProviderId provider) const {
    return provider_recovery_[provider.index()];
  }
  // Useful accelerator-seconds of the job so far: its ended runs' and its current run's progress.
  int64_t UsefulAcceleratorSeconds(JobId job) const;
  // Jobs waiting for the recovery policy's pools, in kill order.
  std::span<const JobId> recovering() const { return recovering_; }
  Ppm HoldPpm(PoolId pool) const override;
  // Pre-sizes the job table for `jobs` jobs (an optimisation for drivers that know the count).
  void ReserveJobs(size_t jobs);

 private:
  struct PoolState {
    int64_t capacity = 0;  // accelerators
    int64_t used = 0;
    int64_t used_first_party = 0;
    int64_t held = 0;                  // tentative holds of jobs whose capacity request is open
    int64_t awaiting = 0;              // awarded to jobs whose capacity has not arrived yet
    std::vector<JobId> awaiting_jobs;  // in award order
    int64_t integral = 0;              // accelerator-seconds of capacity over [0, since]
    Time since = 0;
    std::vector<JobId> running;  // unordered
  };
  struct Running {
    Time start = 0;         // of the current run
    Duration setup = 0;     // restore time at the start of the run (no progress)
    Time billed_until = 0;  // the run is charged up to here
    Work done = 0;          // work saved before the current run
    Rate rate = 0;          // on the current pool
    Micros price = 0;       // per accelerator-hour, for the current run
    ChargeKind kind = ChargeKind::kOnDemand;
    int64_t useful_counted = 0;  // of this run's useful accelerator-seconds, already counted
  };
  // A job's place in the market.
  enum class MarketPhase : uint8_t { kNone, kRequesting, kAwarded };
  struct MarketState {
    MarketPhase phase = MarketPhase::kNone;
    PoolId held_pool;  // while requesting
    RequestId request = 0;
    // While awarded:
    PoolId pool;
    ProviderId provider;
    Micros price = 0;
    bool spot = false;
    Time promised = 0;       // the offer's start
    Time release_at = 0;     // promised + grace
    bool skip_rofr = false;  // released once: its next request goes straight to the market
    ProviderId missed;       // the provider that last failed to deliver; not asked next time
    bool buy_spot = false;   // placed with Purchase::kSpot
  };
  // A job's recovery after a kill.
  struct JobRecovery {
    bool core_placed = false;     // placed by the recovery policy, not the scheduling policy
    KilledRun killed;             // the run that was killed last
    PoolId checkpoint_pool;       // where its last checkpoint is (invalid: none)
    int32_t failed_attempts = 0;  // failed starts or requests since the kill
  };
  // A recovering job whose start failed (or got no offer) this many times in a row goes back to
  // the scheduling policy: the recovery policy's pools may never hold it (capacity the core
  // cannot see, such as spot taken back for good).
  static constexpr int32_t kRecoveryAttempts = 3;
  struct ProviderState {
    int64_t external_used = 0;  // accelerators of other tenants on its pools
    int64_t first_party_waiting_accelerators = 0;
    int64_t first_party_waiting_jobs = 0;
    FirstPartyImpact impact;
  };
  struct HoldingBill {
    PoolId pool;
    ContractId contract;
    Time billed_until = 0;  // commitments accrue; a reservation is billed once, in full
    bool billed = false;
  };

  // ClusterView.
  int64_t FreeAccelerators(PoolId pool) const override;
  const Job& job(JobId job) const override { return specs_[job.index()]; }
  Work RemainingWork(JobId job) const override;
  std::optional<Micros> PriceFor(TenantId tenant, PoolId pool) const override;
  std::optional<Micros> PurchasePrice(TenantId tenant, PoolId pool, Purchase how) const override;
  std::span<const JobId> RunningOn(PoolId pool) const override {
    return pools_[pool.index()].running;
  }
  Time RunStart(JobId job) const override { return running_[job.index()].start; }
  Work WorkAtRisk(JobId job) const override;
  // Placer.
  bool Place(JobId job, PoolId pool) override;
  bool PlaceAs(JobId job, PoolId pool, Purchase how) override;
  bool Preempt(JobId job, std::string_view reason) override;
  // ExchangeOutbox.
  void SendAsk(Ask ask) override;
  void WakeAt(Time at, RequestId request) override;
  void Award(RequestId request, int32_t item, ProviderId provider, const Offer& offer,
             bool holder) override;
  void Unplaced(RequestId request, int32_t item) override;
  void Record(const AuditRecord& record) override;
  void Closed(RequestId request) override;

  // Starts a run of `job` on `pool` now, charged at `price` as `kind` (with launch confirmation:
  // launches it, see Launch).
  void StartRun(JobId job, PoolId pool, Micros price, ChargeKind kind);
  // The job's run on `pool` begins: billed from `launched`, with no progress until now plus its
  // restore and transfer time. Returns that restore and transfer time.
  Duration BeginRun(JobId job, PoolId pool, Micros price, ChargeKind kind, Time launched);
  // Seconds the job's checkpoint takes to reach `pool` from another provider (0 on the same one).
  Duration TransferTime(JobId job, PoolId pool) const;
  // Seconds a run of `job` on `pool` starting now spends restoring (after an interruption) and
  // waiting for its checkpoint to arrive from another provider.
  Duration RestoreTime(JobId job, PoolId pool) const;
  // With launch confirmation: launches `job` on `pool` and on the parallel alternatives
  // (LaunchOptions::parallel); the job is kStarting until one is up.
  void Launch(JobId job, PoolId pool, Micros price, ChargeKind kind);
  void AddAttempt(JobId job, PoolId pool, Micros price, ChargeKind kind);
  struct Attempt;
  // An attempt (already removed from attempts_) ends without winning: its pool is free again.
  // `failed`: it counts as a failed launch of its pool (`timed_out`: by the core's timeout);
  // otherwise it was cancelled because another attempt won, and pays for the time it held.
  void EndAttempt(JobId job, const Attempt& attempt, bool failed, bool timed_out);
  // Fails the attempt numbered `number` (if >= 0) or the one on `pool` (unset: the first) of a
  // starting job; a timed-out attempt is cancelled at the driver. Unknown attempts are ignored.
  void FailAttempt(JobId job, PoolId pool, int64_t number, bool timed_out);
  // Every attempt of the job failed: it goes back to the queue after the retry delay.
  void LaunchFailed(JobId job);
  // Opens one capacity request per tenant for the jobs placed on market pools in this event.
  void OpenRequests();
  // The providers the job's tenant can buy capacity for it from (ascending).
  const std::vector<ProviderId>& MarketProviders(const Job& job);
  // Starts an awarded job if its pool has room now; otherwise it waits for room until its
  // release time.
  void TryDeliver(JobId job);
  // Tries the awaiting deliveries of a pool, in award order.
  void DeliverAwaiting(PoolId pool);
  void ReleaseHold(JobId job);
  // The job behind `item` of `request`; releases its hold and forgets the item.
  JobId SettleItem(RequestId request, int32_t item);
  void StopAwaiting(JobId job);
  // Accrues first-party impact up to now.
  void Advance(Time now);
  void BillHoldings();

  absl::Status Check(Time now, const Event& event) const;
  void OnSubmitted(JobSubmitted& event);
  void OnFinished(const JobFinished& event);
  void OnStartFailed(const JobStartFailed& event);
  void OnStarted(const JobStarted& event);
  void OnKilled(const JobKilled& event);
  void OnAnswer(const ProviderAnswered& event);
  void OnCapacityChanged(const CapacityChanged& event);
  void OnTimer(const TimerFired& event);
  void OnCloseBilling();
  // Charges the current run of `job` from its last start up to now.
  void ChargeRun(JobId job);
  // Charges the current run of `job` up to now and frees its accelerators.
  void EndRun(JobId job);
  // Ends the current run of a job that did not finish: keeps the work of its last checkpoint,
  // records what was lost, and queues the job again (`killed`: through the recovery policy).
  void Interrupt(JobId job, bool killed = false);
  // Hands a pending job back to whoever places it: the recovery list or the scheduling policy.
  // `failed`: its last attempt failed (counts towards kRecoveryAttempts).
  void Requeue(JobId job, bool failed);
  // Starts recovering jobs where their recovery policy allows and they fit now.
  void Recover();
  // A failure of `pool` that counts for its back-off.
  void BackOff(PoolId pool);
  // The migration of a restarting job's checkpoint to `pool`: counts it and charges egress
  // (its transfer time is in RestoreTime).
  void Migrate(JobId job, PoolId pool);
  // Work done in the current run so far, and the part of it saved by checkpoints.
  Work Progressed(JobId job) const;
  Work Checkpointed(JobId job) const;
  void RemoveRunning(JobId job);  // from its pool's running list
  // Counts the current run's useful accelerator-seconds as `run_useful` (in the job's outcome
  // and its provider's figures).
  void CountUseful(JobId job, int64_t run_useful);
  // Moves a job to `state`, keeping the pending counts.
  void SetState(JobId job, JobState state);
  void CountPending(JobId job, int sign);
  // Adds (sign +1) or removes (-1) the job's accelerators to the pool's use.
  void Occupy(PoolId pool, JobId job, int sign);

  // Timer tags: the kind in the top byte, the subject (a job id or request id) below.
  enum TimerKind : uint64_t {
    kRetryStart = 1,
    kExchange = 2,
    kDeliver = 3,
    kRelease = 4,
    kWakeup = 5,         // the policy's NextWakeup
    kBackoff = 6,        // a pool's back-off ends (subject: the pool)
    kLaunchTimeout = 7,  // a launch attempt's timeout (subject: job << 24 | attempt number)
  };
  static uint64_t TimerTag(TimerKind kind, int64_t subject) {
    return (static_cast<uint64_t>(kind) << 56) | static_cast<uint64_t>(subject);
  }
  bool IsFirstParty(TenantId tenant, ProviderId provider) const {
    return fleet_.tenant(tenant).first_party_of == provider;
  }
  const std::optional<Access>& AccessOf(TenantId tenant, PoolId pool) const {
    return access_[tenant.index() * fleet_.pools.size() + pool.index()];
  }

  const Fleet& fleet_;
  std::unique_ptr<Policy> policy_;
  BrokerOptions options_;
  Exchange exchange_;
  std::vector<AuditRecord> audit_;
  std::vector<ProviderMarket> provider_market_;
  std::vector<TenantMarket> tenant_market_;
  // Asks whose answers are still being counted: (request, provider, phase) -> tally.
  struct AskTally {
    int32_t items = 0;
    int32_t answered = 0;
    int32_t offers = 0;
  };
  absl::flat_hash_map<std::tuple<RequestId, int32_t, int>, AskTally> ask_tallies_;
  // MarketProviders' cache, by (tenant, accepted types, gang, per-node share).
  absl::flat_hash_map<std::tuple<int32_t, uint64_t, int32_t, int32_t>, std::vector<ProviderId>>
      providers_by_shape_;
  std::vector<ProviderId> uncached_providers_;
  // Providers asked per open request (for requests_seen).
  absl::flat_hash_map<RequestId, absl::InlinedVector<ProviderId, 8>> asked_;
  std::vector<MarketState> market_;  // per job
  std::vector<JobId> batch_;         // placed on market pools in this event
  struct RequestJobs {
    std::vector<JobId> jobs;  // by item
    int64_t left = 0;         // items not yet settled
  };
  absl::flat_hash_map<RequestId, RequestJobs> request_jobs_;  // open requests
  std::vector<ProviderState> providers_;
  std::vector<HoldingBill> holdings_;
  std::vector<std::optional<ProviderId>> rofr_holder_;  // per tenant
  std::vector<RofrTerms> rofr_terms_;                   // per tenant
  Time advanced_ = 0;
  Time now_ = 0;
  std::vector<PoolState> pools_;
  std::vector<std::optional<Access>> access_;      // tenants x pools
  std::vector<std::optional<Micros>> spot_price_;  // tenants x pools: Purchase::kSpot's price
  Time wakeup_ = 0;                                // the policy's wake-up timer set last
  std::vector<Job> specs_;
  std::vector<JobOutcome> outcomes_;
  std::vector<Running> running_;
  int64_t pending_jobs_ = 0;
  int64_t pending_accelerators_ = 0;
  std::vector<int32_t> running_slot_;  // per job: index in its pool's running list, or -1
  Ledger ledger_;
  std::unique_ptr<RecoveryPolicy> recovery_;  // nullptr: any-pool
  std::vector<JobRecovery> recovery_state_;   // per job
  std::vector<JobId> recovering_;             // waiting for the recovery policy's pools
  bool recover_now_ = false;                  // a job joined recovering_ in this event
  std::vector<PoolLearning> learning_;        // per pool
  // Back-offs in force as a min-heap of (end, pool): the first event at or after an end offers
  // the pool to the pass as grown (its room shows again from that instant on).
  std::vector<std::pair<Time, PoolId>> backoff_ends_;
  std::vector<ProviderRecovery> provider_recovery_;
  // A launch attempt of a starting job (LaunchOptions::confirm).
  struct Attempt {
    PoolId pool;
    Micros price = 0;
    ChargeKind kind = ChargeKind::kOnDemand;
    Time launched = 0;
    uint32_t number = 0;  // in the timeout timer's tag
  };
  absl::flat_hash_map<int32_t, absl::InlinedVector<Attempt, 2>>
      attempts_;  // by job, while starting
  // Per pool: the other pools of its provider and accelerator type, in id order (the candidates
  // for parallel attempts; filled only with LaunchOptions::parallel > 1).
  std::vector<std::vector<PoolId>> siblings_;
  uint32_t next_attempt_ = 0;
  std::vector<PoolId> grown_;            // pools whose free capacity grew during this event
  std::vector<Command>* out_ = nullptr;  // the current Handle call's output
};

}  // namespace arbiter

#endif  // ARBITER_CORE_BROKER_H_
