// Holdings: capacity a tenant holds from a provider under a commitment or a reservation.
//
// Each such contract becomes a holding pool: whole nodes carved out of one pool of the provider
// (the first pool of the contract's type, in its region if it names one) for the contract's window
// [start, end). Only the contract's tenant can use a holding pool; work that fits in it never goes
// to the market. The parent pool loses those nodes for the window (holdings are honoured first
// when the parent's capacity is revoked). A commitment is paid as it accrues over its window and
// a reservation in full, both whether used or not (the core bills them).
#ifndef ARBITER_MARKET_HOLDINGS_H_
#define ARBITER_MARKET_HOLDINGS_H_

#include "absl/status/status.h"
#include "model/scenario.h"

namespace arbiter {

// Adds the holding pools of every commitment and reservation in `scenario` and rewrites the
// capacity schedules of their parents. Fails if a contract's provider has no pool of its type, or
// its accelerators are not whole nodes of that pool. Calling it twice adds nothing the second time.
absl::Status ExpandHoldings(Scenario& scenario);

}  // namespace arbiter

#endif  // ARBITER_MARKET_HOLDINGS_H_
