#include "core/launches.h"

#include <algorithm>
#include <tuple>
#include <utility>

#include "sched/eligibility.h"

namespace arbiter {

Launches::Launches(const Fleet& fleet, const LaunchOptions& options, Instant& instant,
                   JobTable& jobs, PoolBook& book, Billing& billing, Learning& learning,
                   const Restarts& restarts, const AccessTable& access, const ClusterView& view)
    : fleet_(fleet),
      options_(options),
      instant_(instant),
      jobs_(jobs),
      book_(book),
      billing_(billing),
      learning_(learning),
      restarts_(restarts),
      access_(access),
      view_(view),
      figures_(fleet.providers.size()) {
  if (options_.confirm && options_.parallel > 1) {
    siblings_.resize(fleet.pools.size());
    for (size_t i = 0; i < fleet.pools.size(); ++i) {
      for (size_t j = 0; j < fleet.pools.size(); ++j) {
        const Pool& a = fleet.pools[i];
        const Pool& b = fleet.pools[j];
        if (i != j && a.provider == b.provider && a.type == b.type) {
          siblings_[i].push_back(PoolId::FromIndex(j));
        }
      }
    }
  }
}

void Launches::CountImmediate(JobId job, PoolId pool) {
  ++jobs_.outcome(job).launch_attempts;
  LaunchFigures& stats = figures_[fleet_.pool(pool).provider.index()];
  ++stats.attempts;
  ++stats.up;
}

void Launches::CountImmediateFailure(JobId job, PoolId pool) {
  LaunchFigures& stats = figures_[fleet_.pool(pool).provider.index()];
  --stats.up;  // it was counted up when it was sent
  ++stats.failed;
  ++jobs_.outcome(job).launch_failures;
}

void Launches::Launch(JobId job, PoolId pool, Micros price, ChargeKind kind) {
  jobs_.SetState(job, JobState::kStarting);
  AddAttempt(job, pool, price, kind);
  const int32_t parallel = options_.parallel;
  if (parallel <= 1) return;
  const Job& spec = jobs_.spec(job);
  absl::InlinedVector<RecoveryCandidate, 8> alternatives;
  for (PoolId other : siblings_[pool.index()]) {
    if (view_.FreeAccelerators(other) < spec.accelerators || !CanEverRun(spec, other, view_)) {
      continue;
    }
    if (kind == ChargeKind::kSpot) {
      if (access_.PurchasePrice(spec.tenant, other, Purchase::kSpot)) {
        alternatives.push_back({other, Purchase::kSpot});
      }
    } else if (const std::optional<Access>& access = access_.Of(spec.tenant, other);
               access && access->kind == kind) {
      alternatives.push_back({other, Purchase::kDefault});
    }
  }
  RankCandidates(job, alternatives, view_);
  for (size_t i = 0; i < alternatives.size() && i + 1 < static_cast<size_t>(parallel); ++i) {
    const RecoveryCandidate& c = alternatives[i];
    AddAttempt(job, c.pool, *access_.PurchasePrice(spec.tenant, c.pool, c.how), kind);
  }
}

void Launches::AddAttempt(JobId job, PoolId pool, Micros price, ChargeKind kind) {
  const Job& spec = jobs_.spec(job);
  book_.Occupy(pool, spec, +1, instant_.now);
  const uint32_t number = next_attempt_++ & 0xFFFFFF;
  attempts_[job.value()].push_back({pool, price, kind, instant_.now, number});
  ++jobs_.outcome(job).launch_attempts;
  ++figures_[fleet_.pool(pool).provider.index()].attempts;
  instant_.Emit(StartJob{job, pool, spec.accelerators, spec.work - jobs_.run(job).done,
                         *spec.RateOn(fleet_.pool(pool).type), restarts_.RestoreTime(job, pool),
                         kind == ChargeKind::kSpot});
  if (options_.timeout > 0) {
    instant_.Emit(SetTimer{instant_.now + options_.timeout,
                           TimerTag(kLaunchTimeout, (int64_t{job.value()} << 24) | number)});
  }
}

void Launches::EndAttempt(JobId job, const Attempt& attempt, bool failed, bool timed_out,
                          bool withdrawn) {
  const Job& spec = jobs_.spec(job);
  JobOutcome& outcome = jobs_.outcome(job);
  LaunchFigures& stats = figures_[fleet_.pool(attempt.pool).provider.index()];
  book_.Occupy(attempt.pool, spec, -1, instant_.now);
  instant_.Grew(attempt.pool);  // what the attempt held is free again (unless backed off)
  if (failed && !timed_out && !withdrawn) {
    // Reported failed: it never got its nodes, so its time was no use of the pool. (One that
    // timed out or was withdrawn may have held nodes while it provisioned: counted as use.)
    book_.NeverUsed(attempt.pool, spec.accelerators, instant_.now - attempt.launched);
  }
  if (failed) {
    learning_.CountLaunch(attempt.pool);
    learning_.CountLaunchFailure(attempt.pool);
    ++outcome.launch_failures;
    ++stats.failed;
    outcome.launch_timeouts += timed_out ? 1 : 0;
    stats.timed_out += timed_out ? 1 : 0;
    learning_.BackOff(attempt.pool);
    return;
  }
  // Cancelled after another attempt won: its accelerators were provisioned for the tenant.
  ++outcome.launches_cancelled;
  ++stats.cancelled;
  const Billed waste = billing_.ChargeAttempt(job, spec, attempt.pool, attempt.kind, attempt.price,
                                              attempt.launched, instant_.now);
  if (waste.accelerator_seconds == 0) return;
  outcome.cost = SaturatingAdd(outcome.cost, waste.amount);
  outcome.accelerator_seconds += waste.accelerator_seconds;
  outcome.launch_waste_cost = SaturatingAdd(outcome.launch_waste_cost, waste.amount);
  outcome.launch_waste_accelerator_seconds += waste.accelerator_seconds;
  stats.waste_accelerator_seconds += waste.accelerator_seconds;
  stats.waste_cost = SaturatingAdd(stats.waste_cost, waste.amount);
}

void Launches::CancelAll(JobId job) {
  auto it = attempts_.find(job.value());
  if (it == attempts_.end()) return;
  const absl::InlinedVector<Attempt, 2> all = std::move(it->second);
  attempts_.erase(it);
  for (const Attempt& a : all) {
    instant_.Emit(CancelStart{job, a.pool});
    EndAttempt(job, a, /*failed=*/false, /*timed_out=*/false, /*withdrawn=*/false);
  }
}

std::optional<Attempt> Launches::Confirm(JobId job, PoolId pool) {
  auto it = attempts_.find(job.value());
  if (it == attempts_.end()) return std::nullopt;  // cancelled: the driver undoes it
  const auto won = std::find_if(it->second.begin(), it->second.end(),
                                [&](const Attempt& a) { return a.pool == pool; });
  if (won == it->second.end()) return std::nullopt;
  const Attempt winner = *won;
  const absl::InlinedVector<Attempt, 2> all = std::move(it->second);
  attempts_.erase(it);
  for (const Attempt& a : all) {
    if (a.pool == winner.pool) continue;
    instant_.Emit(CancelStart{job, a.pool});
    EndAttempt(job, a, /*failed=*/false, /*timed_out=*/false, /*withdrawn=*/false);
  }
  const Duration wait = instant_.now - winner.launched;
  jobs_.outcome(job).launch_wait += wait;
  LaunchFigures& stats = figures_[fleet_.pool(winner.pool).provider.index()];
  ++stats.up;
  stats.wait_seconds += wait;
  return winner;
}

bool Launches::Fail(JobId job, PoolId pool, int64_t number, Failure how) {
  auto it = attempts_.find(job.value());
  if (it == attempts_.end()) return false;
  auto& attempts = it->second;
  const auto failed = std::find_if(attempts.begin(), attempts.end(), [&](const Attempt& a) {
    return number >= 0 ? a.number == number : (!pool.valid() || a.pool == pool);
  });
  if (failed == attempts.end()) return false;
  const Attempt attempt = *failed;
  attempts.erase(failed);
  const bool last = attempts.empty();
  if (last) attempts_.erase(it);
  if (how != Failure::kReported) instant_.Emit(CancelStart{job, attempt.pool});
  EndAttempt(job, attempt, /*failed=*/true, how == Failure::kTimedOut, how == Failure::kWithdrawn);
  return last;
}

JobId Launches::WithdrawNewest(PoolId pool, bool& last) {
  JobId newest;
  const Attempt* best = nullptr;
  for (const auto& [job, attempts] : attempts_) {
    for (const Attempt& a : attempts) {
      if (a.pool != pool) continue;
      if (best == nullptr ||
          std::tie(a.launched, a.number) > std::tie(best->launched, best->number)) {
        best = &a;
        newest = JobId(job);
      }
    }
  }
  if (best == nullptr) return JobId();
  last = Fail(newest, pool, best->number, Failure::kWithdrawn);
  return newest;
}

}  // namespace arbiter
