// Restarts: what happens to a job after a run of it ended without finishing, and what that cost.
//
// It keeps, per job, where its last checkpoint is (so a restart elsewhere is a migration, with
// its transfer time and egress charge), whether the recovery policy (core/recovery.h) places it
// rather than the scheduling policy (the job is "pinned"), the run that was killed last, and the
// failed attempts since; the jobs waiting for the recovery policy's pools; and per provider what
// interruptions, lost work, migrations and restarts cost (ProviderRecovery). The Broker asks it
// where a killed job goes next and tells it of every interruption and restart; it never starts a
// job itself.
#ifndef ARBITER_CORE_RESTARTS_H_
#define ARBITER_CORE_RESTARTS_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "core/billing.h"
#include "core/job_table.h"
#include "core/options.h"
#include "core/recovery.h"
#include "model/summary.h"

namespace arbiter {

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

class Restarts {
 public:
  // A recovering job whose start failed (or got no offer) this many times in a row goes back to
  // the scheduling policy: the recovery policy's pools may never hold it (capacity the core
  // cannot see, such as spot taken back for good).
  static constexpr int32_t kRecoveryAttempts = 3;

  // `jobs` and `billing` must outlive the part. `policy` places killed jobs again; nullptr (or
  // "any-pool") hands them back to the scheduling policy.
  Restarts(const Fleet& fleet, const BrokerOptions& options, std::unique_ptr<RecoveryPolicy> policy,
           JobTable& jobs, Billing& billing);

  void AddJob() { jobs_state_.emplace_back(); }
  void Reserve(size_t jobs) { jobs_state_.reserve(jobs); }
  std::string_view policy_name() const { return policy_ ? policy_->name() : "any-pool"; }

  // Placed by the recovery policy, not the scheduling policy.
  bool pinned(JobId job) const { return jobs_state_[job.index()].pinned; }
  void Unpin(JobId job) { jobs_state_[job.index()].pinned = false; }

  // Seconds the job's checkpoint takes to reach `pool` from another provider (0 on the same one).
  Duration TransferTime(JobId job, PoolId pool) const;
  // Seconds a run of `job` on `pool` starting now spends restoring (after an interruption) and
  // waiting for its checkpoint to arrive from another provider.
  Duration RestoreTime(JobId job, PoolId pool) const;
  // A run of the job begins on `pool`: if its checkpoint is on another provider, the migration is
  // counted and its egress charged (its transfer time is in RestoreTime).
  void Migrate(JobId job, PoolId pool, Time now);

  // The job's run on `pool` ended at `now` without finishing (after its use was charged): it
  // keeps `cut.saved`, and the seconds it lost are counted (at `price` per accelerator-hour). The
  // job is no longer pinned.
  void Interrupted(JobId job, PoolId pool, const Interruption& cut, Micros price);
  // After a kill of the job's run on `pool` (`spot`: bought as spot): asks the recovery policy.
  // Returns true if the job now waits for the policy's pools (pinned); false: it goes back to the
  // scheduling policy.
  bool Recovering(JobId job, PoolId pool, bool spot, const ClusterView& view);
  // A pending job is handed back: to the recovery list (returns true) if it is pinned and has not
  // failed kRecoveryAttempts times in a row (`failed`: its last attempt failed), else false.
  bool Requeue(JobId job, bool failed);

  // The jobs waiting for the recovery policy's pools, in kill order.
  std::span<const JobId> recovering() const { return recovering_; }
  // Whether a job joined the list since the last call (and clears that).
  bool TakeJoined() { return std::exchange(joined_, false); }
  // Empties the list for a pass over it (Wait puts back the jobs still waiting).
  std::vector<JobId> TakeRecovering();
  void Wait(JobId job) { recovering_.push_back(job); }
  // What the recovery policy says now for a waiting job.
  RecoveryPlan Plan(JobId job, const ClusterView& view) const;

  // Figures per provider (ProviderRecovery::launch is left to the launches part).
  const ProviderRecovery& figures(ProviderId provider) const {
    return providers_[provider.index()];
  }
  void CountRestart(ProviderId provider, int sign) {
    providers_[provider.index()].restarts += sign;
  }
  void CountUseful(ProviderId provider, int64_t accelerator_seconds) {
    providers_[provider.index()].useful_accelerator_seconds += accelerator_seconds;
  }

 private:
  struct JobState {
    bool pinned = false;          // placed by the recovery policy, not the scheduling policy
    KilledRun killed;             // the run that was killed last
    PoolId checkpoint_pool;       // where its last checkpoint is (invalid: none)
    int32_t failed_attempts = 0;  // failed starts or requests since the kill
  };

  const Fleet& fleet_;
  RecoveryOptions options_;
  Duration restart_setup_ = 0;
  std::unique_ptr<RecoveryPolicy> policy_;  // nullptr: any-pool
  JobTable& jobs_;
  Billing& billing_;
  std::vector<JobState> jobs_state_;  // per job
  std::vector<JobId> recovering_;     // waiting for the recovery policy's pools
  bool joined_ = false;               // a job joined recovering_ since TakeJoined
  std::vector<ProviderRecovery> providers_;
};

}  // namespace arbiter

#endif  // ARBITER_CORE_RESTARTS_H_
