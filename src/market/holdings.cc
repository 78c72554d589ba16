#include "market/holdings.h"

#include <algorithm>
#include <map>
#include <set>

#include "model/strings.h"

namespace arbiter {
namespace {

struct Carve {
  Time start = 0;
  Time end = 0;
  int32_t nodes = 0;
};

absl::Status Overbooked(const Pool& pool, Time t, int32_t scheduled, int32_t held) {
  return absl::InvalidArgumentError(StrCat("pool ", pool.name, " has ", scheduled,
                                           " nodes at t=", t, " s but its holdings take ", held,
                                           "; expected holdings that fit in their pool"));
}

}  // namespace

absl::Status ExpandHoldings(Scenario& scenario) {
  Fleet& fleet = scenario.fleet;
  for (const Pool& pool : fleet.pools) {
    if (pool.holding) return absl::OkStatus();  // already expanded
  }
  std::map<PoolId, std::vector<Carve>> carves;
  std::vector<CapacityChange> added;
  for (size_t i = 0; i < fleet.contracts.size(); ++i) {
    const Contract& c = fleet.contracts[i];
    const char* kind = nullptr;
    AcceleratorTypeId type;
    std::optional<RegionId> region;
    int32_t accelerators = 0;
    Time start = 0;
    Time end = 0;
    Micros price = 0;
    if (const auto* cm = std::get_if<CommitmentTerms>(&c.terms)) {
      kind = "commitment";
      type = cm->type;
      region = cm->region;
      accelerators = cm->accelerators;
      start = cm->start;
      end = cm->end;
      price = cm->price_per_accel_hour;
    } else if (const auto* rs = std::get_if<ReservationTerms>(&c.terms)) {
      kind = "reservation";
      type = rs->type;
      region = rs->region;
      accelerators = rs->accelerators;
      start = rs->start;
      end = rs->end;
      price = rs->price_per_accel_hour;
    } else {
      continue;
    }
    const std::string where =
        StrCat("contract ", i, " (", kind, " of ", fleet.tenant(c.tenant).name, " with ",
               fleet.provider(c.provider).name, ")");
    const std::optional<PoolId> parent = fleet.HoldingParent(c.provider, type, region);
    if (!parent) {
      return absl::InvalidArgumentError(StrCat(
          where, ": the provider has no pool of ", fleet.accelerator_types[type.index()].name,
          region ? StrCat(" in region ", fleet.regions[region->index()].name) : ""));
    }
    const Pool parent_pool = fleet.pool(*parent);
    if (accelerators % parent_pool.accelerators_per_node != 0) {
      return absl::InvalidArgumentError(
          StrCat(where, ": ", accelerators, " accelerators are not whole nodes of ",
                 parent_pool.name, " (", parent_pool.accelerators_per_node, " per node)"));
    }
    const int32_t nodes = accelerators / parent_pool.accelerators_per_node;
    Pool holding;
    holding.name = StrCat(parent_pool.name, "/", kind, ":", fleet.tenant(c.tenant).name);
    if (fleet.FindPool(holding.name)) StrAppend(&holding.name, "#", i);
    holding.region = parent_pool.region;
    holding.type = parent_pool.type;
    holding.accelerators_per_node = parent_pool.accelerators_per_node;
    holding.nodes = start <= 0 && 0 < end ? nodes : 0;
    holding.max_gang = std::min(parent_pool.max_gang, accelerators);
    holding.committed_price = price;
    holding.holding = ContractId::FromIndex(i);
    holding.parent = *parent;
    const PoolId id = fleet.AddPool(std::move(holding));
    if (start > 0) added.push_back({start, id, nodes});
    added.push_back({end, id, 0});
    carves[*parent].push_back({start, end, nodes});
  }
  // Rewrite each parent's schedule: scheduled nodes minus the nodes held at each moment.
  for (const auto& [parent, list] : carves) {
    std::vector<CapacityChange> own;
    std::erase_if(scenario.capacity_changes, [&, parent = parent](const CapacityChange& change) {
      if (change.pool != parent) return false;
      own.push_back(change);
      return true;
    });
    std::stable_sort(own.begin(), own.end(),
                     [](const CapacityChange& a, const CapacityChange& b) { return a.at < b.at; });
    std::set<Time> breakpoints;
    for (const CapacityChange& change : own) breakpoints.insert(change.at);
    for (const Carve& carve : list) {
      if (carve.start > 0) breakpoints.insert(carve.start);
      breakpoints.insert(carve.end);
    }
    const std::vector<Carve>& own_carves = list;  // (clang 14 cannot capture a structured binding)
    const auto held_at = [&own_carves](Time t) {
      int32_t held = 0;
      for (const Carve& carve : own_carves) {
        if (carve.start <= t && t < carve.end) held += carve.nodes;
      }
      return held;
    };
    Pool& pool = fleet.pools[parent.index()];
    int32_t scheduled = pool.nodes;
    if (held_at(0) > scheduled) return Overbooked(pool, 0, scheduled, held_at(0));
    pool.nodes = scheduled - held_at(0);
    size_t next = 0;
    for (Time t : breakpoints) {
      while (next < own.size() && own[next].at <= t) scheduled = own[next++].nodes;
      // Never a holding bigger than what it is carved from (the scenario loader says where).
      if (held_at(t) > scheduled) return Overbooked(pool, t, scheduled, held_at(t));
      added.push_back({t, parent, scheduled - held_at(t)});
    }
  }
  for (const CapacityChange& change : added) scenario.capacity_changes.push_back(change);
  std::stable_sort(scenario.capacity_changes.begin(), scenario.capacity_changes.end(),
                   [](const CapacityChange& a, const CapacityChange& b) { return a.at < b.at; });
  return absl::OkStatus();
}

}  // namespace arbiter
