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
  } else if (const auto* e = std::get_if<JobFailed>(&event)) {
    if (!running(e->job)) {
      return absl::FailedPreconditionError(
          StrCat("failure reported for job ", e->job.value(), ", which is not running"));
    }
  } else if (const auto* e = std::get_if<JobCancelled>(&event)) {
    if (!jobs_.Known(e->job)) return absl::InvalidArgumentError("cancel of an unknown job");
  } else if (const auto* e = std::get_if<CapacityChanged>(&event)) {
    if (!e->pool.valid() || e->pool.index() >= book_.pools() || e->nodes < 0) {
      return absl::InvalidArgumentError("capacity change for an unknown pool or negative nodes");
    }
  }
  return absl::OkStatus();
}

absl::Status Broker::Apply(Time now, Event event, std::vector<Command>& out) {
  if (decision_due_ && now > instant_.now) Decide(out);  // the earlier instant's decisions
  if (absl::Status s = Check(now, event); !s.ok()) return s;
  book_.Advance(now, jobs_.first_party_waiting());
  instant_.now = now;
  instant_.out = &out;
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
  } else if (const auto* e = std::get_if<JobCancelled>(&event)) {
    OnCancelled(*e);
  } else if (const auto* e = std::get_if<JobFailed>(&event)) {
    OnFailed(*e);
  } else if (const auto* e = std::get_if<CapacityChanged>(&event)) {
    OnCapacityChanged(*e);
  } else if (const auto* e = std::get_if<ProviderAnswered>(&event)) {
    desk_.OnAnswer(e->answer);
  } else if (const auto* e = std::get_if<TimerFired>(&event)) {
    OnTimer(*e);
  } else if (std::holds_alternative<CloseBilling>(event)) {
    OnCloseBilling();
  }
  decision_due_ = true;
  instant_.out = nullptr;
  return absl::OkStatus();
}

void Broker::Decide(std::vector<Command>& out) {
  if (!decision_due_) return;
  decision_due_ = false;
  instant_.out = &out;
  // Runs moved out of ended commitments must fit their parent pools once every capacity change
  // of the instant is in.
  std::vector<PoolId> moved;
  moved.swap(moved_);
  for (PoolId pool : moved) {
    FitPool(pool, "no room left in the pool after the commitment the run used ended",
            /*announced=*/false);
  }
  Pass();
  // A policy that wants a pass at a later time gets a timer (an earlier one set before still
  // fires; its pass is harmless).
  const Time now = instant_.now;
  if (const Time wake = policy_->NextWakeup();
      wake != kNever && wake > now && (wakeup_ <= now || wake < wakeup_)) {
    out.push_back(SetTimer{wake, TimerTag(kWakeup, 0)});
    wakeup_ = wake;
  }
  instant_.grown.clear();
  instant_.out = nullptr;
}

absl::Status Broker::Handle(Time now, Event event, std::vector<Command>& out) {
  if (absl::Status s = Apply(now, std::move(event), out); !s.ok()) return s;
  Decide(out);
  return absl::OkStatus();
}

void Broker::Pass() {
  // Capacity that grew goes first to awarded deals waiting for it, then to the policy's pass;
  // then the pass's placements on market pools become capacity requests. Preemptions and
  // released holds free capacity again, so rounds repeat until nothing more was freed (bounded,
  // so that a policy that preempts in a cycle cannot hang the core).
  std::vector<PoolId> grown;
  for (int round = 0; round < 16 && (round == 0 || !instant_.grown.empty()); ++round) {
    grown.swap(instant_.grown);
    instant_.grown.clear();
    // In pool order, once each: the pass must not depend on the order of the instant's events.
    std::sort(grown.begin(), grown.end());
    grown.erase(std::unique(grown.begin(), grown.end()), grown.end());
    for (PoolId pool : grown) desk_.DeliverAwaiting(pool);
    // Killed jobs go first to the pools their recovery policy allows.
    const bool joined = restarts_.TakeJoined();
    if (!restarts_.recovering().empty() && (joined || !grown.empty())) Recover();
    policy_->Schedule(*this, grown, *this);
    desk_.OpenRequests(policy_->preference());
  }
}

