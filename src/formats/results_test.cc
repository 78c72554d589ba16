#include "formats/results.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <csignal>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "formats/testing.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "model/strings.h"

namespace arbiter {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

std::string Message(const absl::Status& status) { return std::string(status.message()); }

// One provider whose name has a comma, one region, one pool of 4 x 8 H100, one tenant.
Scenario TinyScenario() {
  Scenario s;
  s.name = "tiny";
  Fleet& f = s.fleet;
  const AcceleratorTypeId h100 = f.AddAcceleratorType("H100");
  const ProviderId cloud = f.AddProvider("cloud, inc");
  const RegionId east = f.AddRegion(cloud, "east");
  Pool pool;
  pool.region = east;
  pool.type = h100;
  pool.nodes = 4;
  pool.accelerators_per_node = 8;
  pool.max_gang = 32;
  pool.on_demand_price = 6'880'000;
  f.AddPool(pool);  // named "cloud, inc/east/H100"
  f.AddTenant({"lab", 1, std::nullopt});
  s.load_notes = {"lab: 5 jobs from 5 rows"};
  return s;
}

Job MakeJob(std::string name, Time submit, int32_t accelerators) {
  Job job;
  job.name = std::move(name);
  job.tenant = TenantId(0);
  job.submit = submit;
  job.accelerators = accelerators;
  job.work = 1;
  job.throughputs.push_back({AcceleratorTypeId(0), 1});
  return job;
}

TEST(JobsCsv, OneRowPerJobWithQuoting) {
  const Scenario s = TinyScenario();
  const std::vector<Job> jobs = {MakeJob("train \"big\", v2", 0, 8), MakeJob("eval", 100, 1),
                                 MakeJob("huge", 200, 64), MakeJob("probe", 300, 2),
                                 MakeJob("two\nlines", 400, 1)};
  std::vector<JobOutcome> outcomes(5);
  // Finished: 8 accelerators for 3600 s, $55.04.
  outcomes[0].state = JobState::kFinished;
  outcomes[0].pool = PoolId(0);
  outcomes[0].first_start = 10;
  outcomes[0].end = 3610;
  outcomes[0].cost = 55'040'000;
  outcomes[0].accelerator_seconds = 8 * 3600;
  outcomes[0].starts = 1;
  outcomes[0].useful_accelerator_seconds = 8 * 3600;  // goodput 1
  // outcomes[1]: pending, never started (the defaults).
  outcomes[2].state = JobState::kRejected;
  outcomes[2].reason = "no pool has 64 accelerators, not even one, in one domain";
  // Running when the run stopped: started, no end yet.
  outcomes[3].state = JobState::kRunning;
  outcomes[3].pool = PoolId(0);
  outcomes[3].first_start = 500;
  outcomes[3].cost = 1'234'567;
  outcomes[3].accelerator_seconds = 1800;
  // Interrupted twice, restarted twice (once on another provider): 900 accelerator-seconds
  // (0.25 h) lost for $0.25, $1.80 of egress, half of what it paid for was useful.
  outcomes[3].starts = 3;
  outcomes[3].interruptions = 2;
  outcomes[3].migrations = 1;
  outcomes[3].lost_accelerator_seconds = 900;
  outcomes[3].lost_cost = 250'000;
  outcomes[3].egress_cost = 1'800'000;
  outcomes[3].useful_accelerator_seconds = 900;
  // Three launch attempts: one failed, the others took 240 s to come up in all, and a cancelled
  // one cost $0.125.
  outcomes[3].launch_attempts = 4;
  outcomes[3].launch_failures = 1;
  outcomes[3].launch_wait = 240;
  outcomes[3].launch_waste_cost = 125'000;
  // One accelerator-second: 1/3600 h is 0.0003 to four decimals.
  outcomes[4].state = JobState::kFinished;
  outcomes[4].pool = PoolId(0);
  outcomes[4].first_start = 400;
  outcomes[4].end = 401;
  outcomes[4].cost = 1911;
  outcomes[4].accelerator_seconds = 1;
  outcomes[4].starts = 1;
  outcomes[4].useful_accelerator_seconds = 1;

  EXPECT_EQ(JobsCsv(s, jobs, outcomes),
            "id,name,tenant,submit,start,end,provider,pool,accelerator_type,accelerators,cost,"
            "accelerator_hours,state,interruptions,restarts,migrations,lost_accelerator_hours,"
            "lost_cost,egress_cost,goodput,launch_attempts,launch_failures,launch_wait_seconds,"
            "launch_waste_cost,reason\n"
            "0,\"train \"\"big\"\", v2\",lab,0,10,3610,\"cloud, inc\",\"cloud, inc/east/H100\","
            "H100,8,55.040000,8.0000,finished,0,0,0,0.0000,0.000000,0.000000,1.0000,0,0,0,"
            "0.000000,\n"
            "1,eval,lab,100,,,,,,1,0.000000,0.0000,pending,0,0,0,0.0000,0.000000,0.000000,0.0000,"
            "0,0,0,0.000000,\n"
            "2,huge,lab,200,,,,,,64,0.000000,0.0000,rejected,0,0,0,0.0000,0.000000,0.000000,"
            "0.0000,0,0,0,0.000000,\"no pool has 64 accelerators, not even one, in one domain\"\n"
            "3,probe,lab,300,500,,\"cloud, inc\",\"cloud, inc/east/H100\",H100,2,1.234567,0.5000,"
            "running,2,2,1,0.2500,0.250000,1.800000,0.5000,4,1,240,0.125000,\n"
            "4,\"two\nlines\",lab,400,400,401,\"cloud, inc\",\"cloud, inc/east/H100\",H100,1,"
            "0.001911,0.0003,finished,0,0,0,0.0000,0.000000,0.000000,1.0000,0,0,0,0.000000,\n");
}

TEST(JobsCsv, NoJobsIsJustTheHeader) {
  EXPECT_EQ(JobsCsv(TinyScenario(), {}, {}),
            "id,name,tenant,submit,start,end,provider,pool,accelerator_type,accelerators,cost,"
            "accelerator_hours,state,interruptions,restarts,migrations,lost_accelerator_hours,"
            "lost_cost,egress_cost,goodput,launch_attempts,launch_failures,launch_wait_seconds,"
            "launch_waste_cost,reason\n");
}

DurationStats Stats(int64_t count, double mean, Duration median, Duration p99, Duration max) {
  DurationStats s;
  s.count = count;
  s.mean = mean;
  s.median = median;
  s.p99 = p99;
  s.max = max;
  return s;
}

RunSummary TinySummary() {
  RunSummary r;
  r.scenario = "tiny";
  r.policy = "fifo";
  r.seed = 42;
  r.jobs = 4;
  r.finished = 1;
  r.running = 1;
  r.pending = 1;
  r.rejected = 1;
  r.rejected_by_reason = {{"gang-too-large", 1}};
  r.jct = Stats(1, 3610.0, 3610, 3610, 3610);
  r.queueing_delay = Stats(2, 105.5, 10, 200, 200);
  // Bounds as sim/bounds.h would set them; a ratio only where one is set (mean JCT: none).
  r.bounds.jobs = 3;
  r.bounds.makespan = 3000;
  r.bounds.mean_jct = 1805.25;
  r.bounds.cost = 12'500'000;
  r.bounds.makespan_ratio = 3610.0 / 3000;  // 1.2033333...
  r.bounds.cost_ratio = 56.274567 / 12.5;   // 4.50196536
  r.first_submit = 0;
  r.last_finish = 3610;
  r.makespan = 3610;
  r.end = 4000;
  r.events = 12;
  r.total_cost = 56'274'567;
  r.accelerator_seconds = 30'600;
  // 32 accelerators x 4000 s = 128000 accelerator-seconds = 35.5555... h.
  PoolUsage& pool = r.pools.emplace_back();
  pool.pool = PoolId(0);
  pool.capacity_accelerator_seconds = 128'000;
  pool.busy_accelerator_seconds = 30'600;
  pool.utilisation = 0.25;
  pool.revenue = 56'274'567;
  ProviderUsage& provider = r.providers.emplace_back();
  provider.provider = ProviderId(0);
  provider.capacity_accelerator_seconds = 128'000;
  provider.busy_accelerator_seconds = 30'600;
  provider.utilisation = 0.25;
  provider.revenue = 56'274'567;
  RecoveryFigures recovery;
  recovery.interruptions = 2;
  recovery.restarts = 2;
  recovery.migrations = 1;
  recovery.lost_accelerator_seconds = 900;
  recovery.lost_cost = 250'000;
  recovery.egress_cost = 1'800'000;
  recovery.useful_accelerator_seconds = 29'700;
  recovery.paid_accelerator_seconds = 30'600;
  recovery.goodput = 29'700.0 / 30'600.0;
  // Five attempts: three up after 600 s in all, one failed by its timeout, one cancelled after
  // holding 2 accelerators for 450 s (0.25 h) at $2.
  recovery.launch = {5, 3, 1, 1, 1, 600, 900, 500'000};
  provider.recovery = recovery;
  r.recovery = recovery;
  r.recovery_policy = "same-pool";
  TenantSpend& tenant = r.tenants.emplace_back();
  tenant.tenant = TenantId(0);
  tenant.jobs = 4;
  tenant.finished = 1;
  tenant.cost = 56'274'567;
  tenant.accelerator_seconds = 30'600;
  tenant.cost_by_provider = {56'274'567};
  tenant.jct = r.jct;
  tenant.recovery = recovery;
  ProviderMarket& m = r.market_providers.emplace_back();
  m.provider = ProviderId(0);
  m.requests_seen = 3;
  m.asks = 4;
  m.accepted_full = 2;
  m.accepted_part = 1;
  m.declined = 1;
  m.items_won = 3;
  m.items_won_by_right = 1;
  m.delivered = 2;
  m.delivered_late = 1;
  m.new_capacity_accelerator_seconds = 30'600;
  m.first_party_delayed_job_seconds = 1'800;
  m.first_party_displaced_accelerator_seconds = 7'200;
  TenantMarket& t = r.market_tenants.emplace_back();
  t.tenant = TenantId(0);
  t.requests = 3;
  t.items = 4;
  t.rofr_wait = 120;
  t.new_capacity_accelerator_seconds = 30'600;
  t.new_capacity_share = {1.0};
  return r;
}

TEST(SummaryJson, FixedKeysAndFormats) {
  // Money as dollar strings with six decimals; hours to 3 decimals and utilisation to 6, printed
  // as the shortest JSON number of that rounding (35.5555... -> 35.556, 0.250000 -> 0.25).
  EXPECT_EQ(SummaryJson(TinyScenario(), TinySummary()), R"j({
  "scenario": "tiny",
  "policy": "fifo",
  "seed": 42,
  "jobs": {
    "total": 4,
    "finished": 1,
    "not_finished": 3,
    "running": 1,
    "pending": 1,
    "rejected": 1,
    "rejected_by_reason": {
      "gang-too-large": 1
    }
  },
  "jct": {
    "count": 1,
    "mean_s": 3610.0,
    "median_s": 3610,
    "p99_s": 3610,
    "max_s": 3610
  },
  "queueing_delay": {
    "count": 2,
    "mean_s": 105.5,
    "median_s": 10,
    "p99_s": 200,
    "max_s": 200
  },
  "makespan_s": 3610,
  "first_submit_s": 0,
  "last_finish_s": 3610,
  "end_s": 4000,
  "events": 12,
  "total_cost": "56.274567",
  "accelerator_hours": 8.5,
  "pools": [
    {
      "pool": "cloud, inc/east/H100",
      "provider": "cloud, inc",
      "accelerator_type": "H100",
      "capacity_accelerator_hours": 35.556,
      "busy_accelerator_hours": 8.5,
      "utilisation": 0.25,
      "charged": "56.274567"
    }
  ],
  "providers": [
    {
      "provider": "cloud, inc",
      "capacity_accelerator_hours": 35.556,
      "busy_accelerator_hours": 8.5,
      "utilisation": 0.25,
      "external_revenue": "56.274567",
      "recovery": {
        "interruptions": 2,
        "restarts": 2,
        "migrations": 1,
        "lost_accelerator_hours": 0.25,
        "lost_cost": "0.250000",
        "egress_cost": "1.800000",
        "useful_accelerator_hours": 8.25,
        "paid_accelerator_hours": 8.5,
        "goodput": 0.970588,
        "launch": {
          "attempts": 5,
          "up": 3,
          "failed": 1,
          "timed_out": 1,
          "cancelled": 1,
          "mean_wait_seconds": 200.0,
          "waste_accelerator_hours": 0.25,
          "waste_cost": "0.500000"
        }
      }
    }
  ],
  "tenants": [
    {
      "tenant": "lab",
      "jobs": 4,
      "finished": 1,
      "cost": "56.274567",
      "cost_by_provider": {
        "cloud, inc": "56.274567"
      },
      "accelerator_hours": 8.5,
      "jct": {
        "count": 1,
        "mean_s": 3610.0,
        "median_s": 3610,
        "p99_s": 3610,
        "max_s": 3610
      },
      "recovery": {
        "interruptions": 2,
        "restarts": 2,
        "migrations": 1,
        "lost_accelerator_hours": 0.25,
        "lost_cost": "0.250000",
        "egress_cost": "1.800000",
        "useful_accelerator_hours": 8.25,
        "paid_accelerator_hours": 8.5,
        "goodput": 0.970588,
        "launch": {
          "attempts": 5,
          "up": 3,
          "failed": 1,
          "timed_out": 1,
          "cancelled": 1,
          "mean_wait_seconds": 200.0,
          "waste_accelerator_hours": 0.25,
          "waste_cost": "0.500000"
        }
      }
    }
  ],
  "recovery": {
    "policy": "same-pool",
    "interruptions": 2,
    "restarts": 2,
    "migrations": 1,
    "lost_accelerator_hours": 0.25,
    "lost_cost": "0.250000",
    "egress_cost": "1.800000",
    "useful_accelerator_hours": 8.25,
    "paid_accelerator_hours": 8.5,
    "goodput": 0.970588,
    "launch": {
      "attempts": 5,
      "up": 3,
      "failed": 1,
      "timed_out": 1,
      "cancelled": 1,
      "mean_wait_seconds": 200.0,
      "waste_accelerator_hours": 0.25,
      "waste_cost": "0.500000"
    }
  },
  "market": {
    "providers": [
      {
        "provider": "cloud, inc",
        "requests_seen": 3,
        "asks": 4,
        "accepted_in_full": 2,
        "accepted_in_part": 1,
        "declined": 1,
        "timed_out": 0,
        "items_won": 3,
        "items_won_by_right": 1,
        "delivered": 2,
        "delivered_late": 1,
        "released": 0,
        "preemptions": 0,
        "new_capacity_accelerator_hours": 8.5,
        "first_party_delayed_job_hours": 0.5,
        "first_party_displaced_accelerator_hours": 2.0
      }
    ],
    "tenants": [
      {
        "tenant": "lab",
        "requests": 3,
        "items": 4,
        "rofr_wait_s": 120,
        "new_capacity_accelerator_hours": 8.5,
        "new_capacity_share": {
          "cloud, inc": 1.0
        }
      }
    ]
  },
  "bounds": {
    "jobs": 3,
    "makespan": {
      "bound_s": 3000,
      "ratio": 1.203333
    },
    "mean_jct": {
      "bound_s": 1805.25,
      "ratio": null
    },
    "cost": {
      "bound": "12.500000",
      "ratio": 4.501965
    }
  },
  "load_notes": [
    "lab: 5 jobs from 5 rows"
  ]
}
)j");
}

TEST(SummaryJson, EmptyRun) {
  Scenario s = TinyScenario();
  s.load_notes.clear();
  RunSummary r;
  r.scenario = "tiny";
  r.policy = "sjf";
  const std::string json = SummaryJson(s, r);
  EXPECT_THAT(
      json,
      HasSubstr(
          "  \"total_cost\": \"0.000000\",\n  \"accelerator_hours\": 0.0,\n"
          "  \"pools\": [],\n  \"providers\": [],\n  \"tenants\": [],\n"
          "  \"recovery\": {\n    \"policy\": \"\",\n    \"interruptions\": 0,\n    "
          "\"restarts\": 0,\n"
          "    \"migrations\": 0,\n    \"lost_accelerator_hours\": 0.0,\n"
          "    \"lost_cost\": \"0.000000\",\n    \"egress_cost\": \"0.000000\",\n"
          "    \"useful_accelerator_hours\": 0.0,\n"
          "    \"paid_accelerator_hours\": 0.0,\n    \"goodput\": 0.0,\n    \"launch\": {\n      "
          "\"attempts\": 0,\n      \"up\": 0,\n      \"failed\": 0,\n      \"timed_out\": 0,\n     "
          " \"cancelled\": 0,\n      \"mean_wait_seconds\": 0.0,\n      "
          "\"waste_accelerator_hours\": 0.0,\n      \"waste_cost\": \"0.000000\"\n    }\n  },\n"
          "  \"market\": {\n    \"providers\": [],\n    \"tenants\": []\n  },\n"
          "  \"bounds\": {\n    \"jobs\": 0,\n    \"makespan\": {\n"
          "      \"bound_s\": 0,\n      \"ratio\": null\n    },\n"
          "    \"mean_jct\": {\n      \"bound_s\": 0.0,\n      \"ratio\": null\n"
          "    },\n    \"cost\": {\n      \"bound\": \"0.000000\",\n"
          "      \"ratio\": null\n    }\n  },\n"
          "  \"load_notes\": []\n}\n"));
  EXPECT_THAT(json, HasSubstr("  \"jct\": {\n    \"count\": 0,\n    \"mean_s\": 0.0,\n"));
}

TEST(SummaryJson, AStatisticThatIsNotANumberIsNullNotACrash) {
  RunSummary summary = TinySummary();
  summary.jct.mean = std::nan("");
  EXPECT_THAT(SummaryJson(TinyScenario(), summary),
              HasSubstr("  \"jct\": {\n    \"count\": 1,\n    \"mean_s\": null,\n"));
}

TEST(SummaryJson, EqualRunsGiveIdenticalText) {
  EXPECT_EQ(SummaryJson(TinyScenario(), TinySummary()), SummaryJson(TinyScenario(), TinySummary()));
}

// --- market.jsonl -------------------------------------------------------------------------------

TEST(MarketJsonl, EveryNameIsEscapedLikeInSummaryJson) {
  Scenario s = TinyScenario();
  s.fleet.tenants[0].name = "la\"b\\c";  // a quote and a backslash broke the line before
  AuditRecord request;
  request.time = 5;
  request.kind = AuditKind::kRequest;
  request.request = 1;
  request.tenant = TenantId(0);
  request.accelerators = 8;
  Charge charge;
  charge.start = 0;
  charge.end = 3600;
  charge.tenant = TenantId(0);
  charge.provider = ProviderId(0);
  charge.pool = PoolId(0);
  charge.accelerators = 8;
  charge.price_per_accel_hour = 6'880'000;
  charge.amount = 55'040'000;
  charge.job = JobId(0);
  EXPECT_EQ(MarketJsonl(s, {request}, {charge}),
            "{\"t\":5,\"event\":\"request\",\"request\":1,\"tenant\":\"la\\\"b\\\\c\","
            "\"accelerators\":8}\n"
            "{\"t\":3600,\"event\":\"charge\",\"kind\":\"on_demand\",\"tenant\":\"la\\\"b\\\\c\","
            "\"provider\":\"cloud, inc\",\"pool\":\"cloud, inc/east/H100\",\"from\":0,\"to\":3600,"
            "\"accelerators\":8,\"price\":\"6.880000\",\"amount\":\"55.040000\",\"job\":0}\n");
}

TEST(JsonOutputs, ANameThatIsNotUtf8CannotAbortTheWriters) {
  // Loaders refuse such names; a scenario built by hand must still not make a writer throw after
  // a whole run (nlohmann's type_error.316). The bad byte becomes U+FFFD.
  Scenario s = TinyScenario();
  s.fleet.tenants[0].name = "la\xFF";
  AuditRecord request;
  request.kind = AuditKind::kRequest;
  request.tenant = TenantId(0);
  EXPECT_EQ(MarketJsonl(s, {request}, {}),
            "{\"t\":0,\"event\":\"request\",\"tenant\":\"la\xEF\xBF\xBD\"}\n");
  EXPECT_THAT(SummaryJson(s, TinySummary()), HasSubstr("\"load_notes\""));
}

TEST(DefaultOutputDir, ANameNeverBecomesAPath) {
  EXPECT_EQ(DefaultOutputDir("frontier-lab"), "out/frontier-lab");
  EXPECT_EQ(DefaultOutputDir("frontier-lab", "-sweep"), "out/frontier-lab-sweep");
  EXPECT_EQ(DefaultOutputDir("../../x"), "out/_._.._x");
  EXPECT_EQ(DefaultOutputDir("/etc/passwd"), "out/_etc_passwd");
  EXPECT_EQ(DefaultOutputDir(".."), "out/_.");
  EXPECT_EQ(DefaultOutputDir(".hidden"), "out/_hidden");
  EXPECT_EQ(DefaultOutputDir("lab run 2"), "out/lab_run_2");
  EXPECT_EQ(DefaultOutputDir("caf\xC3\xA9"), "out/caf\xC3\xA9");
  EXPECT_EQ(DefaultOutputDir(""), "out/scenario");
}

// --- WriteOutputs -------------------------------------------------------------------------------

std::set<std::string> Listing(const std::filesystem::path& dir) {
  std::set<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    names.insert(entry.path().filename().string());
  }
  return names;
}

