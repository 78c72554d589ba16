// The ledger: every charge Arbiter computes, with its reason, so that every dollar in a report can
// be traced to a job, a pool and a stretch of time. Append-only; aggregated by readers.
#ifndef ARBITER_MARKET_LEDGER_H_
#define ARBITER_MARKET_LEDGER_H_

#include <string_view>
#include <vector>

#include "model/ids.h"
#include "model/units.h"

namespace arbiter {

enum class ChargeKind : uint8_t {
  kOnDemand,   // list price minus the contract's discount, for what was used
  kSpot,       // spot price minus discount
  kCommitted,  // a commitment's capacity, paid whether used or not
  kReserved,   // a reservation's window
  kInternal,   // a provider's own first-party work, at the pool's cost basis
  kEgress,     // moving a checkpoint out of a provider
};
inline constexpr int kChargeKinds = 6;

std::string_view ChargeKindName(ChargeKind kind);

struct Charge {
  Time start = 0;  // the charged interval [start, end)
  Time end = 0;
  JobId job;  // invalid for charges not tied to one job (commitments)
  TenantId tenant;
  ProviderId provider;
  PoolId pool;
  ChargeKind kind = ChargeKind::kOnDemand;
  int32_t accelerators = 0;
  Micros price_per_accel_hour = 0;
  Micros amount = 0;  // ChargeFor(accelerators, end - start, price), or a fixed amount (egress)
};

class Ledger {
 public:
  // Records a usage charge and returns its amount.
  Micros Record(const Charge& charge);
  const std::vector<Charge>& charges() const { return charges_; }
  Micros total() const { return total_; }
  void Reserve(size_t n) { charges_.reserve(n); }

 private:
  std::vector<Charge> charges_;
  Micros total_ = 0;
};

}  // namespace arbiter

#endif  // ARBITER_MARKET_LEDGER_H_
