#include "formats/job_csv.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "model/strings.h"

namespace arbiter {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr char kTypesExpected[] = "expected TYPE[:speed] separated by '|', e.g. H100:1.0|A100:0.55";
constexpr char kHeader[] = "name,tenant,submit,accelerators,duration,types\n";

std::string Message(const absl::Status& status) { return std::string(status.message()); }

MATCHER_P2(IsRate, type, rate, "") { return arg.type == type && arg.rate == rate; }

std::vector<Throughput> Rates(const Job& job) {
  return {job.throughputs.begin(), job.throughputs.end()};
}

class CsvJobsTest : public ::testing::Test {
 protected:
  CsvJobsTest() {
    h100_ = fleet_.AddAcceleratorType("H100");
    a100_ = fleet_.AddAcceleratorType("A100");
    lab_ = fleet_.AddTenant({"lab", 4, std::nullopt});
    startup_ = fleet_.AddTenant({"startup", 1, std::nullopt});
    options_.source = "jobs";
  }

  // Loads `text` as "jobs.csv"; jobs_ and report_ hold the result.
  absl::Status Load(std::string_view text) {
    jobs_.clear();
    report_ = {};
    return CsvJobs("jobs.csv", text, fleet_, options_, jobs_, report_);
  }

  // The message of the error loading `text` ("" if it loads).
  std::string Error(std::string_view text) {
    const absl::Status s = Load(text);
    EXPECT_FALSE(s.ok()) << text;
    return Message(s);
  }