TEST(WriteOutputs, CreatesTheDirectoryAndWritesEveryFile) {
  testing::ScratchDir scratch;
  const std::filesystem::path dir = scratch.path() / "runs" / "one";
  const std::string csv = "id,name\n0,a\n";
  const std::string json = "{\n  \"scenario\": \"tiny\"\n}\n";
  const absl::Status s =
      WriteOutputs(dir.string(), {{"jobs.csv", csv}, {"summary.json", json}, {"empty.txt", ""}});
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_THAT(Listing(dir), ElementsAre("empty.txt", "jobs.csv", "summary.json"));  // no temps
  EXPECT_EQ(testing::Slurp((dir / "jobs.csv").string()), csv);
  EXPECT_EQ(testing::Slurp((dir / "summary.json").string()), json);
  EXPECT_EQ(testing::Slurp((dir / "empty.txt").string()), "");
}

TEST(WriteOutputs, ReplacesEarlierResults) {
  testing::ScratchDir scratch;
  scratch.Write("jobs.csv", "old contents, longer than the new ones\n");
  ASSERT_TRUE(WriteOutputs(scratch.path().string(), {{"jobs.csv", "new\n"}}).ok());
  EXPECT_EQ(testing::Slurp(scratch.File("jobs.csv")), "new\n");
  EXPECT_THAT(Listing(scratch.path()), ElementsAre("jobs.csv"));
}

