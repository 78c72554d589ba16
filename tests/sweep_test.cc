// arbiter sweep on a small scenario whose every point is computed by hand.
#include "cli/sweep.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "cli_case.h"
#include "gtest/gtest.h"

namespace arbiter {
namespace {

using testing::Slurp;

namespace fs = std::filesystem;

// Two jobs of 8 H100 for an hour, both at t=0, on the tiny scenario (cli_case.h): one pool of
// N nodes x 8 H100 at $4/h.
constexpr const char* kJobs =
    "name,submit,accelerators,duration,types\na,0,8,3600,H100\nb,0,8,3600,H100\n";

TEST(Sweep, EveryPointOfTheGridInOrder) {
  const fs::path dir = testing::WriteTinyScenario("arbiter-sweep", "tiny-sweep", kJobs);
  SweepArgs args;
  args.scenario = (dir / "s.yaml").string();
  args.grid = {"providers[0].regions[0].pools[0].nodes=1,2", "contracts[0].discount=0,0.5"};
  args.out = (dir / "out").string();
  args.quiet = true;
  SweepResult result;
  ASSERT_EQ(RunSweep(args, stdout, stderr, &result), 0);
  ASSERT_EQ(result.rows.size(), 4u);
  // One node: the jobs run one after the other (JCT 3600 and 7200); two nodes: side by side.
  // Each job costs 8 x 1 h x $4 = $32, or $16 at half price.
  const double jct[] = {5400, 5400, 3600, 3600};
  const int64_t cost[] = {64'000'000, 32'000'000, 64'000'000, 32'000'000};
  const char* nodes[] = {"1", "1", "2", "2"};
  const char* discount[] = {"0", "0.5", "0", "0.5"};
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(result.rows[i].values, (std::vector<std::string>{nodes[i], discount[i]})) << i;
    EXPECT_EQ(result.rows[i].finished, 2) << i;
    EXPECT_DOUBLE_EQ(result.rows[i].mean_jct_s, jct[i]) << i;
    EXPECT_EQ(result.rows[i].total_cost_micros, cost[i]) << i;
  }
  const std::string csv = Slurp(dir / "out" / "sweep.csv");
  EXPECT_EQ(csv.substr(0, csv.find('\n')),
            "providers[0].regions[0].pools[0].nodes,contracts[0].discount,jobs,finished,"
            "mean_jct_s,p99_jct_s,mean_wait_s,makespan_s,total_cost,cost:lab,mean_jct_s:lab,"
            "utilisation:p,won:p,won_by_right:p");
  EXPECT_NE(csv.find("\n1,0.5,2,2,5400.000,7200,1800.000,7200,32.000000,32.000000,5400.000,"),
            std::string::npos)
      << csv;
}

TEST(Sweep, ReportIsWrittenWithTheCsvAllOrNothing) {
  const fs::path dir = testing::WriteTinyScenario("arbiter-sweep-report", "tiny-sweep", kJobs);
  std::ofstream(dir / "file") << "not a directory";
  SweepArgs args;
  args.scenario = (dir / "s.yaml").string();
  args.grid = {"contracts[0].discount=0,0.5"};
  args.out = (dir / "out").string();
  args.quiet = true;
  // The report cannot be written (its directory would be inside a file): neither is sweep.csv.
  args.report = (dir / "file" / "sweep.html").string();
  std::FILE* err = std::tmpfile();
  EXPECT_EQ(RunSweep(args, stdout, err), 1);
  std::fclose(err);
  EXPECT_FALSE(fs::exists(dir / "out" / "sweep.csv"));
  args.report = (dir / "reports" / "sweep.html").string();
  ASSERT_EQ(RunSweep(args, stdout, stderr), 0);
  EXPECT_TRUE(fs::exists(dir / "out" / "sweep.csv"));
  const std::string html = Slurp(dir / "reports" / "sweep.html");
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("<title>Arbiter sweep: tiny-sweep</title>"), std::string::npos);
  EXPECT_NE(html.find("data-plot=\"sweep-jct\""), std::string::npos);
  EXPECT_NE(html.find("data-plot=\"sweep-cost\""), std::string::npos);
}

TEST(Sweep, BadGridOrPointIsAUsageError) {
  SweepArgs args;
  args.scenario = "examples/frontier-lab.yaml";
  args.quiet = true;
  args.grid = {"nodes"};
  std::FILE* err = std::tmpfile();
  EXPECT_EQ(RunSweep(args, stdout, err), 2);
  args.grid = {"providers[9].name=x"};
  EXPECT_EQ(RunSweep(args, stdout, err), 2);
  std::rewind(err);
  char buf[2048] = {};
  const size_t n = std::fread(buf, 1, sizeof(buf) - 1, err);
  std::fclose(err);
  const std::string text(buf, n);
  EXPECT_NE(text.find("--grid 'nodes': expected KEY=v1,v2,..."), std::string::npos) << text;
  EXPECT_NE(text.find("point providers[9].name=x: --set 'providers[9].name=x': providers has "
                      "no item [9]"),
            std::string::npos)
      << text;
}

}  // namespace
}  // namespace arbiter
