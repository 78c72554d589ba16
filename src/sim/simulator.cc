#include "sim/simulator.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "market/holdings.h"
#include "model/strings.h"
#include "sched/registry.h"

namespace arbiter {

namespace {

// SplitMix64: the faults' own random stream (no global randomness; the same seed, same draws).
uint64_t NextRandom(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

}  // namespace

absl::StatusOr<std::unique_ptr<Simulator>> Simulator::Create(Scenario scenario,
                                                             SimOptions options) {
  if (absl::Status s = scenario.Validate(); !s.ok()) return s;
  if (absl::Status s = ExpandHoldings(scenario); !s.ok()) return s;
  absl::StatusOr<std::unique_ptr<Policy>> policy =
      MakePolicy(options.policy, PolicyOptions{options.seed, scenario.policy_settings});
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
  const Faults& faults = scenario.faults;
  absl::StatusOr<std::unique_ptr<RecoveryPolicy>> recovery =
      MakeRecoveryPolicy(options.recovery.empty() ? faults.recovery : options.recovery);
  if (!recovery.ok()) {
    return absl::InvalidArgumentError(
        StrCat(options.recovery.empty() ? "faults.recovery" : "--recovery", ": ",
               recovery.status().message()));
  }
  BrokerOptions broker_options;
  broker_options.market = scenario.market;
  broker_options.keep_audit = options.keep_audit;
  broker_options.restart_setup = faults.restart_setup;
  broker_options.recovery.transfer_bytes_per_second = faults.transfer_bytes_per_second;
  broker_options.recovery.egress_per_gb = faults.egress_per_gb;
  // Without a faults section launches can still fail (a spot contract's trace): a failing pool
  // is avoided for a minute, doubling up to an hour, so its retries cannot take every pass.
  broker_options.recovery.backoff = faults.configured ? faults.backoff : 60;
  broker_options.recovery.max_backoff = faults.configured ? faults.max_backoff : 3600;
  broker_options.recovery.learn = faults.configured;
  if (options.launch_parallel > 0 && !faults.launch.configured) {
    return absl::InvalidArgumentError(
        "--launch-parallel: the scenario has no faults.launch section (launches that take time)");
  }
  broker_options.launch.confirm = faults.launch.configured;
  broker_options.launch.timeout = faults.launch.timeout;
  broker_options.launch.parallel =
      options.launch_parallel > 0 ? options.launch_parallel : faults.launch.parallel;
  auto sim = std::unique_ptr<Simulator>(new Simulator(std::move(scenario), std::move(options)));
  sim->broker_ = std::make_unique<Broker>(sim->scenario_.fleet, *std::move(policy),
                                          std::move(broker_options), *std::move(recovery));
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
  least_remaining_.resize(jobs);
  for (size_t j = 0; j < jobs; ++j) least_remaining_[j] = scenario_.jobs[j].work;
  queue_.Reserve(std::min<size_t>(jobs, 1 << 20) + scenario_.capacity_changes.size());
  timeline_.interval = options_.sample_interval;
  timeline_.pools = fleet.pools.size();
  if (timeline_.interval <= 0) next_sample_ = kNever;
  for (size_t i = 0; i < scenario_.capacity_changes.size(); ++i) {
    queue_.Push(scenario_.capacity_changes[i].at, EventClass::kCapacityChanged,
                static_cast<int64_t>(i));
    ++queued_changes_;
  }
  prices_ = QuotePricesFromContracts(fleet);
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
  ScheduleFaults();
}

void Simulator::ScheduleFaults() {
  const Fleet& fleet = scenario_.fleet;
  const Faults& faults = scenario_.faults;
  const size_t pools = fleet.pools.size();
  base_nodes_.resize(pools);
  for (size_t p = 0; p < pools; ++p) base_nodes_[p] = fleet.pools[p].nodes;
  revoked_nodes_.assign(pools, 0);
  outages_.assign(pools, 0);
  node_mtbf_.assign(pools, 0);
  spot_mean_.assign(pools, 0);
  spot_limit_.assign(pools, std::numeric_limits<int64_t>::max());
  spot_tick_.assign(faults.spot.size(), 0);
  start_failing_.assign(scenario_.jobs.size(), false);
  confirm_launches_ = faults.launch.configured;
  spot_launching_.assign(pools, 0);
  fault_rng_ = AgentSeed(options_.seed ^ 0xFA0175EEDULL, fleet.providers.size() + 1);
  for (const NodeFailures& f : faults.node_failures) node_mtbf_[f.pool.index()] = f.mtbf;
  for (size_t i = 0; i < faults.spot.size(); ++i) {
    const SpotPreemption& f = faults.spot[i];
    if (f.counts.empty()) {
      spot_mean_[f.pool.index()] = f.mean_time_between;
    } else {
      PushFault(f.start, FaultStep::kSpotTick, i);
    }
  }
  for (size_t i = 0; i < faults.revocations.size(); ++i) {
    const CapacityRevocation& r = faults.revocations[i];
    PushFault(r.at, FaultStep::kRevoke, i);
    if (r.until != kNever) PushFault(r.until, FaultStep::kReturn, i);
  }
  for (size_t i = 0; i < faults.outages.size(); ++i) {
    const RegionOutage& o = faults.outages[i];
    PushFault(o.start, FaultStep::kOutageStart, i);
    if (o.end != kNever) PushFault(o.end, FaultStep::kOutageEnd, i);
  }
}

void Simulator::PushFault(Time at, FaultStep step, size_t index) {
  fault_events_.push_back({step, index});
  queue_.Push(at, EventClass::kCapacityChanged, -static_cast<int64_t>(fault_events_.size()));
  ++queued_changes_;
}

Duration Simulator::DrawExponential(double mean) {
  const uint64_t x = NextRandom(fault_rng_);
  const double u = static_cast<double>((x >> 11) + 1) * 0x1.0p-53;  // in (0, 1]
  const double t = -std::log(u) * mean;
  return std::max<Duration>(1, static_cast<Duration>(std::min(t, 1e15) + 0.5));
}

void Simulator::DrawRunFault(size_t job, PoolId pool, Time finish, bool spot) {
  Time at = kNever;
  KillCause cause = kNodeFailure;
  if (const Duration mtbf = node_mtbf_[pool.index()]; mtbf > 0) {
    // n nodes, each failing at rate 1 / mtbf: the first fails at rate n / mtbf.
    at = now_ + DrawExponential(static_cast<double>(mtbf) / scenario_.jobs[job].nodes);
  }
  if (const Duration mean = spot_mean_[pool.index()]; mean > 0 && spot) {
    const Time t = now_ + DrawExponential(static_cast<double>(mean));
    if (t < at) {
      at = t;
      cause = kSpotPreempted;
    }
  }
  if (at < finish) {
    queue_.Push(at, EventClass::kJobKilled, static_cast<int64_t>(job),
                (static_cast<int64_t>(run_generation_[job]) << kCauseBits) | cause);
  }
}

int64_t Simulator::SpotUsed(PoolId pool) const {
  int64_t used = 0;
  for (JobId job : broker_->running_on(pool)) {
    if (broker_->run_kind(job) == ChargeKind::kSpot && !start_failing_[job.index()]) {
      used += scenario_.jobs[job.index()].accelerators;
    }
  }
  return used;
}

absl::Status Simulator::Kill(JobId job, std::string reason, bool capacity_lost) {
  pools_[run_pool_[job.index()].index()].used -= scenario_.jobs[job.index()].accelerators;
  ++run_generation_[job.index()];
  absl::Status status = Deliver(JobKilled{job, std::move(reason), false, capacity_lost});
  CheckSaved(job);
  return status;
}

void Simulator::CheckSaved(JobId job) {
  if (broker_->outcome(job).state != JobState::kPending) return;
  const Work left = broker_->remaining_work(job);
  if (left < least_remaining_[job.index()]) {
    least_remaining_[job.index()] = left;
    Progressed();
  }
}

Duration Simulator::ProgressBound() const {
  const Faults& faults = scenario_.faults;
  Duration longest_run = 0;
  const std::vector<JobOutcome>& outcomes = broker_->outcomes();
  for (size_t j = 0; j < outcomes.size(); ++j) {
    const JobState state = outcomes[j].state;
    if (state == JobState::kFinished || state == JobState::kRejected ||
        state == JobState::kCancelled || state == JobState::kFailed) {
      continue;
    }
    const Job& job = scenario_.jobs[j];
    for (const Throughput& t : job.throughputs) {
      longest_run = std::max(longest_run, RuntimeFor(least_remaining_[j], t.rate));
    }
    // A deadline-aware policy may wait for its job's deadline before it buys what it must.
    if (job.deadline != kNever) longest_run = std::max(longest_run, job.deadline - last_progress_);
    if (faults.transfer_bytes_per_second > 0) {
      longest_run = std::max<Duration>(
          longest_run, (job.checkpoint_bytes + faults.transfer_bytes_per_second - 1) /
                           faults.transfer_bytes_per_second);
    }
  }
  Duration launch = faults.launch.timeout;
  for (size_t p = 0; p < scenario_.fleet.providers.size(); ++p) {
    for (bool up : {true, false}) {
      launch = std::max(launch, faults.launch.LatencyOf(ProviderId::FromIndex(p), up));
    }
  }
  Duration market = scenario_.market.retry_delay + scenario_.market.quote_window;
  for (const Provider& provider : scenario_.fleet.providers) {
    market += provider.agent.response_time;
  }
  for (const Contract& c : scenario_.fleet.contracts) {
    if (const auto* rofr = std::get_if<RofrTerms>(&c.terms)) market += rofr->window + rofr->grace;
  }
  // Each term is at most 2^40 s (the loaders' limits), so the sum fits.
  return longest_run + faults.restart_setup + launch + market + faults.max_backoff +
         faults.backoff + 60 /* the core's start retry delay */;
}

void Simulator::FailLaunches(PoolId pool, int64_t limit, bool spot_only) {
  if (!confirm_launches_) return;
  std::vector<std::pair<Time, size_t>> coming;  // newest launch first, then the later slot
  for (size_t slot = 0; slot < launches_.size(); ++slot) {
    const LaunchSlot& l = launches_[slot];
    if (l.live && l.up && l.start.pool == pool && (!spot_only || l.start.spot)) {
      coming.push_back({-l.launched, slot});
    }
  }
  std::sort(coming.begin(), coming.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first < b.first : a.second > b.second;
  });
  const size_t p = pool.index();
  int64_t used = spot_only ? SpotUsed(pool) + spot_launching_[p] : pools_[p].used;
  for (const auto& [newest, slot] : coming) {
    if (used <= limit) break;
    LaunchSlot& l = launches_[slot];
    l.up = false;  // its outcome, when due, is a failure
    pools_[p].used -= l.start.accelerators;
    if (l.start.spot) spot_launching_[p] -= l.start.accelerators;
    used -= l.start.accelerators;
  }
}

absl::Status Simulator::KillUntil(PoolId pool, int64_t limit, bool spot_only,
                                  std::string_view reason, bool capacity_lost) {
  FailLaunches(pool, limit, spot_only);
  std::vector<std::pair<Time, int32_t>> victims;  // newest run first, then the higher job id
  for (JobId job : broker_->running_on(pool)) {
    // A run whose start failed holds nothing; the core hears of it next.
    if (start_failing_[job.index()]) continue;
    if (spot_only && broker_->run_kind(job) != ChargeKind::kSpot) continue;
    victims.push_back({-run_start_[job.index()], -job.value()});
  }
  std::sort(victims.begin(), victims.end());
  int64_t used = spot_only ? SpotUsed(pool) : pools_[pool.index()].used;
  for (const auto& [newest, id] : victims) {
    if (used <= limit) break;
    const JobId job(-id);
    if (broker_->outcome(job).state != JobState::kRunning || run_pool_[job.index()] != pool) {
      continue;
    }
    used -= scenario_.jobs[job.index()].accelerators;
    if (absl::Status s = Kill(job, std::string(reason), capacity_lost); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status Simulator::ApplyNodes(PoolId pool, std::string_view reason) {
  const size_t p = pool.index();
  const int32_t nodes = outages_[p] > 0 ? 0 : std::max(0, base_nodes_[p] - revoked_nodes_[p]);
  pools_[p].capacity =
      static_cast<int64_t>(nodes) * scenario_.fleet.pool(pool).accelerators_per_node;
  if (absl::Status s = Deliver(CapacityChanged{pool, nodes}); !s.ok()) return s;
  return KillUntil(pool, pools_[p].capacity, false, reason);
}

absl::Status Simulator::ApplyFault(const FaultEvent& fault) {
  const Faults& faults = scenario_.faults;
  const Fleet& fleet = scenario_.fleet;
  switch (fault.step) {
    case FaultStep::kSpotTick: {
      const SpotPreemption& f = faults.spot[fault.index];
      const size_t tick = spot_tick_[fault.index];
      const int32_t top = *std::max_element(f.counts.begin(), f.counts.end());
      const Pool& pool = fleet.pool(f.pool);
      const int64_t nodes = top <= 0 ? 0 : static_cast<int64_t>(pool.nodes) * f.counts[tick] / top;
      spot_limit_[f.pool.index()] = nodes * pool.accelerators_per_node;
      // The next tick whose count differs; after the last tick the last count holds.
      size_t next = tick + 1;
      while (next < f.counts.size() && f.counts[next] == f.counts[tick]) ++next;
      if (next < f.counts.size()) {
        spot_tick_[fault.index] = next;
        PushFault(f.start + static_cast<Time>(next) * f.gap, FaultStep::kSpotTick, fault.index);
      }
      return KillUntil(f.pool, spot_limit_[f.pool.index()], true,
                       "spot capacity reclaimed by the provider (spot trace)");
    }
    case FaultStep::kRevoke:
    case FaultStep::kReturn: {
      const CapacityRevocation& r = faults.revocations[fault.index];
      revoked_nodes_[r.pool.index()] += fault.step == FaultStep::kRevoke ? r.nodes : -r.nodes;
      return ApplyNodes(r.pool, "capacity revoked by the provider");
    }
    case FaultStep::kOutageStart:
    case FaultStep::kOutageEnd: {
      const RegionOutage& o = faults.outages[fault.index];
      for (PoolId pool : fleet.regions[o.region.index()].pools) {
        outages_[pool.index()] += fault.step == FaultStep::kOutageStart ? 1 : -1;
        if (absl::Status s = ApplyNodes(
                pool, StrCat("region ", fleet.regions[o.region.index()].name, " is down"));
            !s.ok()) {
          return s;
        }
      }
      return absl::OkStatus();
    }
  }
  return absl::OkStatus();
}

void Simulator::Sample(Time at) {
  timeline_.times.push_back(at);
  for (size_t p = 0; p < timeline_.pools; ++p) {
    const auto pool = PoolId::FromIndex(p);
    timeline_.capacity.push_back(broker_->capacity(pool));
    timeline_.used.push_back(broker_->used(pool));
    timeline_.used_first_party.push_back(broker_->used_first_party(pool));
  }
  timeline_.pending_jobs.push_back(broker_->pending_jobs());
  timeline_.pending_accelerators.push_back(broker_->pending_accelerators());
}

void Simulator::SampleBefore(Time until) {
  // Samples strictly before `until` see the state after all earlier events.
  while (next_sample_ < until) {
    Sample(next_sample_);
    if (timeline_.samples() >= Timeline::kMaxSamples) {
      // Bounded by the samples, not by simulated time: the grid coarsens, on its own points.
      timeline_.Halve();
      next_sample_ = timeline_.times.back() + timeline_.interval;
    } else {
      next_sample_ += timeline_.interval;
    }
  }
}

absl::Status Simulator::Deliver(Event event) {
  commands_.clear();
  if (absl::Status s = broker_->Apply(now_, std::move(event), commands_); !s.ok()) {
    return absl::InternalError(StrCat("simulator at t=", now_, ": ", s.message()));
  }
  for (Command& command : commands_) Apply(command);
  return absl::OkStatus();
}

absl::Status Simulator::Decide() {
  commands_.clear();
  broker_->Decide(commands_);
  for (Command& command : commands_) Apply(command);
  if (any_preempting_) PreemptSpotForFirstParty();
  return absl::OkStatus();
}

void Simulator::Launch(const StartJob& start) {
  const size_t p = start.pool.index();
  PoolTruth& pool = pools_[p];
  const int64_t limit = spot_limit_[p];
  const bool up = pool.capacity - pool.used >= start.accelerators &&
                  (!start.spot || limit == std::numeric_limits<int64_t>::max() ||
                   SpotUsed(start.pool) + spot_launching_[p] + start.accelerators <= limit);
  if (up) {
    pool.used += start.accelerators;
    if (start.spot) spot_launching_[p] += start.accelerators;
  }
  size_t slot = launches_.size();
  if (free_launches_.empty()) {
    launches_.emplace_back();
  } else {
    slot = free_launches_.back();
    free_launches_.pop_back();
  }
  LaunchSlot& l = launches_[slot];
  l.start = start;
  l.live = true;
  l.up = up;
  l.launched = now_;
  ++l.generation;
  launch_slot_[{start.job.value(), start.pool.value()}] = slot;
  const Duration delay =
      scenario_.faults.launch.LatencyOf(scenario_.fleet.pool(start.pool).provider, up);
  queue_.Push(now_ + delay, EventClass::kLaunchDone, static_cast<int64_t>(slot), l.generation);
}

void Simulator::CancelLaunch(JobId job, PoolId pool) {
  auto it = launch_slot_.find({job.value(), pool.value()});
  if (it == launch_slot_.end()) return;
  LaunchSlot& l = launches_[it->second];
  if (l.up) {
    pools_[pool.index()].used -= l.start.accelerators;
    if (l.start.spot) spot_launching_[pool.index()] -= l.start.accelerators;
  }
  l.live = false;
  free_launches_.push_back(it->second);
  launch_slot_.erase(it);
}

absl::Status Simulator::LaunchDone(size_t slot, int64_t generation) {
  LaunchSlot& l = launches_[slot];
  if (!l.live || l.generation != generation) return absl::OkStatus();  // cancelled
  const StartJob start = l.start;
  const bool up = l.up;
  l.live = false;
  free_launches_.push_back(slot);
  launch_slot_.erase({start.job.value(), start.pool.value()});
  if (!up) {
    return Deliver(
        JobStartFailed{start.job, "the launch failed: the pool had no room", start.pool});
  }
  // The nodes are up: the run begins now (its nodes were held since the launch).
  const size_t job = start.job.index();
  if (start.spot) spot_launching_[start.pool.index()] -= start.accelerators;
  run_pool_[job] = start.pool;
  run_start_[job] = now_;
  const Time finish = now_ + start.setup + RuntimeFor(start.remaining, start.rate);
  queue_.Push(finish, EventClass::kJobFinished, start.job.value(), ++run_generation_[job]);
  DrawRunFault(job, start.pool, finish, start.spot);
  return Deliver(JobStarted{start.job, start.pool});
}

void Simulator::Apply(Command& command) {
  if (const auto* start = std::get_if<StartJob>(&command); start && confirm_launches_) {
    Launch(*start);
  } else if (const auto* cancel = std::get_if<CancelStart>(&command)) {
    CancelLaunch(cancel->job, cancel->pool);
  } else if (start) {
    PoolTruth& pool = pools_[start->pool.index()];
    const size_t job = start->job.index();
    const bool spot = broker_->run_kind(start->job) == ChargeKind::kSpot;
    if (pool.capacity - pool.used < start->accelerators ||
        (spot && spot_limit_[start->pool.index()] != std::numeric_limits<int64_t>::max() &&
         SpotUsed(start->pool) > spot_limit_[start->pool.index()])) {
      // SpotUsed already counts this run: the core started it before the command came here.
      start_failing_[job] = true;
      queue_.Push(now_, EventClass::kStartFailed, start->job.value());
      return;
    }
    pool.used += start->accelerators;
    run_pool_[job] = start->pool;
    run_start_[job] = now_;
    const Time finish = now_ + start->setup + RuntimeFor(start->remaining, start->rate);
    queue_.Push(finish, EventClass::kJobFinished, start->job.value(), ++run_generation_[job]);
    DrawRunFault(job, start->pool, finish, spot);
  } else if (const auto* moved = std::get_if<RunMoved>(&command)) {
    // The run stays on its nodes; they now count in the pool the commitment was carved from.
    const size_t job = moved->job.index();
    pools_[run_pool_[job].index()].used -= scenario_.jobs[job].accelerators;
    pools_[moved->pool.index()].used += scenario_.jobs[job].accelerators;
    run_pool_[job] = moved->pool;
  } else if (const auto* stop = std::get_if<StopJob>(&command)) {
    const size_t job = stop->job.index();
    pools_[run_pool_[job].index()].used -= scenario_.jobs[job].accelerators;
    ++run_generation_[job];  // the scheduled finish of that run is now stale
    CheckSaved(stop->job);   // the core has interrupted it: what it kept is saved
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
  } else if (std::holds_alternative<RejectJob>(command)) {
    ++rejected_;  // the core has recorded the reason; nothing to carry out
    Progressed();
  }
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
      queue_.Push(now_, EventClass::kJobKilled, job.value(),
                  (static_cast<int64_t>(run_generation_[job.index()]) << kCauseBits) | kFirstParty);
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
    const bool have_event = have_arrival || !queue_.empty();
    bool arrival = have_arrival;
    if (have_arrival && !queue_.empty()) {
      const QueuedEvent next{jobs[next_arrival_].submit,
                             EventQueue::Order(EventClass::kJobSubmitted, next_arrival_), 0, 0};
      arrival = EventQueue::Before(next, queue_.top());
    }
    const Time t = !have_event ? kNever : arrival ? jobs[next_arrival_].submit : queue_.top().time;
    // Every event of the instant now_ is in: the core decides once for all of them (which may
    // queue more events at now_).
    if (broker_->decision_due() && t > now_) {
      if (absl::Status s = Decide(); !s.ok()) return s;
      continue;
    }
    if (!have_event) break;
    // With faults, the scheduled fault steps (a spot trace's ticks) would run on after the work:
    // the run ends when every job has finished or was rejected.
    if (!have_arrival && scenario_.faults.configured &&
        finished_ + rejected_ == static_cast<int64_t>(jobs.size())) {
      break;
    }
    if (t > horizon) {
      cut = true;
      break;
    }
    // No progress possible: nothing arrives or changes capacity any more, and for longer than
    // anything that can still progress needs, nothing finished and no work was saved. Without
    // a horizon such a run would go on forever (every pool a job may use failing its launches,
    // launches that always time out, failures faster than checkpoints).
    if (!have_arrival && queued_changes_ == 0 && t - last_progress_ > progress_bound_) {
      progress_bound_ = ProgressBound();
      if (t - last_progress_ > progress_bound_) {
        stop_reason_ =
            StrCat("stopped at t=", now_, ": no job can make progress (for ", t - last_progress_,
                   " s nothing finished or saved work, longer than any job could need; ",
                   broker_->pending_jobs(), " jobs still wait)");
        break;
      }
    }
    SampleBefore(t);
    now_ = t;
    ++events_;
    if (options_.progress_every > 0 && events_ % options_.progress_every == 0) report();
    absl::Status status;
    if (arrival) {
      const size_t i = next_arrival_++;
      Progressed();
      status = Deliver(JobSubmitted{JobId::FromIndex(i), jobs[i]});
    } else {
      const QueuedEvent e = queue_.Pop();
      switch (e.event_class()) {
        case EventClass::kJobFinished: {
          const size_t job = static_cast<size_t>(e.payload);
          if (e.payload2 != run_generation_[job]) break;  // that run was stopped
          pools_[run_pool_[job].index()].used -= jobs[job].accelerators;
          ++finished_;
          Progressed();
          status = Deliver(JobFinished{JobId::FromIndex(job)});
          break;
        }
        case EventClass::kCapacityChanged: {
          --queued_changes_;
          Progressed();
          if (e.payload < 0) {
            status = ApplyFault(fault_events_[static_cast<size_t>(-e.payload - 1)]);
            break;
          }
          const CapacityChange& change = scenario_.capacity_changes[e.payload];
          const size_t p = change.pool.index();
          base_nodes_[p] = change.nodes;
          // Revocations and outages in force still hold the pool down.
          const int32_t nodes = outages_[p] > 0 ? 0 : std::max(0, change.nodes - revoked_nodes_[p]);
          pools_[p].capacity =
              static_cast<int64_t>(nodes) * scenario_.fleet.pool(change.pool).accelerators_per_node;
          status = Deliver(CapacityChanged{change.pool, nodes});
          // A pool never holds more than its capacity: runs that no longer fit stop, newest
          // first. (A holding pool's term end is the core's: its runs move or stop there.)
          if (status.ok() && !scenario_.fleet.pool(change.pool).holding) {
            status = KillUntil(change.pool, pools_[p].capacity, false,
                               "capacity taken back by the provider (scheduled capacity change)",
                               /*capacity_lost=*/false);
          }
          break;
        }
        case EventClass::kJobKilled: {
          const size_t job = static_cast<size_t>(e.payload);
          const auto cause = static_cast<KillCause>(e.payload2 & ((1 << kCauseBits) - 1));
          if (cause == kFirstParty) killing_[job] = false;
          if ((e.payload2 >> kCauseBits) != run_generation_[job]) break;  // that run already ended
          if (cause == kFirstParty) {
            pools_[run_pool_[job].index()].used -= jobs[job].accelerators;
            ++run_generation_[job];
            status = Deliver(JobKilled{JobId::FromIndex(job),
                                       "preempted by the provider for its own demand", true});
            CheckSaved(JobId::FromIndex(job));
          } else {
            status = Kill(JobId::FromIndex(job),
                          cause == kNodeFailure ? "a node failed" : "spot instance preempted",
                          cause == kSpotPreempted);
          }
          break;
        }
        case EventClass::kProviderAnswer:
          status = this->Answer(static_cast<size_t>(e.payload));
          break;
        case EventClass::kStartFailed:
          start_failing_[static_cast<size_t>(e.payload)] = false;
          status = Deliver(JobStartFailed{JobId(static_cast<int32_t>(e.payload)),
                                          "the pool had no room when the job was launched"});
          break;
        case EventClass::kLaunchDone:
          status = LaunchDone(static_cast<size_t>(e.payload), e.payload2);
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
