// Spot traces (data/spot-traces, from the "Can't Be Late" measurements): JSON of the form
//   {"metadata": {"gap_seconds": 600}, "data": [1, 1, 0, ...]}
// where each number is how many spot instances were available at one tick, ticks `gap_seconds`
// apart. The simulator maps a trace onto a pool (model/faults.h, SpotPreemption).
#ifndef ARBITER_FORMATS_SPOT_TRACE_H_
#define ARBITER_FORMATS_SPOT_TRACE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "model/units.h"

namespace arbiter {

struct SpotTrace {
  Duration gap = 0;             // seconds between ticks, > 0
  std::vector<int32_t> counts;  // available instances per tick, >= 0; not empty
};

// Parses a trace from JSON text; `file` names it in errors.
absl::StatusOr<SpotTrace> ParseSpotTrace(std::string_view file, std::string_view json);

// Reads and parses a trace file.
absl::StatusOr<SpotTrace> LoadSpotTrace(const std::string& path);

}  // namespace arbiter

#endif  // ARBITER_FORMATS_SPOT_TRACE_H_
