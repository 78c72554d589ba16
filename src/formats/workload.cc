#include "formats/workload.h"

#include <cmath>

namespace arbiter {

Time SubmitTime(Time trace_time, const WorkloadOptions& options) {
  if (options.time_scale == 1.0) return trace_time + options.offset;
  return std::llround(static_cast<double>(trace_time) * options.time_scale) + options.offset;
}

int32_t NodesFor(int32_t accelerators, const WorkloadOptions& options) {
  const int32_t per_node = options.accelerators_per_node > 0 ? options.accelerators_per_node : 1;
  return (accelerators + per_node - 1) / per_node;
}

}  // namespace arbiter
