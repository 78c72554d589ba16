#include "model/fleet.h"

#include <string>

#include "gtest/gtest.h"
#include "model/job.h"
#include "model/scenario.h"
#include "model/strings.h"

namespace arbiter {
namespace {

Fleet SmallFleet() {
  Fleet f;
  const AcceleratorTypeId h100 = f.AddAcceleratorType("H100");
  f.AddAcceleratorType("A100");
  const ProviderId p = f.AddProvider("primary");
  const RegionId r = f.AddRegion(p, "us-east-1");
  Pool pool;
  pool.region = r;
  pool.type = h100;
  pool.nodes = 4;
  pool.accelerators_per_node = 8;
  pool.max_gang = 16;
  pool.on_demand_price = 6'880'000;
  f.AddPool(pool);
  f.AddTenant({"lab", 1, std::nullopt});
  return f;
}

TEST(Fleet, AddersKeepCrossReferencesAndNames) {
  Fleet f = SmallFleet();
  ASSERT_EQ(f.pools.size(), 1u);
  const Pool& pool = f.pools[0];
  EXPECT_EQ(pool.name, "primary/us-east-1/H100");
  EXPECT_EQ(pool.provider, ProviderId(0));
  EXPECT_EQ(pool.capacity(), 32);
  EXPECT_EQ(f.regions[0].pools, std::vector<PoolId>{PoolId(0)});
  EXPECT_EQ(f.providers[0].regions, std::vector<RegionId>{RegionId(0)});
  EXPECT_EQ(f.FindPool("primary/us-east-1/H100"), PoolId(0));
  EXPECT_EQ(f.FindAcceleratorType("A100"), AcceleratorTypeId(1));
  EXPECT_EQ(f.FindTenant("lab"), TenantId(0));
  EXPECT_FALSE(f.FindTenant("nobody").has_value());
  EXPECT_EQ(f.FindRegion(ProviderId(0), "us-east-1"), RegionId(0));
  EXPECT_EQ(f.PoolsOfType(AcceleratorTypeId(0)), std::vector<PoolId>{PoolId(0)});
  EXPECT_TRUE(f.PoolsOfType(AcceleratorTypeId(1)).empty());
  EXPECT_TRUE(f.Validate().ok());
}

TEST(Fleet, ValidateRejectsBrokenInvariants) {
  {
    Fleet f = SmallFleet();
    f.pools[0].max_gang = 0;
    EXPECT_NE(std::string(f.Validate().message()).find("max_gang must be > 0"), std::string::npos);
  }
  {
    Fleet f = SmallFleet();
    f.pools[0].accelerators_per_node = 0;
    EXPECT_FALSE(f.Validate().ok());
  }
  {
    Fleet f = SmallFleet();
    f.pools[0].on_demand_price = -1;
    EXPECT_NE(std::string(f.Validate().message()).find("prices must be >= 0"), std::string::npos);
  }
  {
    Fleet f = SmallFleet();
    f.AddContract({TenantId(0), ProviderId(0), OnDemandTerms{kPpmOne + 1}});
    EXPECT_NE(std::string(f.Validate().message()).find("discount must be in [0, 1]"),
              std::string::npos);
  }
  {
    Fleet f = SmallFleet();
    f.AddContract({TenantId(0), ProviderId(0),
                   CommitmentTerms{AcceleratorTypeId(0), std::nullopt, 8, 100, 50, 1}});
    EXPECT_NE(std::string(f.Validate().message()).find("end must be after start"),
              std::string::npos);
  }
  {
    Fleet f = SmallFleet();
    f.AddContract({TenantId(3), ProviderId(0), OnDemandTerms{}});
    EXPECT_NE(std::string(f.Validate().message()).find("unknown tenant/provider"),
              std::string::npos);
  }
  {
    Fleet f = SmallFleet();
    f.AddTenant({"lab", 1, std::nullopt});
    EXPECT_NE(std::string(f.Validate().message()).find("tenant names are not unique"),
              std::string::npos);
  }
}

Job GoodJob() {
  Job job;
  job.name = "j";
  job.tenant = TenantId(0);
  job.submit = 10;
  job.accelerators = 8;
  job.nodes = 2;
  job.throughputs = {{AcceleratorTypeId(0), 5}};
  job.work = 100;
  return job;
}

TEST(Job, ValidateChecksEachInvariant) {
  const Fleet f = SmallFleet();
  EXPECT_TRUE(ValidateJob(GoodJob(), f).ok());
  EXPECT_EQ(GoodJob().AcceleratorsPerNode(), 4);
  struct Case {
    const char* what;
    void (*mutate)(Job&);
  };
  const Case cases[] = {
      {"unknown tenant", [](Job& j) { j.tenant = TenantId(5); }},
      {"submit time must be >= 0", [](Job& j) { j.submit = -1; }},
      {"accelerators must be > 0", [](Job& j) { j.accelerators = 0; }},
      {"nodes must be in [1, accelerators]", [](Job& j) { j.nodes = 9; }},
      {"work must be > 0", [](Job& j) { j.work = 0; }},
      {"no acceptable accelerator type", [](Job& j) { j.throughputs.clear(); }},
      {"unknown accelerator type",
       [](Job& j) {
         j.throughputs = {{AcceleratorTypeId(7), 1}};
       }},
      {"throughput must be > 0",
       [](Job& j) {
         j.throughputs = {{AcceleratorTypeId(0), 0}};
       }},
      {"accelerator type listed twice",
       [](Job& j) {
         j.throughputs = {{AcceleratorTypeId(0), 1}, {AcceleratorTypeId(0), 2}};
       }},
      {"deadline must be after submit", [](Job& j) { j.deadline = 10; }},
      {"checkpoint interval and size and restore time must be >= 0",
       [](Job& j) { j.checkpoint_interval = -1; }},
      {"checkpoint interval and size and restore time must be >= 0",
       [](Job& j) { j.restore = -1; }},
  };
  for (const Case& c : cases) {
    Job job = GoodJob();
    c.mutate(job);
    const absl::Status s = ValidateJob(job, f);
    EXPECT_EQ(std::string(s.message()), StrCat("job j: ", c.what)) << c.what;
  }
}

TEST(Job, RateOn) {
  Job job = GoodJob();
  job.throughputs = {{AcceleratorTypeId(0), 5}, {AcceleratorTypeId(1), 3}};
  EXPECT_EQ(job.RateOn(AcceleratorTypeId(1)), 3);
  EXPECT_FALSE(job.RateOn(AcceleratorTypeId(2)).has_value());
}

TEST(Scenario, ValidateRequiresSubmitOrderAndKnownPools) {
  Scenario s;
  s.fleet = SmallFleet();
  Job a = GoodJob();
  Job b = GoodJob();
  b.name = "b";
  b.submit = 5;
  s.jobs = {a, b};
  EXPECT_NE(std::string(s.Validate().message()).find("ordered by submit time"), std::string::npos);
  s.jobs = {b, a};
  EXPECT_TRUE(s.Validate().ok());
  s.capacity_changes.push_back({10, PoolId(3), 1});
  EXPECT_NE(std::string(s.Validate().message()).find("unknown pool"), std::string::npos);
  s.capacity_changes = {{10, PoolId(0), -1}};
  EXPECT_NE(std::string(s.Validate().message()).find("time and nodes must be >= 0"),
            std::string::npos);
}

TEST(Strings, Helpers) {
  EXPECT_EQ(StrCat("a", 1, '-', int64_t{-7}, std::string("x"), std::string_view("y")), "a1--7xy");
  EXPECT_EQ(StrJoin(std::vector<std::string>{"a", "b", "c"}, ", "), "a, b, c");
  EXPECT_EQ(Split("a|b||c", '|'), (std::vector<std::string_view>{"a", "b", "", "c"}));
  EXPECT_EQ(Split("", '|'), (std::vector<std::string_view>{""}));
  EXPECT_EQ(StripWhitespace("  x y \t\r\n"), "x y");
  EXPECT_EQ(Format("%05.1f|%s|%lld", 2.25, "s", 42LL), "002.2|s|42");
}

}  // namespace
}  // namespace arbiter
