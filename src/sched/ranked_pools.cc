#include "sched/ranked_pools.h"

#include <algorithm>
#include <optional>

namespace arbiter {

int32_t RankedPools::SetOf(const Job& spec, const ClusterView& view) {
  auto [it, added] = set_by_shape_.try_emplace(ShapeOf(spec), static_cast<int32_t>(sets_.size()));
  if (!added) return it->second;
  const int32_t set = it->second;
  std::vector<List> lists;
  const auto add = [&lists](AcceleratorTypeId type, bool holding, int32_t preference, Purchase how,
                            Micros price, PoolId pool) {
    auto list = std::find_if(lists.begin(), lists.end(), [&](const List& l) {
      return l.type == type && l.holding == holding && l.preference == preference && l.how == how;
    });
    if (list == lists.end()) {
      list = lists.insert(lists.end(), List{type, holding, preference, how, {}, 0});
    }
    list->pools.emplace_back(price, pool);
  };
  const bool by_preference = spec.placement != nullptr && preference_ == Preference::kHonour;
  for (PoolId pool : EligiblePools(spec, view)) {
    const Pool& p = view.fleet().pool(pool);
    if (ways_ == Ways::kDefault) {
      add(p.type, p.holding.has_value(), by_preference ? PreferenceOf(spec, pool, view) : 0,
          Purchase::kDefault, *view.PriceFor(spec.tenant, pool), pool);
      continue;
    }
    for (const Purchase how : {Purchase::kSpot, Purchase::kOnDemand}) {
      if (const std::optional<Micros> price = view.PurchasePrice(spec.tenant, pool, how);
          price && PlacementAllows(spec, pool, how, view)) {
        add(p.type, false, 0, how, *price, pool);
      }
    }
  }
  if (where_.size() < view.fleet().pools.size()) where_.resize(view.fleet().pools.size());
  for (size_t l = 0; l < lists.size(); ++l) {
    std::vector<std::pair<Micros, PoolId>>& pools = lists[l].pools;
    std::sort(pools.begin(), pools.end());
    for (size_t i = 0; i < pools.size(); ++i) {
      where_[pools[i].second.index()].push_back(
          {set, static_cast<int32_t>(l), static_cast<int32_t>(i)});
    }
  }
  sets_.push_back(std::move(lists));
  return set;
}

void RankedPools::Grew(PoolId pool) {
  if (pool.index() >= where_.size()) return;
  for (const Where& at : where_[pool.index()]) {
    size_t& full = sets_[at.set][at.list].full;
    full = std::min(full, static_cast<size_t>(at.position));
  }
}

void RankedPools::GrewAll() {
  for (std::vector<List>& lists : sets_) {
    for (List& list : lists) list.full = 0;
  }
}

size_t RankedPools::FirstFit(List& list, int64_t gang, const ClusterView& view) {
  while (list.full < list.pools.size() &&
         view.FreeAccelerators(list.pools[list.full].second) <= 0) {
    ++list.full;
  }
  for (size_t i = list.full; i < list.pools.size(); ++i) {
    if (view.FreeAccelerators(list.pools[i].second) >= gang) return i;
  }
  return list.pools.size();
}

PoolId RankedPools::Choose(JobId job, int32_t set, Rule rule, const ClusterView& view) {
  // On one type the runtime is the same on every pool, so the fastest choice there is the first
  // pool with room in (price, id) order, and the cheapest is, among the first pools with room
  // whose cost equals the first's (cost does not fall as the price rises), the one likeliest to
  // hold (ClusterView::HoldPpm), then the lowest id.
  const Job& spec = view.job(job);
  const Work remaining = view.RemainingWork(job);
  for (const bool holding : {true, false}) {
    PoolId best;
    int32_t best_preference = 0;  // the job's order of preference first (PreferenceOf)
    Duration best_runtime = 0;
    Micros best_rank = 0;  // fastest: the price; cheapest: the cost
    Ppm best_risk = 0;     // cheapest: kPpmOne - HoldPpm (among equal costs, the likelier to hold)
    for (List& list : sets_[set]) {
      if (list.holding != holding) continue;
      const size_t first = FirstFit(list, spec.accelerators, view);
      if (first == list.pools.size()) continue;
      const Duration runtime = RuntimeFor(remaining, *spec.RateOn(list.type));
      PoolId chosen = list.pools[first].second;
      Micros rank = list.pools[first].first;
      Ppm risk = 0;
      if (rule == Rule::kCheapest) {
        rank = ChargeFor(spec.accelerators, runtime, rank);
        risk = kPpmOne - view.HoldPpm(chosen);
        for (size_t i = first + 1; i < list.pools.size(); ++i) {
          const auto& [price, pool] = list.pools[i];
          if (ChargeFor(spec.accelerators, runtime, price) != rank) break;
          if (view.FreeAccelerators(pool) < spec.accelerators) continue;
          const Ppm r = kPpmOne - view.HoldPpm(pool);
          if (std::tie(r, pool) < std::tie(risk, chosen)) {
            chosen = pool;
            risk = r;
          }
        }
      }
      const bool better =
          !best.valid() ||
          (rule == Rule::kFastest
               ? std::tie(list.preference, runtime, rank, chosen) <
                     std::tie(best_preference, best_runtime, best_rank, best)
               : std::tie(list.preference, rank, risk, runtime, chosen) <
                     std::tie(best_preference, best_rank, best_risk, best_runtime, best));
      if (better) {
        best = chosen;
        best_preference = list.preference;
        best_runtime = runtime;
        best_rank = rank;
        best_risk = risk;
      }
    }
    if (best.valid()) return best;
  }
  return PoolId();
}

}  // namespace arbiter
