#include "backends/slurm/command.h"

#include <cstdlib>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arbiter::slurm {
namespace {

using ::testing::HasSubstr;

TEST(ProcessRunnerTest, InputOutputAndExitCode) {
  ProcessRunner runner({}, absl::Seconds(30));
  absl::StatusOr<CommandResult> r =
      runner.Run({"sh", "-c", "cat; echo oops >&2; exit 3"}, "line one\nline two\n");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_EQ(r->out, "line one\nline two\n");
  EXPECT_EQ(r->err, "oops\n");
}

TEST(ProcessRunnerTest, ASignalIs128Plus) {
  ProcessRunner runner({}, absl::Seconds(30));
  absl::StatusOr<CommandResult> r = runner.Run({"sh", "-c", "kill -TERM $$"}, "");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->exit_code, 143);
}

TEST(ProcessRunnerTest, EnvironmentSetAndDropped) {
  setenv("ARBITER_RUNNER_TEST", "daemon", 1);
  setenv("KEPT_RUNNER_TEST", "kept", 1);
  ProcessRunner runner({{"SLURM_CONF", "/x/slurm.conf"}, {"KEPT_RUNNER_TEST", "replaced"}},
                       absl::Seconds(30), {"ARBITER_*"});
  unsetenv("ARBITER_RUNNER_TEST");
  unsetenv("KEPT_RUNNER_TEST");
  absl::StatusOr<CommandResult> r = runner.Run(
      {"sh", "-c", "echo \"$SLURM_CONF ${ARBITER_RUNNER_TEST-none} $KEPT_RUNNER_TEST\""}, "");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->out, "/x/slurm.conf none replaced\n");
}

TEST(ProcessRunnerTest, ACommandPastItsTimeIsKilled) {
  ProcessRunner runner({}, absl::Milliseconds(200));
  const absl::Time start = absl::Now();
  // The child and its own child: the whole process group goes.
  absl::StatusOr<CommandResult> r = runner.Run({"sh", "-c", "sleep 30 & sleep 30"}, "");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(r.status().message(), HasSubstr("did not finish within 200ms"));
  EXPECT_LT(absl::Now() - start, absl::Seconds(20));
}

TEST(ProcessRunnerTest, AMissingProgramIsAnError) {
  ProcessRunner runner({}, absl::Seconds(30));
  absl::StatusOr<CommandResult> r = runner.Run({"no-such-slurm-command"}, "");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(r.status().message(), HasSubstr("cannot run no-such-slurm-command"));
}

}  // namespace
}  // namespace arbiter::slurm
