#include "formats/profile.h"

#include <algorithm>
#include <string>

#include "formats/scenario_yaml.h"
#include "gtest/gtest.h"

namespace arbiter {
namespace {

WorkloadOptions Options() {
  WorkloadOptions o;
  o.source = "grow";
  o.tenant = TenantId(0);
  o.types = {{"any", AcceleratorTypeId(0), 1.0}, {"any", AcceleratorTypeId(1), 0.5}};
  return o;
}

GrowthProfile Flat() {
  GrowthProfile p;
  p.jobs_per_hour = 10;
  p.until = 100 * 3600;
  p.gangs = {{1, 0.75}, {8, 0.25}};
  p.median_runtime = 7200;
  p.sigma = 0.5;
  return p;
}

std::vector<Job> Generate(const GrowthProfile& p, uint64_t seed, WorkloadReport* report = nullptr) {
  std::vector<Job> jobs;
  WorkloadReport r;
  EXPECT_TRUE(ProfileJobs(p, seed, Options(), jobs, r).ok());
  if (report != nullptr) *report = r;
  return jobs;
}

TEST(Profile, SameSeedSameJobsOtherSeedOtherJobs) {
  const std::vector<Job> a = Generate(Flat(), 7);
  const std::vector<Job> b = Generate(Flat(), 7);
  const std::vector<Job> c = Generate(Flat(), 8);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].submit, b[i].submit);
    EXPECT_EQ(a[i].work, b[i].work);
    EXPECT_EQ(a[i].accelerators, b[i].accelerators);
  }
  EXPECT_NE(a.size() == c.size() && a[0].submit == c[0].submit && a[0].work == c[0].work, true);
}

TEST(Profile, RateGangsAndRuntimesFollowTheProfile) {
  WorkloadReport report;
  const std::vector<Job> jobs = Generate(Flat(), 1, &report);
  // 10 jobs an hour for 100 hours: 1000 expected, standard deviation about 32.
  EXPECT_GT(jobs.size(), 900u);
  EXPECT_LT(jobs.size(), 1100u);
  EXPECT_EQ(report.jobs, static_cast<int64_t>(jobs.size()));
  size_t singles = 0;
  std::vector<Work> works;
  for (const Job& job : jobs) {
    singles += job.accelerators == 1;
    EXPECT_TRUE(job.accelerators == 1 || job.accelerators == 8);
    EXPECT_EQ(job.nodes, 1);
    EXPECT_LT(job.submit, 100 * 3600);
    ASSERT_EQ(job.throughputs.size(), 2u);
    EXPECT_EQ(job.throughputs[0].rate, 1'000'000);
    EXPECT_EQ(job.throughputs[1].rate, 500'000);  // speed 0.5 on the second type
    works.push_back(job.work);
  }
  const double share = static_cast<double>(singles) / static_cast<double>(jobs.size());
  EXPECT_GT(share, 0.70);
  EXPECT_LT(share, 0.80);
  std::sort(works.begin(), works.end());
  const double median_s = static_cast<double>(works[works.size() / 2]) / 1e6;
  EXPECT_GT(median_s, 7200 * 0.9);
  EXPECT_LT(median_s, 7200 * 1.1);
  EXPECT_TRUE(std::is_sorted(jobs.begin(), jobs.end(),
                             [](const Job& a, const Job& b) { return a.submit < b.submit; }));
}

TEST(Profile, GrowthCompounds) {
  GrowthProfile p = Flat();
  p.growth = 1.0;  // doubles every period
  p.period = 10 * 86400;
  p.until = 20 * 86400;
  p.jobs_per_hour = 2;
  const std::vector<Job> jobs = Generate(p, 3);
  size_t first = 0;
  for (const Job& job : jobs) first += job.submit < 10 * 86400;
  // Expected: 480 / ln 2 = 692 in the first period, twice that in the second.
  const double ratio = static_cast<double>(jobs.size() - first) / static_cast<double>(first);
  EXPECT_GT(ratio, 1.7);
  EXPECT_LT(ratio, 2.3);
}

TEST(Profile, InvalidProfilesAreRejected) {
  GrowthProfile p = Flat();
  p.gangs.clear();
  std::vector<Job> jobs;
  WorkloadReport report;
  EXPECT_FALSE(ProfileJobs(p, 0, Options(), jobs, report).ok());
}

TEST(Profile, FromTheScenarioFileUsesTheRunsSeed) {
  const std::string yaml = R"(name: g
accelerator_types: [H100]
providers:
  - name: p
    regions: [{name: r, pools: [{type: H100, nodes: 1, accelerators_per_node: 8, price: {on_demand: 1}}]}]
tenants: [{name: own, first_party_of: p}]
workloads:
  - name: grow
    tenant: own
    format: profile
    types: {any: H100}
    profile: {jobs_per_hour: 5, growth: 0.1, until: 2d, gangs: {1: 1}, runtime: {median: 1h}}
)";
  absl::StatusOr<Scenario> a = ParseScenario("g.yaml", yaml, {{}, 11});
  absl::StatusOr<Scenario> b = ParseScenario("g.yaml", yaml, {{}, 12});
  ASSERT_TRUE(a.ok()) << a.status().message();
  ASSERT_TRUE(b.ok());
  EXPECT_GT(a->jobs.size(), 150u);
  EXPECT_NE(a->jobs[0].submit, b->jobs[0].submit);
  absl::StatusOr<Scenario> bad =
      ParseScenario("g.yaml", std::string(yaml).replace(yaml.find("{1: 1}"), 6, "{one: 1}"), {});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(std::string(bad.status().message())
                .find("workloads[0].profile.gangs.one: 'one' is not a gang size"),
            std::string::npos)
      << bad.status().message();
}

}  // namespace
}  // namespace arbiter
