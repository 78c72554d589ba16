#include "model/fleet.h"

#include <utility>

#include "model/strings.h"

namespace arbiter {

std::string_view ContractKindName(ContractKind kind) {
  switch (kind) {
    case ContractKind::kOnDemand:
      return "on_demand";
    case ContractKind::kSpot:
      return "spot";
    case ContractKind::kCommitment:
      return "commitment";
    case ContractKind::kReservation:
      return "reservation";
    case ContractKind::kRofr:
      return "rofr";
  }
  return "unknown";
}

AcceleratorTypeId Fleet::AddAcceleratorType(std::string name) {
  const auto id = AcceleratorTypeId::FromIndex(accelerator_types.size());
  type_by_name_.emplace(name, id);
  accelerator_types.push_back({std::move(name)});
  pools_by_type_.emplace_back();
  return id;
}

ProviderId Fleet::AddProvider(std::string name, AgentConfig agent) {
  const auto id = ProviderId::FromIndex(providers.size());
  provider_by_name_.emplace(name, id);
  providers.push_back({std::move(name), {}, std::move(agent)});
  return id;
}

RegionId Fleet::AddRegion(ProviderId provider, std::string name) {
  const auto id = RegionId::FromIndex(regions.size());
  regions.push_back({std::move(name), provider, {}});
  providers[provider.index()].regions.push_back(id);
  return id;
}

PoolId Fleet::AddPool(Pool pool) {
  const auto id = PoolId::FromIndex(pools.size());
  Region& region = regions[pool.region.index()];
  pool.provider = region.provider;
  if (pool.name.empty()) {
    pool.name = StrCat(providers[pool.provider.index()].name, "/", region.name, "/",
                       accelerator_types[pool.type.index()].name);
  }
  pool_by_name_.emplace(pool.name, id);
  region.pools.push_back(id);
  pools_by_type_[pool.type.index()].push_back(id);
  pools.push_back(std::move(pool));
  return id;
}

TenantId Fleet::AddTenant(Tenant tenant) {
  const auto id = TenantId::FromIndex(tenants.size());
  tenant_by_name_.emplace(tenant.name, id);
  tenants.push_back(std::move(tenant));
  return id;
}

ContractId Fleet::AddContract(Contract contract) {
  const auto id = ContractId::FromIndex(contracts.size());
  contracts.push_back(std::move(contract));
  return id;
}

namespace {
template <typename Map, typename Key>
auto Lookup(const Map& map, Key key) -> std::optional<typename Map::mapped_type> {
  auto it = map.find(std::string(key));
  if (it == map.end()) return std::nullopt;
  return it->second;
}
}  // namespace

std::optional<AcceleratorTypeId> Fleet::FindAcceleratorType(std::string_view name) const {
  return Lookup(type_by_name_, name);
}
std::optional<ProviderId> Fleet::FindProvider(std::string_view name) const {
  return Lookup(provider_by_name_, name);
}
std::optional<RegionId> Fleet::FindRegion(ProviderId provider, std::string_view name) const {
  for (RegionId r : providers[provider.index()].regions) {
    if (regions[r.index()].name == name) return r;
  }
  return std::nullopt;
}
std::optional<PoolId> Fleet::FindPool(std::string_view name) const {
  return Lookup(pool_by_name_, name);
}
std::optional<TenantId> Fleet::FindTenant(std::string_view name) const {
  return Lookup(tenant_by_name_, name);
}
std::optional<PoolId> Fleet::HoldingParent(ProviderId provider, AcceleratorTypeId type,
                                           std::optional<RegionId> region) const {
  for (size_t p = 0; p < pools.size(); ++p) {
    const Pool& pool = pools[p];
    if (pool.provider == provider && pool.type == type && !pool.holding &&
        (!region || pool.region == *region)) {
      return PoolId::FromIndex(p);
    }
  }
  return std::nullopt;
}

namespace {

absl::Status CheckWindow(std::string_view what, Time start, Time end, int32_t accelerators,
                         Micros price) {
  if (accelerators <= 0) {
    return absl::InvalidArgumentError(StrCat(what, ": accelerators must be > 0"));
  }
  if (end <= start) {
    return absl::InvalidArgumentError(StrCat(what, ": end must be after start"));
  }
  if (price < 0) return absl::InvalidArgumentError(StrCat(what, ": price must be >= 0"));
  return absl::OkStatus();
}

}  // namespace

absl::Status Fleet::Validate() const {
  if (providers.empty()) return absl::InvalidArgumentError("fleet has no providers");
  if (pools.empty()) return absl::InvalidArgumentError("fleet has no pools");
  if (tenants.empty()) return absl::InvalidArgumentError("fleet has no tenants");
  if (pool_by_name_.size() != pools.size()) {
    return absl::InvalidArgumentError("pool names are not unique");
  }
  if (tenant_by_name_.size() != tenants.size()) {
    return absl::InvalidArgumentError("tenant names are not unique");
  }
  for (const Pool& p : pools) {
    const std::string where = StrCat("pool ", p.name);
    if (p.nodes < 0) return absl::InvalidArgumentError(StrCat(where, ": nodes must be >= 0"));
    if (p.accelerators_per_node <= 0) {
      return absl::InvalidArgumentError(StrCat(where, ": accelerators_per_node must be > 0"));
    }
    if (p.max_gang <= 0) {
      return absl::InvalidArgumentError(StrCat(where, ": max_gang must be > 0"));
    }
    for (const auto& price : {p.on_demand_price, p.spot_price, p.committed_price}) {
      if (price && *price < 0) {
        return absl::InvalidArgumentError(StrCat(where, ": prices must be >= 0"));
      }
    }
  }
  for (const Tenant& t : tenants) {
    if (t.weight <= 0) {
      return absl::InvalidArgumentError(StrCat("tenant ", t.name, ": weight must be > 0"));
    }
    if (t.first_party_of && !t.first_party_of->valid()) {
      return absl::InvalidArgumentError(StrCat("tenant ", t.name, ": bad first_party_of"));
    }
    for (const TypeQuota& q : t.quotas) {
      if (!q.type.valid() || q.type.index() >= accelerator_types.size() || q.nominal < 0 ||
          q.borrowing_limit < -1) {
        return absl::InvalidArgumentError(
            StrCat("tenant ", t.name,
                   ": a quota needs a known type, nominal >= 0 and a borrowing "
                   "limit >= 0 (or -1: none)"));
      }
    }
  }
  for (size_t i = 0; i < contracts.size(); ++i) {
    const Contract& c = contracts[i];
    if (!c.tenant.valid() || c.tenant.index() >= tenants.size() || !c.provider.valid() ||
        c.provider.index() >= providers.size()) {
      return absl::InvalidArgumentError(StrCat("contract ", i, ": unknown tenant/provider"));
    }
    const std::string where =
        StrCat("contract ", i, " (", tenants[c.tenant.index()].name, " with ",
               providers[c.provider.index()].name, ", ", ContractKindName(c.kind()), ")");
    absl::Status status;
    if (const auto* od = std::get_if<OnDemandTerms>(&c.terms)) {
      if (od->discount < 0 || od->discount > kPpmOne) {
        status = absl::InvalidArgumentError(StrCat(where, ": discount must be in [0, 1]"));
      }
    } else if (const auto* spot = std::get_if<SpotTerms>(&c.terms)) {
      if (spot->discount < 0 || spot->discount > kPpmOne) {
        status = absl::InvalidArgumentError(StrCat(where, ": discount must be in [0, 1]"));
      }
    } else if (const auto* cm = std::get_if<CommitmentTerms>(&c.terms)) {
      status = CheckWindow(where, cm->start, cm->end, cm->accelerators, cm->price_per_accel_hour);
    } else if (const auto* rs = std::get_if<ReservationTerms>(&c.terms)) {
      status = CheckWindow(where, rs->start, rs->end, rs->accelerators, rs->price_per_accel_hour);
    } else if (const auto* rofr = std::get_if<RofrTerms>(&c.terms)) {
      if (rofr->window < 0 || rofr->grace < 0) {
        status = absl::InvalidArgumentError(StrCat(where, ": window and grace must be >= 0"));
      }
    }
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

}  // namespace arbiter
