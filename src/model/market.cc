#include "model/market.h"

namespace arbiter {

std::string_view AuditKindName(AuditKind kind) {
  switch (kind) {
    case AuditKind::kRequest:
      return "request";
    case AuditKind::kAsk:
      return "ask";
    case AuditKind::kOffer:
      return "offer";
    case AuditKind::kDecline:
      return "decline";
    case AuditKind::kTimeout:
      return "timeout";
    case AuditKind::kAward:
      return "award";
    case AuditKind::kUnplaced:
      return "unplaced";
    case AuditKind::kDeliver:
      return "deliver";
    case AuditKind::kLate:
      return "late";
    case AuditKind::kRelease:
      return "release";
    case AuditKind::kPreempt:
      return "preempt";
  }
  return "unknown";
}

std::string_view AskPhaseName(AskPhase phase) {
  switch (phase) {
    case AskPhase::kFirstLook:
      return "first_look";
    case AskPhase::kQuote:
      return "quote";
    case AskPhase::kMatch:
      return "match";
    case AskPhase::kOpen:
      return "open";
  }
  return "unknown";
}

}  // namespace arbiter
