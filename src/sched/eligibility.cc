#include "sched/eligibility.h"

#include <algorithm>
#include <tuple>

#include "model/strings.h"

namespace arbiter {

bool CanEverRun(const Job& job, PoolId pool_id, const ClusterView& view) {
  const Pool& pool = view.fleet().pool(pool_id);
  if (!job.RateOn(pool.type)) return false;
  if (job.accelerators > pool.max_gang) return false;
  if (job.AcceleratorsPerNode() > pool.accelerators_per_node) return false;
  return view.PriceFor(job.tenant, pool_id).has_value();
}

bool AnyEligiblePool(const Job& job, const ClusterView& view) {
  for (const Throughput& t : job.throughputs) {
    for (PoolId id : view.fleet().PoolsOfType(t.type)) {
      if (CanEverRun(job, id, view)) return true;
    }
  }
  return false;
}

PoolList EligiblePools(const Job& job, const ClusterView& view) {
  PoolList pools;
  for (const Throughput& t : job.throughputs) {
    for (PoolId id : view.fleet().PoolsOfType(t.type)) {
      if (CanEverRun(job, id, view)) pools.push_back(id);
    }
  }
  if (job.throughputs.size() > 1) std::sort(pools.begin(), pools.end());
  return pools;
}

NoPool WhyNoPoolOf(const Job& job, const ClusterView& view) {
  const Fleet& fleet = view.fleet();
  std::string types;
  for (const Throughput& t : job.throughputs) {
    StrAppend(&types, types.empty() ? "" : "|", fleet.accelerator_types[t.type.index()].name);
  }
  bool any_type = false;
  bool any_access = false;
  int32_t largest_gang = 0;
  const Pool* largest = nullptr;
  int32_t largest_node = 0;
  for (size_t i = 0; i < fleet.pools.size(); ++i) {
    const Pool& pool = fleet.pools[i];
    if (!job.RateOn(pool.type)) continue;
    any_type = true;
    if (!view.PriceFor(job.tenant, PoolId::FromIndex(i))) continue;
    any_access = true;
    if (pool.max_gang > largest_gang) {
      largest_gang = pool.max_gang;
      largest = &pool;
    }
    largest_node = std::max(largest_node, pool.accelerators_per_node);
  }
  if (!any_type) {
    return {RejectReason::kNoType,
            StrCat("no pool has an accelerator type the job accepts (", types, ")")};
  }
  if (!any_access) {
    return {RejectReason::kNoContract,
            StrCat("tenant ", fleet.tenant(job.tenant).name,
                   " has no contract with any provider that has ", types)};
  }
  if (job.accelerators > largest_gang) {
    return {RejectReason::kGangTooLarge, StrCat("no pool with ", job.accelerators, " ", types,
                                                " in one interconnect domain; largest is ",
                                                largest_gang, " in ", largest->name)};
  }
  return {RejectReason::kNodeTooSmall,
          StrCat("no pool of ", types, " has ", job.AcceleratorsPerNode(),
                 " accelerators on one node; largest node has ", largest_node)};
}

JobShape ShapeOf(const Job& job) {
  JobShape shape{job.tenant.value(), job.accelerators, job.AcceleratorsPerNode(), {}};
  for (const Throughput& t : job.throughputs) std::get<3>(shape).push_back(t.type.value());
  std::sort(std::get<3>(shape).begin(), std::get<3>(shape).end());
  return shape;
}

std::span<const PoolId> EligibleCache::Pools(const Job& job, const ClusterView& view) {
  auto [it, added] = pools_.try_emplace(ShapeOf(job));
  if (added) it->second = EligiblePools(job, view);
  return it->second;
}

Duration RuntimeOn(JobId id, PoolId pool, const ClusterView& view) {
  const Job& job = view.job(id);
  return RuntimeFor(view.RemainingWork(id), *job.RateOn(view.fleet().pool(pool).type));
}

PoolId FastestPool(JobId job, std::span<const PoolId> fits, const ClusterView& view) {
  const TenantId tenant = view.job(job).tenant;
  PoolId best = fits.front();
  Duration best_runtime = RuntimeOn(job, best, view);
  Micros best_price = *view.PriceFor(tenant, best);
  for (PoolId pool : fits.subspan(1)) {
    const Duration runtime = RuntimeOn(job, pool, view);
    const Micros price = *view.PriceFor(tenant, pool);
    if (std::tie(runtime, price) < std::tie(best_runtime, best_price)) {
      best = pool;
      best_runtime = runtime;
      best_price = price;
    }
  }
  return best;
}

PoolId CheapestPool(JobId job, std::span<const PoolId> fits, const ClusterView& view) {
  const Job& spec = view.job(job);
  PoolId best;
  Micros best_cost = 0;
  Ppm best_risk = 0;  // kPpmOne - HoldPpm: among equal costs, the pool most likely to hold
  Duration best_runtime = 0;
  for (PoolId pool : fits) {
    const Duration runtime = RuntimeOn(job, pool, view);
    const Micros cost = ChargeFor(spec.accelerators, runtime, *view.PriceFor(spec.tenant, pool));
    const Ppm risk = kPpmOne - view.HoldPpm(pool);
    if (!best.valid() ||
        std::tie(cost, risk, runtime) < std::tie(best_cost, best_risk, best_runtime)) {
      best = pool;
      best_cost = cost;
      best_risk = risk;
      best_runtime = runtime;
    }
  }
  return best;
}

}  // namespace arbiter
