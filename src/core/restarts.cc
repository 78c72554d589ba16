#include "core/restarts.h"

#include <utility>

namespace arbiter {

Restarts::Restarts(const Fleet& fleet, const BrokerOptions& options,
                   std::unique_ptr<RecoveryPolicy> policy, JobTable& jobs, Billing& billing)
    : fleet_(fleet),
      options_(options.recovery),
      restart_setup_(options.restart_setup),
      policy_(std::move(policy)),
      jobs_(jobs),
      billing_(billing),
      providers_(fleet.providers.size()) {
  if (policy_ && policy_->name() == "any-pool") policy_.reset();
}

Duration Restarts::TransferTime(JobId job, PoolId pool) const {
  const JobState& r = jobs_state_[job.index()];
  const int64_t bytes = jobs_.spec(job).checkpoint_bytes;
  if (jobs_.run(job).done <= 0 || !r.checkpoint_pool.valid() ||
      fleet_.pool(r.checkpoint_pool).provider == fleet_.pool(pool).provider || bytes <= 0 ||
      options_.transfer_bytes_per_second <= 0) {
    return 0;
  }
  return (bytes + options_.transfer_bytes_per_second - 1) / options_.transfer_bytes_per_second;
}

Duration Restarts::RestoreTime(JobId job, PoolId pool) const {
  const JobOutcome& outcome = jobs_.outcome(job);
  return (outcome.interruptions > 0 || outcome.failures > 0
              ? restart_setup_ + jobs_.spec(job).restore
              : 0) +
         TransferTime(job, pool);
}

void Restarts::Migrate(JobId job, PoolId pool, Time now) {
  JobState& r = jobs_state_[job.index()];
  const Work done = jobs_.run(job).done;
  if (done > 0 && r.checkpoint_pool.valid() &&
      fleet_.pool(r.checkpoint_pool).provider != fleet_.pool(pool).provider) {
    // The checkpoint leaves its provider: the tenant pays that provider's egress, and the run
    // waits for the transfer before it restores.
    const ProviderId from = fleet_.pool(r.checkpoint_pool).provider;
    JobOutcome& outcome = jobs_.outcome(job);
    ProviderRecovery& stats = providers_[from.index()];
    ++outcome.migrations;
    ++stats.migrations_out;
    const Micros per_gb =
        from.index() < options_.egress_per_gb.size() ? options_.egress_per_gb[from.index()] : 0;
    const Job& spec = jobs_.spec(job);
    const Micros amount = billing_.ChargeEgress(job, spec.tenant, r.checkpoint_pool,
                                                spec.checkpoint_bytes, per_gb, now);
    outcome.cost = SaturatingAdd(outcome.cost, amount);
    outcome.egress_cost = SaturatingAdd(outcome.egress_cost, amount);
    stats.egress_cost = SaturatingAdd(stats.egress_cost, amount);
  }
  if (done > 0) r.checkpoint_pool = pool;
}

void Restarts::Interrupted(JobId job, PoolId pool, const Interruption& cut, Micros price) {
  const Job& spec = jobs_.spec(job);
  JobOutcome& outcome = jobs_.outcome(job);
  JobState& r = jobs_state_[job.index()];
  jobs_.run(job).done += cut.saved;
  if (jobs_.run(job).done > 0) r.checkpoint_pool = pool;
  const int64_t lost_seconds = static_cast<int64_t>(spec.accelerators) * cut.lost;
  const Micros lost_cost = ChargeFor(spec.accelerators, cut.lost, price);
  const int64_t useful = jobs_.CountUseful(job, static_cast<int64_t>(spec.accelerators) * cut.kept);
  ProviderRecovery& stats = providers_[fleet_.pool(pool).provider.index()];
  stats.useful_accelerator_seconds += useful;
  ++outcome.interruptions;
  outcome.lost_accelerator_seconds += lost_seconds;
  outcome.lost_cost = SaturatingAdd(outcome.lost_cost, lost_cost);
  ++stats.interruptions;
  stats.lost_accelerator_seconds += lost_seconds;
  stats.lost_cost = SaturatingAdd(stats.lost_cost, lost_cost);
  r.pinned = false;
  r.failed_attempts = 0;
}

void Restarts::Failed(JobId job, PoolId pool, const Interruption& cut, Micros price) {
  const Job& spec = jobs_.spec(job);
  JobOutcome& outcome = jobs_.outcome(job);
  JobState& r = jobs_state_[job.index()];
  jobs_.run(job).done += cut.saved;
  if (jobs_.run(job).done > 0) r.checkpoint_pool = pool;
  const int64_t useful = jobs_.CountUseful(job, static_cast<int64_t>(spec.accelerators) * cut.kept);
  providers_[fleet_.pool(pool).provider.index()].useful_accelerator_seconds += useful;
  ++outcome.failures;
  outcome.lost_accelerator_seconds += static_cast<int64_t>(spec.accelerators) * cut.lost;
  outcome.lost_cost =
      SaturatingAdd(outcome.lost_cost, ChargeFor(spec.accelerators, cut.lost, price));
  r.pinned = false;
  r.failed_attempts = 0;
}

bool Restarts::Recovering(JobId job, PoolId pool, bool spot, const ClusterView& view) {
  if (!policy_) return false;
  JobState& r = jobs_state_[job.index()];
  r.killed = KilledRun{job, pool, fleet_.pool(pool).provider, spot};
  if (policy_->Plan(r.killed, view).to_policy) return false;
  r.pinned = true;
  recovering_.push_back(job);
  joined_ = true;
  return true;
}

bool Restarts::Requeue(JobId job, bool failed) {
  JobState& r = jobs_state_[job.index()];
  if (r.pinned && failed && ++r.failed_attempts >= kRecoveryAttempts) {
    r.pinned = false;  // given up: the scheduling policy places it from now on
  }
  if (!r.pinned) return false;
  recovering_.push_back(job);
  joined_ = true;
  return true;
}

std::vector<JobId> Restarts::TakeRecovering() {
  std::vector<JobId> waiting;
  waiting.swap(recovering_);
  return waiting;
}

RecoveryPlan Restarts::Plan(JobId job, const ClusterView& view) const {
  return policy_->Plan(jobs_state_[job.index()].killed, view);
}

}  // namespace arbiter