void Broker::OnCapacityChanged(const CapacityChanged& event) {
  if (book_.SetNodes(event.pool, event.nodes, instant_.now)) instant_.Grew(event.pool);
  if (fleet_.pool(event.pool).holding && book_.used(event.pool) > book_.capacity(event.pool)) {
    EndHoldingTerm(event.pool);
  }
}

namespace {
// Runs of `pool`, newest first (later start, then the higher job id).
std::vector<JobId> NewestFirst(std::span<const JobId> running, const JobTable& jobs) {
  std::vector<JobId> order(running.begin(), running.end());
  std::sort(order.begin(), order.end(), [&jobs](JobId a, JobId b) {
    const Time sa = jobs.run(a).start;
    const Time sb = jobs.run(b).start;
    return sa != sb ? sa > sb : a > b;
  });
  return order;
}
}  // namespace

void Broker::EndHoldingTerm(PoolId pool) {
  const ContractKind kind = fleet_.contracts[fleet_.pool(pool).holding->index()].kind();
  // The end of a term is known ahead: runs that stop checkpoint in time if they checkpoint at all.
  FitPool(pool,
          kind == ContractKind::kCommitment
              ? "the commitment ended and its tenant cannot buy the pool's capacity on demand"
              : "the reservation ended: the provider took its capacity back",
          /*announced=*/true);
}

void Broker::FitPool(PoolId pool, std::string_view reason, bool announced) {
  while (book_.used(pool) > book_.capacity(pool)) {
    bool last = false;
    const JobId job = launches_.WithdrawNewest(pool, last);
    if (!job.valid()) break;
    if (last) LaunchFailed(job);
  }
  if (book_.used(pool) <= book_.capacity(pool)) return;
  const Pool& p = fleet_.pool(pool);
  const bool commitment =
      p.holding && fleet_.contracts[p.holding->index()].kind() == ContractKind::kCommitment;
  for (JobId job : NewestFirst(book_.running_on(pool), jobs_)) {
    if (book_.used(pool) <= book_.capacity(pool)) break;
    if (commitment) {
      const std::optional<Access>& access = access_.Of(jobs_.spec(job).tenant, *p.parent);
      if (access && access->kind != ChargeKind::kSpot) {
        MoveRun(job, *p.parent);
        continue;
      }
    }
    instant_.Emit(StopJob{job, std::string(reason)});
    Interrupt(job, /*killed=*/true, announced);
  }
}

void Broker::MoveRun(JobId job, PoolId to) {
  JobOutcome& outcome = jobs_.outcome(job);
  const Job& spec = jobs_.spec(job);
  const PoolId from = outcome.pool;
  ChargeRun(job);  // up to now under the holding
  book_.Occupy(from, spec, -1, instant_.now);
  book_.RemoveRunning(from, job);
  book_.Occupy(to, spec, +1, instant_.now);
  book_.AddRunning(to, job);
  outcome.pool = to;
  const Access& access = *access_.Of(spec.tenant, to);
  billing_.Open(job, instant_.now, access.price_per_accel_hour, access.kind);
  policy_->OnReleased(job);
  policy_->OnStartedElsewhere(job, to, *this);
  instant_.Emit(RunMoved{job, to});
  if (std::find(moved_.begin(), moved_.end(), to) == moved_.end()) moved_.push_back(to);
}

void Broker::OnSubmitted(JobSubmitted& event) {
  const JobId id = jobs_.Add(std::move(event.spec));
  book_.AddJob();
  billing_.AddJob();
  desk_.AddJob();
  restarts_.AddJob();
  NoPool no = WhyNeverRunsOf(jobs_.spec(id));
  if (!no.sentence.empty()) {
    std::string reason = std::move(no.sentence);
    jobs_.Reject(id, no.reason, reason);
    instant_.Emit(RejectJob{id, std::move(reason)});
    return;
  }
  jobs_.Admit(id);
  policy_->OnPending(id, *this);
}

