#include "core/broker.h"

#include <algorithm>
#include <utility>

#include "model/strings.h"
#include "sched/eligibility.h"

namespace arbiter {

Broker::Broker(const Fleet& fleet, std::unique_ptr<Policy> policy, BrokerOptions options,
               std::unique_ptr<RecoveryPolicy> recovery)
    : fleet_(fleet),
      policy_(std::move(policy)),
      options_(std::move(options)),
      access_(fleet),
      jobs_(fleet),
      book_(fleet),
      billing_(fleet),
      learning_(fleet, options_.recovery, instant_),
      restarts_(fleet, options_, std::move(recovery), jobs_, billing_),
      launches_(fleet, options_.launch, instant_, jobs_, book_, billing_, learning_, restarts_,
                access_, static_cast<const ClusterView&>(*this)),
      desk_(fleet, options_, instant_, jobs_, book_, access_, learning_, restarts_,
            static_cast<const ClusterView&>(*this), static_cast<MarketDesk::Host&>(*this)) {}

void Broker::ReserveJobs(size_t jobs) {
  jobs_.Reserve(jobs);
  book_.Reserve(jobs);
  billing_.Reserve(jobs);
  desk_.Reserve(jobs);
  restarts_.Reserve(jobs);
}

ProviderRecovery Broker::provider_recovery(ProviderId provider) const {
  ProviderRecovery figures = restarts_.figures(provider);
  figures.launch = launches_.figures(provider);
  return figures;
}

int64_t Broker::FreeAccelerators(PoolId pool) const {
  const int64_t free = book_.Room(pool);
  // A pool in back-off shows no room, so no policy starts anything there until it ends.
  if (learning_.BackedOff(pool, instant_.now)) return std::min<int64_t>(free, 0);
  return free;
}

absl::Status Broker::Check(Time now, const Event& event) const {
  if (now < instant_.now) {
    return absl::InvalidArgumentError(
        StrCat("event at t=", now, " is earlier than the core's time t=", instant_.now));
  }
  const auto running = [this](JobId job) {
    return jobs_.Known(job) && jobs_.state(job) == JobState::kRunning;
  };
  if (const auto* e = std::get_if<JobSubmitted>(&event)) {
    if (e->job.value() != static_cast<int64_t>(jobs_.size())) {
      return absl::InvalidArgumentError(
          StrCat("job ids must be dense: expected ", jobs_.size(), ", got ", e->job.value()));
    }
  } else if (const auto* e = std::get_if<JobFinished>(&event)) {
    if (!running(e->job)) {
      return absl::FailedPreconditionError(
          StrCat("finish reported for job ", e->job.value(), ", which is not running"));
    }
  } else if (const auto* e = std::get_if<JobStarted>(&event)) {
    if (!options_.launch.confirm) {
      return absl::FailedPreconditionError(
          StrCat("start confirmed for job ", e->job.value(), ", but launches are not confirmed"));
    }
    if (!jobs_.Known(e->job)) {
      return absl::InvalidArgumentError("start confirmed for an unknown job");
    }
  } else if (const auto* e = std::get_if<JobStartFailed>(&event); e && options_.launch.confirm) {
    if (!jobs_.Known(e->job)) return absl::InvalidArgumentError("failed start for an unknown job");
  } else if (const auto* e = std::get_if<JobStartFailed>(&event)) {
    if (!running(e->job)) {
      return absl::FailedPreconditionError(
          StrCat("failed start reported for job ", e->job.value(), ", which is not starting"));
    }
  } else if (const auto* e = std::get_if<JobKilled>(&event)) {
    if (!running(e->job)) {
      return absl::FailedPreconditionError(
          StrCat("kill reported for job ", e->job.value(), ", which is not running"));
    }
  } else if (const auto* e = std::get_if<CapacityChanged>(&event)) {
    if (!e->pool.valid() || e->pool.index() >= book_.pools() || e->nodes < 0) {
      return absl::InvalidArgumentError("capacity change for an unknown pool or negative nodes");
    }
  }
  return absl::OkStatus();
}

absl::Status Broker::Handle(Time now, Event event, std::vector<Command>& out) {
  if (absl::Status s = Check(now, event); !s.ok()) return s;
  book_.Advance(now, jobs_.first_party_waiting());
  instant_.now = now;
  instant_.out = &out;
  instant_.grown.clear();
  learning_.OfferEnded(now, instant_.grown);
  if (auto* e = std::get_if<JobSubmitted>(&event)) {
    OnSubmitted(*e);
  } else if (const auto* e = std::get_if<JobFinished>(&event)) {
    OnFinished(*e);
  } else if (const auto* e = std::get_if<JobStartFailed>(&event)) {
    OnStartFailed(*e);
  } else if (const auto* e = std::get_if<JobStarted>(&event)) {
    OnStarted(*e);
  } else if (const auto* e = std::get_if<JobKilled>(&event)) {
    OnKilled(*e);
  } else if (const auto* e = std::get_if<CapacityChanged>(&event)) {
    if (book_.SetNodes(e->pool, e->nodes, now)) instant_.Grew(e->pool);
  } else if (const auto* e = std::get_if<ProviderAnswered>(&event)) {
    desk_.OnAnswer(e->answer);
  } else if (const auto* e = std::get_if<TimerFired>(&event)) {
    OnTimer(*e);
  } else if (std::holds_alternative<CloseBilling>(event)) {
    OnCloseBilling();
  }
  Decide();
  // A policy that wants a pass at a later time gets a timer (an earlier one set before still
  // fires; its pass is harmless).
  if (const Time wake = policy_->NextWakeup();
      wake != kNever && wake > now && (wakeup_ <= now || wake < wakeup_)) {
    out.push_back(SetTimer{wake, TimerTag(kWakeup, 0)});
    wakeup_ = wake;
  }
  instant_.out = nullptr;
  return absl::OkStatus();
}

void Broker::Decide() {
  // Capacity that grew goes first to awarded deals waiting for it, then to the policy's pass;
  // then the pass's placements on market pools become capacity requests. Preemptions and
  // released holds free capacity again, so rounds repeat until nothing more was freed (bounded,
  // so that a policy that preempts in a cycle cannot hang the core).
  std::vector<PoolId> grown;
  for (int round = 0; round < 16 && (round == 0 || !instant_.grown.empty()); ++round) {
    grown.swap(instant_.grown);
    instant_.grown.clear();
    for (PoolId pool : grown) desk_.DeliverAwaiting(pool);
    // Killed jobs go first to the pools their recovery policy allows.
    const bool joined = restarts_.TakeJoined();
    if (!restarts_.recovering().empty() && (joined || !grown.empty())) Recover();
    policy_->Schedule(*this, grown, *this);
    desk_.OpenRequests(policy_->preference());
  }
}

void Broker::OnSubmitted(JobSubmitted& event) {
  const JobId id = jobs_.Add(std::move(event.spec));
  book_.AddJob();
  billing_.AddJob();
  desk_.AddJob();
  restarts_.AddJob();
  const Job& spec = jobs_.spec(id);
  std::string reason;
  if (absl::Status s = ValidateJob(spec, fleet_); !s.ok()) {
    reason = std::string(s.message());
  } else if (!AnyEligiblePool(spec, *this)) {
    reason = WhyNoPool(spec, *this);
  }
  if (!reason.empty()) {
    jobs_.Reject(id, reason);
    instant_.Emit(RejectJob{id, std::move(reason)});
    return;
  }
  jobs_.Admit(id);
  policy_->OnPending(id, *this);
}

bool Broker::Place(JobId job, PoolId pool) {
  if (!jobs_.Known(job) || !pool.valid() || pool.index() >= book_.pools()) return false;
  const Job& spec = jobs_.spec(job);
  if (jobs_.state(job) != JobState::kPending || !desk_.Idle(job) ||
      FreeAccelerators(pool) < spec.accelerators || !CanEverRun(spec, pool, *this)) {
    return false;
  }
  const Access& access = *access_.Of(spec.tenant, pool);
  if (!access.market) {
    StartRun(job, pool, access.price_per_accel_hour, access.kind);
    return true;
  }
  desk_.Request(job, pool);
  return true;
}

bool Broker::PlaceAs(JobId job, PoolId pool, Purchase how) {
  if (!jobs_.Known(job) || !pool.valid() || pool.index() >= book_.pools() ||
      !PurchasePrice(jobs_.spec(job).tenant, pool, how)) {
    return false;
  }
  if (how != Purchase::kSpot) return Place(job, pool);
  // Spot is always bought through the market (SpotPriceFromContracts): the request asks for it.
  if (!Place(job, pool)) return false;
  desk_.BuySpot(job);
  return true;
}

bool Broker::Preempt(JobId job, std::string_view reason) {
  if (!jobs_.Known(job) || jobs_.state(job) != JobState::kRunning) return false;
  instant_.Emit(StopJob{job, std::string(reason)});
  Interrupt(job);
  return true;
}

void Broker::LetGo(JobId job) {
  if (!restarts_.pinned(job)) policy_->OnReleased(job);
}

void Broker::StartRun(JobId job, PoolId pool, Micros price, ChargeKind kind) {
  if (options_.launch.confirm) {
    launches_.Launch(job, pool, price, kind);
    return;
  }
  const Job& spec = jobs_.spec(job);
  book_.Occupy(pool, spec, +1);
  const Duration setup = BeginRun(job, pool, price, kind, instant_.now);
  launches_.CountImmediate(job, pool);
  const JobRun& run = jobs_.run(job);
  instant_.Emit(StartJob{job, pool, spec.accelerators, spec.work - run.done, run.rate, setup,
                         kind == ChargeKind::kSpot});
}

Duration Broker::BeginRun(JobId job, PoolId pool, Micros price, ChargeKind kind, Time launched) {
  JobOutcome& outcome = jobs_.outcome(job);
  const Job& spec = jobs_.spec(job);
  jobs_.SetState(job, JobState::kRunning);
  outcome.pool = pool;
  if (outcome.first_start == kNever) outcome.first_start = launched;
  if (outcome.starts > 0) restarts_.CountRestart(fleet_.pool(pool).provider, +1);
  ++outcome.starts;
  JobRun& run = jobs_.run(job);
  run.start = launched;
  run.useful_counted = 0;
  const Duration restore = restarts_.RestoreTime(job, pool);  // before Migrate moves the checkpoint
  restarts_.Migrate(job, pool, instant_.now);
  run.setup = (instant_.now - launched) + restore;
  run.rate = *spec.RateOn(fleet_.pool(pool).type);
  learning_.CountLaunch(pool);
  billing_.Open(job, launched, price, kind);
  book_.AddRunning(pool, job);
  // A run the recovery policy placed counts in the scheduling policy's books too (quotas).
  if (restarts_.pinned(job)) policy_->OnStartedElsewhere(job, pool, *this);
  return restore;
}

void Broker::LaunchFailed(JobId job) {
  if (!restarts_.pinned(job)) policy_->OnReleased(job);
  // As a failed start without confirmation: wait out the retry delay before queueing again.
  jobs_.SetState(job, JobState::kPending);
  instant_.Emit(
      SetTimer{instant_.now + options_.start_retry_delay, TimerTag(kRetryStart, job.value())});
}

void Broker::OnStarted(const JobStarted& event) {
  const std::optional<Attempt> winner = launches_.Confirm(event.job, event.pool);
  if (!winner) return;  // cancelled: the driver undoes it (CancelStart)
  BeginRun(event.job, winner->pool, winner->price, winner->kind, winner->launched);
}

void Broker::ChargeRun(JobId job) {
  JobOutcome& outcome = jobs_.outcome(job);
  const Billed billed = billing_.ChargeRun(job, jobs_.spec(job), outcome.pool, instant_.now);
  outcome.cost += billed.amount;
  outcome.accelerator_seconds += billed.accelerator_seconds;
}

void Broker::EndRun(JobId job) {
  ChargeRun(job);
  const PoolId pool = jobs_.outcome(job).pool;
  book_.Occupy(pool, jobs_.spec(job), -1);
  instant_.Grew(pool);
  book_.RemoveRunning(pool, job);
  policy_->OnReleased(job);  // the policy's own run, or one it was told of (OnStartedElsewhere)
}

void Broker::CountUseful(JobId job, int64_t run_useful) {
  const int64_t delta = jobs_.CountUseful(job, run_useful);
  restarts_.CountUseful(fleet_.pool(jobs_.outcome(job).pool).provider, delta);
}

void Broker::Interrupt(JobId job, bool killed) {
  const PoolId pool = jobs_.outcome(job).pool;
  const Interruption cut = jobs_.Interrupted(job, instant_.now);
  EndRun(job);
  restarts_.Interrupted(job, pool, cut, billing_.price(job));
  jobs_.SetState(job, JobState::kPending);
  if (killed && restarts_.Recovering(job, pool, billing_.kind(job) == ChargeKind::kSpot, *this)) {
    return;  // waits for the recovery policy's pools
  }
  policy_->OnPending(job, *this);
}

void Broker::Requeue(JobId job, bool failed) {
  if (!restarts_.Requeue(job, failed)) policy_->OnPending(job, *this);
}

void Broker::Recover() {
  for (JobId job : restarts_.TakeRecovering()) {
    if (jobs_.state(job) != JobState::kPending || !desk_.Idle(job)) {
      continue;  // no longer waiting here
    }
    const RecoveryPlan plan = restarts_.Plan(job, *this);
    if (plan.to_policy) {
      restarts_.Unpin(job);
      policy_->OnPending(job, *this);
      continue;
    }
    bool placed = false;
    for (const RecoveryCandidate& c : plan.candidates) {
      if (FreeAccelerators(c.pool) < jobs_.spec(job).accelerators) continue;
      if (PlaceAs(job, c.pool, c.how)) {
        placed = true;
        break;
      }
    }
    if (!placed) restarts_.Wait(job);
  }
}

void Broker::OnKilled(const JobKilled& event) {
  const PoolId pool = jobs_.outcome(event.job).pool;
  if (event.by_provider) {
    AuditRecord record;
    record.time = instant_.now;
    record.kind = AuditKind::kPreempt;
    record.tenant = jobs_.spec(event.job).tenant;
    record.pool = pool;
    record.provider = fleet_.pool(pool).provider;
    record.accelerators = jobs_.spec(event.job).accelerators;
    record.job = event.job;
    desk_.Record(record);
  }
  learning_.CountKill(pool);
  if (event.capacity_lost) learning_.BackOff(pool);
  Interrupt(event.job, /*killed=*/true);
}

void Broker::OnFinished(const JobFinished& event) {
  const JobId job = event.job;
  {
    const JobRun& run = jobs_.run(job);
    CountUseful(job, static_cast<int64_t>(jobs_.spec(job).accelerators) *
                         std::max<Duration>(0, instant_.now - run.start - run.setup));
    // A run held: the pool's back-off starts over.
    learning_.Held(jobs_.outcome(job).pool);
  }
  EndRun(job);
  restarts_.Unpin(job);
  jobs_.run(job).done = jobs_.spec(job).work;
  jobs_.SetState(job, JobState::kFinished);
  jobs_.outcome(job).end = instant_.now;
}

void Broker::OnStartFailed(const JobStartFailed& event) {
  const JobId job = event.job;
  if (options_.launch.confirm) {
    if (launches_.Fail(job, event.pool, /*number=*/-1, /*timed_out=*/false)) LaunchFailed(job);
    return;
  }
  JobOutcome& outcome = jobs_.outcome(job);
  const PoolId pool = outcome.pool;
  book_.Occupy(pool, jobs_.spec(job), -1);
  book_.RemoveRunning(pool, job);
  instant_.Grew(pool);       // what the start took is free again (unless backed off)
  policy_->OnReleased(job);  // its run had begun (OnStartedElsewhere for the core's own)
  learning_.CountLaunchFailure(pool);
  learning_.BackOff(pool);
  if (outcome.starts > 1) restarts_.CountRestart(fleet_.pool(pool).provider, -1);
  launches_.CountImmediateFailure(job, pool);
  --outcome.starts;
  if (outcome.starts == 0) outcome.first_start = kNever;
  // The job waits out the retry delay before it is queued again, so that a pool whose room was
  // not real is not asked again at once.
  jobs_.SetState(job, JobState::kPending);
  instant_.Emit(
      SetTimer{instant_.now + options_.start_retry_delay, TimerTag(kRetryStart, job.value())});
}

void Broker::OnTimer(const TimerFired& event) {
  const TimerKind kind = TimerKindOf(event.tag);
  const int64_t subject = TimerSubject(event.tag);
  if (kind == kWakeup) return;   // the pass after every event is what the policy asked for
  if (kind == kBackoff) return;  // Handle offered the pool as grown (Learning::OfferEnded)
  if (kind == kExchange) {
    desk_.OnExchangeTimer(subject);
    return;
  }
  if (kind == kLaunchTimeout) {
    if (launches_.OnTimeout(subject)) LaunchFailed(JobId(static_cast<int32_t>(subject >> 24)));
    return;
  }
  const JobId job(static_cast<int32_t>(subject));
  if (!jobs_.Known(job) || jobs_.state(job) != JobState::kPending) return;
  if (kind == kRetryStart && desk_.Idle(job)) {
    Requeue(job, /*failed=*/true);
  } else if (kind == kDeliver && desk_.Awarded(job)) {
    desk_.OnDeliverTimer(job);
  } else if (kind == kRelease && desk_.Release(job)) {
    if (!restarts_.pinned(job)) policy_->OnReleased(job);
    Requeue(job, /*failed=*/true);
  }
}

void Broker::OnCloseBilling() {
  for (size_t p = 0; p < book_.pools(); ++p) {
    for (JobId job : book_.running_on(PoolId::FromIndex(p))) {
      ChargeRun(job);
      // Progress so far counts as useful; a later kill takes back what it loses.
      const JobRun& run = jobs_.run(job);
      CountUseful(job, static_cast<int64_t>(jobs_.spec(job).accelerators) *
                           std::max<Duration>(0, instant_.now - run.start - run.setup));
    }
  }
  billing_.BillHoldings(instant_.now);
}

}  // namespace arbiter
