#include "report/table.h"

#include <string>

#include "gtest/gtest.h"

namespace arbiter {
namespace {

// A fleet with one provider and one tenant, and a run of two finished jobs.
Scenario OneProvider() {
  Scenario s;
  s.name = "tiny";
  s.fleet.AddProvider("p");
  s.fleet.AddTenant({"lab"});
  return s;
}

RunSummary TwoJobs() {
  RunSummary r;
  r.scenario = "tiny";
  r.policy = "fifo";
  r.jobs = 2;
  r.finished = 2;
  r.makespan = 7200;
  r.total_cost = 64'000'000;
  r.providers.push_back({ProviderId(0), 0, 0, 0.0, 0});
  TenantSpend lab;
  lab.tenant = TenantId(0);
  lab.jobs = 2;
  lab.finished = 2;
  lab.cost_by_provider = {64'000'000};
  r.tenants.push_back(lab);
  return r;
}

TEST(SummaryTable, ShowsTheLowerBoundsWithTheirRatios) {
  RunSummary r = TwoJobs();
  r.bounds.jobs = 2;
  r.bounds.makespan = 3600;
  r.bounds.mean_jct = 1800;
  r.bounds.cost = 16'000'000;
  r.bounds.makespan_ratio = 2.0;
  r.bounds.mean_jct_ratio = 1.5;
  r.bounds.cost_ratio = 4.0;
  const std::string table = SummaryTable(OneProvider(), r);
  EXPECT_NE(table.find("  lower bounds   makespan 1h00m00s (x2.00)   mean JCT 30m00s (x1.50)   "
                       "cost $16.00 (x4.00)\n"),
            std::string::npos)
      << table;
}

TEST(SummaryTable, BoundsWithoutRatiosWhenTheRunStoppedEarly) {
  RunSummary r = TwoJobs();
  r.bounds.jobs = 2;
  r.bounds.makespan = 3600;
  r.bounds.mean_jct = 1800;
  r.bounds.cost = 16'000'000;
  const std::string table = SummaryTable(OneProvider(), r);
  EXPECT_NE(table.find("  lower bounds   makespan 1h00m00s   mean JCT 30m00s   cost $16.00\n"),
            std::string::npos)
      << table;
  // No counted job: no line.
  r.bounds.jobs = 0;
  EXPECT_EQ(SummaryTable(OneProvider(), r).find("lower bounds"), std::string::npos);
}

}  // namespace
}  // namespace arbiter
