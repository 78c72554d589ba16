// Gavel's measured throughput file (JSON), and the estimate of every entry it holds.
#include "formats/gavel.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace arbiter;
  absl::StatusOr<GavelThroughputs> t = GavelThroughputs::Parse("t.json", fuzz::Text(data, size));
  if (!t.ok()) return 0;
  for (const char* gpu : {"k80", "p100", "v100"}) {
    for (int32_t sf : {1, 2, 3, 8, 64, 1 << 20}) {
      bool extrapolated = false;
      const std::optional<double> r =
          t->Estimate(gpu, "ResNet-18 (batch size 16)", sf, &extrapolated);
      fuzz::Require(!r || *r >= 0, "a negative throughput");
    }
  }
  return 0;
}