  Fleet fleet_;
  AcceleratorTypeId h100_, a100_;
  TenantId lab_, startup_;
  WorkloadOptions options_;
  std::vector<Job> jobs_;
  WorkloadReport report_;
};

TEST_F(CsvJobsTest, EveryColumn) {
  options_.checkpoint_interval = 7200;
  options_.checkpoint_bytes = 5;
  const absl::Status s = Load(
      "# jobs for the test\n"
      "name,tenant,submit,accelerators,nodes,duration,types,priority,deadline,"
      "checkpoint_interval,checkpoint_bytes\n"
      "pretrain,lab,0,64,,3600,H100:1.0|A100:0.55,5,,1800,1000000\n"
      "\"sft, v2\", startup ,100, 8 ,1,100,A100,,500,,\n"
      "  # a comment in the middle\n"
      "eval,lab,100,1,,1,H100:2,,,,\n");
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(report_.source, "jobs");
  EXPECT_EQ(report_.rows, 3);
  EXPECT_EQ(report_.jobs, 3);
  EXPECT_EQ(report_.skipped, 0);
  EXPECT_THAT(report_.notes, IsEmpty());
  ASSERT_EQ(jobs_.size(), 3u);

  const Job& pretrain = jobs_[0];
  EXPECT_EQ(pretrain.name, "pretrain");
  EXPECT_EQ(pretrain.tenant, lab_);
  EXPECT_EQ(pretrain.submit, 0);
  EXPECT_EQ(pretrain.accelerators, 64);
  EXPECT_EQ(pretrain.nodes, 8);  // ceil(64 / 8 accelerators per node)
  EXPECT_EQ(pretrain.work, 3600 * kWorkPerReferenceSecond);
  EXPECT_THAT(Rates(pretrain), ElementsAre(IsRate(h100_, 1'000'000), IsRate(a100_, 550'000)));
  // Runtime on a type = ceil(duration / speed): 3600 s on H100, ceil(3600 / 0.55) = 6546 s.
  EXPECT_EQ(RuntimeFor(pretrain.work, *pretrain.RateOn(h100_)), 3600);
  EXPECT_EQ(RuntimeFor(pretrain.work, *pretrain.RateOn(a100_)), 6546);
  EXPECT_EQ(pretrain.priority, 5);
  EXPECT_EQ(pretrain.deadline, kNever);
  EXPECT_EQ(pretrain.checkpoint_interval, 1800);
  EXPECT_EQ(pretrain.checkpoint_bytes, 1'000'000);

  const Job& sft = jobs_[1];
  EXPECT_EQ(sft.name, "sft, v2");
  EXPECT_EQ(sft.tenant, startup_);
  EXPECT_EQ(sft.submit, 100);
  EXPECT_EQ(sft.accelerators, 8);
  EXPECT_EQ(sft.nodes, 1);
  EXPECT_EQ(sft.work, 100 * kWorkPerReferenceSecond);
  EXPECT_THAT(Rates(sft), ElementsAre(IsRate(a100_, 1'000'000)));
  EXPECT_EQ(sft.priority, 0);
  EXPECT_EQ(sft.deadline, 500);
  EXPECT_EQ(sft.checkpoint_interval, 7200);  // the workload's
  EXPECT_EQ(sft.checkpoint_bytes, 5);

  const Job& eval = jobs_[2];
  EXPECT_EQ(eval.name, "eval");
  EXPECT_THAT(Rates(eval), ElementsAre(IsRate(h100_, 2'000'000)));
  EXPECT_EQ(RuntimeFor(eval.work, *eval.RateOn(h100_)), 1);
}

TEST_F(CsvJobsTest, ColumnsInAnyOrderWithWhitespaceAndCrlf) {
  const absl::Status s =
      Load(" types , duration,name ,submit,accelerators,tenant\r\nA100:0.5,10,a,0,16,lab\r\n");
  ASSERT_TRUE(s.ok()) << s;
  ASSERT_EQ(jobs_.size(), 1u);
  EXPECT_EQ(jobs_[0].name, "a");
  EXPECT_EQ(jobs_[0].nodes, 2);
  EXPECT_THAT(Rates(jobs_[0]), ElementsAre(IsRate(a100_, 500'000)));
}

TEST_F(CsvJobsTest, WorkloadTenantWhereTheFileHasNone) {
  options_.tenant = startup_;
  options_.priority = 3;
  options_.accelerators_per_node = 4;
  ASSERT_TRUE(Load("name,submit,accelerators,duration,types\na,0,6,10,H100\n").ok());
  ASSERT_EQ(jobs_.size(), 1u);
  EXPECT_EQ(jobs_[0].tenant, startup_);
  EXPECT_EQ(jobs_[0].priority, 3);
  EXPECT_EQ(jobs_[0].nodes, 2);  // ceil(6 / 4)
  // An empty tenant cell falls back to the workload's; a named one wins.
  ASSERT_TRUE(Load(StrCat(kHeader, "a,,0,1,10,H100\nb,lab,0,1,10,H100\n")).ok());
  ASSERT_EQ(jobs_.size(), 2u);
  EXPECT_EQ(jobs_[0].tenant, startup_);
  EXPECT_EQ(jobs_[1].tenant, lab_);
}

TEST_F(CsvJobsTest, TypeMappingRenamesAndScales) {
  options_.types = {{"V100", a100_, 0.5}};
  ASSERT_TRUE(Load(StrCat(kHeader, "a,lab,0,1,10,V100:2|H100\n")).ok());
  ASSERT_EQ(jobs_.size(), 1u);
  EXPECT_THAT(Rates(jobs_[0]), ElementsAre(IsRate(a100_, 1'000'000), IsRate(h100_, 1'000'000)));
}

TEST_F(CsvJobsTest, TimeScaleAndOffsetApplyToSubmitAndDeadline) {
  options_.time_scale = 0.5;
  options_.offset = 10;
  ASSERT_TRUE(Load("name,tenant,submit,accelerators,duration,types,deadline\n"
                   "a,lab,100,1,10,H100,201\n")
                  .ok());
  ASSERT_EQ(jobs_.size(), 1u);
  EXPECT_EQ(jobs_[0].submit, 60);     // round(100 x 0.5) + 10
  EXPECT_EQ(jobs_[0].deadline, 111);  // round(201 x 0.5) + 10 (halves round away from zero)
  EXPECT_EQ(jobs_[0].work, 10 * kWorkPerReferenceSecond);  // durations are not scaled
}

TEST_F(CsvJobsTest, UntilAndLimit) {
  options_.until = 100;
  ASSERT_TRUE(
      Load(StrCat(kHeader, "a,lab,0,1,10,H100\nb,lab,99,1,10,H100\nc,lab,100,1,10,H100\n")).ok());
  EXPECT_EQ(jobs_.size(), 2u);
  EXPECT_EQ(report_.rows, 3);
  EXPECT_EQ(report_.skipped, 1);
  EXPECT_THAT(report_.notes, ElementsAre("jobs: 1 jobs skipped: submitted after 'until'"));
  options_.until = kNever;
  options_.limit = 1;
  ASSERT_TRUE(Load(StrCat(kHeader, "a,lab,0,1,10,H100\nb,lab,99,1,10,H100\n")).ok());
  ASSERT_EQ(jobs_.size(), 1u);
  EXPECT_EQ(report_.rows, 1);
}

TEST_F(CsvJobsTest, EqualSubmitTimesAreInOrder) {
  ASSERT_TRUE(Load(StrCat(kHeader, "a,lab,5,1,10,H100\nb,lab,5,1,10,H100\n")).ok());
  EXPECT_EQ(jobs_.size(), 2u);
}

// --- Malformed input: one test per kind ---------------------------------------------------------

TEST_F(CsvJobsTest, EmptyFile) {
  EXPECT_EQ(Error(""), "jobs.csv: the file is empty; expected a header line");
  EXPECT_EQ(Error("# only a comment\n\n"), "jobs.csv: the file is empty; expected a header line");
}

TEST_F(CsvJobsTest, MissingHeaderColumn) {
  EXPECT_EQ(Error("name,tenant,submit,accelerators,duration\na,lab,0,1,10\n"),
            "jobs.csv:1: the header has no column 'types'; expected columns "
            "name,submit,accelerators,duration,types,tenant");
}

TEST_F(CsvJobsTest, MissingTenantColumnWithoutAWorkloadTenant) {
  EXPECT_EQ(Error("name,submit,accelerators,duration,types\na,0,1,10,H100\n"),
            "jobs.csv:1: the header has no column 'tenant'; expected columns "
            "name,submit,accelerators,duration,types,tenant");
}

TEST_F(CsvJobsTest, MissingColumnNamesTheHeadersLineAfterComments) {
  EXPECT_EQ(Error("# Arbiter jobs\n# generated\nname,submit\n"),
            "jobs.csv:3: the header has no column 'accelerators'; expected columns "
            "name,submit,accelerators,duration,types,tenant");
}

TEST_F(CsvJobsTest, WrongFieldCount) {
  EXPECT_EQ(Error(StrCat(kHeader, "a,lab,0,1,10,H100\nb,lab,0,1,10\n")),
            "jobs.csv:3: 5 fields; expected 6 like the header");
}

TEST_F(CsvJobsTest, LineNumbersCountCommentsAndQuotedLineBreaks) {
  EXPECT_EQ(
      Error(StrCat("# c\n", kHeader, "\"two\nlines\",lab,0,1,10,H100\n# c\nb,lab,0,1,x,H100\n")),
      "jobs.csv:6: duration: 'x' is not an integer; expected an integer in [1, "
      "2^40]");
}

TEST_F(CsvJobsTest, EmptyName) {
  EXPECT_EQ(Error(StrCat(kHeader, " ,lab,0,1,10,H100\n")),
            "jobs.csv:2: name: empty; expected a job name");
}

TEST_F(CsvJobsTest, DuplicateName) {
  EXPECT_EQ(Error(StrCat(kHeader, "a,lab,0,1,10,H100\nb,lab,0,1,10,H100\na,lab,1,1,10,H100\n")),
            "jobs.csv:4: name: 'a' used twice; expected a unique job name");
}

TEST_F(CsvJobsTest, UnknownTenant) {
  EXPECT_EQ(Error(StrCat(kHeader, "a,nobody,0,1,10,H100\n")),
            "jobs.csv:2: tenant: unknown tenant 'nobody'; expected a tenant of the scenario");
}

TEST_F(CsvJobsTest, EmptyTenantWithoutAWorkloadTenant) {
  EXPECT_EQ(Error(StrCat(kHeader, "a,,0,1,10,H100\n")),
            "jobs.csv:2: tenant: empty; expected a tenant of the scenario");
}

TEST_F(CsvJobsTest, NegativeOrNonIntegerSubmit) {
  EXPECT_EQ(Error(StrCat(kHeader, "a,lab,-1,1,10,H100\n")),
            "jobs.csv:2: submit: -1 is out of range; expected an integer in [0, 2^40]");
  EXPECT_EQ(Error(StrCat(kHeader, "a,lab,1.5,1,10,H100\n")),
            "jobs.csv:2: submit: '1.5' is not an integer; expected an integer in [0, 2^40]");
}

TEST_F(CsvJobsTest, UnorderedSubmit) {
  EXPECT_EQ(Error(StrCat(kHeader, "a,lab,10,1,10,H100\nb,lab,5,1,10,H100\n")),
            "jobs.csv:3: submit: 5 is earlier than the line before (10); expected rows ordered "
            "by submit time");
}

TEST_F(CsvJobsTest, BadAccelerators) {
  EXPECT_EQ(Error(StrCat(kHeader, "a,lab,0,0,10,H100\n")),
            "jobs.csv:2: accelerators: 0 is out of range; expected an integer in [1, 2^24]");
}

TEST_F(CsvJobsTest, MoreNodesThanAccelerators) {
  EXPECT_EQ(Error("name,tenant,submit,accelerators,nodes,duration,types\na,lab,0,8,9,10,H100\n"),
            "jobs.csv:2: nodes: 9 is out of range; expected an integer in [1, 8]");
}

TEST_F(CsvJobsTest, BadDuration) {
  EXPECT_EQ(Error(StrCat(kHeader, "a,lab,0,1,1h,H100\n")),
            "jobs.csv:2: duration: '1h' is not an integer; expected an integer in [1, "
            "2^40]");
  EXPECT_EQ(Error(StrCat(kHeader, "a,lab,0,1,0,H100\n")),
            "jobs.csv:2: duration: 0 is out of range; expected an integer in [1, 2^40]");
}

TEST_F(CsvJobsTest, UnknownType) {
  EXPECT_EQ(Error(StrCat(kHeader, "a,lab,0,1,10,H100|B200:2\n")),
            "jobs.csv:2: types: unknown accelerator type 'B200'; expected a type of the "
            "scenario's accelerator_types");
}

TEST_F(CsvJobsTest, BadSpeedSyntax) {
  EXPECT_EQ(Error(StrCat(kHeader, "a,lab,0,1,10,H100:fast\n")),
            "jobs.csv:2: types: speed 'fast' of H100; expected a number > 0");
  EXPECT_EQ(Error(StrCat(kHeader, "a,lab,0,1,10,H100:0\n")),
            "jobs.csv:2: types: speed '0' of H100; expected a number > 0");
  EXPECT_EQ(Error(StrCat(kHeader, "a,lab,0,1,10,A100:-1\n")),
            "jobs.csv:2: types: speed '-1' of A100; expected a number > 0");
  EXPECT_EQ(Error(StrCat(kHeader, "a,lab,0,1,10,H100:1:2\n")),
            "jobs.csv:2: types: speed '1:2' of H100; expected a number > 0");
}

TEST_F(CsvJobsTest, EmptySpeed) {
  EXPECT_EQ(Error(StrCat(kHeader, "a,lab,0,1,10,H100:\n")),
            StrCat("jobs.csv:2: types: 'H100:' has an empty speed; ", kTypesExpected));
}

TEST_F(CsvJobsTest, SpeedThatRoundsToZero) {
  EXPECT_EQ(Error(StrCat(kHeader, "a,lab,0,1,10,H100:0.0000001\n")),
            "jobs.csv:2: types: speed of H100 rounds to 0");
}

TEST_F(CsvJobsTest, TypeListedTwice) {
  EXPECT_EQ(Error(StrCat(kHeader, "a,lab,0,1,10,H100|A100|H100:2\n")),
            StrCat("jobs.csv:2: types: type 'H100' listed twice; ", kTypesExpected));
}

TEST_F(CsvJobsTest, EmptyTypes) {
  EXPECT_EQ(Error(StrCat(kHeader, "a,lab,0,1,10,\n")),
            StrCat("jobs.csv:2: types: empty; ", kTypesExpected));
}

TEST_F(CsvJobsTest, DeadlineNotAfterSubmit) {
  EXPECT_EQ(
      Error("name,tenant,submit,accelerators,duration,types,deadline\na,lab,100,1,10,H100,100\n"),
      "jobs.csv:2: deadline: 100 is out of range; expected an integer in [101, 2^40]");
}

TEST_F(CsvJobsTest, PriorityOutOfRange) {
  EXPECT_EQ(Error("name,tenant,submit,accelerators,duration,types,priority\na,lab,0,1,10,H100,"
                  "2000000\n"),
            "jobs.csv:2: priority: 2000000 is out of range; expected an integer in [-1000000, "
            "1000000]");
}

TEST_F(CsvJobsTest, NegativeCheckpointSettings) {
  EXPECT_EQ(
      Error("name,tenant,submit,accelerators,duration,types,checkpoint_interval\n"
            "a,lab,0,1,10,H100,-5\n"),
      "jobs.csv:2: checkpoint_interval: -5 is out of range; expected an integer in [0, 2^40]");
  EXPECT_EQ(Error("name,tenant,submit,accelerators,duration,types,checkpoint_bytes\n"
                  "a,lab,0,1,10,H100,lots\n"),
            "jobs.csv:2: checkpoint_bytes: 'lots' is not an integer; expected an integer in [0, "
            "2^60]");
}

TEST_F(CsvJobsTest, UnterminatedQuote) {
  EXPECT_EQ(Error(StrCat(kHeader, "a,lab,0,1,10,H100\n\"b,lab,0,1,10,H100\n")),
            "jobs.csv:3: a quoted field is not closed; expected a closing '\"'");
}

}  // namespace
}  // namespace arbiter
