// The broker core's settings: restarts after kills, launches that take time, the market's rules.
// Plain data, set by a driver (the simulator from the scenario, the daemon from its fleet file).
#ifndef ARBITER_CORE_OPTIONS_H_
#define ARBITER_CORE_OPTIONS_H_

#include <cstdint>
#include <vector>

#include "model/scenario.h"
#include "model/units.h"

namespace arbiter {

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

}  // namespace arbiter

#endif  // ARBITER_CORE_OPTIONS_H_
