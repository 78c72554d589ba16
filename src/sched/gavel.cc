#include "sched/gavel.h"

#include <algorithm>
#include <cassert>
#include <span>
#include <tuple>

#include "model/strings.h"

namespace arbiter {
namespace {

// The pool a job runs on: the one it was placed on, unless its capacity request was awarded on
// another pool of the provider; then that one (invalid if it does not run).
PoolId PoolRunning(JobId job, PoolId placed, const ClusterView& view) {
  const auto runs_on = [&](PoolId pool) {
    const std::span<const JobId> running = view.RunningOn(pool);
    return std::find(running.begin(), running.end(), job) != running.end();
  };
  if (runs_on(placed)) return placed;
  for (size_t p = 0; p < view.fleet().pools.size(); ++p) {
    if (runs_on(PoolId::FromIndex(p))) return PoolId::FromIndex(p);
  }
  return PoolId();
}

}  // namespace

GavelPolicy::GavelPolicy(Objective objective, Options options)
    : objective_(objective), options_(options), random_(options.seed ^ 0x676176656C000000ULL) {
  if (options_.round <= 0) options_.round = kDefaultRound;
}

std::string_view GavelPolicy::name() const {
  const bool agnostic = options_.agnostic;
  switch (objective_) {
    case Objective::kFifo:
      return agnostic ? "gavel-fifo-agnostic" : "gavel-fifo";
    case Objective::kMaxMinFairness:
      return agnostic ? "gavel-maxmin-agnostic" : "gavel-maxmin";
    case Objective::kMinMakespan:
      return agnostic ? "gavel-makespan-agnostic" : "gavel-makespan";
    case Objective::kMinCost:
      return agnostic ? "gavel-cost-agnostic" : "gavel-cost";
  }
  return "gavel";
}

size_t GavelPolicy::Draw(size_t n) {
  // The engine's output is fixed by the standard (distributions are not): scale it directly.
  return static_cast<size_t>((random_() >> 11) * 0x1.0p-53 * static_cast<double>(n));
}

double GavelPolicy::share(JobId job, AcceleratorTypeId type) const {
  auto it = shares_.find(job);
  return it == shares_.end() ? 0.0 : it->second[type.index()];
}

GavelPolicy::Active& GavelPolicy::StateOf(JobId job, const ClusterView& view) {
  if (state_.size() <= job.index()) state_.resize(job.index() + 1);
  Active& a = state_[job.index()];
  if (a.received.empty()) {  // a job arrived
    a.received.assign(view.fleet().accelerator_types.size(), 0);
    a.since = view.now();
    a.gang = view.job(job).accelerators;
    reset_ = true;
  }
  return a;
}

void GavelPolicy::OnPending(JobId job, const ClusterView& view) {
  if (active_.empty()) next_round_ = std::max(next_round_, view.now());
  Active& a = StateOf(job, view);
  SetPending(job, a, true, &view);
  a.placed = false;
  a.stop_at = kNever;
  active_.insert(job);
  fresh_.push_back(job);
}

void GavelPolicy::OnRemoved(JobId job) {
  if (job.index() >= state_.size()) return;
  SetPending(job, state_[job.index()], false, nullptr);
  if (!state_[job.index()].placed) Forget(job);
}

void GavelPolicy::OnReleased(JobId job) {
  if (job.index() >= state_.size() || !state_[job.index()].placed) return;
  state_[job.index()].placed = false;
  released_.push_back(job);
}

Time GavelPolicy::NextWakeup() const {
  if (active_.empty()) return kNever;
  return std::min(next_round_, next_stop_);
}

void GavelPolicy::SetPending(JobId job, Active& a, bool pending, const ClusterView* view) {
  // A mover waits for the room promised to it, not for any pool (see Wait).
  if (pending && view != nullptr && !a.promised) {
    Wait(job, *view);
  } else if (!pending) {
    waiting_.Remove(job);
  }
  a.pending = pending;
  for (const auto& [list, at] : a.slots) {
    if (pending) {
      lists_[list].pending.insert(at);
    } else {
      lists_[list].pending.erase(at);
    }
  }
}

void GavelPolicy::Wait(JobId job, const ClusterView& view) {
  const Job& spec = view.job(job);
  waiting_.Add(job, view, {-static_cast<int64_t>(spec.priority), spec.submit});
}

void GavelPolicy::Enlist(JobId job, size_t list) {
  RoundList& l = lists_[list];
  Active& a = state_[job.index()];
  const auto at = static_cast<int32_t>(l.jobs.size());
  l.jobs.push_back(job);
  a.slots.emplace_back(static_cast<int32_t>(list), at);
  if (a.pending) l.pending.insert(at);
}

void GavelPolicy::Forget(JobId job) {
  reset_ = true;  // a job left
  Active& a = state_[job.index()];
  // A promise to a job that is gone is void.
  if (a.promised) promised_[a.want] -= a.gang;
  a.promised = false;
  a.want = -1;
  a.in_lp = false;
  active_.erase(job);
  shares_.erase(job);
}

void GavelPolicy::Account(const ClusterView& view) {
  for (JobId job : released_) {
    Active& a = state_[job.index()];
    const size_t type = view.fleet().pool(a.pool).type.index();
    a.received[type] += view.now() - a.started;
    a.stop_at = kNever;
    if (!a.pending && !a.placed) Forget(job);  // finished
  }
  released_.clear();
}

int32_t GavelPolicy::RankedSet(JobId job, const ClusterView& view) {
  Active& a = state_[job.index()];
  if (a.ranked < 0) a.ranked = ranked_pools_.SetOf(view.job(job), view);
  return a.ranked;
}

PoolId GavelPolicy::PoolFor(JobId job, AcceleratorTypeId type, const ClusterView& view) {
  const Job& spec = view.job(job);
  const std::span<RankedPools::List> lists = ranked_pools_.lists(RankedSet(job, view));
  // The type's holding pools, then its others, each in (price, id) order: the first with room.
  PoolId chosen;
  for (const bool holding : {true, false}) {
    for (RankedPools::List& list : lists) {
      if (list.type != type || list.holding != holding) continue;
      const size_t first = RankedPools::FirstFit(list, spec.accelerators, view);
      if (first < list.pools.size()) chosen = list.pools[first].second;
    }
    if (chosen.valid()) break;
  }
  assert(chosen == ScanPoolFor(job, type, view));
  return chosen;
}

PoolId GavelPolicy::AnyPool(JobId job, const ClusterView& view) {
  const Job& spec = view.job(job);
  const Work remaining = view.RemainingWork(job);
  const std::span<RankedPools::List> lists = ranked_pools_.lists(RankedSet(job, view));
  // Within a list (one type) the first pool with room outside the promises is the cheapest.
  const auto first_fit = [&](RankedPools::List& list) {
    const int64_t need = spec.accelerators + Promised(list.type.index());
    size_t first = 0;
    if (need > 0) {
      first = RankedPools::FirstFit(list, need, view);
    } else {  // (promises are never negative; were one so, the cursor would not apply)
      while (first < list.pools.size() && view.FreeAccelerators(list.pools[first].second) < need) {
        ++first;
      }
    }
    return first;
  };
  if (options_.agnostic) {
    // Speed-blind: a type with room at random, then its cheapest pool (holding pools first).
    for (const bool holding : {true, false}) {
      absl::InlinedVector<PoolId, 4> candidates;  // per type, in list order
      for (RankedPools::List& list : lists) {
        if (list.holding != holding) continue;
        const size_t first = first_fit(list);
        if (first == list.pools.size()) continue;
        const PoolId pool = list.pools[first].second;
        bool merged = false;  // a type's holding pools may come in several lists
        for (PoolId& c : candidates) {
          if (view.fleet().pool(c).type == list.type) {
            merged = true;
            if (std::make_pair(*view.PriceFor(spec.tenant, pool), pool) <
                std::make_pair(*view.PriceFor(spec.tenant, c), c)) {
              c = pool;
            }
          }
        }
        if (!merged) candidates.push_back(pool);
      }
      if (!candidates.empty()) return candidates[Draw(candidates.size())];
    }
    return PoolId();
  }
  // On one type the runtime is the same on every pool and the cost does not fall as the price
  // rises, so each list's first pool with room is its best by either rule; then the lists' best.
  PoolId chosen;
  for (const bool holding : {true, false}) {
    std::tuple<int64_t, int64_t, Micros> best_key;
    for (RankedPools::List& list : lists) {
      if (list.holding != holding) continue;
      const size_t first = first_fit(list);
      if (first == list.pools.size()) continue;
      const auto& [price, pool] = list.pools[first];
      const Duration runtime = RuntimeFor(remaining, *spec.RateOn(list.type));
      const auto key =
          objective_ == Objective::kMinCost
              ? std::make_tuple(ChargeFor(spec.accelerators, runtime, price), runtime, price)
              : std::make_tuple(runtime, price, Micros{0});
      if (!chosen.valid() || std::tie(key, pool) < std::tie(best_key, chosen)) {
        chosen = pool;
        best_key = key;
      }
    }
    if (chosen.valid()) break;
  }
  assert(chosen == ScanAnyPool(job, view));
  return chosen;
}

PoolId GavelPolicy::ScanPoolFor(JobId job, AcceleratorTypeId type, const ClusterView& view) const {
  const Job& spec = view.job(job);
  const Fleet& fleet = view.fleet();
  PoolId best;
  std::tuple<bool, Micros> best_key;
  for (PoolId pool : fleet.PoolsOfType(type)) {
    if (view.FreeAccelerators(pool) < spec.accelerators || !CanEverRun(spec, pool, view)) {
      continue;
    }
    const auto key =
        std::make_tuple(!fleet.pool(pool).holding.has_value(), *view.PriceFor(spec.tenant, pool));
    if (!best.valid() || key < best_key) {
      best = pool;
      best_key = key;
    }
  }
  return best;
}

PoolId GavelPolicy::ScanAnyPool(JobId job, const ClusterView& view) const {
  const Job& spec = view.job(job);
  const Fleet& fleet = view.fleet();
  PoolId best;
  std::tuple<bool, int64_t, int64_t, Micros> best_key;
  for (PoolId pool : EligiblePools(spec, view)) {
    const AcceleratorTypeId type = fleet.pool(pool).type;
    if (view.FreeAccelerators(pool) - Promised(type.index()) < spec.accelerators) continue;
    const Duration runtime = RuntimeOn(job, pool, view);
    const Micros price = *view.PriceFor(spec.tenant, pool);
    const Micros cost = ChargeFor(spec.accelerators, runtime, price);
    const bool not_holding = !fleet.pool(pool).holding.has_value();
    const auto key = objective_ == Objective::kMinCost
                         ? std::make_tuple(not_holding, cost, runtime, price)
                         : std::make_tuple(not_holding, runtime, int64_t{0}, price);
    if (!best.valid() || key < best_key) {
      best = pool;
      best_key = key;
    }
  }
  return best;
}

void GavelPolicy::Start(JobId job, PoolId pool, const ClusterView& view, Placer& placer) {
  Active& a = state_[job.index()];
  if (!placer.Place(job, pool)) return;
  const size_t type = view.fleet().pool(pool).type.index();
  if (a.promised && a.want == static_cast<int32_t>(type)) {
    promised_[type] -= a.gang;
    a.promised = false;
  }
  SetPending(job, a, false, nullptr);
  a.placed = true;
  a.pool = pool;
  a.started = view.now();
  a.stop_at = kNever;
}

void GavelPolicy::FillPool(PoolId pool, const ClusterView& view, Placer& placer, bool wanted_only) {
  const size_t type = view.fleet().pool(pool).type.index();
  // Jobs wanted on this type first; then the round's other jobs outside the promises. Only the
  // pending ones, in list order; a start takes a job out of `pending`, so walk by position.
  for (const bool wanted : {true, false}) {
    if (2 * type >= lists_.size() || (!wanted && wanted_only)) break;
    RoundList& list = wanted ? Wanted(type) : Ranked(type);
    for (auto it = list.pending.begin(); it != list.pending.end();) {
      const int64_t free = view.FreeAccelerators(pool) - (wanted ? 0 : Promised(type));
      if (free <= 0) break;
      const int32_t at = *it;
      const JobId job = list.jobs[at];
      assert(state_[job.index()].pending);
      const Job& spec = view.job(job);
      if (spec.accelerators <= free && CanEverRun(spec, pool, view)) {
        Start(job, pool, view, placer);
      }
      it = list.pending.upper_bound(at);
    }
  }
  // Then any other pending job that fits, by priority and arrival (the heads of the buckets of
  // this type, smallest gangs first), outside the promises.
  while (!wanted_only) {
    const int64_t free = view.FreeAccelerators(pool) - Promised(type);
    if (free <= 0) break;
    JobId best;
    std::pair<int64_t, int64_t> best_key;
    for (int32_t b : waiting_.OfType(view.fleet().pool(pool).type)) {
      if (waiting_.bucket(b).gang > free) break;
      if (!JobBuckets::Eligible(waiting_.bucket(b), pool, view)) continue;
      const JobBuckets::Entry* head = waiting_.Head(b);
      if (head == nullptr) continue;
      const std::pair<int64_t, int64_t> key{head->key.primary, head->key.secondary};
      if (!best.valid() || std::tie(key, head->job) < std::tie(best_key, best)) {
        best = head->job;
        best_key = key;
      }
    }
    if (!best.valid()) break;
    assert(state_[best.index()].pending);
    Start(best, pool, view, placer);
  }
}

bool GavelPolicy::Allocate(const std::vector<JobId>& jobs, const ClusterView& view,
                           std::vector<JobId>& in, std::vector<std::vector<double>>& x) {
  const Fleet& fleet = view.fleet();
  const size_t types = fleet.accelerator_types.size();
  const Time now = view.now();
  AllocationProblem problem;
  problem.capacity.assign(types, 0);
  for (const Pool& pool : fleet.pools) problem.capacity[pool.type.index()] += pool.capacity();
  std::vector<std::vector<Rate>> rates;
  for (JobId job : jobs) {
    const Job& spec = view.job(job);
    AllocationJob j;
    j.gang = spec.accelerators;
    j.weight = fleet.tenant(spec.tenant).weight;
    j.work = std::max<Work>(1, view.RemainingWork(job));
    j.rates.assign(types, 0);
    j.prices.assign(types, 0);
    bool any = false;
    // Per type, the cheapest eligible pool is the first of its lists (holding or not).
    for (const RankedPools::List& list : ranked_pools_.lists(RankedSet(job, view))) {
      const size_t t = list.type.index();
      if (problem.capacity[t] < spec.accelerators) continue;
      const Micros price = list.pools.front().first;
      if (j.rates[t] == 0 || price < j.prices[t]) j.prices[t] = price;
      j.rates[t] = options_.agnostic ? 1 : *spec.RateOn(list.type);
      any = true;
    }
    if (!any) continue;
    if (spec.deadline != kNever) j.deadline_in = std::max<Duration>(1, spec.deadline - now);
    rates.push_back(j.rates);
    problem.jobs.push_back(std::move(j));
    in.push_back(job);
  }
  if (in.empty()) return false;
  if (objective_ == Objective::kFifo) {
    AllocateFifo(in, rates, problem.capacity, view, x);
    return true;
  }
  switch (objective_) {
    case Objective::kMaxMinFairness:
      problem.objective = AllocationObjective::kMaxMinFairness;
      break;
    case Objective::kMinMakespan:
      problem.objective = AllocationObjective::kMinMakespan;
      break;
    case Objective::kFifo:
    case Objective::kMinCost:
      problem.objective = AllocationObjective::kMinCost;
      break;
  }
  problem.max_jobs_per_program = kMaxLpJobs;
  problem.baseline = options_.baseline;
  problem.spread = options_.agnostic;
  absl::StatusOr<Allocation> allocation = SolveAllocation(problem, &memo_);
  if (!allocation.ok()) return false;  // no allocation this round: placements stay work-conserving
  x = std::move(allocation->x);
  return true;
}

void GavelPolicy::AllocateFifo(const std::vector<JobId>& in,
                               const std::vector<std::vector<Rate>>& rates,
                               std::vector<int64_t> left, const ClusterView& view,
                               std::vector<std::vector<double>>& x) {
  const Fleet& fleet = view.fleet();
  const size_t types = left.size();
  x.assign(in.size(), std::vector<double>(types, 0));
  std::vector<size_t> order(in.size());
  for (size_t k = 0; k < order.size(); ++k) order[k] = k;
  const auto key = [&](size_t k) {
    const Job& spec = view.job(in[k]);
    return std::make_tuple(-spec.priority, spec.submit, in[k]);
  };
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return key(a) < key(b); });
  std::vector<bool> done(in.size(), false);
  if (options_.agnostic) {
    // Gavel's base FIFO keeps a job on the type it was given: a running job stays where it runs.
    for (size_t k : order) {
      const Active& a = state_[in[k].index()];
      if (!a.placed) continue;
      const size_t t = fleet.pool(a.pool).type.index();
      if (rates[k][t] <= 0) continue;
      x[k][t] = 1;
      left[t] -= a.gang;
      done[k] = true;
    }
  }
  for (size_t k : order) {
    if (done[k]) continue;
    const int32_t gang = view.job(in[k]).accelerators;
    absl::InlinedVector<size_t, 4> fits;
    for (size_t t = 0; t < types; ++t) {
      if (rates[k][t] > 0 && left[t] >= gang) fits.push_back(t);
    }
    if (fits.empty()) break;  // no job passes a waiting older one
    size_t t = fits.front();
    if (options_.agnostic) {
      t = fits[Draw(fits.size())];
    } else {
      for (size_t u : fits) {
        if (rates[k][u] > rates[k][t]) t = u;
      }
    }
    x[k][t] = 1;
    left[t] -= gang;
  }
}

