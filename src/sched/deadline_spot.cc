#include "sched/deadline_spot.h"

#include <algorithm>
#include <cassert>
#include <functional>
#include <tuple>

namespace arbiter {

void DeadlineSpotPolicy::OnPending(JobId job, const ClusterView& view) {
  if (state_.size() <= job.index()) state_.resize(job.index() + 1);
  State& s = state_[job.index()];
  const bool tracked = s.pending || s.placed;
  s.pending = true;
  s.placed = false;
  SetOf(job, view);  // its shape's ranked lists, once per job (not in the pass that starts it)
  if (HasDeadline(job, view)) {
    if (!tracked) deadline_jobs_.push_back(job);
  } else {
    const Job& spec = view.job(job);
    buckets_.Add(job, view, {-static_cast<int64_t>(spec.priority), spec.submit});
    ++joined_;
  }
  fresh_.push_back(job);
}

void DeadlineSpotPolicy::OnRemoved(JobId job) {
  if (job.index() >= state_.size()) return;
  state_[job.index()].pending = false;
  buckets_.Remove(job);
}

void DeadlineSpotPolicy::OnReleased(JobId job) {
  if (job.index() < state_.size()) state_[job.index()].placed = false;
}

Time DeadlineSpotPolicy::NextWakeup() const {
  return wakes_.empty() ? kNever : wakes_.front().first;
}

void DeadlineSpotPolicy::Wake(JobId job, Time at) {
  State& s = state_[job.index()];
  s.wake = at;
  if (at == kNever) return;
  wakes_.push_back({at, job});
  std::push_heap(wakes_.begin(), wakes_.end(), std::greater<>());
}

int32_t DeadlineSpotPolicy::SetOf(JobId job, const ClusterView& view) {
  State& s = state_[job.index()];
  if (s.ranked >= 0) return s.ranked;
  const Job& spec = view.job(job);
  s.ranked = ranked_.SetOf(spec, view);
  if (static_cast<size_t>(s.ranked) >= on_demand_rate_.size()) {
    // A new shape: its best on-demand rate is that of its fastest type sold on demand.
    Rate best = 0;
    for (const RankedPools::List& list : ranked_.lists(s.ranked)) {
      if (list.how == Purchase::kOnDemand) best = std::max(best, *spec.RateOn(list.type));
    }
    on_demand_rate_.push_back(best);
  }
  return s.ranked;
}

std::optional<DeadlineSpotPolicy::Option> DeadlineSpotPolicy::FirstFit(JobId job,
                                                                       RankedPools::List& list,
                                                                       const ClusterView& view) {
  const Job& spec = view.job(job);
  const size_t first = RankedPools::FirstFit(list, spec.accelerators, view);
  if (first == list.pools.size()) return std::nullopt;
  const Duration runtime = RuntimeFor(view.RemainingWork(job), *spec.RateOn(list.type));
  Option option{list.pools[first].second, list.how,
                ChargeFor(spec.accelerators, runtime, list.pools[first].first), runtime};
  // The cost does not fall as the price rises, but a higher price can round to the same cost:
  // among the pools with room at that cost, the scan's choice is the lowest id.
  for (size_t i = first + 1; i < list.pools.size(); ++i) {
    const auto& [price, pool] = list.pools[i];
    if (ChargeFor(spec.accelerators, runtime, price) != option.cost) break;
    if (pool < option.pool && view.FreeAccelerators(pool) >= spec.accelerators) option.pool = pool;
  }
  return option;
}

std::optional<DeadlineSpotPolicy::Option> DeadlineSpotPolicy::Cheapest(JobId job, Purchase how,
                                                                       const ClusterView& view) {
  // Per list the runtime is the same on every pool, so its cheapest pool with room is the first
  // by price (FirstFit); between lists, equal (cost, runtime) go to the lower pool id and then to
  // spot, the order in which the plain scan meets them.
  std::optional<Option> best;
  for (RankedPools::List& list : ranked_.lists(SetOf(job, view))) {
    if (how != Purchase::kDefault && list.how != how) continue;
    const std::optional<Option> option = FirstFit(job, list, view);
    if (option && (!best || std::tie(option->cost, option->runtime, option->pool, option->how) <
                                std::tie(best->cost, best->runtime, best->pool, best->how))) {
      best = option;
    }
  }
  // Debug builds (the test suite) check the shortcut against the plain scan.
  assert(Same(best, CheapestByScan(job, how, view)));
  return best;
}

std::optional<DeadlineSpotPolicy::Option> DeadlineSpotPolicy::FastestOnDemand(
    JobId job, const ClusterView& view) {
  std::optional<Option> best;
  for (RankedPools::List& list : ranked_.lists(SetOf(job, view))) {
    if (list.how != Purchase::kOnDemand) continue;
    const std::optional<Option> option = FirstFit(job, list, view);
    if (option && (!best || std::tie(option->runtime, option->cost, option->pool) <
                                std::tie(best->runtime, best->cost, best->pool))) {
      best = option;
    }
  }
  assert(Same(best, FastestOnDemandByScan(job, view)));
  return best;
}

Rate DeadlineSpotPolicy::OnDemandRate(JobId job, const ClusterView& view) {
  return on_demand_rate_[SetOf(job, view)];
}

bool DeadlineSpotPolicy::Same(const std::optional<Option>& a, const std::optional<Option>& b) {
  if (!a || !b) return a.has_value() == b.has_value();
  return std::tie(a->pool, a->how, a->cost, a->runtime) ==
         std::tie(b->pool, b->how, b->cost, b->runtime);
}

std::optional<DeadlineSpotPolicy::Option> DeadlineSpotPolicy::CheapestByScan(
    JobId job, Purchase how, const ClusterView& view) const {
  const Job& spec = view.job(job);
  std::optional<Option> best;
  const Purchase ways[] = {Purchase::kSpot, Purchase::kOnDemand};
  for (PoolId pool : eligible_.Pools(spec, view)) {
    if (view.FreeAccelerators(pool) < spec.accelerators) continue;
    const Duration runtime = RuntimeOn(job, pool, view);
    for (Purchase way : ways) {
      if (how != Purchase::kDefault && how != way) continue;
      const std::optional<Micros> price = view.PurchasePrice(spec.tenant, pool, way);
      if (!price || !PlacementAllows(spec, pool, way, view)) continue;
      const Micros cost = ChargeFor(spec.accelerators, runtime, *price);
      if (!best || std::tie(cost, runtime) < std::tie(best->cost, best->runtime)) {
        best = Option{pool, way, cost, runtime};
      }
    }
  }
  return best;
}

std::optional<DeadlineSpotPolicy::Option> DeadlineSpotPolicy::FastestOnDemandByScan(
    JobId job, const ClusterView& view) const {
  const Job& spec = view.job(job);
  std::optional<Option> best;
  for (PoolId pool : eligible_.Pools(spec, view)) {
    if (view.FreeAccelerators(pool) < spec.accelerators) continue;
    const std::optional<Micros> price = view.PurchasePrice(spec.tenant, pool, Purchase::kOnDemand);
    if (!price || !PlacementAllows(spec, pool, Purchase::kOnDemand, view)) continue;
    const Duration runtime = RuntimeOn(job, pool, view);
    const Micros cost = ChargeFor(spec.accelerators, runtime, *price);
    if (!best || std::tie(runtime, cost) < std::tie(best->runtime, best->cost)) {
      best = Option{pool, Purchase::kOnDemand, cost, runtime};
    }
  }
  return best;
}

Duration DeadlineSpotPolicy::Changeover(JobId job, const ClusterView& view) const {
  return kChangeover + std::max<Duration>(0, view.job(job).checkpoint_interval);
}

bool DeadlineSpotPolicy::Critical(JobId job, const ClusterView& view) {
  const Rate rate = OnDemandRate(job, view);
  if (rate == 0) return false;  // spot only: nothing to fall back on
  const Duration runtime = RuntimeFor(view.RemainingWork(job), rate);
  return view.job(job).deadline - view.now() - runtime <= Changeover(job, view);
}

bool DeadlineSpotPolicy::Hopeless(JobId job, const ClusterView& view) {
  const Rate rate = OnDemandRate(job, view);
  if (rate == 0) return false;
  return view.job(job).deadline - view.now() < RuntimeFor(view.RemainingWork(job), rate);
}

bool DeadlineSpotPolicy::Behind(JobId job, Work done, const ClusterView& view) const {
  const Job& spec = view.job(job);
  const Duration span = spec.deadline - spec.submit;
  return static_cast<Int128>(done) * span <
         static_cast<Int128>(spec.work) * (view.now() - spec.submit);
}

Time DeadlineSpotPolicy::NextDecision(JobId job, const ClusterView& view) {
  const Job& spec = view.job(job);
  const Time now = view.now();
  Time at = kNever;
  if (const Rate rate = OnDemandRate(job, view); rate > 0) {
    const Time critical =
        spec.deadline - RuntimeFor(view.RemainingWork(job), rate) - Changeover(job, view);
    if (critical > now) at = critical;
  }
  if (rule_ == Rule::kUniformProgress && state_[job.index()].pending) {
    // The first second at which done x (D - S) < W x (t - S).
    const Work done = spec.work - view.RemainingWork(job);
    const Duration span = spec.deadline - spec.submit;
    const Time behind =
        spec.submit + static_cast<Time>(static_cast<Int128>(done) * span / spec.work) + 1;
    if (behind > now) at = std::min(at, behind);
  }
  return at;
}

void DeadlineSpotPolicy::Start(JobId job, const Option& option, const ClusterView& view,
                               Placer& placer) {
  State& s = state_[job.index()];
  buckets_.Remove(job);
  if (!placer.PlaceAs(job, option.pool, option.how)) return;
  s.pending = false;
  s.placed = true;
  s.how = option.how;
  s.wake = kNever;
  if (HasDeadline(job, view)) decisions_.push_back({job, option.how});
}

void DeadlineSpotPolicy::Decide(JobId job, const ClusterView& view, Placer& placer) {
  State& s = state_[job.index()];
  if (Hopeless(job, view)) {
    // The deadline is lost either way: only the cost counts now.
    if (!s.pending) return;
    if (const std::optional<Option> option = Cheapest(job, Purchase::kDefault, view)) {
      Start(job, *option, view, placer);
    }
    return;
  }
  if (s.pending) {
    if (Critical(job, view)) {
      if (const std::optional<Option> od = FastestOnDemand(job, view)) {
        Start(job, *od, view, placer);
        state_[job.index()].committed = true;
      } else if (const std::optional<Option> spot = Cheapest(job, Purchase::kSpot, view)) {
        Start(job, *spot, view, placer);  // better than waiting for on-demand room
      }
      return;  // no room at all: the next pass that frees capacity tries again
    }
    if (const std::optional<Option> spot = Cheapest(job, Purchase::kSpot, view)) {
      Start(job, *spot, view, placer);
      return;
    }
    if (rule_ == Rule::kUniformProgress &&
        Behind(job, view.job(job).work - view.RemainingWork(job), view)) {
      if (const std::optional<Option> od = FastestOnDemand(job, view)) {
        Start(job, *od, view, placer);
        return;
      }
    }
    Wake(job, NextDecision(job, view));
    return;
  }
  if (!s.placed) return;
  if (s.how == Purchase::kSpot) {
    // A preemption now would cost the deadline: move to on-demand, to the end, if it has room
    // (otherwise spot is better than nothing).
    if (Critical(job, view) && FastestOnDemand(job, view) &&
        placer.Preempt(job, "too close to its deadline on spot: moved to on-demand")) {
      ranked_.GrewAll();  // its pool has room now (it may not be the one it was placed on)
      if (const std::optional<Option> od = FastestOnDemand(job, view)) {
        Start(job, *od, view, placer);
        state_[job.index()].committed = true;
      }
      return;
    }
    Wake(job, NextDecision(job, view));
    return;
  }
  if (rule_ != Rule::kUniformProgress || s.how != Purchase::kOnDemand || s.committed) return;
  // Ahead of uniform progress by a changeover's worth, counting what a stop loses, and far from
  // critical (two changeovers of slack): back to spot.
  const Job& spec = view.job(job);
  const Rate rate = OnDemandRate(job, view);
  if (rate == 0 || spec.deadline - view.now() - RuntimeFor(view.RemainingWork(job), rate) <=
                       2 * Changeover(job, view)) {
    return;
  }
  const Work done = spec.work - view.RemainingWork(job) - view.WorkAtRisk(job);
  const Duration span = spec.deadline - spec.submit;
  if (static_cast<Int128>(done) * span <
      static_cast<Int128>(spec.work) * (view.now() - spec.submit + Changeover(job, view))) {
    return;
  }
  if (!Cheapest(job, Purchase::kSpot, view) ||
      !placer.Preempt(job, "ahead of uniform progress: back to spot")) {
    return;
  }
  ranked_.GrewAll();
  if (const std::optional<Option> spot = Cheapest(job, Purchase::kSpot, view)) {
    Start(job, *spot, view, placer);
  }
}

void DeadlineSpotPolicy::PushHead(int32_t bucket) {
  const JobBuckets::Entry* head = buckets_.Head(bucket);
  if (head == nullptr) return;
  heads_.push_back({head->key.primary, head->key.secondary, head->job, bucket});
  std::push_heap(heads_.begin(), heads_.end(), std::greater<>());
}

void DeadlineSpotPolicy::FillPool(PoolId pool, const ClusterView& view, Placer& placer) {
  // The next job is the best head (key, then id) among the buckets of the pool's type that can
  // run on it and whose gang fits in what is free. While the pool fills its free capacity only
  // falls, and a start changes the head of its own bucket only (a job is in one bucket per type),
  // so the heads wait in a heap: a head whose gang no longer fits leaves it for good, and after a
  // start only that bucket is read again. A head is checked against its bucket when it surfaces
  // (a job may have left the queue since), and the heap is rebuilt if a job joined the queue.
  const AcceleratorTypeId type = view.fleet().pool(pool).type;
  if (view.FreeAccelerators(pool) <= 0) return;
  const auto gather = [&] {
    heads_.clear();
    const int64_t free = view.FreeAccelerators(pool);
    for (int32_t b : buckets_.OfType(type)) {
      const JobBuckets::Bucket& bucket = buckets_.bucket(b);
      if (bucket.gang > free) break;
      if (bucket.live > 0 && JobBuckets::Eligible(bucket, pool, view)) PushHead(b);
    }
  };
  gather();
  uint64_t joined = joined_;
  while (!heads_.empty()) {
    const int64_t free = view.FreeAccelerators(pool);
    if (free <= 0) return;
    std::pop_heap(heads_.begin(), heads_.end(), std::greater<>());
    const QueuedHead top = heads_.back();
    heads_.pop_back();
    if (buckets_.bucket(top.bucket).gang > free) continue;
    const JobBuckets::Entry* head = buckets_.Head(top.bucket);
    if (head == nullptr) continue;
    if (head->job != top.job) {
      PushHead(top.bucket);
      continue;
    }
    const JobId job = top.job;
    if (const std::optional<Option> option = Cheapest(job, Purchase::kDefault, view)) {
      Start(job, *option, view, placer);
    } else {
      buckets_.Remove(job);  // cannot happen: it fits on `pool`
    }
    if (joined != joined_) {
      gather();
      joined = joined_;
    } else {
      PushHead(top.bucket);
    }
  }
}

void DeadlineSpotPolicy::Schedule(const ClusterView& view, std::span<const PoolId> grown,
                                  Placer& placer) {
  const Time now = view.now();
  for (PoolId pool : grown) ranked_.Grew(pool);
  for (PoolId pool : grown) FillPool(pool, view, placer);
  bool deadline_pass = !grown.empty() || (!wakes_.empty() && wakes_.front().first <= now);
  for (JobId job : fresh_) {
    if (!state_[job.index()].pending) continue;
    if (HasDeadline(job, view)) {
      deadline_pass = true;
    } else if (const std::optional<Option> option = Cheapest(job, Purchase::kDefault, view)) {
      Start(job, *option, view, placer);
    }
  }
  fresh_.clear();
  if (deadline_pass) {
    std::erase_if(deadline_jobs_, [this](JobId job) {
      const State& s = state_[job.index()];
      return !s.pending && !s.placed;
    });
    // Decide may stop and requeue a job (OnPending appends nothing: it is tracked).
    const std::vector<JobId> jobs = deadline_jobs_;
    for (JobId job : jobs) Decide(job, view, placer);
  }
  // Drop wake-ups that are due or superseded.
  while (!wakes_.empty()) {
    const auto [at, job] = wakes_.front();
    const State& s = state_[job.index()];
    if (at > now && s.wake == at && (s.pending || s.placed)) break;
    std::pop_heap(wakes_.begin(), wakes_.end(), std::greater<>());
    wakes_.pop_back();
  }
}

std::unique_ptr<Policy> MakeSpotGreedyPolicy(const PolicyOptions& /*options*/) {
  return std::make_unique<DeadlineSpotPolicy>(DeadlineSpotPolicy::Rule::kGreedy);
}

std::unique_ptr<Policy> MakeSpotUniformProgressPolicy(const PolicyOptions& /*options*/) {
  return std::make_unique<DeadlineSpotPolicy>(DeadlineSpotPolicy::Rule::kUniformProgress);
}

}  // namespace arbiter
