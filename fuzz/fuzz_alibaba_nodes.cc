// The Alibaba GPU 2023 node list (CSV), grouped into pools.
#include "formats/alibaba.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace arbiter;
  absl::StatusOr<std::vector<AlibabaNodeGroup>> groups =
      AlibabaNodeGroups("nodes.csv", fuzz::Text(data, size));
  if (!groups.ok()) return 0;
  for (const AlibabaNodeGroup& g : *groups) {
    fuzz::Require(
        g.gpus_per_node >= 1 && g.gpus_per_node <= kMaxAcceleratorsPerNode && g.nodes >= 1,
        "a node group out of range");
    fuzz::Require(FindInvalidUtf8(g.model) == std::string_view::npos, "a model is not UTF-8");
  }
  return 0;
}
