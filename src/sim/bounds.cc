#include "sim/bounds.h"

#include <algorithm>
#include <functional>
#include <queue>
#include <variant>

#include "core/broker.h"

namespace arbiter {
namespace {

// Each pool's largest capacity over the run: its initial size or a scheduled change.
std::vector<int64_t> MaxCapacities(const Scenario& scenario) {
  const Fleet& fleet = scenario.fleet;
  std::vector<int64_t> max(fleet.pools.size());
  for (size_t p = 0; p < fleet.pools.size(); ++p) max[p] = fleet.pools[p].capacity();
  for (const CapacityChange& c : scenario.capacity_changes) {
    const int64_t capacity =
        static_cast<int64_t>(c.nodes) * fleet.pool(c.pool).accelerators_per_node;
    max[c.pool.index()] = std::max(max[c.pool.index()], capacity);
  }
  return max;
}

}  // namespace

std::optional<Micros> PriceFloor(const Fleet& fleet, TenantId tenant, PoolId pool_id) {
  const std::optional<Access> access = AccessFromContracts(fleet, tenant, pool_id);
  if (!access) return std::nullopt;
  const Pool& pool = fleet.pool(pool_id);
  // A holding pool is the tenant's alone and free to use; its own provider's pools are a first
  // party's at the internal price; neither is bought through the market.
  if (pool.holding || fleet.tenant(tenant).first_party_of == pool.provider) {
    return access->price_per_accel_hour;
  }
  Micros floor = access->price_per_accel_hour;
  for (const Contract& c : fleet.contracts) {
    if (c.tenant != tenant || c.provider != pool.provider) continue;
    if (const auto* od = std::get_if<OnDemandTerms>(&c.terms); od && pool.on_demand_price) {
      floor = std::min(floor, Discounted(*pool.on_demand_price, od->discount));
    } else if (const auto* sp = std::get_if<SpotTerms>(&c.terms); sp && pool.spot_price) {
      floor = std::min(floor, Discounted(*pool.spot_price, sp->discount));
    }
  }
  if (fleet.provider(pool.provider).agent.match_quotes) {
    floor = std::min(floor, pool.committed_price.value_or(0));
  }
  return floor;
}

std::vector<JobFloor> JobFloors(const Scenario& scenario) {
  const Fleet& fleet = scenario.fleet;
  const std::vector<int64_t> max_capacity = MaxCapacities(scenario);
  // Price floors per (tenant, pool), computed once.
  std::vector<std::optional<Micros>> prices(fleet.tenants.size() * fleet.pools.size());
  for (size_t t = 0; t < fleet.tenants.size(); ++t) {
    for (size_t p = 0; p < fleet.pools.size(); ++p) {
      prices[t * fleet.pools.size() + p] =
          PriceFloor(fleet, TenantId::FromIndex(t), PoolId::FromIndex(p));
    }
  }
  std::vector<JobFloor> floors(scenario.jobs.size());
  for (size_t j = 0; j < scenario.jobs.size(); ++j) {
    const Job& job = scenario.jobs[j];
    JobFloor& f = floors[j];
    Rate fastest = 0;
    std::optional<Int128> cheapest;  // accelerators x work x price / rate, times 3600
    for (const Throughput& t : job.throughputs) {
      if (t.type.index() >= fleet.accelerator_types.size()) continue;
      for (PoolId id : fleet.PoolsOfType(t.type)) {
        const Pool& pool = fleet.pool(id);
        const std::optional<Micros>& price =
            prices[job.tenant.index() * fleet.pools.size() + id.index()];
        // The rule of sched/eligibility.h CanEverRun.
        if (!price || job.accelerators > pool.max_gang ||
            job.AcceleratorsPerNode() > pool.accelerators_per_node) {
          continue;
        }
        f.counted = true;
        f.max_capacity += max_capacity[id.index()];
        fastest = std::max(fastest, t.rate);
        const Int128 cost = static_cast<Int128>(job.accelerators) * job.work * *price / t.rate;
        if (!cheapest || cost < *cheapest) cheapest = cost;
      }
    }
    if (!f.counted) continue;
    f.runtime = RuntimeFor(job.work, fastest);
    f.usage_cost = static_cast<Micros>(*cheapest / kSecondsPerHour);
  }
  return floors;
}

RunBounds ComputeBounds(const Scenario& scenario, const std::vector<JobFloor>& floors) {
  RunBounds b;
  const Fleet& fleet = scenario.fleet;
  if (scenario.jobs.empty()) return b;
  Time first_submit = scenario.jobs[0].submit;
  for (const Job& job : scenario.jobs) first_submit = std::min(first_submit, job.submit);
  int64_t fleet_capacity = 0;
  for (int64_t c : MaxCapacities(scenario)) fleet_capacity += c;

  Int128 runtime_sum = 0;
  Time last_finish = first_submit;
  for (size_t j = 0; j < floors.size(); ++j) {
    if (!floors[j].counted) continue;
    ++b.jobs;
    runtime_sum += floors[j].runtime;
    b.cost += floors[j].usage_cost;
    last_finish = std::max(last_finish, scenario.jobs[j].submit + floors[j].runtime);
  }
  if (b.jobs == 0) return b;
  b.mean_jct = static_cast<double>(runtime_sum) / static_cast<double>(b.jobs);
  // Area: the work of the jobs submitted at or after s cannot start before s, and the fleet
  // does at most fleet_capacity accelerator-seconds of it per second.
  if (fleet_capacity > 0) {
    Int128 work_after = 0;  // accelerator-seconds of the counted jobs submitted at or after s
    for (size_t j = floors.size(); j-- > 0;) {
      if (floors[j].counted) {
        work_after += static_cast<Int128>(scenario.jobs[j].accelerators) * floors[j].runtime;
      }
      if (j > 0 && scenario.jobs[j - 1].submit == scenario.jobs[j].submit) continue;
      const Int128 seconds = (work_after + fleet_capacity - 1) / fleet_capacity;
      last_finish = std::max(last_finish, scenario.jobs[j].submit + static_cast<Time>(seconds));
    }
  }
  b.makespan = last_finish - first_submit;

  // Holdings are billed whatever the policy (market/holdings.h, core/broker.cc BillHoldings): a
  // reservation's whole window, a commitment up to the end of the run, which is no earlier than
  // the last finish.
  for (const Pool& pool : fleet.pools) {
    if (!pool.holding) continue;
    const Contract& c = fleet.contracts[pool.holding->index()];
    if (const auto* cm = std::get_if<CommitmentTerms>(&c.terms)) {
      const Time end = std::min(cm->end, last_finish);
      if (end > cm->start)
        b.cost += ChargeFor(cm->accelerators, end - cm->start, cm->price_per_accel_hour);
    } else if (const auto* rs = std::get_if<ReservationTerms>(&c.terms)) {
      b.cost += ChargeFor(rs->accelerators, rs->end - rs->start, rs->price_per_accel_hour);
    }
  }
  return b;
}

void RateRun(const RunSummary& s, RunBounds& b) {
  b.makespan_ratio.reset();
  b.mean_jct_ratio.reset();
  b.cost_ratio.reset();
  if (b.jobs == 0 || s.finished != b.jobs) return;
  if (b.makespan > 0) {
    b.makespan_ratio = static_cast<double>(s.makespan) / static_cast<double>(b.makespan);
  }
  if (b.mean_jct > 0) b.mean_jct_ratio = s.jct.mean / b.mean_jct;
  if (b.cost > 0) {
    b.cost_ratio = static_cast<double>(s.total_cost) / static_cast<double>(b.cost);
  }
}

std::vector<double> EqualShareTimes(const Scenario& scenario, const std::vector<JobFloor>& floors) {
  std::vector<double> times(floors.size(), 0.0);
  // Ends (submit + runtime) of the counted jobs submitted so far, earliest on top.
  std::priority_queue<Time, std::vector<Time>, std::greater<>> ends;
  for (size_t first = 0; first < floors.size();) {
    const Time now = scenario.jobs[first].submit;
    size_t last = first;
    while (last < floors.size() && scenario.jobs[last].submit == now) {
      if (floors[last].counted) ends.push(now + floors[last].runtime);
      ++last;
    }
    while (!ends.empty() && ends.top() <= now) ends.pop();
    const auto in_system = static_cast<double>(ends.size());
    for (size_t j = first; j < last; ++j) {
      const JobFloor& f = floors[j];
      if (!f.counted || f.max_capacity <= 0) continue;
      const double share =
          in_system * scenario.jobs[j].accelerators / static_cast<double>(f.max_capacity);
      times[j] = static_cast<double>(f.runtime) * std::max(1.0, share);
    }
    first = last;
  }
  return times;
}

}  // namespace arbiter