TEST(WriteOutputs, DirectoryPathThatIsAFile) {
  testing::ScratchDir scratch;
  const std::string file = scratch.Write("results", "not a directory\n");
  const absl::Status s = WriteOutputs(file, {{"jobs.csv", "id\n"}});
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(Message(s), StartsWith(StrCat("cannot create output directory ", file, ": ")));
  EXPECT_EQ(testing::Slurp(file), "not a directory\n");
  EXPECT_THAT(Listing(scratch.path()), ElementsAre("results"));  // nothing else appeared
}

TEST(WriteOutputs, AFailedWriteLeavesNothingBehind) {
  testing::ScratchDir scratch;
  const std::filesystem::path dir = scratch.path() / "out";
  // The first file is written to its temporary name; the second cannot be: its name is the
  // longest a file may have (255 bytes), so its temporary name (".tmp-<pid>-" + name) is too long.
  // The first must then not be moved into place, and its temporary file must go.
  const std::string longest = std::string(250, 'x') + ".json";
  const absl::Status s = WriteOutputs(dir.string(), {{"jobs.csv", "id\n"}, {longest, "{}\n"}});
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(Message(s), StartsWith(StrCat("cannot write ", (dir / ".tmp-").string())));
  EXPECT_THAT(Message(s), HasSubstr(longest));
  EXPECT_THAT(Listing(dir), IsEmpty());
}