void GavelPolicy::DoRound(const ClusterView& view) {
  ++rounds_;
  const Fleet& fleet = view.fleet();
  const size_t types = fleet.accelerator_types.size();
  const Time now = view.now();
  // The allocation's jobs: every placed one, then the oldest pending ones.
  std::vector<JobId> jobs;
  for (JobId job : active_) {
    if (state_[job.index()].placed) jobs.push_back(job);
  }
  for (JobId job : active_) {
    if (static_cast<int>(jobs.size()) >= kMaxLpJobs) break;
    if (state_[job.index()].pending) jobs.push_back(job);
  }
  for (const auto& [job, x] : shares_) state_[job.index()].in_lp = false;
  shares_.clear();
  for (JobId job : jobs) {
    Active& a = state_[job.index()];
    a.want = -1;
    // A mover still waiting for its room waits for any pool again.
    if (a.promised && a.pending) Wait(job, view);
    a.promised = false;
  }
  for (const RoundList& list : lists_) {
    for (JobId job : list.jobs) state_[job.index()].slots.clear();
  }
  lists_.assign(2 * types, {});
  promised_.assign(types, 0);
  // As in Gavel, the allocation is computed again only after a job arrived or left (a "reset
  // event"); the priorities follow the time each job has had at every round.
  if (reset_ || jobs != last_jobs_) {
    last_in_.clear();
    last_x_.clear();
    last_jobs_.clear();
    if (!Allocate(jobs, view, last_in_, last_x_)) return;
    last_jobs_ = jobs;
    reset_ = false;
  }
  const std::vector<JobId>& in_lp = last_in_;
  const std::vector<std::vector<double>>& allocation = last_x_;
  std::vector<int64_t> capacity(types, 0);
  for (const Pool& pool : fleet.pools) capacity[pool.type.index()] += pool.capacity();
  struct Pair {
    double priority;
    double x;
    JobId job;
    size_t type;
  };
  std::vector<Pair> pairs;
  for (size_t k = 0; k < in_lp.size(); ++k) {
    const JobId job = in_lp[k];
    shares_[job] = allocation[k];
    Active& a = state_[job.index()];
    a.in_lp = true;
    const double queued = static_cast<double>(std::max<Duration>(1, now - a.since));
    // The type it runs on now counts the current run too (its share so far is what Gavel's
    // priorities compare with the allocation).
    const size_t here = a.placed ? fleet.pool(a.pool).type.index() : types;
    for (size_t t = 0; t < types; ++t) {
      const double x = allocation[k][t];
      if (x <= 1e-6) continue;
      const Duration ran = a.received[t] + (t == here ? now - a.started : 0);
      const double received = static_cast<double>(ran) / queued;
      pairs.push_back({received > 0 ? x / received : 1e30 * x, x, job, t});
    }
  }
  std::sort(pairs.begin(), pairs.end(), [](const Pair& a, const Pair& b) {
    return std::tie(b.priority, b.x, a.job, a.type) < std::tie(a.priority, a.x, b.job, b.type);
  });
  // The round's wanted placements: by priority, one type per job, within each type's capacity.
  std::vector<int64_t> left = capacity;
  for (const Pair& p : pairs) {
    Active& a = state_[p.job.index()];
    if (a.want >= 0) continue;
    const int32_t gang = view.job(p.job).accelerators;
    if (gang > left[p.type]) continue;
    left[p.type] -= gang;
    a.want = static_cast<int32_t>(p.type);
    Enlist(p.job, 2 * p.type);
  }
  for (const Pair& p : pairs) {
    if (state_[p.job.index()].pending) Enlist(p.job, 2 * p.type + 1);
  }
  // Which running jobs stop (at their next checkpoint). Only jobs that checkpoint and have run
  // for a round may stop. A job wanted on another type moves only if that type will have room
  // once the other movers have left (so swaps happen, and nobody stops to wait); the movers into
  // an over-subscribed type are dropped lowest priority first until every type has room. A job
  // wanted nowhere stops only for pending jobs wanted on its type that would not fit otherwise.
  const auto type_of = [&fleet](const Active& a) { return fleet.pool(a.pool).type.index(); };
  std::vector<int64_t> free(types, 0);
  for (size_t p = 0; p < fleet.pools.size(); ++p) {
    free[fleet.pools[p].type.index()] +=
        std::max<int64_t>(0, view.FreeAccelerators(PoolId::FromIndex(p)));
  }
  const auto movable = [&](JobId job) {
    const Active& a = state_[job.index()];
    const Job& spec = view.job(job);
    return a.placed && (spec.checkpoint_at_preemption || spec.checkpoint_interval > 0) &&
           now - a.started >= options_.round;
  };
  std::vector<JobId> movers;  // in the round's priority order
  for (const Pair& p : pairs) {
    const Active& a = state_[p.job.index()];
    if (movable(p.job) && a.want == static_cast<int32_t>(p.type) &&
        static_cast<size_t>(a.want) != type_of(a)) {
      movers.push_back(p.job);
    }
  }
  while (true) {
    std::vector<int64_t> room = free;
    for (JobId job : movers) room[type_of(state_[job.index()])] += state_[job.index()].gang;
    for (JobId job : movers) room[state_[job.index()].want] -= state_[job.index()].gang;
    size_t over = types;
    for (size_t t = 0; t < types && over == types; ++t) {
      if (room[t] < 0) over = t;
    }
    if (over == types) break;
    for (size_t k = movers.size(); k-- > 0;) {
      if (static_cast<size_t>(state_[movers[k].index()].want) == over) {
        movers.erase(movers.begin() + static_cast<std::ptrdiff_t>(k));
        break;
      }
    }
  }
  std::vector<JobId> stopping = movers;
  std::vector<int64_t> leaving(types, 0);
  for (JobId job : movers) leaving[type_of(state_[job.index()])] += state_[job.index()].gang;
  std::vector<int64_t> demand(types, 0);
  for (size_t t = 0; t < types; ++t) {
    for (JobId job : Wanted(t).jobs) {
      if (state_[job.index()].pending) demand[t] += state_[job.index()].gang;
    }
  }
  for (auto it = jobs.rbegin(); it != jobs.rend(); ++it) {  // newest first
    const Active& a = state_[it->index()];
    if (a.want >= 0 || !movable(*it)) continue;
    const size_t here = type_of(a);
    if (demand[here] <= free[here] + leaving[here]) continue;
    leaving[here] += a.gang;
    stopping.push_back(*it);
  }
  for (JobId job : jobs) state_[job.index()].stop_at = kNever;
  for (JobId job : stopping) {
    Active& a = state_[job.index()];
    const Job& spec = view.job(job);
    if (spec.checkpoint_at_preemption) {
      a.stop_at = now;  // it saves its progress when stopped
    } else {
      const Duration interval = spec.checkpoint_interval;
      const Time run_start = view.RunStart(job);
      const Duration ran = std::max<Duration>(0, now - run_start);
      a.stop_at = run_start + (ran + interval - 1) / interval * interval;
    }
    next_stop_ = std::min(next_stop_, a.stop_at);
    // A job moving to another type is promised room there, so that a swap cannot be undone by
    // others taking what the first stop frees.
    if (a.want >= 0) {
      promised_[a.want] += a.gang;
      a.promised = true;
    }
  }
}

