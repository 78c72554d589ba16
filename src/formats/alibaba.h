// Readers for the Alibaba GPU cluster trace (cluster-trace-gpu-v2023).
//
// Pod list: name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,
//           deletion_time,scheduled_time  (times in seconds)
// Each pod with GPUs that was scheduled becomes one job: submitted at creation_time, running
// for deletion_time - scheduled_time seconds at reference speed (the mapped type's `speed`
// scales it). A pod holding a fraction of one GPU (gpu_milli < 1000) takes a whole accelerator,
// since Arbiter does not share accelerators; the loader reports how many did. gpu_spec, when
// set (e.g. "V100M16|V100M32"), restricts the pod to those models; unset, every mapped type is
// acceptable. Pods without GPUs, never scheduled, or with no runtime produce no job (counted).
//
// Node list: sn,cpu_milli,memory_mib,gpu,model. Nodes with GPUs become pools, one per
// (model, GPUs per node).
#ifndef ARBITER_FORMATS_ALIBABA_H_
#define ARBITER_FORMATS_ALIBABA_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "formats/workload.h"

namespace arbiter {

absl::Status AlibabaPodJobs(std::string_view file, std::string_view text,
                            const WorkloadOptions& options, std::vector<Job>& out,
                            WorkloadReport& report);

struct AlibabaNodeGroup {
  std::string model;  // e.g. "G2"
  int32_t gpus_per_node = 0;
  int32_t nodes = 0;
};

// Groups the GPU nodes of a node list by (model, GPUs per node), in order of first appearance.
absl::StatusOr<std::vector<AlibabaNodeGroup>> AlibabaNodeGroups(std::string_view file,
                                                                std::string_view text);

}  // namespace arbiter

#endif  // ARBITER_FORMATS_ALIBABA_H_
