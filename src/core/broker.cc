#include "core/broker.h"

#include <algorithm>
#include <functional>
#include <utility>

#include "model/strings.h"
#include "sched/eligibility.h"

namespace arbiter {

Micros Discounted(Micros price, Ppm discount) {
  const Int128 scaled = static_cast<Int128>(price) * (kPpmOne - discount);
  return static_cast<Micros>((scaled + kPpmOne / 2) / kPpmOne);
}

std::optional<Access> AccessFromContracts(const Fleet& fleet, TenantId tenant, PoolId pool_id) {
  const Pool& pool = fleet.pool(pool_id);
  const Tenant& t = fleet.tenant(tenant);
  if (pool.holding) {
    const Contract& c = fleet.contracts[pool.holding->index()];
    if (c.tenant != tenant) return std::nullopt;
    return Access{
        0, c.kind() == ContractKind::kReservation ? ChargeKind::kReserved : ChargeKind::kCommitted,
        false};
  }
  if (t.first_party_of == pool.provider) {
    return Access{pool.committed_price.value_or(pool.on_demand_price.value_or(0)),
                  ChargeKind::kInternal, false};
  }
  std::optional<Access> spot;
  for (const Contract& c : fleet.contracts) {
    if (c.tenant != tenant || c.provider != pool.provider) continue;
    if (const auto* od = std::get_if<OnDemandTerms>(&c.terms)) {
      if (pool.on_demand_price) {
        return Access{Discounted(*pool.on_demand_price, od->discount), ChargeKind::kOnDemand, true};
      }
    } else if (const auto* sp = std::get_if<SpotTerms>(&c.terms)) {
      if (pool.spot_price && !spot) {
        spot = Access{Discounted(*pool.spot_price, sp->discount), ChargeKind::kSpot, true};
      }
    }
  }
  return spot;
}

std::optional<Micros> SpotPriceFromContracts(const Fleet& fleet, TenantId tenant, PoolId pool_id) {
  const Pool& pool = fleet.pool(pool_id);
  if (pool.holding || !pool.spot_price || fleet.tenant(tenant).first_party_of == pool.provider) {
    return std::nullopt;
  }
  for (const Contract& c : fleet.contracts) {
    if (c.tenant != tenant || c.provider != pool.provider) continue;
    if (const auto* sp = std::get_if<SpotTerms>(&c.terms)) {
      return Discounted(*pool.spot_price, sp->discount);
    }
  }
  return std::nullopt;
}

Broker::Broker(const Fleet& fleet, std::unique_ptr<Policy> policy, BrokerOptions options,
               std::unique_ptr<RecoveryPolicy> recovery)
    : fleet_(fleet),
      policy_(std::move(policy)),
      options_(std::move(options)),
      exchange_(fleet),
      recovery_(std::move(recovery)) {
  if (recovery_ && recovery_->name() == "any-pool") recovery_.reset();
  learning_.resize(fleet.pools.size());
  provider_recovery_.resize(fleet.providers.size());
  providers_.resize(fleet.providers.size());
  rofr_holder_.resize(fleet.tenants.size());
  rofr_terms_.resize(fleet.tenants.size());
  for (const Contract& c : fleet.contracts) {
    if (const auto* rofr = std::get_if<RofrTerms>(&c.terms)) {
      if (!rofr_holder_[c.tenant.index()]) {
        rofr_holder_[c.tenant.index()] = c.provider;
        rofr_terms_[c.tenant.index()] = *rofr;
      }
    }
  }
  for (size_t i = 0; i < fleet.pools.size(); ++i) {
    if (fleet.pools[i].holding) {
      holdings_.push_back({PoolId::FromIndex(i), *fleet.pools[i].holding, 0, false});
    }
  }
  pools_.resize(fleet.pools.size());
  for (size_t i = 0; i < fleet.pools.size(); ++i) pools_[i].capacity = fleet.pools[i].capacity();
  if (options_.launch.confirm && options_.launch.parallel > 1) {
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
  provider_market_.resize(fleet.providers.size());
  for (size_t p = 0; p < fleet.providers.size(); ++p) {
    provider_market_[p].provider = ProviderId::FromIndex(p);
  }
  tenant_market_.resize(fleet.tenants.size());
  for (size_t t = 0; t < fleet.tenants.size(); ++t) {
    tenant_market_[t].tenant = TenantId::FromIndex(t);
  }
  access_.resize(fleet.tenants.size() * fleet.pools.size());
  spot_price_.resize(access_.size());
  for (size_t t = 0; t < fleet.tenants.size(); ++t) {
    for (size_t p = 0; p < fleet.pools.size(); ++p) {
      access_[t * fleet.pools.size() + p] =
          AccessFromContracts(fleet, TenantId::FromIndex(t), PoolId::FromIndex(p));
      spot_price_[t * fleet.pools.size() + p] =
          SpotPriceFromContracts(fleet, TenantId::FromIndex(t), PoolId::FromIndex(p));
    }
  }
}

void Broker::ReserveJobs(size_t jobs) {
  specs_.reserve(jobs);
  outcomes_.reserve(jobs);
  running_.reserve(jobs);
  running_slot_.reserve(jobs);
  market_.reserve(jobs);
  recovery_state_.reserve(jobs);
}

int64_t Broker::FreeAccelerators(PoolId pool) const {
  const PoolState& p = pools_[pool.index()];
  const int64_t free = p.capacity - p.used - p.held - p.awaiting;
  // A pool in back-off shows no room, so no policy starts anything there until it ends.
  if (learning_[pool.index()].avoid_until > now_) return std::min<int64_t>(free, 0);
  return free;
}

Ppm Broker::HoldPpm(PoolId pool) const {
  if (!options_.recovery.learn) return kPpmOne;
  // Laplace's rule of succession over the runs started on the pool: (held + 1) / (started + 2).
  const PoolLearning& l = learning_[pool.index()];
  const int64_t held = std::max<int64_t>(0, l.launches - l.launch_failures - l.kills);
  return (held + 1) * kPpmOne / (l.launches + 2);
}

int64_t Broker::UsefulAcceleratorSeconds(JobId job) const {
  const JobOutcome& outcome = outcomes_[job.index()];
  int64_t useful = outcome.useful_accelerator_seconds;
  if (outcome.state == JobState::kRunning) {
    const Running& run = running_[job.index()];
    useful += static_cast<int64_t>(specs_[job.index()].accelerators) *
                  std::max<Duration>(0, now_ - run.start - run.setup) -
              run.useful_counted;
  }
  return useful;
}

void Broker::CountUseful(JobId job, int64_t run_useful) {
  Running& run = running_[job.index()];
  const int64_t delta = run_useful - run.useful_counted;
  run.useful_counted = run_useful;
  JobOutcome& outcome = outcomes_[job.index()];
  outcome.useful_accelerator_seconds += delta;
  provider_recovery_[fleet_.pool(outcome.pool).provider.index()].useful_accelerator_seconds +=
      delta;
}

Work Broker::Progressed(JobId job) const {
  const Running& run = running_[job.index()];
  const Duration working = now_ - run.start - run.setup;
  return WorkDone(working, run.rate, specs_[job.index()].work - run.done);
}

Work Broker::Checkpointed(JobId job) const {
  const Running& run = running_[job.index()];
  const Duration interval = specs_[job.index()].checkpoint_interval;
  if (interval <= 0) return 0;
  const Duration working = now_ - run.start - run.setup;
  if (working <= 0) return 0;
  return WorkDone(working / interval * interval, run.rate, specs_[job.index()].work - run.done);
}

Work Broker::RemainingWork(JobId job) const {
  Work remaining = specs_[job.index()].work - running_[job.index()].done;
  if (outcomes_[job.index()].state == JobState::kRunning) remaining -= Progressed(job);
  return remaining;
}

Work Broker::WorkAtRisk(JobId job) const {
  if (outcomes_[job.index()].state != JobState::kRunning) return 0;
  return Progressed(job) - Checkpointed(job);
}

std::optional<Micros> Broker::PriceFor(TenantId tenant, PoolId pool) const {
  const std::optional<Access>& access = AccessOf(tenant, pool);
  if (!access) return std::nullopt;
  return access->price_per_accel_hour;
}

std::optional<Micros> Broker::PurchasePrice(TenantId tenant, PoolId pool, Purchase how) const {
  switch (how) {
    case Purchase::kDefault:
      return PriceFor(tenant, pool);
    case Purchase::kSpot:
      return spot_price_[tenant.index() * fleet_.pools.size() + pool.index()];
    case Purchase::kOnDemand: {
      const std::optional<Access>& access = AccessOf(tenant, pool);
      if (!access || access->kind == ChargeKind::kSpot) return std::nullopt;
      return access->price_per_accel_hour;
    }
  }
  return std::nullopt;
}

int64_t Broker::CapacityIntegral(PoolId pool, Time until) const {
  const PoolState& p = pools_[pool.index()];
  return p.integral + p.capacity * (until - p.since);
}

absl::Status Broker::Check(Time now, const Event& event) const {
  if (now < now_) {
    return absl::InvalidArgumentError(
        StrCat("event at t=", now, " is earlier than the core's time t=", now_));
  }
  const auto known = [this](JobId job) { return job.valid() && job.index() < specs_.size(); };
  if (const auto* e = std::get_if<JobSubmitted>(&event)) {
    if (e->job.value() != static_cast<int64_t>(specs_.size())) {
      return absl::InvalidArgumentError(
          StrCat("job ids must be dense: expected ", specs_.size(), ", got ", e->job.value()));
    }
  } else if (const auto* e = std::get_if<JobFinished>(&event)) {
    if (!known(e->job) || outcomes_[e->job.index()].state != JobState::kRunning) {
      return absl::FailedPreconditionError(
          StrCat("finish reported for job ", e->job.value(), ", which is not running"));
    }
  } else if (const auto* e = std::get_if<JobStarted>(&event)) {
    if (!options_.launch.confirm) {
      return absl::FailedPreconditionError(
          StrCat("start confirmed for job ", e->job.value(), ", but launches are not confirmed"));
    }
    if (!known(e->job)) return absl::InvalidArgumentError("start confirmed for an unknown job");
  } else if (const auto* e = std::get_if<JobStartFailed>(&event); e && options_.launch.confirm) {
    if (!known(e->job)) return absl::InvalidArgumentError("failed start for an unknown job");
  } else if (const auto* e = std::get_if<JobStartFailed>(&event)) {
    if (!known(e->job) || outcomes_[e->job.index()].state != JobState::kRunning) {
      return absl::FailedPreconditionError(
          StrCat("failed start reported for job ", e->job.value(), ", which is not starting"));
    }
  } else if (const auto* e = std::get_if<JobKilled>(&event)) {
    if (!known(e->job) || outcomes_[e->job.index()].state != JobState::kRunning) {
      return absl::FailedPreconditionError(
          StrCat("kill reported for job ", e->job.value(), ", which is not running"));
    }
  } else if (const auto* e = std::get_if<CapacityChanged>(&event)) {
    if (!e->pool.valid() || e->pool.index() >= pools_.size() || e->nodes < 0) {
      return absl::InvalidArgumentError("capacity change for an unknown pool or negative nodes");
    }
  }
  return absl::OkStatus();
}

absl::Status Broker::Handle(Time now, Event event, std::vector<Command>& out) {
  if (absl::Status s = Check(now, event); !s.ok()) return s;
  Advance(now);
  now_ = now;
  out_ = &out;
  grown_.clear();
  while (!backoff_ends_.empty() && backoff_ends_.front().first <= now_) {
    std::pop_heap(backoff_ends_.begin(), backoff_ends_.end(), std::greater<>());
    const auto [end, pool] = backoff_ends_.back();
    backoff_ends_.pop_back();
    if (learning_[pool.index()].avoid_until == end) grown_.push_back(pool);
  }
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
    OnCapacityChanged(*e);
  } else if (const auto* e = std::get_if<ProviderAnswered>(&event)) {
    OnAnswer(*e);
  } else if (const auto* e = std::get_if<TimerFired>(&event)) {
    OnTimer(*e);
  } else if (std::holds_alternative<CloseBilling>(event)) {
    OnCloseBilling();
  }
  // Capacity that grew goes first to awarded deals waiting for it, then to the policy's pass;
  // then the pass's placements on market pools become capacity requests. Preemptions and
  // released holds free capacity again, so rounds repeat until nothing more was freed (bounded,
  // so that a policy that preempts in a cycle cannot hang the core).
  std::vector<PoolId> grown;
  for (int round = 0; round < 16 && (round == 0 || !grown_.empty()); ++round) {
    grown.swap(grown_);
    grown_.clear();
    for (PoolId pool : grown) DeliverAwaiting(pool);
    // Killed jobs go first to the pools their recovery policy allows.
    if (!recovering_.empty() && (recover_now_ || !grown.empty())) Recover();
    recover_now_ = false;
    policy_->Schedule(*this, grown, *this);
    OpenRequests();
  }
  // A policy that wants a pass at a later time gets a timer (an earlier one set before still
  // fires; its pass is harmless).
  if (const Time wake = policy_->NextWakeup();
      wake != kNever && wake > now_ && (wakeup_ <= now_ || wake < wakeup_)) {
    out.push_back(SetTimer{wake, TimerTag(kWakeup, 0)});
    wakeup_ = wake;
  }
  out_ = nullptr;
  return absl::OkStatus();
}

void Broker::OnSubmitted(JobSubmitted& event) {
  specs_.push_back(std::move(event.spec));
  outcomes_.emplace_back();
  running_.emplace_back();
  running_slot_.push_back(-1);
  market_.emplace_back();
  recovery_state_.emplace_back();
  const JobId id = event.job;
  const Job& spec = specs_.back();
  JobOutcome& outcome = outcomes_.back();
  std::string reason;
  if (absl::Status s = ValidateJob(spec, fleet_); !s.ok()) {
    reason = std::string(s.message());
  } else if (!AnyEligiblePool(spec, *this)) {
    reason = WhyNoPool(spec, *this);
  }
  if (!reason.empty()) {
    outcome.state = JobState::kRejected;  // never counted as pending (see SetState)
    outcome.reason = reason;
    out_->push_back(RejectJob{id, std::move(reason)});
    return;
  }
  CountPending(id, +1);  // a new outcome starts pending
  policy_->OnPending(id, *this);
}

void Broker::CountPending(JobId job, int sign) {
  const Job& spec = specs_[job.index()];
  pending_jobs_ += sign;
  pending_accelerators_ += sign * static_cast<int64_t>(spec.accelerators);
  if (const std::optional<ProviderId> own = fleet_.tenant(spec.tenant).first_party_of) {
    ProviderState& p = providers_[own->index()];
    p.first_party_waiting_jobs += sign;
    p.first_party_waiting_accelerators += sign * static_cast<int64_t>(spec.accelerators);
  }
}

void Broker::SetState(JobId job, JobState state) {
  JobOutcome& outcome = outcomes_[job.index()];
  if (outcome.state == JobState::kPending) CountPending(job, -1);
  if (state == JobState::kPending) CountPending(job, +1);
  outcome.state = state;
}

void Broker::Advance(Time now) {
  const Duration dt = now - advanced_;
  advanced_ = now;
  if (dt <= 0) return;
  for (ProviderState& p : providers_) {
    if (p.first_party_waiting_jobs == 0 || p.external_used == 0) continue;
    p.impact.displaced_accelerator_seconds +=
        std::min(p.external_used, p.first_party_waiting_accelerators) * dt;
    p.impact.delayed_job_seconds += p.first_party_waiting_jobs * dt;
  }
}

void Broker::Occupy(PoolId pool, JobId job, int sign) {
  PoolState& p = pools_[pool.index()];
  const int64_t accelerators = sign * static_cast<int64_t>(specs_[job.index()].accelerators);
  p.used += accelerators;
  const ProviderId provider = fleet_.pool(pool).provider;
  if (IsFirstParty(specs_[job.index()].tenant, provider)) {
    p.used_first_party += accelerators;
  } else {
    providers_[provider.index()].external_used += accelerators;
  }
}

bool Broker::Place(JobId job, PoolId pool) {
  if (!job.valid() || job.index() >= specs_.size() || !pool.valid() ||
      pool.index() >= pools_.size()) {
    return false;
  }
  const JobOutcome& outcome = outcomes_[job.index()];
  const Job& spec = specs_[job.index()];
  MarketState& market = market_[job.index()];
  if (outcome.state != JobState::kPending || market.phase != MarketPhase::kNone ||
      FreeAccelerators(pool) < spec.accelerators || !CanEverRun(spec, pool, *this)) {
    return false;
  }
  const Access& access = *AccessOf(spec.tenant, pool);
  market.buy_spot = false;
  if (!access.market) {
    StartRun(job, pool, access.price_per_accel_hour, access.kind);
    return true;
  }
  // New capacity: hold the pool tentatively and ask for it at the end of the pass.
  pools_[pool.index()].held += spec.accelerators;
  market.phase = MarketPhase::kRequesting;
  market.held_pool = pool;
  batch_.push_back(job);
  return true;
}

bool Broker::PlaceAs(JobId job, PoolId pool, Purchase how) {
  if (!job.valid() || job.index() >= specs_.size() || !pool.valid() ||
      pool.index() >= pools_.size() || !PurchasePrice(specs_[job.index()].tenant, pool, how)) {
    return false;
  }
  if (how != Purchase::kSpot) return Place(job, pool);
  // Spot is always bought through the market (SpotPriceFromContracts): the request asks for it.
  if (!Place(job, pool)) return false;
  market_[job.index()].buy_spot = true;
  return true;
}

void Broker::StartRun(JobId job, PoolId pool, Micros price, ChargeKind kind) {
  if (options_.launch.confirm) {
    Launch(job, pool, price, kind);
    return;
  }
  Occupy(pool, job, +1);
  const Duration setup = BeginRun(job, pool, price, kind, now_);
  ++outcomes_[job.index()].launch_attempts;
  ProviderRecovery& stats = provider_recovery_[fleet_.pool(pool).provider.index()];
  ++stats.launch.attempts;
  ++stats.launch.up;
  const Job& spec = specs_[job.index()];
  const Running& run = running_[job.index()];
  out_->push_back(StartJob{job, pool, spec.accelerators, spec.work - run.done, run.rate, setup,
                           kind == ChargeKind::kSpot});
}

Duration Broker::BeginRun(JobId job, PoolId pool, Micros price, ChargeKind kind, Time launched) {
  JobOutcome& outcome = outcomes_[job.index()];
  const Job& spec = specs_[job.index()];
  SetState(job, JobState::kRunning);
  outcome.pool = pool;
  if (outcome.first_start == kNever) outcome.first_start = launched;
  if (outcome.starts > 0) ++provider_recovery_[fleet_.pool(pool).provider.index()].restarts;
  ++outcome.starts;
  Running& run = running_[job.index()];
  run.start = launched;
  run.billed_until = launched;
  run.useful_counted = 0;
  const Duration restore = RestoreTime(job, pool);  // before Migrate moves the checkpoint
  Migrate(job, pool);
  run.setup = (now_ - launched) + restore;
  run.rate = *spec.RateOn(fleet_.pool(pool).type);
  ++learning_[pool.index()].launches;
  run.price = price;
  run.kind = kind;
  std::vector<JobId>& on_pool = pools_[pool.index()].running;
  running_slot_[job.index()] = static_cast<int32_t>(on_pool.size());
  on_pool.push_back(job);
  // A run the recovery policy placed counts in the scheduling policy's books too (quotas).
  if (recovery_state_[job.index()].core_placed) policy_->OnStartedElsewhere(job, pool, *this);
  return restore;
}

Duration Broker::TransferTime(JobId job, PoolId pool) const {
  const JobRecovery& r = recovery_state_[job.index()];
  const RecoveryOptions& o = options_.recovery;
  const int64_t bytes = specs_[job.index()].checkpoint_bytes;
  if (running_[job.index()].done <= 0 || !r.checkpoint_pool.valid() ||
      fleet_.pool(r.checkpoint_pool).provider == fleet_.pool(pool).provider || bytes <= 0 ||
      o.transfer_bytes_per_second <= 0) {
    return 0;
  }
  return (bytes + o.transfer_bytes_per_second - 1) / o.transfer_bytes_per_second;
}

Duration Broker::RestoreTime(JobId job, PoolId pool) const {
  return (outcomes_[job.index()].interruptions > 0 ? options_.restart_setup : 0) +
         TransferTime(job, pool);
}

void Broker::Launch(JobId job, PoolId pool, Micros price, ChargeKind kind) {
  SetState(job, JobState::kStarting);
  AddAttempt(job, pool, price, kind);
  const int32_t parallel = options_.launch.parallel;
  if (parallel <= 1) return;
  const Job& spec = specs_[job.index()];
  absl::InlinedVector<RecoveryCandidate, 8> alternatives;
  for (PoolId other : siblings_[pool.index()]) {
    if (FreeAccelerators(other) < spec.accelerators || !CanEverRun(spec, other, *this)) continue;
    if (kind == ChargeKind::kSpot) {
      if (PurchasePrice(spec.tenant, other, Purchase::kSpot)) {
        alternatives.push_back({other, Purchase::kSpot});
      }
    } else if (const std::optional<Access>& access = AccessOf(spec.tenant, other);
               access && access->kind == kind) {
      alternatives.push_back({other, Purchase::kDefault});
    }
  }
  RankCandidates(job, alternatives, *this);
  for (size_t i = 0; i < alternatives.size() && i + 1 < static_cast<size_t>(parallel); ++i) {
    const RecoveryCandidate& c = alternatives[i];
    AddAttempt(job, c.pool, *PurchasePrice(spec.tenant, c.pool, c.how), kind);
  }
}

void Broker::AddAttempt(JobId job, PoolId pool, Micros price, ChargeKind kind) {
  const Job& spec = specs_[job.index()];
  Occupy(pool, job, +1);
  const uint32_t number = next_attempt_++ & 0xFFFFFF;
  attempts_[job.value()].push_back({pool, price, kind, now_, number});
  ++outcomes_[job.index()].launch_attempts;
  ++provider_recovery_[fleet_.pool(pool).provider.index()].launch.attempts;
  out_->push_back(StartJob{job, pool, spec.accelerators, spec.work - running_[job.index()].done,
                           *spec.RateOn(fleet_.pool(pool).type), RestoreTime(job, pool),
                           kind == ChargeKind::kSpot});
  if (options_.launch.timeout > 0) {
    out_->push_back(SetTimer{now_ + options_.launch.timeout,
                             TimerTag(kLaunchTimeout, (int64_t{job.value()} << 24) | number)});
  }
}

void Broker::EndAttempt(JobId job, const Attempt& attempt, bool failed, bool timed_out) {
  const Job& spec = specs_[job.index()];
  JobOutcome& outcome = outcomes_[job.index()];
  const ProviderId provider = fleet_.pool(attempt.pool).provider;
  ProviderRecovery& stats = provider_recovery_[provider.index()];
  Occupy(attempt.pool, job, -1);
  grown_.push_back(attempt.pool);  // what the attempt held is free again (unless backed off)
  if (failed) {
    PoolLearning& l = learning_[attempt.pool.index()];
    ++l.launches;
    ++l.launch_failures;
    ++outcome.launch_failures;
    ++stats.launch.failed;
    outcome.launch_timeouts += timed_out ? 1 : 0;
    stats.launch.timed_out += timed_out ? 1 : 0;
    BackOff(attempt.pool);
    return;
  }
  // Cancelled after another attempt won: its accelerators were provisioned for the tenant.
  ++outcome.launches_cancelled;
  ++stats.launch.cancelled;
  const Duration held = now_ - attempt.launched;
  if (held <= 0) return;
  Charge charge;
  charge.start = attempt.launched;
  charge.end = now_;
  charge.job = job;
  charge.tenant = spec.tenant;
  charge.provider = provider;
  charge.pool = attempt.pool;
  charge.kind = attempt.kind;
  charge.accelerators = spec.accelerators;
  charge.price_per_accel_hour = attempt.price;
  charge.amount = ChargeFor(spec.accelerators, held, attempt.price);
  const Micros amount = ledger_.Record(charge);
  const int64_t seconds = static_cast<int64_t>(spec.accelerators) * held;
  outcome.cost += amount;
  outcome.accelerator_seconds += seconds;
  outcome.launch_waste_cost += amount;
  outcome.launch_waste_accelerator_seconds += seconds;
  stats.launch.waste_accelerator_seconds += seconds;
  stats.launch.waste_cost += amount;
}

void Broker::LaunchFailed(JobId job) {
  if (!recovery_state_[job.index()].core_placed) policy_->OnReleased(job);
  // As a failed start without confirmation: wait out the retry delay before queueing again.
  SetState(job, JobState::kPending);
  out_->push_back(SetTimer{now_ + options_.start_retry_delay, TimerTag(kRetryStart, job.value())});
}

void Broker::OnStarted(const JobStarted& event) {
  auto it = attempts_.find(event.job.value());
  if (it == attempts_.end()) return;  // cancelled: the driver undoes it (CancelStart)
  const auto won = std::find_if(it->second.begin(), it->second.end(),
                                [&](const Attempt& a) { return a.pool == event.pool; });
  if (won == it->second.end()) return;
  const Attempt winner = *won;
  const absl::InlinedVector<Attempt, 2> all = std::move(it->second);
  attempts_.erase(it);
  for (const Attempt& a : all) {
    if (a.pool == winner.pool) continue;
    out_->push_back(CancelStart{event.job, a.pool});
    EndAttempt(event.job, a, /*failed=*/false, /*timed_out=*/false);
  }
  BeginRun(event.job, winner.pool, winner.price, winner.kind, winner.launched);
  outcomes_[event.job.index()].launch_wait += now_ - winner.launched;
  ProviderRecovery& stats = provider_recovery_[fleet_.pool(winner.pool).provider.index()];
  ++stats.launch.up;
  stats.launch.wait_seconds += now_ - winner.launched;
}

// Ends attempt `number` (or, if `pool` is set, the attempt on `pool`) of a starting job as failed.
void Broker::FailAttempt(JobId job, PoolId pool, int64_t number, bool timed_out) {
  auto it = attempts_.find(job.value());
  if (it == attempts_.end()) return;
  auto& attempts = it->second;
  const auto failed = std::find_if(attempts.begin(), attempts.end(), [&](const Attempt& a) {
    return number >= 0 ? a.number == number : (!pool.valid() || a.pool == pool);
  });
  if (failed == attempts.end()) return;
  const Attempt attempt = *failed;
  attempts.erase(failed);
  const bool last = attempts.empty();
  if (last) attempts_.erase(it);
  if (timed_out) out_->push_back(CancelStart{job, attempt.pool});
  EndAttempt(job, attempt, /*failed=*/true, timed_out);
  if (last) LaunchFailed(job);
}

bool Broker::Preempt(JobId job, std::string_view reason) {
  if (!job.valid() || job.index() >= specs_.size() ||
      outcomes_[job.index()].state != JobState::kRunning) {
    return false;
  }
  out_->push_back(StopJob{job, std::string(reason)});
  Interrupt(job);
  return true;
}

void Broker::ChargeRun(JobId job) {
  JobOutcome& outcome = outcomes_[job.index()];
  const Job& spec = specs_[job.index()];
  Running& run = running_[job.index()];
  Charge charge;
  charge.start = run.billed_until;
  charge.end = now_;
  charge.job = job;
  charge.tenant = spec.tenant;
  charge.provider = fleet_.pool(outcome.pool).provider;
  charge.pool = outcome.pool;
  charge.kind = run.kind;
  charge.accelerators = spec.accelerators;
  charge.price_per_accel_hour = run.price;
  charge.amount = ChargeFor(spec.accelerators, now_ - run.billed_until, run.price);
  outcome.cost += ledger_.Record(charge);
  outcome.accelerator_seconds +=
      static_cast<int64_t>(spec.accelerators) * (now_ - run.billed_until);
  run.billed_until = now_;
}

void Broker::EndRun(JobId job) {
  ChargeRun(job);
  const JobOutcome& outcome = outcomes_[job.index()];
  Occupy(outcome.pool, job, -1);
  grown_.push_back(outcome.pool);
  RemoveRunning(job);
  policy_->OnReleased(job);  // the policy's own run, or one it was told of (OnStartedElsewhere)
}

void Broker::Migrate(JobId job, PoolId pool) {
  JobRecovery& r = recovery_state_[job.index()];
  const Job& spec = specs_[job.index()];
  if (running_[job.index()].done > 0 && r.checkpoint_pool.valid() &&
      fleet_.pool(r.checkpoint_pool).provider != fleet_.pool(pool).provider) {
    // The checkpoint leaves its provider: the tenant pays that provider's egress, and the run
    // waits for the transfer before it restores.
    const ProviderId from = fleet_.pool(r.checkpoint_pool).provider;
    JobOutcome& outcome = outcomes_[job.index()];
    ProviderRecovery& stats = provider_recovery_[from.index()];
    ++outcome.migrations;
    ++stats.migrations_out;
    const RecoveryOptions& o = options_.recovery;
    const Micros per_gb = from.index() < o.egress_per_gb.size() ? o.egress_per_gb[from.index()] : 0;
    const Int128 scaled = static_cast<Int128>(spec.checkpoint_bytes) * per_gb;
    const auto amount = static_cast<Micros>((scaled + 500'000'000) / 1'000'000'000);
    if (amount > 0) {
      Charge charge;
      charge.start = now_;
      charge.end = now_;
      charge.job = job;
      charge.tenant = spec.tenant;
      charge.provider = from;
      charge.pool = r.checkpoint_pool;
      charge.kind = ChargeKind::kEgress;
      charge.amount = amount;
      ledger_.Record(charge);
      outcome.cost += amount;
      outcome.egress_cost += amount;
      stats.egress_cost += amount;
    }
  }
  if (running_[job.index()].done > 0) r.checkpoint_pool = pool;
}

void Broker::Interrupt(JobId job, bool killed) {
  JobOutcome& outcome = outcomes_[job.index()];
  const Job& spec = specs_[job.index()];
  Running& run = running_[job.index()];
  const Work saved = Checkpointed(job);
  // Time paid for but lost: everything after the last checkpoint, including the setup.
  Duration kept = 0;
  if (spec.checkpoint_interval > 0 && now_ - run.start - run.setup > 0) {
    kept = (now_ - run.start - run.setup) / spec.checkpoint_interval * spec.checkpoint_interval;
  }
  const Duration lost = (now_ - run.start) - kept;
  EndRun(job);
  run.done += saved;
  JobRecovery& r = recovery_state_[job.index()];
  if (run.done > 0) r.checkpoint_pool = outcome.pool;
  const int64_t lost_seconds = static_cast<int64_t>(spec.accelerators) * lost;
  const Micros lost_cost = ChargeFor(spec.accelerators, lost, run.price);
  CountUseful(job, static_cast<int64_t>(spec.accelerators) * kept);
  ++outcome.interruptions;
  outcome.lost_accelerator_seconds += lost_seconds;
  outcome.lost_cost += lost_cost;
  ProviderRecovery& stats = provider_recovery_[fleet_.pool(outcome.pool).provider.index()];
  ++stats.interruptions;
  stats.lost_accelerator_seconds += lost_seconds;
  stats.lost_cost += lost_cost;
  SetState(job, JobState::kPending);
  r.core_placed = false;
  r.failed_attempts = 0;
  if (killed && recovery_) {
    r.killed = KilledRun{job, outcome.pool, fleet_.pool(outcome.pool).provider,
                         run.kind == ChargeKind::kSpot};
    if (!recovery_->Plan(r.killed, *this).to_policy) {
      r.core_placed = true;
      recovering_.push_back(job);
      recover_now_ = true;
      return;
    }
  }
  policy_->OnPending(job, *this);
}

void Broker::Requeue(JobId job, bool failed) {
  JobRecovery& r = recovery_state_[job.index()];
  if (r.core_placed && failed && ++r.failed_attempts >= kRecoveryAttempts) {
    r.core_placed = false;  // given up: the scheduling policy places it from now on
  }
  if (r.core_placed) {
    recovering_.push_back(job);
    recover_now_ = true;
  } else {
    policy_->OnPending(job, *this);
  }
}

void Broker::Recover() {
  std::vector<JobId> waiting;
  waiting.swap(recovering_);
  for (JobId job : waiting) {
    const JobRecovery& r = recovery_state_[job.index()];
    if (outcomes_[job.index()].state != JobState::kPending ||
        market_[job.index()].phase != MarketPhase::kNone) {
      continue;  // no longer waiting here
    }
    const RecoveryPlan plan = recovery_->Plan(r.killed, *this);
    if (plan.to_policy) {
      recovery_state_[job.index()].core_placed = false;
      policy_->OnPending(job, *this);
      continue;
    }
    bool placed = false;
    for (const RecoveryCandidate& c : plan.candidates) {
      if (FreeAccelerators(c.pool) < specs_[job.index()].accelerators) continue;
      if (PlaceAs(job, c.pool, c.how)) {
        placed = true;
        break;
      }
    }
    if (!placed) recovering_.push_back(job);
  }
}

void Broker::BackOff(PoolId pool) {
  const RecoveryOptions& o = options_.recovery;
  if (o.backoff <= 0) return;
  PoolLearning& l = learning_[pool.index()];
  ++l.streak;
  Duration wait = o.backoff;
  for (int32_t k = 1; k < l.streak && (o.max_backoff <= 0 || wait < o.max_backoff); ++k) {
    wait *= 2;
  }
  if (o.max_backoff > 0) wait = std::min(wait, o.max_backoff);
  l.avoid_until = std::max(l.avoid_until, now_ + wait);
  backoff_ends_.emplace_back(l.avoid_until, pool);
  std::push_heap(backoff_ends_.begin(), backoff_ends_.end(), std::greater<>());
  // A pass at the end, so that work waiting for the pool starts then.
  out_->push_back(SetTimer{l.avoid_until, TimerTag(kBackoff, pool.value())});
}

void Broker::RemoveRunning(JobId job) {
  std::vector<JobId>& on_pool = pools_[outcomes_[job.index()].pool.index()].running;
  const int32_t slot = running_slot_[job.index()];
  const JobId last = on_pool.back();
  on_pool[slot] = last;
  running_slot_[last.index()] = slot;
  on_pool.pop_back();
  running_slot_[job.index()] = -1;
}

void Broker::OnKilled(const JobKilled& event) {
  if (event.by_provider) {
    AuditRecord record;
    record.time = now_;
    record.kind = AuditKind::kPreempt;
    record.tenant = specs_[event.job.index()].tenant;
    record.pool = outcomes_[event.job.index()].pool;
    record.provider = fleet_.pool(record.pool).provider;
    record.accelerators = specs_[event.job.index()].accelerators;
    record.job = event.job;
    Record(record);
  }
  const PoolId pool = outcomes_[event.job.index()].pool;
  ++learning_[pool.index()].kills;
  if (event.capacity_lost) BackOff(pool);
  Interrupt(event.job, /*killed=*/true);
}

void Broker::OnFinished(const JobFinished& event) {
  {
    const Running& run = running_[event.job.index()];
    CountUseful(event.job, static_cast<int64_t>(specs_[event.job.index()].accelerators) *
                               std::max<Duration>(0, now_ - run.start - run.setup));
    // A run held: the pool's back-off starts over.
    learning_[outcomes_[event.job.index()].pool.index()].streak = 0;
  }
  EndRun(event.job);
  recovery_state_[event.job.index()].core_placed = false;
  JobOutcome& outcome = outcomes_[event.job.index()];
  running_[event.job.index()].done = specs_[event.job.index()].work;
  SetState(event.job, JobState::kFinished);
  outcome.end = now_;
}

void Broker::OnStartFailed(const JobStartFailed& event) {
  if (options_.launch.confirm) {
    FailAttempt(event.job, event.pool, /*number=*/-1, /*timed_out=*/false);
    return;
  }
  JobOutcome& outcome = outcomes_[event.job.index()];
  Occupy(outcome.pool, event.job, -1);
  RemoveRunning(event.job);
  grown_.push_back(outcome.pool);  // what the start took is free again (unless backed off)
  policy_->OnReleased(event.job);  // its run had begun (OnStartedElsewhere for the core's own)
  ++learning_[outcome.pool.index()].launch_failures;
  BackOff(outcome.pool);
  ProviderRecovery& stats = provider_recovery_[fleet_.pool(outcome.pool).provider.index()];
  if (outcome.starts > 1) --stats.restarts;
  --stats.launch.up;  // it was counted up when it was sent
  ++stats.launch.failed;
  ++outcome.launch_failures;
  --outcome.starts;
  if (outcome.starts == 0) outcome.first_start = kNever;
  // The job waits out the retry delay before it is queued again, so that a pool whose room was
  // not real is not asked again at once.
  SetState(event.job, JobState::kPending);
  out_->push_back(
      SetTimer{now_ + options_.start_retry_delay, TimerTag(kRetryStart, event.job.value())});
}

void Broker::OnTimer(const TimerFired& event) {
  const auto kind = static_cast<TimerKind>(event.tag >> 56);
  const int64_t subject = static_cast<int64_t>(event.tag & ((uint64_t{1} << 56) - 1));
  if (kind == kWakeup) return;   // the pass after every event is what the policy asked for
  if (kind == kBackoff) return;  // Handle offered the pool as grown (backoff_ends_)
  if (kind == kExchange) {
    exchange_.OnTimer(now_, subject, *this);
    return;
  }
  if (kind == kLaunchTimeout) {
    FailAttempt(JobId(static_cast<int32_t>(subject >> 24)), PoolId(), subject & 0xFFFFFF,
                /*timed_out=*/true);
    return;
  }
  const JobId job(static_cast<int32_t>(subject));
  if (!job.valid() || job.index() >= specs_.size() ||
      outcomes_[job.index()].state != JobState::kPending) {
    return;
  }
  MarketState& market = market_[job.index()];
  if (kind == kRetryStart && market.phase == MarketPhase::kNone) {
    Requeue(job, /*failed=*/true);
  } else if (kind == kDeliver && market.phase == MarketPhase::kAwarded) {
    TryDeliver(job);
  } else if (kind == kRelease && market.phase == MarketPhase::kAwarded &&
             now_ >= market.release_at) {
    // Accepted but not delivered in time: the deal is off, and the job asks the market again,
    // without a first look for the holder (it has had its chance) and without the provider that
    // missed (for this one request).
    StopAwaiting(job);
    AuditRecord record;
    record.time = now_;
    record.kind = AuditKind::kRelease;
    record.request = market.request;
    record.tenant = specs_[job.index()].tenant;
    record.provider = market.provider;
    record.pool = market.pool;
    record.accelerators = specs_[job.index()].accelerators;
    record.price_per_accel_hour = market.price;
    record.start = market.promised;
    record.job = job;
    Record(record);
    market.phase = MarketPhase::kNone;
    market.skip_rofr = true;
    market.missed = market.provider;
    if (!recovery_state_[job.index()].core_placed) policy_->OnReleased(job);
    Requeue(job, /*failed=*/true);
  }
}

void Broker::OnAnswer(const ProviderAnswered& event) {
  exchange_.OnAnswer(now_, event.answer, *this);
}

void Broker::OnCloseBilling() {
  for (const PoolState& pool : pools_) {
    for (JobId job : pool.running) {
      ChargeRun(job);
      // Progress so far counts as useful; a later kill takes back what it loses.
      const Running& run = running_[job.index()];
      CountUseful(job, static_cast<int64_t>(specs_[job.index()].accelerators) *
                           std::max<Duration>(0, now_ - run.start - run.setup));
    }
  }
  BillHoldings();
}

void Broker::BillHoldings() {
  for (HoldingBill& h : holdings_) {
    const Contract& c = fleet_.contracts[h.contract.index()];
    Charge charge;
    charge.tenant = c.tenant;
    charge.provider = c.provider;
    charge.pool = h.pool;
    if (const auto* cm = std::get_if<CommitmentTerms>(&c.terms)) {
      // Accrues over the term, used or not.
      charge.start = std::max(cm->start, h.billed_until);
      charge.end = std::min(cm->end, now_);
      if (charge.end <= charge.start) continue;
      charge.kind = ChargeKind::kCommitted;
      charge.accelerators = cm->accelerators;
      charge.price_per_accel_hour = cm->price_per_accel_hour;
      h.billed_until = charge.end;
    } else if (const auto* rs = std::get_if<ReservationTerms>(&c.terms)) {
      // Booked ahead: the whole window is paid, used or not.
      if (h.billed) continue;
      charge.start = rs->start;
      charge.end = rs->end;
      charge.kind = ChargeKind::kReserved;
      charge.accelerators = rs->accelerators;
      charge.price_per_accel_hour = rs->price_per_accel_hour;
      h.billed = true;
    } else {
      continue;
    }
    charge.amount =
        ChargeFor(charge.accelerators, charge.end - charge.start, charge.price_per_accel_hour);
    ledger_.Record(charge);
  }
}

// --- The market ---

void Broker::OpenRequests() {
  if (batch_.empty()) return;
  std::vector<JobId> batch;
  batch.swap(batch_);
  std::stable_sort(batch.begin(), batch.end(), [this](JobId a, JobId b) {
    return specs_[a.index()].tenant < specs_[b.index()].tenant;
  });
  for (size_t first = 0; first < batch.size();) {
    const TenantId tenant = specs_[batch[first].index()].tenant;
    size_t last = first;
    while (last < batch.size() && specs_[batch[last].index()].tenant == tenant) ++last;
    RequestSpec spec;
    spec.tenant = tenant;
    spec.preference = policy_->preference();
    spec.quote_window = options_.market.quote_window;
    const std::optional<ProviderId> holder = rofr_holder_[tenant.index()];
    if (holder) spec.rofr = rofr_terms_[tenant.index()];
    RequestJobs& jobs = request_jobs_[exchange_.next_id()];
    for (size_t k = first; k < last; ++k) {
      const JobId job = batch[k];
      const Job& j = specs_[job.index()];
      const MarketState& market = market_[job.index()];
      ExchangeItem item;
      item.job = job;
      item.terms.accelerators = j.accelerators;
      item.terms.per_node = j.AcceleratorsPerNode();
      item.terms.earliest_start = now_;
      const Work remaining = RemainingWork(job);
      Duration fastest = kNever;
      for (const Throughput& t : j.throughputs) {
        const Duration runtime = RuntimeFor(remaining, t.rate);
        item.terms.runtimes.push_back({t.type, runtime});
        fastest = std::min(fastest, runtime);
      }
      if (j.deadline != kNever) item.terms.latest_start = std::max(now_, j.deadline - fastest);
      item.terms.spot =
          market.buy_spot || AccessOf(tenant, market.held_pool)->kind == ChargeKind::kSpot;
      item.terms.preference = spec.preference;
      // A recovering job asks only for the pool its recovery policy chose; no job takes a pool
      // in back-off (the providers' agents are told to avoid them).
      const bool pinned = recovery_state_[job.index()].core_placed;
      const ProviderId chosen = fleet_.pool(market.held_pool).provider;
      if (pinned || !backoff_ends_.empty()) {  // some pool is in back-off now
        for (PoolId pool : EligiblePools(j, *this)) {
          if (pool == market.held_pool) continue;
          if ((pinned && fleet_.pool(pool).provider == chosen) ||
              learning_[pool.index()].avoid_until > now_) {
            item.terms.avoid.push_back(pool);
          }
        }
      }
      for (ProviderId provider : MarketProviders(j)) {
        if (provider != market.missed && (!pinned || provider == chosen)) {
          item.providers.push_back(provider);
        }
      }
      item.covered = holder && !market.skip_rofr &&
                     j.accelerators >= rofr_terms_[tenant.index()].min_accelerators;
      if (item.covered) spec.holder = holder;
      spec.items.push_back(std::move(item));
      jobs.jobs.push_back(job);
    }
    jobs.left = static_cast<int64_t>(jobs.jobs.size());
    const RequestId id = exchange_.next_id();
    for (JobId job : jobs.jobs) market_[job.index()].request = id;
    exchange_.Open(now_, std::move(spec), *this);
    first = last;
  }
}

const std::vector<ProviderId>& Broker::MarketProviders(const Job& job) {
  // The providers depend only on the tenant, the accepted types, the gang and its per-node share.
  uint64_t types = 0;
  bool cacheable = true;
  for (const Throughput& t : job.throughputs) {
    if (t.type.index() < 64) {
      types |= uint64_t{1} << t.type.index();
    } else {
      cacheable = false;
    }
  }
  const auto shape =
      std::make_tuple(job.tenant.value(), types, job.accelerators, job.AcceleratorsPerNode());
  if (cacheable) {
    if (auto it = providers_by_shape_.find(shape); it != providers_by_shape_.end()) {
      return it->second;
    }
  }
  std::vector<ProviderId> providers;
  for (PoolId pool : EligiblePools(job, *this)) {
    if (AccessOf(job.tenant, pool)->market) providers.push_back(fleet_.pool(pool).provider);
  }
  std::sort(providers.begin(), providers.end());
  providers.erase(std::unique(providers.begin(), providers.end()), providers.end());
  if (!cacheable) {
    uncached_providers_ = std::move(providers);
    return uncached_providers_;
  }
  return providers_by_shape_.emplace(shape, std::move(providers)).first->second;
}

void Broker::SendAsk(Ask ask) { out_->push_back(AskProvider{std::move(ask)}); }

void Broker::Record(const AuditRecord& r) {
  const auto key = std::make_tuple(r.request, r.provider.value(), static_cast<int>(r.phase));
  switch (r.kind) {
    case AuditKind::kRequest:
      ++tenant_market_[r.tenant.index()].items;
      if (r.item == 0) ++tenant_market_[r.tenant.index()].requests;
      break;
    case AuditKind::kAsk: {
      ++ask_tallies_[key].items;
      absl::InlinedVector<ProviderId, 8>& asked = asked_[r.request];
      if (std::find(asked.begin(), asked.end(), r.provider) == asked.end()) {
        asked.push_back(r.provider);
        ++provider_market_[r.provider.index()].requests_seen;
      }
      break;
    }
    case AuditKind::kOffer:
    case AuditKind::kDecline: {
      auto it = ask_tallies_.find(key);
      if (it == ask_tallies_.end()) break;
      AskTally& t = it->second;
      ++t.answered;
      t.offers += r.kind == AuditKind::kOffer;
      if (t.answered < t.items) break;  // an ask's answers are recorded one item at a time
      ProviderMarket& m = provider_market_[r.provider.index()];
      ++m.asks;
      if (t.offers == t.items) {
        ++m.accepted_full;
      } else if (t.offers > 0) {
        ++m.accepted_part;
      } else {
        ++m.declined;
      }
      ask_tallies_.erase(it);
      break;
    }
    case AuditKind::kTimeout:
      // One ask times out as a whole, however many items it had.
      if (ask_tallies_.erase(key) > 0) {
        ++provider_market_[r.provider.index()].asks;
        ++provider_market_[r.provider.index()].timed_out;
      }
      break;
    case AuditKind::kAward: {
      ProviderMarket& m = provider_market_[r.provider.index()];
      ++m.items_won;
      if (r.phase == AskPhase::kFirstLook || r.phase == AskPhase::kMatch) ++m.items_won_by_right;
      break;
    }
    case AuditKind::kDeliver:
      ++provider_market_[r.provider.index()].delivered;
      break;
    case AuditKind::kLate:
      ++provider_market_[r.provider.index()].delivered_late;
      break;
    case AuditKind::kRelease:
      ++provider_market_[r.provider.index()].released;
      break;
    case AuditKind::kPreempt:
      ++provider_market_[r.provider.index()].preemptions;
      break;
    case AuditKind::kUnplaced:
      break;
  }
  if (options_.keep_audit) audit_.push_back(r);
}

void Broker::Closed(RequestId request) {
  asked_.erase(request);
  out_->push_back(RequestClosed{request});
}

void Broker::WakeAt(Time at, RequestId request) {
  out_->push_back(SetTimer{at, TimerTag(kExchange, request)});
}

void Broker::ReleaseHold(JobId job) {
  MarketState& market = market_[job.index()];
  pools_[market.held_pool.index()].held -= specs_[job.index()].accelerators;
  grown_.push_back(market.held_pool);
  market.held_pool = PoolId();
}

JobId Broker::SettleItem(RequestId request, int32_t item) {
  auto it = request_jobs_.find(request);
  const JobId job = it->second.jobs[item];
  if (--it->second.left == 0) request_jobs_.erase(it);
  ReleaseHold(job);
  return job;
}

void Broker::Award(RequestId request, int32_t item, ProviderId provider, const Offer& offer,
                   bool /*holder*/) {
  const JobId job = SettleItem(request, item);
  MarketState& market = market_[job.index()];
  const TenantId tenant = specs_[job.index()].tenant;
  market.phase = MarketPhase::kAwarded;
  market.pool = offer.pool;
  market.provider = provider;
  market.price = offer.price_per_accel_hour;
  market.spot = market.buy_spot || (AccessOf(tenant, offer.pool) &&
                                    AccessOf(tenant, offer.pool)->kind == ChargeKind::kSpot);
  market.promised = offer.start;
  market.release_at =
      offer.start + (rofr_holder_[tenant.index()] ? rofr_terms_[tenant.index()].grace : 0);
  if (offer.start > now_) {
    out_->push_back(SetTimer{offer.start, TimerTag(kDeliver, job.value())});
  } else {
    TryDeliver(job);
  }
}

void Broker::Unplaced(RequestId request, int32_t item) {
  const JobId job = SettleItem(request, item);
  market_[job.index()].phase = MarketPhase::kNone;
  if (!recovery_state_[job.index()].core_placed) policy_->OnReleased(job);
  // No provider offered: ask again after the retry delay rather than at once.
  out_->push_back(SetTimer{now_ + options_.market.retry_delay, TimerTag(kRetryStart, job.value())});
}

void Broker::TryDeliver(JobId job) {
  MarketState& market = market_[job.index()];
  PoolState& p = pools_[market.pool.index()];
  const int64_t accelerators = specs_[job.index()].accelerators;
  // Earlier awards waiting for this pool go first.
  const auto pos = std::find(p.awaiting_jobs.begin(), p.awaiting_jobs.end(), job);
  int64_t ahead = 0;
  for (auto it = p.awaiting_jobs.begin(); it != pos; ++it) {
    ahead += specs_[it->index()].accelerators;
  }
  if (p.capacity - p.used - ahead >= accelerators) {
    if (pos != p.awaiting_jobs.end()) StopAwaiting(job);
    AuditRecord record;
    record.time = now_;
    record.kind = now_ > market.promised ? AuditKind::kLate : AuditKind::kDeliver;
    record.request = market.request;
    record.tenant = specs_[job.index()].tenant;
    record.provider = market.provider;
    record.pool = market.pool;
    record.accelerators = static_cast<int32_t>(accelerators);
    record.price_per_accel_hour = market.price;
    record.start = market.promised;
    record.job = job;
    Record(record);
    market.phase = MarketPhase::kNone;
    market.missed = ProviderId();
    StartRun(job, market.pool, market.price,
             market.spot ? ChargeKind::kSpot : ChargeKind::kOnDemand);
    return;
  }
  if (pos != p.awaiting_jobs.end()) return;  // still waiting
  p.awaiting_jobs.push_back(job);
  p.awaiting += accelerators;
  out_->push_back(SetTimer{std::max(now_, market.release_at), TimerTag(kRelease, job.value())});
}

void Broker::DeliverAwaiting(PoolId pool) {
  // In award order; stop at the first that does not fit, so a wide gang is not starved.
  while (!pools_[pool.index()].awaiting_jobs.empty()) {
    const JobId head = pools_[pool.index()].awaiting_jobs.front();
    TryDeliver(head);
    if (market_[head.index()].phase == MarketPhase::kAwarded) break;
  }
}

void Broker::StopAwaiting(JobId job) {
  const MarketState& market = market_[job.index()];
  PoolState& p = pools_[market.pool.index()];
  auto it = std::find(p.awaiting_jobs.begin(), p.awaiting_jobs.end(), job);
  if (it == p.awaiting_jobs.end()) return;
  p.awaiting_jobs.erase(it);
  p.awaiting -= specs_[job.index()].accelerators;
  grown_.push_back(market.pool);
}

void Broker::OnCapacityChanged(const CapacityChanged& event) {
  PoolState& p = pools_[event.pool.index()];
  p.integral += p.capacity * (now_ - p.since);
  p.since = now_;
  const int64_t capacity =
      static_cast<int64_t>(event.nodes) * fleet_.pool(event.pool).accelerators_per_node;
  if (capacity > p.capacity) grown_.push_back(event.pool);
  p.capacity = capacity;
}

}  // namespace arbiter
