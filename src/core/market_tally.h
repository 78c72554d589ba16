// The market's record: every step of the capacity market as an AuditRecord, and the counts the
// reports read per provider and per tenant (requests seen, asks and their answers, items won and
// by right, deliveries, releases, preemptions).
//
// An ask counts once, when all its items are answered (answers are recorded one item at a time)
// or when it times out as a whole. The records themselves are kept only when asked for
// (BrokerOptions::keep_audit); the counts always.
#ifndef ARBITER_CORE_MARKET_TALLY_H_
#define ARBITER_CORE_MARKET_TALLY_H_

#include <cstdint>
#include <tuple>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "model/fleet.h"
#include "model/market.h"
#include "model/summary.h"

namespace arbiter {

class MarketTally {
 public:
  MarketTally(const Fleet& fleet, bool keep_audit);

  void Record(const AuditRecord& record);
  // The request is settled: forget whom it asked.
  void Closed(RequestId request) { asked_.erase(request); }

  const std::vector<AuditRecord>& audit() const { return audit_; }
  const std::vector<ProviderMarket>& providers() const { return providers_; }
  const std::vector<TenantMarket>& tenants() const { return tenants_; }

 private:
  // An ask whose answers are still being counted.
  struct AskTally {
    int32_t items = 0;
    int32_t answered = 0;
    int32_t offers = 0;
  };

  bool keep_audit_ = true;
  std::vector<AuditRecord> audit_;
  std::vector<ProviderMarket> providers_;
  std::vector<TenantMarket> tenants_;
  // (request, provider, phase) -> tally.
  absl::flat_hash_map<std::tuple<RequestId, int32_t, int>, AskTally> ask_tallies_;
  // Providers asked per open request (for requests_seen).
  absl::flat_hash_map<RequestId, absl::InlinedVector<ProviderId, 8>> asked_;
};

}  // namespace arbiter

#endif  // ARBITER_CORE_MARKET_TALLY_H_
