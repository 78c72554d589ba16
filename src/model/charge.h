// A charge in the ledger: what was paid, by whom, to whom, for what stretch of time. Plain data;
// the ledger that collects charges is in market/ledger.h.
#ifndef ARBITER_MODEL_CHARGE_H_
#define ARBITER_MODEL_CHARGE_H_

#include <cstdint>
#include <string_view>

#include "model/ids.h"
#include "model/units.h"

namespace arbiter {

enum class ChargeKind : uint8_t {
  kOnDemand,   // list price minus the contract's discount, for what was used
  kSpot,       // spot price minus discount
  kCommitted,  // a commitment's capacity, paid as it accrues whether used or not
  kReserved,   // a reservation's window, paid in full whether used or not
  kInternal,   // a provider's own first-party work, at the pool's cost basis
  kEgress,     // moving a checkpoint out of a provider
};
inline constexpr int kChargeKinds = 6;

std::string_view ChargeKindName(ChargeKind kind);

struct Charge {
  Time start = 0;  // the charged interval [start, end)
  Time end = 0;
  JobId job;  // invalid for charges not tied to one job (commitments, reservations)
  TenantId tenant;
  ProviderId provider;
  PoolId pool;
  ChargeKind kind = ChargeKind::kOnDemand;
  int32_t accelerators = 0;
  Micros price_per_accel_hour = 0;
  Micros amount = 0;  // ChargeFor(accelerators, end - start, price), or a fixed amount (egress)
};

}  // namespace arbiter

#endif  // ARBITER_MODEL_CHARGE_H_
