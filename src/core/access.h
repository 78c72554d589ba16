// Who may use which pool, how, and at what price: derived once from the fleet's contracts.
//
// The AccessTable is the core's price list: a tenants x pools table built at construction and
// read-only afterwards. Every part that needs a price or needs to know whether a placement must
// go through the capacity market asks it.
#ifndef ARBITER_CORE_ACCESS_H_
#define ARBITER_CORE_ACCESS_H_

#include <optional>
#include <utility>
#include <vector>

#include "model/charge.h"
#include "model/fleet.h"
#include "sched/view.h"

namespace arbiter {

// What a tenant pays on a pool, under which kind of charge, and whether it must ask for it.
struct Access {
  Micros price_per_accel_hour = 0;
  ChargeKind kind = ChargeKind::kOnDemand;
  bool market = false;  // new capacity: obtained through a capacity request
};

// Access of `tenant` to `pool` from the fleet's contracts, or nullopt if it has none:
// - a holding pool (market/holdings.h) is its holder's alone, at no charge per use (the holding
//   is billed as a whole), charged as committed or reserved;
// - a provider's own first-party tenant uses its pools at their cost basis (committed price,
//   else on-demand list price, else zero), charged as internal;
// - an on_demand contract gives the on-demand list price minus its discount, through the market;
// - failing that, a spot contract gives the spot price minus its discount, through the market.
std::optional<Access> AccessFromContracts(const Fleet& fleet, TenantId tenant, PoolId pool);

// The price of spot capacity for `tenant` on `pool` (Purchase::kSpot): a spot contract with the
// pool's provider and a pool that sells spot, at the spot price minus the contract's discount;
// nullopt on holding pools and on its own provider's pools (first-party work is not bought).
std::optional<Micros> SpotPriceFromContracts(const Fleet& fleet, TenantId tenant, PoolId pool);

// `price` minus `discount` parts per million, rounded to the nearest micro-dollar.
Micros Discounted(Micros price, Ppm discount);

// What each tenant's contracts let a provider quote it per pool, as the provider's agent prices
// an offer: [tenant * pools + pool] -> (on-demand price, spot price), each minus its contract's
// discount, nullopt where the tenant has no such contract or the pool does not sell that way.
// The simulator and the daemon host the agents, and both price with this.
using QuotePrices = std::vector<std::pair<std::optional<Micros>, std::optional<Micros>>>;
QuotePrices QuotePricesFromContracts(const Fleet& fleet);

class AccessTable {
 public:
  // `fleet` must outlive the table.
  explicit AccessTable(const Fleet& fleet);

  const std::optional<Access>& Of(TenantId tenant, PoolId pool) const {
    return access_[tenant.index() * pools_ + pool.index()];
  }
  // ClusterView::PriceFor and ClusterView::PurchasePrice.
  std::optional<Micros> Price(TenantId tenant, PoolId pool) const;
  std::optional<Micros> PurchasePrice(TenantId tenant, PoolId pool, Purchase how) const;

 private:
  size_t pools_ = 0;
  std::vector<std::optional<Access>> access_;      // tenants x pools
  std::vector<std::optional<Micros>> spot_price_;  // tenants x pools: Purchase::kSpot's price
};

}  // namespace arbiter

#endif  // ARBITER_CORE_ACCESS_H_
