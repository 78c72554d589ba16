#include "core/broker.h"

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
  if (t.first_party_of == pool.provider) {
    return Access{pool.committed_price.value_or(pool.on_demand_price.value_or(0)),
                  ChargeKind::kInternal};
  }
  std::optional<Access> spot;
  for (const Contract& c : fleet.contracts) {
    if (c.tenant != tenant || c.provider != pool.provider) continue;
    if (const auto* od = std::get_if<OnDemandTerms>(&c.terms)) {
      if (pool.on_demand_price) {
        return Access{Discounted(*pool.on_demand_price, od->discount), ChargeKind::kOnDemand};
      }
    } else if (const auto* sp = std::get_if<SpotTerms>(&c.terms)) {
      if (pool.spot_price && !spot) {
        spot = Access{Discounted(*pool.spot_price, sp->discount), ChargeKind::kSpot};
      }
    }
  }
  return spot;
}

Broker::Broker(const Fleet& fleet, std::unique_ptr<Policy> policy, BrokerOptions options)
    : fleet_(fleet), policy_(std::move(policy)), options_(options) {
  pools_.resize(fleet.pools.size());
  for (size_t i = 0; i < fleet.pools.size(); ++i) pools_[i].capacity = fleet.pools[i].capacity();
  access_.resize(fleet.tenants.size() * fleet.pools.size());
  for (size_t t = 0; t < fleet.tenants.size(); ++t) {
    for (size_t p = 0; p < fleet.pools.size(); ++p) {
      access_[t * fleet.pools.size() + p] =
          AccessFromContracts(fleet, TenantId::FromIndex(t), PoolId::FromIndex(p));
    }
  }
}

void Broker::ReserveJobs(size_t jobs) {
  specs_.reserve(jobs);
  outcomes_.reserve(jobs);
  running_.reserve(jobs);
  running_slot_.reserve(jobs);
}

