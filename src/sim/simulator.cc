#include "sim/simulator.h"

#include <algorithm>
#include <utility>

#include "model/strings.h"
#include "sched/registry.h"

namespace arbiter {

absl::StatusOr<std::unique_ptr<Simulator>> Simulator::Create(const Scenario& scenario,
                                                             SimOptions options) {
  if (absl::Status s = scenario.Validate(); !s.ok()) return s;
  absl::StatusOr<std::unique_ptr<Policy>> policy =
      MakePolicy(options.policy, PolicyOptions{options.seed});
  if (!policy.ok()) return policy.status();
  return std::unique_ptr<Simulator>(
      new Simulator(scenario, std::move(options), *std::move(policy)));
}

Simulator::Simulator(const Scenario& scenario, SimOptions options, std::unique_ptr<Policy> policy)
    : scenario_(scenario),
      options_(std::move(options)),
      broker_(std::make_unique<Broker>(scenario.fleet, std::move(policy))) {
  const Fleet& fleet = scenario.fleet;
  pools_.resize(fleet.pools.size());
  for (size_t i = 0; i < fleet.pools.size(); ++i) pools_[i].capacity = fleet.pools[i].capacity();
  const size_t jobs = scenario.jobs.size();
  broker_->ReserveJobs(jobs);
  run_generation_.assign(jobs, 0);
  run_pool_.assign(jobs, PoolId());
  queue_.Reserve(std::min<size_t>(jobs, 1 << 20) + scenario.capacity_changes.size());
  timeline_.interval = options_.sample_interval;
  timeline_.pools = fleet.pools.size();
  if (timeline_.interval <= 0) next_sample_ = kNever;
  for (size_t i = 0; i < scenario.capacity_changes.size(); ++i) {
    queue_.Push(scenario.capacity_changes[i].at, EventClass::kCapacityChanged,
                static_cast<int64_t>(i));
  }
}

void Simulator::Sample(Time at) {
  timeline_.times.push_back(at);
  for (size_t p = 0; p < timeline_.pools; ++p) {
    const auto pool = PoolId::FromIndex(p);
    timeline_.capacity.push_back(static_cast<int32_t>(broker_->capacity(pool)));
    timeline_.used.push_back(static_cast<int32_t>(broker_->used(pool)));
    timeline_.used_first_party.push_back(static_cast<int32_t>(broker_->used_first_party(pool)));
  }
  timeline_.pending_jobs.push_back(broker_->pending_jobs());
  timeline_.pending_accelerators.push_back(broker_->pending_accelerators());
}

void Simulator::SampleBefore(Time until) {
  // Samples strictly before `until` see the state after all earlier events.
  while (next_sample_ < until) {
    Sample(next_sample_);
    next_sample_ += timeline_.interval;
  }
}

absl::Status Simulator::Deliver(Event event) {
  commands_.clear();
  if (absl::Status s = broker_->Handle(now_, std::move(event), commands_); !s.ok()) {
    return absl::InternalError(StrCat("simulator at t=", now_, ": ", s.message()));
  }
  for (const Command& command : commands_) Apply(command);
  return absl::OkStatus();
}

void Simulator::Apply(const Command& command) {
  if (const auto* start = std::get_if<StartJob>(&command)) {
    PoolTruth& pool = pools_[start->pool.index()];
    const size_t job = start->job.index();
    if (pool.capacity - pool.used < start->accelerators) {
      queue_.Push(now_, EventClass::kStartFailed, start->job.value());
      return;
    }
    pool.used += start->accelerators;
    run_pool_[job] = start->pool;
    const Time finish = now_ + start->setup + RuntimeFor(start->remaining, start->rate);
    queue_.Push(finish, EventClass::kJobFinished, start->job.value(), ++run_generation_[job]);
  } else if (const auto* stop = std::get_if<StopJob>(&command)) {
    const size_t job = stop->job.index();
    pools_[run_pool_[job].index()].used -= scenario_.jobs[job].accelerators;
    ++run_generation_[job];  // the scheduled finish of that run is now stale
  } else if (const auto* timer = std::get_if<SetTimer>(&command)) {
    queue_.Push(std::max(timer->at, now_), EventClass::kTimer, static_cast<int64_t>(timer->tag));
  }
  // RejectJob: the core has recorded the reason; nothing to carry out.
}

absl::Status Simulator::Run() {
  const Time horizon = std::min(options_.horizon, scenario_.horizon);
  const std::vector<Job>& jobs = scenario_.jobs;
  const auto report = [&] {
    if (options_.progress) {
      options_.progress({now_, events_, static_cast<int64_t>(next_arrival_), finished_,
                         static_cast<int64_t>(jobs.size())});
    }
  };
  bool cut = false;
  while (true) {
    const bool have_arrival = next_arrival_ < jobs.size();
    if (!have_arrival && queue_.empty()) break;
    bool arrival = have_arrival;
    if (have_arrival && !queue_.empty()) {
      const QueuedEvent next{jobs[next_arrival_].submit,
                             EventQueue::Order(EventClass::kJobSubmitted, next_arrival_), 0, 0};
      arrival = EventQueue::Before(next, queue_.top());
    }
    const Time t = arrival ? jobs[next_arrival_].submit : queue_.top().time;
    if (t > horizon) {
      cut = true;
      break;
    }
    SampleBefore(t);
    now_ = t;
    ++events_;
    if (options_.progress_every > 0 && events_ % options_.progress_every == 0) report();
    absl::Status status;
    if (arrival) {
      const size_t i = next_arrival_++;
      status = Deliver(JobSubmitted{JobId::FromIndex(i), jobs[i]});
    } else {
      const QueuedEvent e = queue_.Pop();
      switch (e.event_class()) {
        case EventClass::kJobFinished: {
          const size_t job = static_cast<size_t>(e.payload);
          if (e.payload2 != run_generation_[job]) break;  // that run was stopped
          pools_[run_pool_[job].index()].used -= jobs[job].accelerators;
          ++finished_;
          status = Deliver(JobFinished{JobId::FromIndex(job)});
          break;
        }
        case EventClass::kCapacityChanged: {
          const CapacityChange& change = scenario_.capacity_changes[e.payload];
          pools_[change.pool.index()].capacity =
              static_cast<int64_t>(change.nodes) *
              scenario_.fleet.pool(change.pool).accelerators_per_node;
          status = Deliver(CapacityChanged{change.pool, change.nodes});
          break;
        }
        case EventClass::kStartFailed:
          status = Deliver(JobStartFailed{JobId(static_cast<int32_t>(e.payload)),
                                          "the pool had no room when the job was launched"});
          break;
        case EventClass::kTimer:
          status = Deliver(TimerFired{static_cast<uint64_t>(e.payload)});
          break;
        case EventClass::kJobSubmitted:
        case EventClass::kCloseBilling:
          break;
      }
    }
    if (!status.ok()) return status;
  }
  if (cut) now_ = std::max(now_, horizon);
  SampleBefore(now_);
  if (next_sample_ != kNever) Sample(now_);  // the final state
  absl::Status status = Deliver(CloseBilling{});
  report();
  return status;
}

}  // namespace arbiter
