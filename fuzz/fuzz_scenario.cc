// The scenario YAML with overrides: the input is a scenario; lines after a line "#--set" are
// --set overrides, one a line. Relative paths resolve against examples/ (the target runs from the
// repository root), so workloads, catalogs and spot traces of data/ are read too. A scenario that
// loads must validate, and its commitments and reservations must carve into their pools, which
// is what `simulate` does first.
#include <string>
#include <vector>

#include "formats/scenario_yaml.h"
#include "fuzz_common.h"
#include "market/holdings.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace arbiter;
  const std::string_view text = fuzz::Text(data, size);
  ScenarioLoadOptions options;
  options.max_generated_jobs = 20'000;  // the fuzzer's memory, not the product's limit
  std::string_view yaml = text;
  if (const size_t at = text.find("\n#--set\n"); at != std::string_view::npos) {
    yaml = text.substr(0, at);
    for (std::string_view line : Split(text.substr(at + 8), '\n')) {
      if (!line.empty()) options.overrides.emplace_back(line);
    }
  }
  options.known = {{"fifo", "sjf", "cost-greedy"},
                   {"deliverable", "reserve", "optimistic"},
                   {"any-pool", "same-pool", "other-provider", "on-demand"}};
  absl::StatusOr<Scenario> s = ParseScenario("examples/fuzz.yaml", yaml, options);
  if (!s.ok()) return 0;
  fuzz::Require(s->Validate().ok(), "a loaded scenario does not validate");
  fuzz::RequireJobs(s->jobs);
  fuzz::Require(ExpandHoldings(*s).ok(), "a loaded scenario's holdings do not fit their pools");
  return 0;
}
