// arbiter compare: a small scenario computed by hand, bad --policies values, the report written
// with the CSV, and the lower bounds against every policy on the bundled scenario.
#include "cli/compare.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "cli_case.h"
#include "gtest/gtest.h"
#include "sched/registry.h"

namespace arbiter {
namespace {

using testing::Slurp;

namespace fs = std::filesystem;

// On the tiny scenario (cli_case.h: one pool of 1 node x 8 H100 at $4/h), two jobs of 8 H100 for
// an hour, both at t=0, with deadlines at 4000 and 5000.
constexpr const char* kJobs =
    "name,submit,accelerators,duration,types,deadline\n"
    "a,0,8,3600,H100,4000\n"
    "b,0,8,3600,H100,5000\n";

fs::path TinyScenario(const std::string& dir) {
  return testing::WriteTinyScenario(dir, "tiny-compare", kJobs);
}

std::string ErrorText(std::FILE* err) {
  std::rewind(err);
  char buf[4096] = {};
  const size_t n = std::fread(buf, 1, sizeof(buf) - 1, err);
  return std::string(buf, n);
}

TEST(Compare, EveryPolicyByHand) {
  const fs::path dir = TinyScenario("arbiter-compare");
  CompareArgs args;
  args.scenario = (dir / "s.yaml").string();
  args.policies = "fifo,sjf";
  args.out = (dir / "out").string();
  args.quiet = true;
  CompareResult result;
  ASSERT_EQ(RunCompare(args, stdout, stderr, &result), 0);
  EXPECT_EQ(result.scenario, "tiny-compare");
  // Bounds: each job needs 3600 s (mean JCT 3600); both gangs fill the pool, so the area bound
  // is 2 x 8 x 3600 / 8 = 7200 s; cost 2 x 8 x 1 h x $4 = $64.
  EXPECT_EQ(result.bounds.jobs, 2);
  EXPECT_DOUBLE_EQ(result.bounds.mean_jct, 3600);
  EXPECT_EQ(result.bounds.makespan, 7200);
  EXPECT_EQ(result.bounds.cost, 64'000'000);
  ASSERT_EQ(result.rows.size(), 2u);
  for (const CompareRow& row : result.rows) {
    // One job runs [0, 3600), the other [3600, 7200).
    EXPECT_EQ(row.finished, 2) << row.policy;
    EXPECT_DOUBLE_EQ(row.mean_jct_s, 5400) << row.policy;
    EXPECT_EQ(row.p99_jct_s, 7200) << row.policy;
    EXPECT_EQ(row.makespan_s, 7200) << row.policy;
    EXPECT_EQ(row.total_cost, 64'000'000) << row.policy;
    EXPECT_DOUBLE_EQ(row.utilisation, 1.0) << row.policy;  // 8 accelerators busy until the end
    // The job that runs second ends at 7200, after either deadline; the first, at 3600, meets
    // both.
    EXPECT_EQ(row.deadline_jobs, 2) << row.policy;
    EXPECT_EQ(row.deadline_misses, 1) << row.policy;
    // Equal share: 2 jobs in the system, 8 accelerators, gangs of 8: 3600 x 2 = 7200 each; the
    // worst ratio is 7200 / 7200.
    EXPECT_DOUBLE_EQ(row.worst_ftf, 1.0) << row.policy;
    EXPECT_DOUBLE_EQ(*row.mean_jct_ratio, 1.5) << row.policy;
    EXPECT_DOUBLE_EQ(*row.makespan_ratio, 1.0) << row.policy;
    EXPECT_DOUBLE_EQ(*row.cost_ratio, 1.0) << row.policy;
    EXPECT_EQ(row.jct, (std::vector<Duration>{3600, 7200})) << row.policy;
  }
  EXPECT_EQ(result.rows[0].policy, "fifo");
  EXPECT_EQ(result.rows[1].policy, "sjf");
  EXPECT_EQ(Slurp(dir / "out" / "compare.csv"),
            "policy,jobs,finished,mean_jct_s,p99_jct_s,makespan_s,total_cost,utilisation,"
            "deadline_jobs,deadline_misses,worst_ftf,makespan_ratio,mean_jct_ratio,cost_ratio\n"
            "fifo,2,2,5400.000,7200,7200,64.000000,1.000000,2,1,1.000000,1.000000,1.500000,"
            "1.000000\n"
            "sjf,2,2,5400.000,7200,7200,64.000000,1.000000,2,1,1.000000,1.000000,1.500000,"
            "1.000000\n"
            "bound,2,,3600.000,,7200,64.000000,,,,,,,\n");
}

TEST(Compare, UnknownPolicyIsAUsageErrorThatListsTheKnownOnes) {
  const fs::path dir = TinyScenario("arbiter-compare-bad");
  CompareArgs args;
  args.scenario = (dir / "s.yaml").string();
  args.out = (dir / "out").string();
  args.quiet = true;
  std::FILE* err = std::tmpfile();
  args.policies = "fifo,nope";
  EXPECT_EQ(RunCompare(args, stdout, err), 2);
  args.policies = "fifo,,sjf";
  EXPECT_EQ(RunCompare(args, stdout, err), 2);
  args.policies = "sjf,sjf";
  EXPECT_EQ(RunCompare(args, stdout, err), 2);
  const std::string text = ErrorText(err);
  std::fclose(err);
  std::vector<std::string> known;
  for (const PolicyInfo& p : ListPolicies()) known.push_back(p.name);
  std::string list;
  for (const std::string& name : known) list += (list.empty() ? "" : ", ") + name;
  EXPECT_NE(text.find("--policies: unknown policy 'nope'; known policies: " + list),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("--policies 'fifo,,sjf': an empty name"), std::string::npos) << text;
  EXPECT_NE(text.find("--policies: 'sjf' is named twice"), std::string::npos) << text;
  EXPECT_FALSE(fs::exists(dir / "out" / "compare.csv"));
}

TEST(Compare, ReportIsWrittenWithTheCsvAllOrNothing) {
  const fs::path dir = TinyScenario("arbiter-compare-report");
  std::ofstream(dir / "file") << "not a directory";
  CompareArgs args;
  args.scenario = (dir / "s.yaml").string();
  args.policies = "fifo";
  args.out = (dir / "out").string();
  args.quiet = true;
  // The report cannot be written (its directory would be inside a file): neither is compare.csv.
  args.report = (dir / "file" / "compare.html").string();
  std::FILE* err = std::tmpfile();
  EXPECT_EQ(RunCompare(args, stdout, err), 1);
  std::fclose(err);
  EXPECT_FALSE(fs::exists(dir / "out" / "compare.csv"));
  args.report = (dir / "reports" / "compare.html").string();
  ASSERT_EQ(RunCompare(args, stdout, stderr), 0);
  EXPECT_TRUE(fs::exists(dir / "out" / "compare.csv"));
  const std::string html = Slurp(dir / "reports" / "compare.html");
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("<title>Arbiter compare: tiny-compare</title>"), std::string::npos);
  EXPECT_NE(html.find("data-plot=\"compare-jct-cdf\""), std::string::npos);
  EXPECT_NE(html.find("data-plot=\"compare-ratios\""), std::string::npos);
}

// The bounds hold for every registered policy on the bundled scenario (its first 25 jobs of each
// workload, to stay fast): every ratio is set (every job finished) and at least 1.
TEST(Compare, EveryPolicyIsAtOrAboveTheBoundsOnTheBundledScenario) {
  const fs::path dir = fs::absolute(fs::path(::testing::TempDir()) / "arbiter-compare-bundled");
  fs::remove_all(dir);
  CompareArgs args;
  args.scenario = "examples/frontier-lab.yaml";
  for (int w = 0; w < 8; ++w) {
    args.overrides.push_back("workloads[" + std::to_string(w) + "].limit=25");
  }
  args.out = dir.string();
  args.quiet = true;
  CompareResult result;
  ASSERT_EQ(RunCompare(args, stdout, stderr, &result), 0);
  ASSERT_EQ(result.rows.size(), ListPolicies().size());
  EXPECT_EQ(result.bounds.jobs, 200);
  EXPECT_GT(result.bounds.cost, 0);
  for (const CompareRow& row : result.rows) {
    ASSERT_EQ(row.finished, result.bounds.jobs) << row.policy;
    ASSERT_TRUE(row.makespan_ratio && row.mean_jct_ratio && row.cost_ratio) << row.policy;
    EXPECT_GE(*row.makespan_ratio, 1.0) << row.policy;
    EXPECT_GE(*row.mean_jct_ratio, 1.0) << row.policy;
    EXPECT_GE(*row.cost_ratio, 1.0) << row.policy;
    EXPECT_GE(row.worst_ftf, 0.0) << row.policy;
  }
}

}  // namespace
}  // namespace arbiter