NoPool Broker::WhyNeverRunsOf(const Job& job) const {
  if (absl::Status s = ValidateJob(job, fleet_); !s.ok()) {
    return {RejectReason::kInvalid, std::string(s.message())};
  }
  if (!AnyEligiblePool(job, *this)) return WhyNoPoolOf(job, *this);
  return {RejectReason::kNone, ""};
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
  book_.Occupy(pool, spec, +1, instant_.now);
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
  outcome.cost = SaturatingAdd(outcome.cost, billed.amount);
  outcome.accelerator_seconds += billed.accelerator_seconds;
}

void Broker::EndRun(JobId job) {
  ChargeRun(job);
  const PoolId pool = jobs_.outcome(job).pool;
  book_.Occupy(pool, jobs_.spec(job), -1, instant_.now);
  instant_.Grew(pool);
  book_.RemoveRunning(pool, job);
  policy_->OnReleased(job);  // the policy's own run, or one it was told of (OnStartedElsewhere)
}

void Broker::CountUseful(JobId job, int64_t run_useful) {
  const int64_t delta = jobs_.CountUseful(job, run_useful);
  restarts_.CountUseful(fleet_.pool(jobs_.outcome(job).pool).provider, delta);
}

void Broker::Interrupt(JobId job, bool killed, bool announced) {
  const PoolId pool = jobs_.outcome(job).pool;
  const Interruption cut = jobs_.Interrupted(job, instant_.now, killed, announced);
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

void Broker::OnCancelled(const JobCancelled& event) {
  const JobId job = event.job;
  switch (jobs_.state(job)) {
    case JobState::kFinished:
    case JobState::kRejected:
    case JobState::kCancelled:
    case JobState::kFailed:
      return;  // already ended
    case JobState::kRunning: {
      instant_.Emit(StopJob{job, StrCat("cancelled by ", event.by)});
      // Its progress so far counts as useful (the user chose to stop it), and it is charged.
      const JobRun& run = jobs_.run(job);
      CountUseful(job, static_cast<int64_t>(jobs_.spec(job).accelerators) *
                           std::max<Duration>(0, instant_.now - run.start - run.setup));
      EndRun(job);
      break;
    }
    case JobState::kStarting:
      launches_.CancelAll(job);
      if (!restarts_.pinned(job)) policy_->OnReleased(job);
      break;
    case JobState::kPending:
      // In the market: its hold or award goes; waiting in a queue (the policy's, the recovery
      // list, a retry timer): it is simply not pending any more.
      if (desk_.Withdraw(job) && !restarts_.pinned(job)) policy_->OnReleased(job);
      break;
  }
  restarts_.Unpin(job);
  policy_->OnRemoved(job);
  jobs_.SetState(job, JobState::kCancelled);
  JobOutcome& outcome = jobs_.outcome(job);
  outcome.end = instant_.now;
  outcome.reason = StrCat("cancelled by ", event.by);
}

void Broker::OnFailed(const JobFailed& event) {
  const JobId job = event.job;
  const PoolId pool = jobs_.outcome(job).pool;
  const Interruption cut = jobs_.Interrupted(job, instant_.now, /*killed=*/true);
  EndRun(job);
  restarts_.Failed(job, pool, cut, billing_.price(job));
  JobOutcome& outcome = jobs_.outcome(job);
  outcome.exit_code = event.exit_code;
  if (outcome.failures > jobs_.spec(job).max_restarts) {
    // Not retried forever: the job ends with its last run's exit code.
    policy_->OnRemoved(job);
    jobs_.SetState(job, JobState::kFailed);
    outcome.end = instant_.now;
    outcome.reason =
        event.reason.empty() ? StrCat("exited with status ", event.exit_code) : event.reason;
    return;
  }
  // Restarted from its last checkpoint, wherever the scheduling policy places it.
  jobs_.SetState(job, JobState::kPending);
  policy_->OnPending(job, *this);
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
    if (launches_.Fail(job, event.pool, /*number=*/-1, Launches::Failure::kReported)) {
      LaunchFailed(job);
    }
    return;
  }
  JobOutcome& outcome = jobs_.outcome(job);
  const PoolId pool = outcome.pool;
  book_.Occupy(pool, jobs_.spec(job), -1, instant_.now);
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
