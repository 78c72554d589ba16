#include "sim/simulator.h"

#include <algorithm>
#include <utility>

#include "market/holdings.h"
#include "model/strings.h"
#include "sched/registry.h"

namespace arbiter {

namespace {

// A provider-specific seed, so that agents' draws do not depend on each other.
uint64_t AgentSeed(uint64_t seed, size_t provider) {
  uint64_t x = seed ^ (0x9E3779B97F4A7C15ULL * (provider + 1));
  x ^= x >> 31;
  return x * 0xBF58476D1CE4E5B9ULL;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Simulator>> Simulator::Create(Scenario scenario,
                                                             SimOptions options) {
  if (absl::Status s = scenario.Validate(); !s.ok()) return s;
  if (absl::Status s = ExpandHoldings(scenario); !s.ok()) return s;
  absl::StatusOr<std::unique_ptr<Policy>> policy =
      MakePolicy(options.policy, PolicyOptions{options.seed});
  if (!policy.ok()) return policy.status();
  std::vector<std::unique_ptr<AgentPolicy>> agents;
  for (size_t p = 0; p < scenario.fleet.providers.size(); ++p) {
    const Provider& provider = scenario.fleet.providers[p];
    absl::StatusOr<std::unique_ptr<AgentPolicy>> agent =
        MakeAgent(provider.agent, AgentSeed(options.seed, p));
    if (!agent.ok()) {
      return absl::InvalidArgumentError(
          StrCat("provider ", provider.name, ": ", agent.status().message()));
    }
    agents.push_back(*std::move(agent));
  }
  auto sim = std::unique_ptr<Simulator>(new Simulator(std::move(scenario), std::move(options)));
  BrokerOptions broker_options;
  broker_options.market = sim->scenario_.market;
  broker_options.keep_audit = sim->options_.keep_audit;
  sim->broker_ = std::make_unique<Broker>(sim->scenario_.fleet, *std::move(policy), broker_options);
  sim->broker_->ReserveJobs(sim->scenario_.jobs.size());
  sim->agents_ = std::move(agents);
  return sim;
}

Simulator::Simulator(Scenario scenario, SimOptions options)
    : scenario_(std::move(scenario)), options_(std::move(options)) {
  const Fleet& fleet = scenario_.fleet;
  pools_.resize(fleet.pools.size());
  for (size_t i = 0; i < fleet.pools.size(); ++i) pools_[i].capacity = fleet.pools[i].capacity();
  const size_t jobs = scenario_.jobs.size();
  run_generation_.assign(jobs, 0);
  run_pool_.assign(jobs, PoolId());
  killing_.assign(jobs, false);
  promised_.assign(fleet.pools.size(), 0);
  run_start_.assign(jobs, 0);
  queue_.Reserve(std::min<size_t>(jobs, 1 << 20) + scenario_.capacity_changes.size());
  timeline_.interval = options_.sample_interval;
  timeline_.pools = fleet.pools.size();
  if (timeline_.interval <= 0) next_sample_ = kNever;
  for (size_t i = 0; i < scenario_.capacity_changes.size(); ++i) {
    queue_.Push(scenario_.capacity_changes[i].at, EventClass::kCapacityChanged,
                static_cast<int64_t>(i));
  }
  prices_.resize(fleet.tenants.size() * fleet.pools.size());
  for (size_t t = 0; t < fleet.tenants.size(); ++t) {
    for (size_t p = 0; p < fleet.pools.size(); ++p) {
      const Pool& pool = fleet.pools[p];
      auto& [on_demand, spot] = prices_[t * fleet.pools.size() + p];
      for (const Contract& c : fleet.contracts) {
        if (c.tenant.index() != t || c.provider != pool.provider) continue;
        if (const auto* od = std::get_if<OnDemandTerms>(&c.terms); od && pool.on_demand_price) {
          on_demand = Discounted(*pool.on_demand_price, od->discount);
        } else if (const auto* sp = std::get_if<SpotTerms>(&c.terms); sp && pool.spot_price) {
          spot = Discounted(*pool.spot_price, sp->discount);
        }
      }
    }
  }
  provider_pools_.resize(fleet.providers.size());
  for (size_t p = 0; p < fleet.pools.size(); ++p) {
    // Holding pools are held for one tenant: not for sale.
    if (!fleet.pools[p].holding) {
      provider_pools_[fleet.pools[p].provider.index()].push_back(PoolId::FromIndex(p));
    }
  }
  preempting_.resize(fleet.providers.size());
  for (size_t p = 0; p < fleet.providers.size(); ++p) {
    preempting_[p] = fleet.providers[p].agent.preempt_spot;
    any_preempting_ = any_preempting_ || preempting_[p];
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
  for (Command& command : commands_) Apply(command);
  return absl::OkStatus();
}

void Simulator::Apply(Command& command) {
  if (const auto* start = std::get_if<StartJob>(&command)) {
    PoolTruth& pool = pools_[start->pool.index()];
    const size_t job = start->job.index();
    if (pool.capacity - pool.used < start->accelerators) {
      queue_.Push(now_, EventClass::kStartFailed, start->job.value());
      return;
    }
    pool.used += start->accelerators;
    run_pool_[job] = start->pool;
    run_start_[job] = now_;
    const Time finish = now_ + start->setup + RuntimeFor(start->remaining, start->rate);
    queue_.Push(finish, EventClass::kJobFinished, start->job.value(), ++run_generation_[job]);
  } else if (const auto* stop = std::get_if<StopJob>(&command)) {
    const size_t job = stop->job.index();
    pools_[run_pool_[job].index()].used -= scenario_.jobs[job].accelerators;
    ++run_generation_[job];  // the scheduled finish of that run is now stale
  } else if (const auto* timer = std::get_if<SetTimer>(&command)) {
    queue_.Push(std::max(timer->at, now_), EventClass::kTimer, static_cast<int64_t>(timer->tag));
  } else if (auto* ask = std::get_if<AskProvider>(&command)) {
    const Duration delay = scenario_.fleet.provider(ask->ask.provider).agent.response_time;
    size_t slot;
    if (free_asks_.empty()) {
      slot = asks_.size();
      asks_.push_back(std::move(ask->ask));
    } else {
      slot = free_asks_.back();
      free_asks_.pop_back();
      asks_[slot] = std::move(ask->ask);
    }
    queue_.Push(now_ + delay, EventClass::kProviderAnswer, static_cast<int64_t>(slot));
  } else if (const auto* closed = std::get_if<RequestClosed>(&command)) {
    auto it = offered_.find(closed->request);
    if (it != offered_.end()) {
      for (const auto& [pool, accelerators] : it->second) promised_[pool.index()] -= accelerators;
      offered_.erase(it);
    }
  }
  // RejectJob: the core has recorded the reason; nothing to carry out.
}

absl::Status Simulator::Answer(size_t slot) {
  // The ask stays in its slot (keeping its buffers for reuse) until the answer is delivered,
  // which may add asks.
  const Ask& ask = asks_[slot];
  const Fleet& fleet = scenario_.fleet;
  ProviderState& state = provider_state_;  // reused: no allocation per answer
  state.pools.clear();
  state.provider = ask.provider;
  state.now = now_;
  state.first_party_waiting = broker_->first_party_waiting(ask.provider);
  for (PoolId id : provider_pools_[ask.provider.index()]) {
    const Pool& pool = fleet.pool(id);
    const auto& [on_demand, spot] = prices_[ask.tenant.index() * fleet.pools.size() + id.index()];
    state.pools.push_back({id, pool.type, pool.accelerators_per_node, pool.max_gang,
                           pools_[id.index()].capacity, pools_[id.index()].used,
                           broker_->used_first_party(id), promised_[id.index()], on_demand, spot,
                           pool.committed_price.value_or(0)});
  }
  arbiter::Answer answer;
  answer.request = ask.request;
  answer.provider = ask.provider;
  answer.offers = agents_[ask.provider.index()]->Answer(ask, state);
  for (size_t k = 0; k < answer.offers.size() && k < ask.items.size(); ++k) {
    const std::optional<Offer>& offer = answer.offers[k];
    if (!offer || !offer->pool.valid() || offer->pool.index() >= promised_.size()) continue;
    promised_[offer->pool.index()] += ask.items[k].accelerators;
    offered_[ask.request].push_back({offer->pool, ask.items[k].accelerators});
  }
  free_asks_.push_back(slot);
  return Deliver(ProviderAnswered{std::move(answer)});
}

void Simulator::PreemptSpotForFirstParty() {
  const Fleet& fleet = scenario_.fleet;
  for (size_t p = 0; p < fleet.providers.size(); ++p) {
    if (!preempting_[p]) continue;
    const auto provider = ProviderId::FromIndex(p);
    const int64_t waiting = broker_->first_party_waiting(provider);
    if (waiting == 0) continue;
    int64_t free = 0;
    std::vector<std::pair<Time, JobId>> victims;  // external spot work, newest run first
    for (RegionId region : fleet.provider(provider).regions) {
      for (PoolId id : fleet.regions[region.index()].pools) {
        free += std::max<int64_t>(0, pools_[id.index()].capacity - pools_[id.index()].used);
        for (JobId job : broker_->running_on(id)) {
          if (broker_->run_kind(job) != ChargeKind::kSpot || killing_[job.index()]) continue;
          victims.push_back({-run_start_[job.index()], job});
        }
      }
    }
    int64_t need = waiting - free;
    std::sort(victims.begin(), victims.end());
    for (const auto& [newest, job] : victims) {
      if (need <= 0) break;
      killing_[job.index()] = true;
      queue_.Push(now_, EventClass::kJobKilled, job.value(), run_generation_[job.index()]);
      need -= scenario_.jobs[job.index()].accelerators;
    }
  }
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
        case EventClass::kJobKilled: {
          const size_t job = static_cast<size_t>(e.payload);
          killing_[job] = false;
          if (e.payload2 != run_generation_[job]) break;  // that run already ended
          pools_[run_pool_[job].index()].used -= jobs[job].accelerators;
          ++run_generation_[job];
          status = Deliver(JobKilled{JobId::FromIndex(job),
                                     "preempted by the provider for its own demand", true});
          break;
        }
        case EventClass::kProviderAnswer:
          status = this->Answer(static_cast<size_t>(e.payload));
          break;
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
    if (any_preempting_) PreemptSpotForFirstParty();
  }
  if (cut) now_ = std::max(now_, horizon);
  SampleBefore(now_);
  if (next_sample_ != kNever) Sample(now_);  // the final state
  absl::Status status = Deliver(CloseBilling{});
  report();
  return status;
}

}  // namespace arbiter
