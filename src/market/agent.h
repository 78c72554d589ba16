// Provider agents: how a provider answers capacity requests from external tenants.
//
// An agent decides from the ask's terms and its own provider's state only: its pools, their use
// (its own first-party work apart), the prices its contract with the asking tenant sets, and how
// much of its own first-party demand is waiting. It never sees other providers, their quotes
// (except, when asked to match, the price and start to match), or any tenant's jobs.
//
// Agent policies are registered by name (MakeAgent) and configured per provider in the scenario
// (`agent:`). Every agent prices by the contract: the tenant's on-demand (or, for spot items,
// spot) price after its discount. An offer stands until its request is settled: capacity offered
// to an open request is not offered again (AgentPool::promised).
#ifndef ARBITER_MARKET_AGENT_H_
#define ARBITER_MARKET_AGENT_H_

#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "model/fleet.h"
#include "model/market.h"

namespace arbiter {

// One pool of the answering provider, as its agent sees it when answering one ask.
struct AgentPool {
  PoolId pool;
  AcceleratorTypeId type;
  int32_t accelerators_per_node = 0;
  int32_t max_gang = 0;
  int64_t capacity = 0;
  int64_t used = 0;              // all work on the pool now
  int64_t used_first_party = 0;  // the provider's own part of `used`
  int64_t promised = 0;          // offered in answers to requests that are still open
  // The asking tenant's prices on this pool under its contracts (nullopt: not sold to it).
  std::optional<Micros> on_demand_price;
  std::optional<Micros> spot_price;
  Micros cost_basis = 0;  // the lowest price the provider will match down to
};

struct ProviderState {
  ProviderId provider;
  Time now = 0;
  std::vector<AgentPool> pools;
  int64_t first_party_waiting = 0;  // accelerators of its own demand waiting for capacity
};

class AgentPolicy {
 public:
  virtual ~AgentPolicy() = default;
  virtual std::string_view name() const = 0;
  // One entry per item of `ask`: an offer on one of `state.pools`, or nullopt to decline.
  virtual OfferList Answer(const Ask& ask, const ProviderState& state) = 0;
};

struct AgentInfo {
  std::string name;
  std::string summary;
};

// Makes the agent `config.policy`, drawing any randomness from `seed` only.
absl::StatusOr<std::unique_ptr<AgentPolicy>> MakeAgent(const AgentConfig& config, uint64_t seed);
std::vector<AgentInfo> ListAgents();

// The seed of `provider`'s agent in a run seeded `seed`, so that agents' draws do not depend on
// each other (the simulator and the daemon seed their agents alike).
inline uint64_t AgentSeed(uint64_t seed, size_t provider) {
  uint64_t x = seed ^ (0x9E3779B97F4A7C15ULL * (provider + 1));
  x ^= x >> 31;
  return x * 0xBF58476D1CE4E5B9ULL;
}

}  // namespace arbiter

#endif  // ARBITER_MARKET_AGENT_H_
