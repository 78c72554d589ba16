#include "core/market_tally.h"

#include <algorithm>

namespace arbiter {

MarketTally::MarketTally(const Fleet& fleet, bool keep_audit)
    : keep_audit_(keep_audit), providers_(fleet.providers.size()), tenants_(fleet.tenants.size()) {
  for (size_t p = 0; p < providers_.size(); ++p) providers_[p].provider = ProviderId::FromIndex(p);
  for (size_t t = 0; t < tenants_.size(); ++t) tenants_[t].tenant = TenantId::FromIndex(t);
}

void MarketTally::Record(const AuditRecord& r) {
  const auto key = std::make_tuple(r.request, r.provider.value(), static_cast<int>(r.phase));
  switch (r.kind) {
    case AuditKind::kRequest:
      ++tenants_[r.tenant.index()].items;
      if (r.item == 0) ++tenants_[r.tenant.index()].requests;
      break;
    case AuditKind::kAsk: {
      ++ask_tallies_[key].items;
      absl::InlinedVector<ProviderId, 8>& asked = asked_[r.request];
      if (std::find(asked.begin(), asked.end(), r.provider) == asked.end()) {
        asked.push_back(r.provider);
        ++providers_[r.provider.index()].requests_seen;
      }
      break;
    }
    case AuditKind::kOffer:
    case AuditKind::kDecline: {
      auto it = ask_tallies_.find(key);
      if (it == ask_tallies_.end()) break;
      AskTally& t = it->second;
      ++t.answered;
      t.offers += r.kind == AuditKind::kOffer;
      if (t.answered < t.items) break;  // an ask's answers are recorded one item at a time
      ProviderMarket& m = providers_[r.provider.index()];
      ++m.asks;
      if (t.offers == t.items) {
        ++m.accepted_full;
      } else if (t.offers > 0) {
        ++m.accepted_part;
      } else {
        ++m.declined;
      }
      ask_tallies_.erase(it);
      break;
    }
    case AuditKind::kTimeout:
      // One ask times out as a whole, however many items it had.
      if (ask_tallies_.erase(key) > 0) {
        ++providers_[r.provider.index()].asks;
        ++providers_[r.provider.index()].timed_out;
      }
      break;
    case AuditKind::kAward: {
      ProviderMarket& m = providers_[r.provider.index()];
      ++m.items_won;
      if (r.phase == AskPhase::kFirstLook || r.phase == AskPhase::kMatch) ++m.items_won_by_right;
      break;
    }
    case AuditKind::kDeliver:
      ++providers_[r.provider.index()].delivered;
      break;
    case AuditKind::kLate:
      ++providers_[r.provider.index()].delivered_late;
      break;
    case AuditKind::kRelease:
      ++providers_[r.provider.index()].released;
      break;
    case AuditKind::kPreempt:
      ++providers_[r.provider.index()].preemptions;
      break;
    case AuditKind::kUnplaced:
      break;
  }
  if (keep_audit_) audit_.push_back(r);
}

}  // namespace arbiter
