// The ledger: every charge Arbiter computes, with its reason, so that every dollar in a report can
// be traced to a job, a pool and a stretch of time. Append-only; aggregated by readers.
#ifndef ARBITER_MARKET_LEDGER_H_
#define ARBITER_MARKET_LEDGER_H_

#include <vector>

#include "model/charge.h"

namespace arbiter {

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
