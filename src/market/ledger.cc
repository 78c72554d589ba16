#include "market/ledger.h"

namespace arbiter {

Micros Ledger::Record(const Charge& charge) {
  charges_.push_back(charge);
  total_ += charge.amount;
  return charge.amount;
}

}  // namespace arbiter
