// The headline figures of one run, computed by sim/metrics from the core's records and written by
// formats/results (summary.json) and report/ (the terminal table). Plain data.
#ifndef ARBITER_MODEL_SUMMARY_H_
#define ARBITER_MODEL_SUMMARY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "model/ids.h"
#include "model/units.h"

namespace arbiter {

// Statistics of a set of durations in seconds. Percentiles use the nearest-rank method on the
// sorted values (p-th percentile = the value at rank ceil(p/100 x n)); the median is the 50th.
struct DurationStats {
  int64_t count = 0;
  double mean = 0;
  Duration median = 0;
  Duration p99 = 0;
  Duration max = 0;
};

// What failures, preemptions and recovery cost: work lost since checkpoints (with the setup of
// interrupted runs), restarts, checkpoints moved between providers, and goodput: useful
// accelerator-seconds (progress that was kept) over those paid for.
// Launch attempts (JobOutcome's launch fields): made, come up, failed (including timed out),
// timed out, cancelled after another attempt came up; the seconds the winners took to come up;
// what the cancelled attempts held and cost.
struct LaunchFigures {
  int64_t attempts = 0;
  int64_t up = 0;
  int64_t failed = 0;
  int64_t timed_out = 0;
  int64_t cancelled = 0;
  int64_t wait_seconds = 0;
  int64_t waste_accelerator_seconds = 0;
  Micros waste_cost = 0;

  LaunchFigures& operator+=(const LaunchFigures& o) {
    attempts += o.attempts;
    up += o.up;
    failed += o.failed;
    timed_out += o.timed_out;
    cancelled += o.cancelled;
    wait_seconds += o.wait_seconds;
    waste_accelerator_seconds += o.waste_accelerator_seconds;
    waste_cost += o.waste_cost;
    return *this;
  }
};

struct RecoveryFigures {
  int64_t interruptions = 0;
  int64_t restarts = 0;    // starts after the first (per provider: on its pools)
  int64_t migrations = 0;  // per tenant: restarts on another provider; per provider: moves out
  int64_t lost_accelerator_seconds = 0;
  Micros lost_cost = 0;
  Micros egress_cost = 0;
  int64_t useful_accelerator_seconds = 0;
  int64_t paid_accelerator_seconds = 0;  // of jobs' runs (not idle commitments)
  double goodput = 0;                    // useful / paid; 0 when nothing was paid
  LaunchFigures launch;
};

struct PoolUsage {
  PoolId pool;
  int64_t capacity_accelerator_seconds = 0;  // over [0, end of run]
  int64_t busy_accelerator_seconds = 0;      // use: accelerators in use x seconds
  double utilisation = 0;                    // busy / capacity, 0 when capacity is 0
  Micros revenue = 0;                        // charged to all tenants
};

struct ProviderUsage {
  ProviderId provider;
  int64_t capacity_accelerator_seconds = 0;
  int64_t busy_accelerator_seconds = 0;
  double utilisation = 0;
  Micros revenue = 0;        // from external tenants (first-party use is internal)
  RecoveryFigures recovery;  // runs on its pools, checkpoints leaving it
};

// Charges by the ledger's kind of charge (ChargeKind, model/charge.h), in micro-dollars.
struct CostByKind {
  Micros on_demand = 0;
  Micros spot = 0;
  Micros committed = 0;
  Micros reserved = 0;
  Micros internal = 0;
  Micros egress = 0;
};

struct TenantSpend {
  TenantId tenant;
  int64_t jobs = 0;
  int64_t finished = 0;
  Micros cost = 0;
  int64_t accelerator_seconds = 0;
  std::vector<Micros> cost_by_provider;  // indexed by provider
  CostByKind cost_by_kind;               // sums to `cost`
  DurationStats jct;
  RecoveryFigures recovery;
};

// What the capacity market did, per provider.
struct ProviderMarket {
  ProviderId provider;
  int64_t requests_seen = 0;  // distinct requests it was asked about
  int64_t asks = 0;           // questions put to it (a request can ask twice: quote, then match)
  int64_t accepted_full = 0;  // asks answered with an offer for every item
  int64_t accepted_part = 0;  // asks answered with offers for some items
  int64_t declined = 0;       // asks answered with no offer
  int64_t timed_out = 0;      // asks not answered in time (a decline)
  int64_t items_won = 0;      // items awarded to it
  int64_t items_won_by_right = 0;  // of those, won by its right of first refusal
  int64_t delivered = 0;           // awards that started on time
  int64_t delivered_late = 0;      // awards that started after the promised start, within grace
  int64_t released = 0;            // awards not delivered by start + grace
  int64_t preemptions = 0;         // external spot runs it stopped for its own demand
  int64_t new_capacity_accelerator_seconds = 0;  // market-bought use (on-demand and spot)
  // Its own first-party work held up while external tenants used its pools.
  int64_t first_party_delayed_job_seconds = 0;
  int64_t first_party_displaced_accelerator_seconds = 0;
};

// What the capacity market did, per tenant.
struct TenantMarket {
  TenantId tenant;
  int64_t requests = 0;
  int64_t items = 0;
  Duration rofr_wait = 0;  // seconds its requests spent waiting on a right-of-first-refusal holder
  int64_t new_capacity_accelerator_seconds = 0;
  std::vector<double> new_capacity_share;  // per provider, of its market-bought use
};

// Lower bounds on the run's results that no policy can beat on its scenario (sim/bounds.h), and
// each result's ratio to its bound (>= 1), set only when every counted job finished.
struct RunBounds {
  int64_t jobs = 0;       // jobs counted: those some pool can ever run
  Duration makespan = 0;  // seconds
  double mean_jct = 0;    // seconds
  Micros cost = 0;
  std::optional<double> makespan_ratio;
  std::optional<double> mean_jct_ratio;
  std::optional<double> cost_ratio;
};

struct RunSummary {
  std::string scenario;
  std::string policy;
  uint64_t seed = 0;
  int64_t jobs = 0;
  int64_t finished = 0;
  int64_t running = 0;   // still running when the run ended (horizon reached)
  int64_t pending = 0;   // never started or waiting again
  int64_t rejected = 0;  // could never run
  // Rejected jobs by reason (RejectReasonName), reasons with none left out, in reason order.
  std::vector<std::pair<std::string, int64_t>> rejected_by_reason;
  // Ended by a user's cancel, or by failing more than max_restarts times (live runs only: the
  // simulator's jobs neither fail by their own fault nor are cancelled).
  int64_t cancelled = 0;
  int64_t failed = 0;
  DurationStats jct;             // end - submit, finished jobs
  DurationStats queueing_delay;  // first start - submit, started jobs
  Time first_submit = 0;
  Time last_finish = 0;
  Duration makespan = 0;    // last finish - first submit
  Time end = 0;             // simulated time when the run stopped
  std::string stop_reason;  // why the run stopped before every job ended (empty: it did not)
  int64_t events = 0;
  Micros total_cost = 0;
  int64_t accelerator_seconds = 0;
  std::vector<PoolUsage> pools;
  std::vector<ProviderUsage> providers;
  std::vector<TenantSpend> tenants;
  RecoveryFigures recovery;     // all tenants
  std::string recovery_policy;  // where killed jobs restarted (core/recovery.h)
  std::vector<ProviderMarket> market_providers;
  std::vector<TenantMarket> market_tenants;
  RunBounds bounds;
};

}  // namespace arbiter

#endif  // ARBITER_MODEL_SUMMARY_H_