TEST(WriteOutputs, AFileWhoseDirectoryCannotBeMadeLeavesNothingBehind) {
  testing::ScratchDir scratch;
  scratch.Write("blocker", "a regular file\n");
  const absl::Status s = WriteOutputs(scratch.path().string(),
                                      {{"jobs.csv", "id\n"}, {"blocker/summary.json", "{}\n"}});
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(Listing(scratch.path()), ElementsAre("blocker"));
  EXPECT_EQ(testing::Slurp(scratch.File("blocker")), "a regular file\n");
}

TEST(WriteOutputs, ADestinationThatIsADirectoryIsRefusedBeforeAnythingIsWritten) {
  testing::ScratchDir scratch;
  scratch.Write("jobs.csv", "old\n");
  // "summary.json" is a directory: no file can take its place, so nothing is replaced.
  std::filesystem::create_directories(scratch.path() / "summary.json" / "x");
  const absl::Status s =
      WriteOutputs(scratch.path().string(), {{"jobs.csv", "id\n"}, {"summary.json", "{}\n"}});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(Message(s), StrCat("cannot write ", scratch.File("summary.json"),
                               ": it is a directory; expected a file name"));
  EXPECT_THAT(Listing(scratch.path()), ElementsAre("jobs.csv", "summary.json"));  // no temps
  EXPECT_EQ(testing::Slurp(scratch.File("jobs.csv")), "old\n");
  EXPECT_TRUE(std::filesystem::is_directory(scratch.path() / "summary.json" / "x"));
}

