// The encoding of the daemon's log records: each record is one input of the broker core (a
// submission, a cancel, a backend's report, a provider's answer, a timer), in a compact binary
// form (varints, length-prefixed strings) that replays a million records in well under a second.
//
// Decoding checks every length and range: a damaged record is a DataLoss error naming what was
// wrong, never a crash or a silently different event.
#ifndef ARBITER_SERVE_CODEC_H_
#define ARBITER_SERVE_CODEC_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "core/backend.h"
#include "core/events.h"
#include "model/job.h"

namespace arbiter::serve {

// What the daemon needs to run a job, beyond the core's Job: the user's commands and
// environment, passed to the backend at each launch (core/backend.h LaunchSpec).
struct JobLaunch {
  std::vector<std::pair<std::string, std::string>> env;
  std::string workdir;
  std::string setup;
  std::string run;

  friend bool operator==(const JobLaunch&, const JobLaunch&) = default;
};

// A job submitted through the API. The core's JobSubmitted carries `job` (its id is the next
// dense id at replay, so it is not stored).
struct Submission {
  std::string idempotency_key;  // empty: none
  Job job;
  JobLaunch launch;
  std::string spec_json;  // the job spec as submitted (formats/job_spec.h JobSpecToJson)
  // Not stored: a deadline relative to the submission, applied when the driver stamps the
  // job's submit time (job.deadline is then submit + this).
  std::optional<Duration> deadline_after;
};

// A job cancelled through the API.
struct Cancellation {
  JobId job;
  std::string by;  // who asked (the token's scope), for the job's history
};

// A timer of the core fired; `seq` is the daemon's number of its SetTimer (so that replay takes
// the same timer off the daemon's timer heap).
struct TimerRecord {
  int64_t seq = 0;
  uint64_t tag = 0;
};

// A provider's answer to the ask the driver numbered `ask`.
struct AnswerRecord {
  int64_t ask = 0;
  ProviderAnswered answered;
};

enum class RecordKind : uint8_t {
  kSubmit = 1,
  kCancel = 2,
  kReport = 3,    // a backend's report about a run (RunReport)
  kAnswer = 4,    // AnswerRecord
  kTimer = 5,     // TimerRecord
  kCapacity = 6,  // CapacityChanged (a backend's node count)
  kBilling = 7,   // CloseBilling (the daemon closes billing periodically)
};

std::string EncodeSubmission(const Submission& s);
absl::StatusOr<Submission> DecodeSubmission(std::string_view body);

std::string EncodeCancellation(const Cancellation& c);
absl::StatusOr<Cancellation> DecodeCancellation(std::string_view body);

std::string EncodeTimer(const TimerRecord& t);
absl::StatusOr<TimerRecord> DecodeTimer(std::string_view body);

std::string EncodeReport(const RunReport& r);
absl::StatusOr<RunReport> DecodeReport(std::string_view body);

std::string EncodeAnswer(const AnswerRecord& a);
absl::StatusOr<AnswerRecord> DecodeAnswer(std::string_view body);

std::string EncodeCapacity(const CapacityChanged& c);
absl::StatusOr<CapacityChanged> DecodeCapacity(std::string_view body);

}  // namespace arbiter::serve

#endif  // ARBITER_SERVE_CODEC_H_
