// A spot availability trace (JSON, data/spot-traces).
#include "formats/spot_trace.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace arbiter;
  absl::StatusOr<SpotTrace> trace = ParseSpotTrace("t.json", fuzz::Text(data, size));
  if (!trace.ok()) return 0;
  fuzz::Require(trace->gap >= 1 && trace->gap <= kMaxTime, "a gap out of range");
  fuzz::Require(!trace->counts.empty(), "an empty trace");
  fuzz::Require(static_cast<int64_t>(trace->counts.size() - 1) * trace->gap <= kMaxTime,
                "a trace longer than 2^40 s");
  for (int32_t c : trace->counts) fuzz::Require(c >= 0, "a negative count");
  return 0;
}
