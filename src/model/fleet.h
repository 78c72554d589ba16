// The static world a broker works in: accelerator types, providers with their regions and pools,
// tenants, and the contracts between tenants and providers.
//
// A Fleet is a value: built once (by a scenario loader or a test), validated, then shared
// read-only by the core and the drivers. Every entity is named by its index (ids.h).
#ifndef ARBITER_MODEL_FLEET_H_
#define ARBITER_MODEL_FLEET_H_

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "model/ids.h"
#include "model/units.h"

namespace arbiter {

// Fractions (discounts, tolerances) are parts per million: 150000 = 15%.
using Ppm = int64_t;
inline constexpr Ppm kPpmOne = 1'000'000;

struct AcceleratorType {
  std::string name;  // e.g. "H100"
};

// How a provider's agent answers capacity requests from external tenants (market/agent.h).
struct AgentConfig {
  std::string policy = "deliverable";  // registered agent policy name
  Duration response_time = 0;          // how long it takes to answer a request
  Ppm reserve = 0;                     // fraction of each pool kept for first-party work
  Ppm decline_rate = 0;                // fraction of requests it declines at random (seeded)
  bool preempt_spot = false;           // stop external spot work when its first-party demand waits
  bool match_quotes = false;  // when asked to match, lower its price to the quote's (down to the
                              // pool's committed price, its cost basis)
};

struct Provider {
  std::string name;
  std::vector<RegionId> regions;
  AgentConfig agent;
};

struct Region {
  std::string name;
  ProviderId provider;
  std::vector<PoolId> pools;
};

// One provider, one region, one accelerator type: `nodes` x `accelerators_per_node`.
struct Pool {
  std::string name;  // "provider/region/type", unique
  ProviderId provider;
  RegionId region;
  AcceleratorTypeId type;
  int32_t nodes = 0;
  int32_t accelerators_per_node = 0;
  // The largest gang (in accelerators) one interconnect domain of this pool holds.
  int32_t max_gang = 0;
  // List prices per accelerator-hour; nullopt where the pool does not sell that way.
  std::optional<Micros> on_demand_price;
  std::optional<Micros> spot_price;
  std::optional<Micros> committed_price;
  // Set on a holding pool: capacity carved out of `parent` for one tenant by a commitment or a
  // reservation contract (see market/holdings.h). Only that tenant can use it.
  std::optional<ContractId> holding;
  std::optional<PoolId> parent;

  int64_t capacity() const { return static_cast<int64_t>(nodes) * accelerators_per_node; }
};

// A tenant's quota of one accelerator type, for quota-aware policies (sched/fair_share.h).
struct TypeQuota {
  AcceleratorTypeId type;
  int64_t nominal = 0;           // accelerators guaranteed; lent when idle, reclaimed by preemption
  int64_t borrowing_limit = -1;  // accelerators it may use beyond nominal; -1: no limit
};

struct Tenant {
  std::string name;
  int32_t weight = 1;  // share weight for fair policies
  // Set when this tenant is a provider's own first-party demand (its model teams).
  std::optional<ProviderId> first_party_of;
  // Quotas by accelerator type; a type not listed gets a share of the fleet by weight.
  std::vector<TypeQuota> quotas;
};

// --- Contracts (tenant <-> provider); their market rules live in src/market. ---

struct OnDemandTerms {
  Ppm discount = 0;
};

struct SpotTerms {
  Ppm discount = 0;
  // Where preemptions come from: a mean rate, or a real spot trace (path), or neither.
  std::optional<double> preemptions_per_hour;
  std::string trace;
};

struct CommitmentTerms {
  AcceleratorTypeId type;
  std::optional<RegionId> region;  // unset: any region of the provider
  int32_t accelerators = 0;
  Time start = 0;
  Time end = 0;
  Micros price_per_accel_hour = 0;  // paid for every committed accelerator-hour, used or not
};

struct ReservationTerms {
  AcceleratorTypeId type;
  std::optional<RegionId> region;
  int32_t accelerators = 0;
  Time start = 0;
  Time end = 0;
  Micros price_per_accel_hour = 0;
};

enum class RofrMode { kRofo, kRofr };

struct RofrTerms {
  RofrMode mode = RofrMode::kRofr;
  Duration window = 0;  // W: how long the holder has to answer
  Duration grace = 0;   // accepted-but-not-delivered grace period
  bool partial_allowed = false;
  int32_t min_accelerators = 0;  // scope: requests smaller than this are not covered
  Ppm match_tolerance = 0;       // rofr mode: how close a match must be to the best quote
};

enum class ContractKind { kOnDemand, kSpot, kCommitment, kReservation, kRofr };

struct Contract {
  TenantId tenant;
  ProviderId provider;
  std::variant<OnDemandTerms, SpotTerms, CommitmentTerms, ReservationTerms, RofrTerms> terms;

  ContractKind kind() const { return static_cast<ContractKind>(terms.index()); }
};

std::string_view ContractKindName(ContractKind kind);

class Fleet {
 public:
  std::vector<AcceleratorType> accelerator_types;
  std::vector<Provider> providers;
  std::vector<Region> regions;
  std::vector<Pool> pools;
  std::vector<Tenant> tenants;
  std::vector<Contract> contracts;

  // Adders keep the cross references (provider->regions, region->pools) and name indexes right.
  AcceleratorTypeId AddAcceleratorType(std::string name);
  ProviderId AddProvider(std::string name, AgentConfig agent = {});
  RegionId AddRegion(ProviderId provider, std::string name);
  PoolId AddPool(Pool pool);  // pool.provider is taken from pool.region; name filled if empty
  TenantId AddTenant(Tenant tenant);
  ContractId AddContract(Contract contract);

  std::optional<AcceleratorTypeId> FindAcceleratorType(std::string_view name) const;
  std::optional<ProviderId> FindProvider(std::string_view name) const;
  std::optional<RegionId> FindRegion(ProviderId provider, std::string_view name) const;
  std::optional<PoolId> FindPool(std::string_view name) const;
  std::optional<TenantId> FindTenant(std::string_view name) const;
  // The pool a commitment or reservation of `provider`'s `type` (in `region`, if given) is
  // carved from: the first such pool that is not itself a holding (market/holdings.h).
  std::optional<PoolId> HoldingParent(ProviderId provider, AcceleratorTypeId type,
                                      std::optional<RegionId> region) const;

  const Pool& pool(PoolId id) const { return pools[id.index()]; }
  const Tenant& tenant(TenantId id) const { return tenants[id.index()]; }
  const Provider& provider(ProviderId id) const { return providers[id.index()]; }
  // Pools of one accelerator type, in pool order.
  const std::vector<PoolId>& PoolsOfType(AcceleratorTypeId type) const {
    return pools_by_type_[type.index()];
  }

  // Checks the invariants every consumer relies on: positive sizes, a max gang that fits in the
  // pool, prices that are not negative, contracts that refer to existing entities.
  absl::Status Validate() const;

 private:
  absl::flat_hash_map<std::string, AcceleratorTypeId> type_by_name_;
  absl::flat_hash_map<std::string, ProviderId> provider_by_name_;
  absl::flat_hash_map<std::string, PoolId> pool_by_name_;
  absl::flat_hash_map<std::string, TenantId> tenant_by_name_;
  std::vector<std::vector<PoolId>> pools_by_type_;
};

}  // namespace arbiter

#endif  // ARBITER_MODEL_FLEET_H_
