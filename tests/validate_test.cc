// `arbiter validate` says what a simulation would reject before anything runs: accelerator types
// that jobs accept but no pool has, and the jobs the core would refuse, by reason with an example.
#include <cstdio>
#include <string>

#include "cli/commands.h"
#include "gtest/gtest.h"

namespace arbiter {
namespace {

std::string ValidateOutput(const std::vector<std::string>& overrides, int* code) {
  std::FILE* out = std::tmpfile();
  *code = RunValidate("examples/frontier-lab.yaml", overrides, out, stderr);
  std::rewind(out);
  std::string text;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof(buf), out)) > 0;) text.append(buf, n);
  std::fclose(out);
  return text;
}

TEST(Validate, WarnsOfTypesWithoutPoolsAndOfJobsThatWillBeRejected) {
  int code = 0;
  // The lab's first workload mapped onto a type the fleet lacks, and cut to 7 jobs.
  const std::string text = ValidateOutput({"accelerator_types=[H100, A100, T4]",
                                           "workloads[0].types={v100: T4}", "workloads[0].limit=7"},
                                          &code);
  EXPECT_EQ(code, 0) << text;
  EXPECT_NE(text.find("  warning: no pool has accelerator type T4, which 7 jobs accept\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("  warning: 7 jobs can never run and will be rejected:\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("    no-pool-of-type: 7 (e.g. job "), std::string::npos) << text;
  EXPECT_NE(text.find("no pool has an accelerator type the job accepts (T4))"), std::string::npos)
      << text;
}

TEST(Validate, SaysNothingOfRejectionsWhenEveryJobCanRun) {
  int code = 0;
  const std::string text = ValidateOutput({}, &code);
  EXPECT_EQ(code, 0);
  EXPECT_EQ(text.find("warning"), std::string::npos) << text;
}

}  // namespace
}  // namespace arbiter
