// Billing: turns runs and holdings into charges in the ledger.
//
// Each job has a meter for its current run: from where it was last billed, at which price per
// accelerator-hour and under which kind of charge. ChargeRun charges the stretch since the meter's
// mark and moves the mark, so every second of a run is charged exactly once however often it is
// billed (at its end, at a billing close). Holdings (commitments and reservations, as holding
// pools) are billed as a whole: a commitment as it accrues over its term, a reservation once, in
// full. Launch attempts that lost the race and checkpoints leaving a provider are charged here
// too. Amounts are rounded once per charge (ChargeFor); the ledger's totals are exact sums.
#ifndef ARBITER_CORE_BILLING_H_
#define ARBITER_CORE_BILLING_H_

#include <cstdint>
#include <vector>

#include "market/ledger.h"
#include "model/charge.h"
#include "model/fleet.h"
#include "model/job.h"

namespace arbiter {

// What one charge of a run added.
struct Billed {
  Micros amount = 0;
  int64_t accelerator_seconds = 0;
};

class Billing {
 public:
  // `fleet` must outlive the billing; its holding pools are billed by BillHoldings.
  explicit Billing(const Fleet& fleet);

  void AddJob() { meters_.emplace_back(); }
  void Reserve(size_t jobs) { meters_.reserve(jobs); }

  // The job's run is billed from `from` on, at `price` per accelerator-hour as `kind`.
  void Open(JobId job, Time from, Micros price, ChargeKind kind) {
    meters_[job.index()] = {from, price, kind};
  }
  // Charges the job's run on `pool` from its meter's mark up to `now` and moves the mark to now.
  Billed ChargeRun(JobId job, const Job& spec, PoolId pool, Time now);
  // How the job's current (or last) run is charged.
  Micros price(JobId job) const { return meters_[job.index()].price; }
  ChargeKind kind(JobId job) const { return meters_[job.index()].kind; }

  // A launch attempt that held `pool` over [launched, now) for `spec`'s gang and was cancelled.
  Billed ChargeAttempt(JobId job, const Job& spec, PoolId pool, ChargeKind kind, Micros price,
                       Time launched, Time now);
  // The job's checkpoint of `bytes` leaves the provider of `pool` at `per_gb` per 10^9 bytes.
  // Returns the amount charged (0, and nothing recorded, when it rounds to zero).
  Micros ChargeEgress(JobId job, TenantId tenant, PoolId pool, int64_t bytes, Micros per_gb,
                      Time now);
  // Bills every holding up to `now`: commitments as they accrue, reservations once in full.
  void BillHoldings(Time now);

  const Ledger& ledger() const { return ledger_; }

 private:
  struct Meter {
    Time billed_until = 0;
    Micros price = 0;  // per accelerator-hour
    ChargeKind kind = ChargeKind::kOnDemand;
  };
  struct HoldingBill {
    PoolId pool;
    ContractId contract;
    Time billed_until = 0;  // commitments accrue; a reservation is billed once, in full
    bool billed = false;
  };

  const Fleet& fleet_;
  Ledger ledger_;
  std::vector<Meter> meters_;  // per job
  std::vector<HoldingBill> holdings_;
};

}  // namespace arbiter

#endif  // ARBITER_CORE_BILLING_H_