TEST(WriteOutputs, TwoOutputsOfTheSameFileAreRefused) {
  testing::ScratchDir scratch;
  scratch.Write("jobs.csv", "old\n");
  // e.g. --report naming the run's own jobs.csv, by another spelling of its path.
  const absl::Status s = WriteOutputs(
      scratch.path().string(),
      {{"jobs.csv", "id\n"}, {(scratch.path() / "." / "jobs.csv").string(), "<html/>"}});
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(Message(s), StartsWith("two outputs would be written to "));
  EXPECT_THAT(Message(s), HasSubstr("expected a different file for each"));
  EXPECT_THAT(Listing(scratch.path()), ElementsAre("jobs.csv"));
  EXPECT_EQ(testing::Slurp(scratch.File("jobs.csv")), "old\n");
}

TEST(WriteOutputs, AFailedRenamePutsTheEarlierOutputsBack) {
  testing::ScratchDir scratch;
  scratch.Write("jobs.csv", "old jobs\n");
  scratch.Write("summary.json", "old summary\n");
  // The second rename fails (as on a full or failing disk): the first file, already replaced,
  // gets its old contents back, and no temporary or kept file stays.
  int renames = 0;
  const absl::Status s = results_internal::WriteOutputs(
      scratch.path().string(),
      {{"jobs.csv", "new jobs\n"}, {"summary.json", "{}\n"}, {"market.jsonl", "\n"}},
      {[&renames](const std::filesystem::path& from, const std::filesystem::path& to,
                  std::error_code& ec) {
         if (++renames == 2) {
           ec = std::make_error_code(std::errc::io_error);
           return;
         }
         std::filesystem::rename(from, to, ec);
       },
       {}});
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(Message(s), StartsWith("cannot move "));
  EXPECT_THAT(Message(s), HasSubstr("the earlier outputs were put back"));
  EXPECT_THAT(Listing(scratch.path()), ElementsAre("jobs.csv", "summary.json"));
  EXPECT_EQ(testing::Slurp(scratch.File("jobs.csv")), "old jobs\n");
  EXPECT_EQ(testing::Slurp(scratch.File("summary.json")), "old summary\n");
}