void GavelPolicy::Schedule(const ClusterView& view, std::span<const PoolId> grown, Placer& placer) {
  for (PoolId pool : grown) ranked_pools_.Grew(pool);
  Account(view);
  const Time now = view.now();
  const Fleet& fleet = view.fleet();
  if (!active_.empty() && now >= next_round_) {
    DoRound(view);
    next_round_ = now + options_.round;
    // The round's wanted placements everywhere first, so that no pool hands a job wanted
    // elsewhere a place it does not want; then what is left.
    for (const bool wanted_only : {true, false}) {
      for (size_t p = 0; p < fleet.pools.size(); ++p) {
        FillPool(PoolId::FromIndex(p), view, placer, wanted_only);
      }
    }
  }
  if (now >= next_stop_) {
    // Deferred stops that are due; the capacity they free goes to the jobs wanted there.
    next_stop_ = kNever;
    std::vector<JobId> due;
    for (JobId job : active_) {
      const Active& a = state_[job.index()];
      if (!a.placed || a.stop_at == kNever) continue;
      if (a.stop_at <= now) {
        due.push_back(job);
      } else {
        next_stop_ = std::min(next_stop_, a.stop_at);
      }
    }
    std::vector<PoolId> freed;
    for (JobId job : due) {
      Active& a = state_[job.index()];
      a.stop_at = kNever;
      const PoolId pool = a.pool;
      const PoolId running = PoolRunning(job, pool, view);
      if (!placer.Preempt(job,
                          "stopped at a checkpoint: the round's allocation wants it elsewhere")) {
        continue;
      }
      // The pool it ran on has room again: the ranked choices later in this pass must see it
      // (the core offers it as grown only to the next pass).
      if (running.valid()) ranked_pools_.Grew(running);
      freed.push_back(pool);
    }
    Account(view);
    for (PoolId pool : freed) FillPool(pool, view, placer);
  }
  for (PoolId pool : grown) FillPool(pool, view, placer);
  for (JobId job : fresh_) {
    if (job.index() >= state_.size()) continue;
    const Active& a = state_[job.index()];
    if (!a.pending) continue;
    PoolId pool;
    if (a.want >= 0) pool = PoolFor(job, AcceleratorTypeId::FromIndex(a.want), view);
    // A mover waits for the room promised to it on its new type (that its swap partner frees).
    if (!pool.valid() && !a.promised) pool = AnyPool(job, view);
    if (pool.valid()) Start(job, pool, view, placer);
  }
  fresh_.clear();
}

