#include "core/billing.h"

#include <algorithm>

namespace arbiter {

Billing::Billing(const Fleet& fleet) : fleet_(fleet) {
  for (size_t i = 0; i < fleet.pools.size(); ++i) {
    if (fleet.pools[i].holding) {
      holdings_.push_back({PoolId::FromIndex(i), *fleet.pools[i].holding, 0, false});
    }
  }
}

Billed Billing::ChargeRun(JobId job, const Job& spec, PoolId pool, Time now) {
  Meter& meter = meters_[job.index()];
  Charge charge;
  charge.start = meter.billed_until;
  charge.end = now;
  charge.job = job;
  charge.tenant = spec.tenant;
  charge.provider = fleet_.pool(pool).provider;
  charge.pool = pool;
  charge.kind = meter.kind;
  charge.accelerators = spec.accelerators;
  charge.price_per_accel_hour = meter.price;
  charge.amount = ChargeFor(spec.accelerators, now - meter.billed_until, meter.price);
  Billed billed;
  billed.amount = ledger_.Record(charge);
  billed.accelerator_seconds = static_cast<int64_t>(spec.accelerators) * (now - meter.billed_until);
  meter.billed_until = now;
  return billed;
}

Billed Billing::ChargeAttempt(JobId job, const Job& spec, PoolId pool, ChargeKind kind,
                              Micros price, Time launched, Time now) {
  const Duration held = now - launched;
  if (held <= 0) return {};
  Charge charge;
  charge.start = launched;
  charge.end = now;
  charge.job = job;
  charge.tenant = spec.tenant;
  charge.provider = fleet_.pool(pool).provider;
  charge.pool = pool;
  charge.kind = kind;
  charge.accelerators = spec.accelerators;
  charge.price_per_accel_hour = price;
  charge.amount = ChargeFor(spec.accelerators, held, price);
  return {ledger_.Record(charge), static_cast<int64_t>(spec.accelerators) * held};
}

Micros Billing::ChargeEgress(JobId job, TenantId tenant, PoolId pool, int64_t bytes, Micros per_gb,
                             Time now) {
  const Int128 scaled = static_cast<Int128>(bytes) * per_gb;
  const auto amount = static_cast<Micros>((scaled + 500'000'000) / 1'000'000'000);
  if (amount <= 0) return 0;
  Charge charge;
  charge.start = now;
  charge.end = now;
  charge.job = job;
  charge.tenant = tenant;
  charge.provider = fleet_.pool(pool).provider;
  charge.pool = pool;
  charge.kind = ChargeKind::kEgress;
  charge.amount = amount;
  ledger_.Record(charge);
  return amount;
}

void Billing::BillHoldings(Time now) {
  for (HoldingBill& h : holdings_) {
    const Contract& c = fleet_.contracts[h.contract.index()];
    Charge charge;
    charge.tenant = c.tenant;
    charge.provider = c.provider;
    charge.pool = h.pool;
    if (const auto* cm = std::get_if<CommitmentTerms>(&c.terms)) {
      // Accrues over the term, used or not.
      charge.start = std::max(cm->start, h.billed_until);
      charge.end = std::min(cm->end, now);
      if (charge.end <= charge.start) continue;
      charge.kind = ChargeKind::kCommitted;
      charge.accelerators = cm->accelerators;
      charge.price_per_accel_hour = cm->price_per_accel_hour;
      h.billed_until = charge.end;
    } else if (const auto* rs = std::get_if<ReservationTerms>(&c.terms)) {
      // Booked ahead: the whole window is paid, used or not.
      if (h.billed) continue;
      charge.start = rs->start;
      charge.end = rs->end;
      charge.kind = ChargeKind::kReserved;
      charge.accelerators = rs->accelerators;
      charge.price_per_accel_hour = rs->price_per_accel_hour;
      h.billed = true;
    } else {
      continue;
    }
    charge.amount =
        ChargeFor(charge.accelerators, charge.end - charge.start, charge.price_per_accel_hour);
    ledger_.Record(charge);
  }
}

}  // namespace arbiter
