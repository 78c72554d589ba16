#include "market/agent.h"

#include <algorithm>
#include <tuple>

#include "model/strings.h"

namespace arbiter {
namespace {

// The shared behaviour: decline whole asks at the configured rate, then offer each item, in
// order, the pool that best serves the tenant's stated preference (fastest, or cheapest) among
// those the rule admits.
class RuleAgent : public AgentPolicy {
 public:
  RuleAgent(const AgentConfig& config, uint64_t seed) : config_(config), rng_(seed) {}

  OfferList Answer(const Ask& ask, const ProviderState& state) override {
    OfferList offers(ask.items.size());
    if (config_.decline_rate > 0) {
      // One draw per ask, so the same asks give the same answers.
      const uint64_t draw = rng_() % static_cast<uint64_t>(kPpmOne);
      if (draw < static_cast<uint64_t>(config_.decline_rate)) return offers;
    }
    std::vector<int64_t> promised(state.pools.size(), 0);
    for (size_t k = 0; k < ask.items.size(); ++k) {
      const ItemTerms& item = ask.items[k];
      const MatchTerms* match =
          k < ask.match.size() && ask.match[k].has_value() ? &*ask.match[k] : nullptr;
      int best = -1;
      std::tuple<int64_t, int64_t, int32_t> best_key;
      for (size_t p = 0; p < state.pools.size(); ++p) {
        const AgentPool& pool = state.pools[p];
        const std::optional<Micros> price = item.spot ? pool.spot_price : pool.on_demand_price;
        if (!price ||
            std::find(item.avoid.begin(), item.avoid.end(), pool.pool) != item.avoid.end()) {
          continue;
        }
        std::optional<Duration> runtime;
        for (const auto& [type, seconds] : item.runtimes) {
          if (type == pool.type) runtime = seconds;
        }
        if (!runtime || item.accelerators > pool.max_gang ||
            item.per_node > pool.accelerators_per_node) {
          continue;
        }
        if (!Admits(item, pool, promised[p], state)) continue;
        // Ranked by what the tenant values: runtime then cost, or cost then runtime.
        const Micros cost = ChargeFor(item.accelerators, *runtime, *price);
        const auto key = item.preference == OfferPreference::kCost
                             ? std::make_tuple(cost, *runtime, pool.pool.value())
                             : std::make_tuple(*runtime, cost, pool.pool.value());
        if (best < 0 || key < best_key) {
          best = static_cast<int>(p);
          best_key = key;
        }
      }
      if (best < 0) continue;
      const AgentPool& pool = state.pools[best];
      Micros price = item.spot ? *pool.spot_price : *pool.on_demand_price;
      if (match != nullptr && config_.match_quotes && match->price_per_accel_hour < price &&
          match->price_per_accel_hour >= pool.cost_basis) {
        price = match->price_per_accel_hour;
      }
      promised[best] += item.accelerators;
      offers[k] = Offer{pool.pool, price, state.now};
    }
    return offers;
  }

 protected:
  // Whether the rule lets `item` onto `pool`, given what this answer already promised there.
  virtual bool Admits(const ItemTerms& item, const AgentPool& pool, int64_t promised,
                      const ProviderState& state) const = 0;
  const AgentConfig config_;

 private:
  std::mt19937_64 rng_;
};

// Accepts only what it can deliver by the requested start: room on the pool now.
class DeliverableAgent final : public RuleAgent {
 public:
  using RuleAgent::RuleAgent;
  std::string_view name() const override { return "deliverable"; }

 protected:
  bool Admits(const ItemTerms& item, const AgentPool& pool, int64_t promised,
              const ProviderState&) const override {
    return pool.capacity - pool.used - pool.promised - promised >= item.accelerators;
  }
};

// Keeps a reserve fraction of every pool for first-party work, and takes no external work while
// its own demand waits.
class ReserveAgent final : public RuleAgent {
 public:
  using RuleAgent::RuleAgent;
  std::string_view name() const override { return "reserve"; }

 protected:
  bool Admits(const ItemTerms& item, const AgentPool& pool, int64_t promised,
              const ProviderState& state) const override {
    if (state.first_party_waiting > 0) return false;
    if (pool.capacity - pool.used - pool.promised - promised < item.accelerators) return false;
    const int64_t external =
        pool.used - pool.used_first_party + pool.promised + promised + item.accelerators;
    const Int128 limit = static_cast<Int128>(pool.capacity) * (kPpmOne - config_.reserve);
    return static_cast<Int128>(external) * kPpmOne <= limit;
  }
};

// Accepts whatever the pool could ever hold, whether or not it is free now: its promises may not
// be delivered in time (the exchange then releases them after the grace period).
class OptimisticAgent final : public RuleAgent {
 public:
  using RuleAgent::RuleAgent;
  std::string_view name() const override { return "optimistic"; }

 protected:
  bool Admits(const ItemTerms& item, const AgentPool& pool, int64_t,
              const ProviderState&) const override {
    return pool.capacity >= item.accelerators;
  }
};

struct Entry {
  const char* name;
  const char* summary;
  std::unique_ptr<AgentPolicy> (*make)(const AgentConfig&, uint64_t);
};

template <typename T>
std::unique_ptr<AgentPolicy> Make(const AgentConfig& config, uint64_t seed) {
  return std::make_unique<T>(config, seed);
}

// One line per agent policy, sorted by name.
constexpr Entry kAgents[] = {
    {"deliverable", "accepts what it can deliver now, at the contract price",
     &Make<DeliverableAgent>},
    {"optimistic", "accepts what its pools could ever hold; may fail to deliver",
     &Make<OptimisticAgent>},
    {"reserve", "keeps a reserve fraction for first-party work; none while its own demand waits",
     &Make<ReserveAgent>},
};

}  // namespace

absl::StatusOr<std::unique_ptr<AgentPolicy>> MakeAgent(const AgentConfig& config, uint64_t seed) {
  for (const Entry& e : kAgents) {
    if (config.policy == e.name) return e.make(config, seed);
  }
  std::vector<std::string> names;
  for (const Entry& e : kAgents) names.emplace_back(e.name);
  return absl::NotFoundError(StrCat("unknown agent policy '", config.policy,
                                    "'; known agent policies: ", StrJoin(names, ", ")));
}

std::vector<AgentInfo> ListAgents() {
  std::vector<AgentInfo> out;
  for (const Entry& e : kAgents) out.push_back({e.name, e.summary});
  return out;
}

}  // namespace arbiter
