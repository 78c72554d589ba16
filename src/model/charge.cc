#include "model/charge.h"

namespace arbiter {

std::string_view ChargeKindName(ChargeKind kind) {
  switch (kind) {
    case ChargeKind::kOnDemand:
      return "on_demand";
    case ChargeKind::kSpot:
      return "spot";
    case ChargeKind::kCommitted:
      return "committed";
    case ChargeKind::kReserved:
      return "reserved";
    case ChargeKind::kInternal:
      return "internal";
    case ChargeKind::kEgress:
      return "egress";
  }
  return "unknown";
}

}  // namespace arbiter