int64_t Broker::FreeAccelerators(PoolId pool) const {
  const PoolState& p = pools_[pool.index()];
  return p.capacity - p.used;
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
  } else if (const auto* e = std::get_if<JobStartFailed>(&event)) {
    if (!known(e->job) || outcomes_[e->job.index()].state != JobState::kRunning) {
      return absl::FailedPreconditionError(
          StrCat("failed start reported for job ", e->job.value(), ", which is not starting"));
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
  now_ = now;
  out_ = &out;
  grown_.clear();
  if (auto* e = std::get_if<JobSubmitted>(&event)) {
    OnSubmitted(*e);
  } else if (const auto* e = std::get_if<JobFinished>(&event)) {
    OnFinished(*e);
  } else if (const auto* e = std::get_if<JobStartFailed>(&event)) {
    OnStartFailed(*e);
  } else if (const auto* e = std::get_if<JobKilled>(&event)) {
    OnKilled(*e);
  } else if (const auto* e = std::get_if<CapacityChanged>(&event)) {
    OnCapacityChanged(*e);
  } else if (const auto* e = std::get_if<TimerFired>(&event)) {
    OnTimer(*e);
  } else if (std::holds_alternative<CloseBilling>(event)) {
    OnCloseBilling();
  }
  // Preemptions during a pass free capacity again; passes repeat until nothing more was freed
  // (bounded, so that a policy that preempts in a cycle cannot hang the core).
  std::vector<PoolId> grown;
  for (int pass = 0; pass < 16 && (pass == 0 || !grown_.empty()); ++pass) {
    grown.swap(grown_);
    grown_.clear();
    policy_->Schedule(*this, grown, *this);
  }
  out_ = nullptr;
  return absl::OkStatus();
}

void Broker::OnSubmitted(JobSubmitted& event) {
  specs_.push_back(std::move(event.spec));
  outcomes_.emplace_back();
  running_.emplace_back();
  running_slot_.push_back(-1);
  const JobId id = event.job;
  const Job& spec = specs_.back();
  JobOutcome& outcome = outcomes_.back();
  std::string reason;
  if (absl::Status s = ValidateJob(spec, fleet_); !s.ok()) {
    reason = std::string(s.message());
  } else if (EligiblePools(spec, *this).empty()) {
    reason = WhyNoPool(spec, *this);
  }
  if (!reason.empty()) {
    outcome.state = JobState::kRejected;  // never counted as pending (see SetState)
    outcome.reason = reason;
    out_->push_back(RejectJob{id, std::move(reason)});
    return;
  }
  // A new outcome starts pending.
  ++pending_jobs_;
  pending_accelerators_ += spec.accelerators;
  policy_->OnPending(id, *this);
}

void Broker::SetState(JobId job, JobState state) {
  JobOutcome& outcome = outcomes_[job.index()];
  const int64_t accelerators = specs_[job.index()].accelerators;
  if (outcome.state == JobState::kPending) {
    --pending_jobs_;
    pending_accelerators_ -= accelerators;
  }
  if (state == JobState::kPending) {
    ++pending_jobs_;
    pending_accelerators_ += accelerators;
  }
  outcome.state = state;
}

void Broker::Occupy(PoolId pool, JobId job, int sign) {
  PoolState& p = pools_[pool.index()];
  const int64_t accelerators = sign * static_cast<int64_t>(specs_[job.index()].accelerators);
  p.used += accelerators;
  if (fleet_.tenant(specs_[job.index()].tenant).first_party_of == fleet_.pool(pool).provider) {
    p.used_first_party += accelerators;
  }
}

bool Broker::Place(JobId job, PoolId pool) {
  if (!job.valid() || job.index() >= specs_.size() || !pool.valid() ||
      pool.index() >= pools_.size()) {
    return false;
  }
  JobOutcome& outcome = outcomes_[job.index()];
  const Job& spec = specs_[job.index()];
  if (outcome.state != JobState::kPending || FreeAccelerators(pool) < spec.accelerators ||
      !CanEverRun(spec, pool, *this)) {
    return false;
  }
  Occupy(pool, job, +1);
  SetState(job, JobState::kRunning);
  outcome.pool = pool;
  if (outcome.first_start == kNever) outcome.first_start = now_;
  ++outcome.starts;
  Running& run = running_[job.index()];
  run.start = now_;
  run.billed_until = now_;
  run.setup = outcome.interruptions > 0 ? options_.restart_setup : 0;
  run.rate = *spec.RateOn(fleet_.pool(pool).type);
  std::vector<JobId>& on_pool = pools_[pool.index()].running;
  running_slot_[job.index()] = static_cast<int32_t>(on_pool.size());
  on_pool.push_back(job);
  out_->push_back(
      StartJob{job, pool, spec.accelerators, spec.work - run.done, run.rate, run.setup});
  return true;
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
  const Access& access = *AccessOf(spec.tenant, outcome.pool);
  Charge charge;
  charge.start = run.billed_until;
  charge.end = now_;
  charge.job = job;
  charge.tenant = spec.tenant;
  charge.provider = fleet_.pool(outcome.pool).provider;
  charge.pool = outcome.pool;
  charge.kind = access.kind;
  charge.accelerators = spec.accelerators;
  charge.price_per_accel_hour = access.price_per_accel_hour;
  charge.amount =
      ChargeFor(spec.accelerators, now_ - run.billed_until, access.price_per_accel_hour);
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
}

void Broker::Interrupt(JobId job) {
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
  ++outcome.interruptions;
  outcome.lost_accelerator_seconds += static_cast<int64_t>(spec.accelerators) * lost;
  outcome.lost_cost +=
      ChargeFor(spec.accelerators, lost, AccessOf(spec.tenant, outcome.pool)->price_per_accel_hour);
  SetState(job, JobState::kPending);
  policy_->OnPending(job, *this);
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

void Broker::OnKilled(const JobKilled& event) { Interrupt(event.job); }

void Broker::OnFinished(const JobFinished& event) {
  EndRun(event.job);
  JobOutcome& outcome = outcomes_[event.job.index()];
  running_[event.job.index()].done = specs_[event.job.index()].work;
  SetState(event.job, JobState::kFinished);
  outcome.end = now_;
}

void Broker::OnStartFailed(const JobStartFailed& event) {
  JobOutcome& outcome = outcomes_[event.job.index()];
  Occupy(outcome.pool, event.job, -1);
  RemoveRunning(event.job);
  --outcome.starts;
  if (outcome.starts == 0) outcome.first_start = kNever;
  // The job waits out the retry delay before it is queued again, so that a pool whose room was
  // not real is not asked again at once.
  SetState(event.job, JobState::kPending);
  out_->push_back(SetTimer{now_ + options_.start_retry_delay, TimerTag(kRetryStart, event.job)});
}

void Broker::OnTimer(const TimerFired& event) {
  const auto kind = static_cast<TimerKind>(event.tag >> 56);
  const JobId job(static_cast<int32_t>(event.tag & ((uint64_t{1} << 56) - 1)));
  if (kind == kRetryStart && job.valid() && job.index() < specs_.size() &&
      outcomes_[job.index()].state == JobState::kPending) {
    policy_->OnPending(job, *this);
  }
}

void Broker::OnCloseBilling() {
  for (const PoolState& pool : pools_) {
    for (JobId job : pool.running) ChargeRun(job);
  }
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