namespace {

std::unique_ptr<Policy> MakeGavel(GavelPolicy::Objective objective, bool agnostic,
                                  const PolicyOptions& options) {
  GavelPolicy::Options o;
  if (options.settings.round > 0) o.round = options.settings.round;
  o.agnostic = agnostic;
  o.baseline = options.settings.fairness == PolicySettings::Fairness::kFastestType
                   ? MaxMinBaseline::kFastestType
                   : MaxMinBaseline::kEqualShare;
  o.seed = options.seed;
  return std::make_unique<GavelPolicy>(objective, o);
}

}  // namespace

std::unique_ptr<Policy> MakeGavelFifoPolicy(const PolicyOptions& options) {
  return MakeGavel(GavelPolicy::Objective::kFifo, false, options);
}

std::unique_ptr<Policy> MakeGavelFifoAgnosticPolicy(const PolicyOptions& options) {
  return MakeGavel(GavelPolicy::Objective::kFifo, true, options);
}

std::unique_ptr<Policy> MakeGavelMaxMinPolicy(const PolicyOptions& options) {
  return MakeGavel(GavelPolicy::Objective::kMaxMinFairness, false, options);
}

std::unique_ptr<Policy> MakeGavelMaxMinAgnosticPolicy(const PolicyOptions& options) {
  return MakeGavel(GavelPolicy::Objective::kMaxMinFairness, true, options);
}

std::unique_ptr<Policy> MakeGavelMakespanPolicy(const PolicyOptions& options) {
  return MakeGavel(GavelPolicy::Objective::kMinMakespan, false, options);
}

std::unique_ptr<Policy> MakeGavelCostPolicy(const PolicyOptions& options) {
  return MakeGavel(GavelPolicy::Objective::kMinCost, false, options);
}

}  // namespace arbiter
