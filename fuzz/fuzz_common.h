// What every libFuzzer target of Arbiter's readers shares (docs/fuzzing.md). A target feeds the
// input to one reader and, when the reader accepts it, checks what the reader promises about what
// it returns; a broken promise aborts, so the fuzzer reports it like a crash.
#ifndef ARBITER_FUZZ_FUZZ_COMMON_H_
#define ARBITER_FUZZ_FUZZ_COMMON_H_

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "formats/workload.h"
#include "model/job.h"
#include "model/strings.h"

namespace arbiter::fuzz {

inline std::string_view Text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Aborts with `what` when `ok` is false: a reader accepted input that breaks its contract.
inline void Require(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "broken promise: %s\n", what);
  std::abort();
}

// Every job a loader returns passed the loaders' one check (formats/workload.h).
inline void RequireJobs(const std::vector<Job>& jobs) {
  for (const Job& job : jobs) {
    if (absl::Status s = CheckJob(job, {"fuzz", 0, {}}); !s.ok()) {
      std::fprintf(stderr, "%s\n", std::string(s.message()).c_str());
      Require(false, "a loaded job breaks CheckJob");
    }
    Require(FindInvalidUtf8(job.name) == std::string_view::npos, "a job name is not UTF-8");
  }
}

}  // namespace arbiter::fuzz

#endif  // ARBITER_FUZZ_FUZZ_COMMON_H_