TEST(WriteOutputs, TemporaryFilesOfDeadProcessesAreRemovedOnTheNextRun) {
  testing::ScratchDir scratch;
  // A process killed by SIGKILL while it wrote leaves its temporary files; pid 2^22 + 1 is above
  // Linux's largest pid, so no process has it.
  const std::string dead = StrCat(".tmp-", (1 << 22) + 1, "-jobs.csv");
  const std::string alive = StrCat(".tmp-", ::getppid(), "-jobs.csv");  // a live process's
  scratch.Write(dead, "half");
  scratch.Write(alive, "being written");
  scratch.Write(".tmp-notapid-x", "not ours");
  ASSERT_TRUE(WriteOutputs(scratch.path().string(), {{"jobs.csv", "id\n"}}).ok());
  EXPECT_THAT(Listing(scratch.path()), ElementsAre(alive, ".tmp-notapid-x", "jobs.csv"));
}

TEST(WriteOutputs, ASignalWhileWritingRemovesTheTemporaryFiles) {
  testing::ScratchDir scratch;
  scratch.Write("jobs.csv", "old\n");
  // A child writes outputs and gets SIGTERM once its temporary files exist (before the commit):
  // it must die of the signal, leave no temporary file and replace nothing.
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    (void)results_internal::WriteOutputs(scratch.path().string(),
                                         {{"jobs.csv", "new\n"}, {"summary.json", "{}"}},
                                         {{}, [] { ::raise(SIGTERM); }});
    ::_exit(0);  // not reached: the signal ends the process
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status)) << status;
  EXPECT_EQ(WTERMSIG(status), SIGTERM);
  EXPECT_THAT(Listing(scratch.path()), ElementsAre("jobs.csv"));
  EXPECT_EQ(testing::Slurp(scratch.File("jobs.csv")), "old\n");
}

