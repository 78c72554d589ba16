#include "core/access.h"

namespace arbiter {

Micros Discounted(Micros price, Ppm discount) {
  const Int128 scaled = static_cast<Int128>(price) * (kPpmOne - discount);
  return static_cast<Micros>((scaled + kPpmOne / 2) / kPpmOne);
}

std::optional<Access> AccessFromContracts(const Fleet& fleet, TenantId tenant, PoolId pool_id) {
  const Pool& pool = fleet.pool(pool_id);
  const Tenant& t = fleet.tenant(tenant);
  if (pool.holding) {
    const Contract& c = fleet.contracts[pool.holding->index()];
    if (c.tenant != tenant) return std::nullopt;
    return Access{
        0, c.kind() == ContractKind::kReservation ? ChargeKind::kReserved : ChargeKind::kCommitted,
        false};
  }
  if (t.first_party_of == pool.provider) {
    return Access{pool.committed_price.value_or(pool.on_demand_price.value_or(0)),
                  ChargeKind::kInternal, false};
  }
  std::optional<Access> spot;
  for (const Contract& c : fleet.contracts) {
    if (c.tenant != tenant || c.provider != pool.provider) continue;
    if (const auto* od = std::get_if<OnDemandTerms>(&c.terms)) {
      if (pool.on_demand_price) {
        return Access{Discounted(*pool.on_demand_price, od->discount), ChargeKind::kOnDemand, true};
      }
    } else if (const auto* sp = std::get_if<SpotTerms>(&c.terms)) {
      if (pool.spot_price && !spot) {
        spot = Access{Discounted(*pool.spot_price, sp->discount), ChargeKind::kSpot, true};
      }
    }
  }
  return spot;
}

std::optional<Micros> SpotPriceFromContracts(const Fleet& fleet, TenantId tenant, PoolId pool_id) {
  const Pool& pool = fleet.pool(pool_id);
  if (pool.holding || !pool.spot_price || fleet.tenant(tenant).first_party_of == pool.provider) {
    return std::nullopt;
  }
  for (const Contract& c : fleet.contracts) {
    if (c.tenant != tenant || c.provider != pool.provider) continue;
    if (const auto* sp = std::get_if<SpotTerms>(&c.terms)) {
      return Discounted(*pool.spot_price, sp->discount);
    }
  }
  return std::nullopt;
}

QuotePrices QuotePricesFromContracts(const Fleet& fleet) {
  QuotePrices prices(fleet.tenants.size() * fleet.pools.size());
  for (size_t t = 0; t < fleet.tenants.size(); ++t) {
    for (size_t p = 0; p < fleet.pools.size(); ++p) {
      const Pool& pool = fleet.pools[p];
      auto& [on_demand, spot] = prices[t * fleet.pools.size() + p];
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
  return prices;
}

AccessTable::AccessTable(const Fleet& fleet) : pools_(fleet.pools.size()) {
  access_.resize(fleet.tenants.size() * pools_);
  spot_price_.resize(access_.size());
  for (size_t t = 0; t < fleet.tenants.size(); ++t) {
    for (size_t p = 0; p < pools_; ++p) {
      access_[t * pools_ + p] =
          AccessFromContracts(fleet, TenantId::FromIndex(t), PoolId::FromIndex(p));
      spot_price_[t * pools_ + p] =
          SpotPriceFromContracts(fleet, TenantId::FromIndex(t), PoolId::FromIndex(p));
    }
  }
}

std::optional<Micros> AccessTable::Price(TenantId tenant, PoolId pool) const {
  const std::optional<Access>& access = Of(tenant, pool);
  if (!access) return std::nullopt;
  return access->price_per_accel_hour;
}

std::optional<Micros> AccessTable::PurchasePrice(TenantId tenant, PoolId pool, Purchase how) const {
  switch (how) {
    case Purchase::kDefault:
      return Price(tenant, pool);
    case Purchase::kSpot:
      return spot_price_[tenant.index() * pools_ + pool.index()];
    case Purchase::kOnDemand: {
      const std::optional<Access>& access = Of(tenant, pool);
      if (!access || access->kind == ChargeKind::kSpot) return std::nullopt;
      return access->price_per_accel_hour;
    }
  }
  return std::nullopt;
}

}  // namespace arbiter
