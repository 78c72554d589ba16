#include "market/ledger.h"

namespace arbiter {

Micros Ledger::Record(const Charge& charge) {
  charges_.push_back(charge);
  total_ = SaturatingAdd(total_, charge.amount);  // sums over a run saturate, never wrap
  return charge.amount;
}

}  // namespace arbiter
