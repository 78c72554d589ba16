#include "model/outcome.h"

namespace arbiter {

std::string_view JobStateName(JobState state) {
  switch (state) {
    case JobState::kPending:
      return "pending";
    case JobState::kRunning:
      return "running";
    case JobState::kStarting:
      return "starting";
    case JobState::kFinished:
      return "finished";
    case JobState::kRejected:
      return "rejected";
  }
  return "unknown";
}

std::string_view RejectReasonName(RejectReason reason) {
  switch (reason) {
    case RejectReason::kNone:
      return "none";
    case RejectReason::kInvalid:
      return "invalid-spec";
    case RejectReason::kNoType:
      return "no-pool-of-type";
    case RejectReason::kNoContract:
      return "no-contract";
    case RejectReason::kGangTooLarge:
      return "gang-too-large";
    case RejectReason::kNodeTooSmall:
      return "node-too-small";
  }
  return "unknown";
}

}  // namespace arbiter