TEST(WriteOutputs, ASignalDuringTheCommitWaitsForItsEnd) {
  testing::ScratchDir scratch;
  // SIGTERM sent while the files are renamed into place is held until all of them are: the child
  // dies of it with every new file in place.
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    (void)results_internal::WriteOutputs(scratch.path().string(),
                                         {{"jobs.csv", "new\n"}, {"summary.json", "{}"}},
                                         {[](const std::filesystem::path& from,
                                             const std::filesystem::path& to, std::error_code& ec) {
                                            ::raise(SIGTERM);
                                            std::filesystem::rename(from, to, ec);
                                          },
                                          {}});
    ::_exit(0);  // not reached: the held signal is delivered when the commit ends
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status)) << status;
  EXPECT_THAT(Listing(scratch.path()), ElementsAre("jobs.csv", "summary.json"));
  EXPECT_EQ(testing::Slurp(scratch.File("jobs.csv")), "new\n");
}

TEST(WriteOutputs, NamesMayHaveDirectories) {
  testing::ScratchDir scratch;
  const absl::Status s =
      WriteOutputs(scratch.path().string(), {{"jobs.csv", "id\n"}, {"plots/cost.svg", "<svg/>"}});
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_THAT(Listing(scratch.path()), ElementsAre("jobs.csv", "plots"));
  EXPECT_THAT(Listing(scratch.path() / "plots"), ElementsAre("cost.svg"));
  EXPECT_EQ(testing::Slurp(scratch.File("plots/cost.svg")), "<svg/>");
}

}  // namespace
}  // namespace arbiter
