#include "formats/job_spec.h"

#include <string>

#include "formats/testing.h"
#include "formats/workload.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "model/strings.h"

namespace arbiter {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

std::string Message(const absl::Status& status) { return std::string(status.message()); }

JobSpec Parse(std::string_view text, std::string base_dir = "/base") {
  absl::StatusOr<JobSpec> spec = ParseJobSpec("job.yaml", text, {std::move(base_dir)});
  EXPECT_TRUE(spec.ok()) << spec.status();
  return spec.ok() ? *spec : JobSpec{};
}

std::string ParseError(std::string_view text) {
  absl::StatusOr<JobSpec> spec = ParseJobSpec("job.yaml", text, {"/base"});
  EXPECT_FALSE(spec.ok()) << text;
  return spec.ok() ? "" : Message(spec.status());
}

// Two providers; primary has regions east and west, rival has east; types H100 and A100.
Fleet TestFleet() {
  Fleet fleet;
  const AcceleratorTypeId h100 = fleet.AddAcceleratorType("H100");
  const AcceleratorTypeId a100 = fleet.AddAcceleratorType("A100");
  const ProviderId primary = fleet.AddProvider("primary");
  const ProviderId rival = fleet.AddProvider("rival");
  const RegionId east = fleet.AddRegion(primary, "east");
  const RegionId west = fleet.AddRegion(primary, "west");
  const RegionId rival_east = fleet.AddRegion(rival, "east");
  for (RegionId region : {east, west, rival_east}) {
    for (AcceleratorTypeId type : {h100, a100}) {
      Pool pool;
      pool.region = region;
      pool.type = type;
      pool.nodes = 4;
      pool.accelerators_per_node = 8;
      pool.max_gang = 32;
      pool.on_demand_price = 1'000'000;
      fleet.AddPool(std::move(pool));
    }
  }
  fleet.AddTenant({"lab"});
  fleet.AddTenant({"startup"});
  return fleet;
}

TEST(ParseJobSpec, SkyPilotTaskWithArbitersFields) {
  const JobSpec spec = Parse(R"(# a SkyPilot task with Arbiter's fields
name: train-7b
workdir: code
num_nodes: 2
resources:
  accelerators: H100:8
  cloud: primary
  region: east
  use_spot: false
envs:
  MODEL: 7b
  STEPS: 1000
setup: |
  echo setup
run: |
  echo run $MODEL
tenant: lab
priority: 5
deadline: 6h
duration: 90m
checkpoint: {interval: 10m, bytes: 20000000000}
max_restarts: 3
)");
  EXPECT_EQ(spec.name, "train-7b");
  EXPECT_EQ(spec.workdir, "/base/code");
  EXPECT_EQ(spec.num_nodes, 2);
  ASSERT_EQ(spec.resources.size(), 1u);
  const JobResources& r = spec.resources[0];
  EXPECT_THAT(r.accelerators, ElementsAre("H100"));
  EXPECT_EQ(r.accelerators_per_node, 8);
  EXPECT_EQ(r.provider, "primary");
  EXPECT_EQ(r.region, "east");
  EXPECT_EQ(r.use_spot, false);
  EXPECT_EQ(r.path, "resources");
  EXPECT_EQ(r.line, 6);
  EXPECT_FALSE(spec.ordered);
  EXPECT_THAT(spec.envs, ElementsAre(Pair("MODEL", "7b"), Pair("STEPS", "1000")));
  EXPECT_EQ(spec.setup, "echo setup\n");
  EXPECT_EQ(spec.run, "echo run $MODEL\n");
  EXPECT_EQ(spec.tenant, "lab");
  EXPECT_EQ(spec.priority, 5);
  EXPECT_EQ(spec.deadline_after, 6 * 3600);
  EXPECT_FALSE(spec.deadline_unix.has_value());
  EXPECT_EQ(spec.duration, 5400);
  EXPECT_TRUE(spec.duration_by_type.empty());
  EXPECT_EQ(spec.checkpoint_interval, 600);
  EXPECT_EQ(spec.checkpoint_bytes, 20'000'000'000);
  EXPECT_EQ(spec.max_restarts, 3);
  EXPECT_EQ(spec.GangSize(), 16);
}

TEST(ParseJobSpec, Defaults) {
  const JobSpec spec = Parse("resources: {accelerators: A100}\n");
  EXPECT_EQ(spec.name, "");
  EXPECT_EQ(spec.num_nodes, 1);
  ASSERT_EQ(spec.resources.size(), 1u);
  EXPECT_EQ(spec.resources[0].accelerators_per_node, 1);
  EXPECT_EQ(spec.resources[0].provider, "");
  EXPECT_FALSE(spec.resources[0].use_spot.has_value());
  EXPECT_EQ(spec.duration, kDefaultJobDuration);
  EXPECT_EQ(spec.priority, 0);
  EXPECT_EQ(spec.max_restarts, 0);
  EXPECT_EQ(spec.checkpoint_interval, 0);
  EXPECT_FALSE(spec.deadline_after || spec.deadline_unix);
  EXPECT_EQ(spec.workdir, "");
}

TEST(ParseJobSpec, AcceleratorForms) {
  // A set (SkyPilot's {A:1, B:1}: YAML keys without values) and a map with counts: any of.
  for (const char* text : {"resources: {accelerators: {H100:4, A100:4}}\n",
                           "resources: {accelerators: {H100: 4, A100: 4}}\n"}) {
    const JobSpec spec = Parse(text);
    ASSERT_EQ(spec.resources.size(), 1u) << text;
    EXPECT_THAT(spec.resources[0].accelerators, ElementsAre("H100", "A100"));
    EXPECT_EQ(spec.resources[0].accelerators_per_node, 4);
    EXPECT_FALSE(spec.ordered);
  }
  // A list: tried in order, one candidate per type.
  const JobSpec listed = Parse("resources:\n  accelerators: [A100:2, H100:2]\n  cloud: rival\n");
  EXPECT_TRUE(listed.ordered);
  ASSERT_EQ(listed.resources.size(), 2u);
  EXPECT_THAT(listed.resources[0].accelerators, ElementsAre("A100"));
  EXPECT_THAT(listed.resources[1].accelerators, ElementsAre("H100"));
  EXPECT_EQ(listed.resources[1].provider, "rival");
}

TEST(ParseJobSpec, AnyOfAndOrderedTakeTheirDefaultsFromResources) {
  const JobSpec spec = Parse(R"(resources:
  accelerators: H100:8
  use_spot: true
  any_of:
    - cloud: primary
      region: west
    - infra: rival/east
      use_spot: false
    - accelerators: A100:8
)");
  EXPECT_FALSE(spec.ordered);
  ASSERT_EQ(spec.resources.size(), 3u);
  EXPECT_THAT(spec.resources[0].accelerators, ElementsAre("H100"));
  EXPECT_EQ(spec.resources[0].provider, "primary");
  EXPECT_EQ(spec.resources[0].region, "west");
  EXPECT_EQ(spec.resources[0].use_spot, true);
  EXPECT_EQ(spec.resources[0].path, "resources.any_of[0]");
  EXPECT_EQ(spec.resources[0].line, 5);
  EXPECT_EQ(spec.resources[1].provider, "rival");
  EXPECT_EQ(spec.resources[1].region, "east");
  EXPECT_EQ(spec.resources[1].use_spot, false);
  EXPECT_THAT(spec.resources[2].accelerators, ElementsAre("A100"));
  EXPECT_EQ(spec.resources[2].provider, "");
  EXPECT_EQ(spec.resources[2].use_spot, true);

  const JobSpec ordered = Parse(R"(resources:
  accelerators: H100:8
  cloud: primary
  ordered:
    - region: east
    - infra: rival
)");
  EXPECT_TRUE(ordered.ordered);
  ASSERT_EQ(ordered.resources.size(), 2u);
  EXPECT_EQ(ordered.resources[0].provider, "primary");
  EXPECT_EQ(ordered.resources[0].region, "east");
  // infra replaces both the default cloud and region.
  EXPECT_EQ(ordered.resources[1].provider, "rival");
  EXPECT_EQ(ordered.resources[1].region, "");
}

TEST(ParseJobSpec, DurationsAndDeadlines) {
  const JobSpec by_type =
      Parse("resources: {accelerators: {H100: 8, A100: 8}}\nduration: {H100: 1h, A100: 150m}\n");
  EXPECT_THAT(by_type.duration_by_type, ElementsAre(Pair("H100", 3600), Pair("A100", 9000)));
  // 64 accelerator-hours on a gang of 2 x 8: 4 hours.
  const JobSpec hours =
      Parse("num_nodes: 2\nresources: {accelerators: H100:8}\naccelerator_hours: 64\n");
  EXPECT_EQ(hours.duration, 4 * 3600);
  // 1.000001 hours on 3 accelerators: ceil(3600.0036 / 3) = 1201 seconds.
  EXPECT_EQ(Parse("resources: {accelerators: H100:3}\naccelerator_hours: 1.000001\n").duration,
            1201);
  const JobSpec absolute =
      Parse("resources: {accelerators: H100}\ndeadline: 2025-06-01T12:00:00Z\n");
  EXPECT_EQ(absolute.deadline_unix, 1'748'779'200);
  EXPECT_EQ(
      Parse("resources: {accelerators: H100}\ndeadline: 2025-06-01T14:30:00+02:30\n").deadline_unix,
      1'748'779'200);
  EXPECT_EQ(
      Parse("resources: {accelerators: H100}\ndeadline: 2024-02-29T00:00:00Z\n").deadline_unix,
      1'709'164'800);
}

TEST(ParseJobSpec, JsonBodies) {
  const JobSpec spec = Parse(R"({"name": "hello", "tenant": "lab",
  "resources": {"accelerators": "H100:1", "cloud": "primary"},
  "envs": {"GREETING": "hi \"there\"", "N": 3},
  "run": "echo $GREETING\n", "max_restarts": 2})");
  EXPECT_EQ(spec.name, "hello");
  EXPECT_EQ(spec.resources[0].provider, "primary");
  EXPECT_THAT(spec.envs, ElementsAre(Pair("GREETING", "hi \"there\""), Pair("N", "3")));
  EXPECT_EQ(spec.run, "echo $GREETING\n");
  EXPECT_EQ(spec.max_restarts, 2);
  // Tabs between JSON tokens (which YAML does not allow everywhere) still read as JSON.
  const JobSpec tabs =
      Parse("{\t\"resources\":\t{\"accelerators\":\t\"A100:2\"},\t\"priority\": 7}");
  EXPECT_EQ(tabs.resources[0].accelerators_per_node, 2);
  EXPECT_EQ(tabs.priority, 7);

  EXPECT_EQ(ParseError("{\"resources\": {\"accelerators\": \"H100\"},\n \"run\": }"),
            "job.yaml:2: not valid JSON: [json.exception.parse_error.101] parse error at line 2, "
            "column 9: syntax error while parsing value - unexpected '}'; expected '[', '{', or a "
            "literal");
  EXPECT_EQ(ParseError("{\"resources\": {\"accelerators\": \"H100\"}, \"nodes\": 2}"),
            "job.yaml:1: nodes: unknown key 'nodes'; expected one of name, resources, num_nodes, "
            "envs, workdir, setup, run, tenant, priority, deadline, duration, "
            "accelerator_hours, checkpoint, max_restarts");
}

TEST(ParseJobSpec, JsonRoundTrip) {
  const std::string texts[] = {
      R"(name: train
num_nodes: 2
resources:
  accelerators: {H100: 8, A100: 8}
  ordered:
    - {cloud: primary, region: east, use_spot: true}
    - {region: east}
envs: {A: "1", B: two}
workdir: /work/code
setup: pip install x
run: |
  python train.py
tenant: lab
priority: -3
deadline: 2030-01-01T00:00:00Z
duration: {H100: 2h, A100: 3h}
checkpoint: {interval: 30m, bytes: 12345}
max_restarts: 4
)",
      "resources: {accelerators: [A100:1, H100:1]}\ndeadline: 1d\n",
      "resources: {accelerators: H100:2, any_of: [{cloud: rival}, {infra: primary/west}]}\n"};
  for (const std::string& text : texts) {
    JobSpec spec = Parse(text);
    const std::string json = JobSpecToJson(spec);
    JobSpec again = Parse(json, "");
    for (JobSpec* s : {&spec, &again}) {
      for (JobResources& r : s->resources) {
        r.path.clear();
        r.line = 0;
      }
    }
    EXPECT_EQ(again, spec) << json;
    EXPECT_EQ(JobSpecToJson(again), json);
  }
}

TEST(ParseJobSpec, UnknownAndUnsupportedKeysNameTheKeyAndLine) {
  EXPECT_EQ(ParseError("resources: {accelerators: H100}\nrun: x\nrn: y\n"),
            "job.yaml:3: rn: unknown key 'rn'; expected one of name, resources, num_nodes, envs, "
            "workdir, setup, run, tenant, priority, deadline, duration, accelerator_hours, "
            "checkpoint, max_restarts");
  EXPECT_EQ(ParseError("resources:\n  accelerators: H100\n  disk_size: 256\n"),
            "job.yaml:3: resources.disk_size: 'disk_size' (a SkyPilot key) is not supported by "
            "Arbiter; expected one of accelerators, cloud, region, infra, use_spot, any_of, "
            "ordered (docs/jobs.md)");
  EXPECT_EQ(ParseError("resources: {accelerators: H100}\nfile_mounts: {/data: /data}\n"),
            "job.yaml:2: file_mounts: 'file_mounts' (a SkyPilot key) is not supported by Arbiter; "
            "expected one of name, resources, num_nodes, envs, workdir, setup, run, tenant, "
            "priority, deadline, duration, accelerator_hours, checkpoint, max_restarts "
            "(docs/jobs.md)");
  EXPECT_EQ(ParseError("resources:\n  accelerators: H100\n  any_of:\n    - {cloud: a, zone: b}\n"),
            "job.yaml:4: resources.any_of[0].zone: 'zone' (a SkyPilot key) is not supported by "
            "Arbiter; expected one of accelerators, cloud, region, infra, use_spot (docs/jobs.md)");
  EXPECT_EQ(ParseError("resources: {accelerators: H100}\ncheckpoint: {interval: 1h, size: 3}\n"),
            "job.yaml:2: checkpoint.size: unknown key 'size'; expected one of interval, bytes");
  EXPECT_EQ(ParseError("resources: {accelerators: H100}\nrun: a\nrun: b\n"),
            "job.yaml:3: run: key 'run' given twice");
}

TEST(ParseJobSpec, ValuesAreRangeChecked) {
  const std::string base = "resources: {accelerators: H100:8}\n";
  const std::pair<std::string, std::string> cases[] = {
      {"num_nodes: 0\n",
       "job.yaml:2: num_nodes: 0 is out of range; expected an integer in [1, 4096]"},
      {"num_nodes: two\n",
       "job.yaml:2: num_nodes: 'two' is not an integer; expected an integer in [1, 4096]"},
      {"priority: 2000000\n",
       "job.yaml:2: priority: 2000000 is out of range; expected an integer in [-1000000, 1000000]"},
      {"max_restarts: -1\n",
       "job.yaml:2: max_restarts: -1 is out of range; expected an integer in [0, 1000]"},
      {"duration: 0\n",
       "job.yaml:2: duration: 0 s is out of range; expected a duration in [1 s, 63244800 s]"},
      {"duration: soon\n",
       "job.yaml:2: duration: 'soon' is not a duration; expected seconds, or a number with s, m, "
       "h, d or w (e.g. 2h)"},
      {"duration: {A100: 1h}\n",
       "job.yaml:2: duration.A100: 'A100' is not one of the job's accelerators; expected one of "
       "H100"},
      {"duration: 1h\naccelerator_hours: 3\n",
       "job.yaml:3: accelerator_hours: given with duration; expected either duration or "
       "accelerator_hours"},
      {"accelerator_hours: -3\n",
       "job.yaml:2: accelerator_hours: '-3' is not a number of accelerator-hours; expected a "
       "number in (0, 1000000000] with at most six decimals"},
      {"deadline: next week\n",
       "job.yaml:2: deadline: 'next week' is neither a duration nor a time; expected a duration "
       "after submission (e.g. 6h) or a UTC time (e.g. 2025-06-01T12:00:00Z)"},
      {"deadline: 2025-02-29T00:00:00Z\n",
       "job.yaml:2: deadline: '2025-02-29T00:00:00Z' is neither a duration nor a time; expected "
       "a duration after submission (e.g. 6h) or a UTC time (e.g. 2025-06-01T12:00:00Z)"},
      {"checkpoint: {bytes: 5}\n", "job.yaml:2: checkpoint.interval: missing; expected a value"},
      {"checkpoint: {interval: 1h, bytes: -5}\n",
       "job.yaml:2: checkpoint.bytes: -5 is out of range; expected an integer in [0, 2^60]"},
      {"name: my job\n",
       "job.yaml:2: name: 'my job' is not a valid name; expected 1 to 128 of the characters A-Z "
       "a-z 0-9 . _ -"},
      {"workdir: [a]\n", "job.yaml:2: workdir: not a single value; expected a string"},
      {"envs: {ARBITER_JOB_ID: x}\n",
       "job.yaml:2: envs.ARBITER_JOB_ID: 'ARBITER_JOB_ID' is set by the backend; expected a name "
       "that does not start with ARBITER_ and is not CUDA_VISIBLE_DEVICES"},
      {"envs: {1X: x}\n",
       "job.yaml:2: envs.1X: '1X' is not an environment variable name; expected letters, digits "
       "and _, not starting with a digit"},
      {"envs: {X: }\n", "job.yaml:2: envs.X: no value; expected a value (a string or a number)"},
      {"envs: [X]\n", "job.yaml:2: envs: not a mapping; expected NAME: value pairs"},
      {"tenant: ''\n", "job.yaml:2: tenant: empty; expected a tenant's name"},
  };
  for (const auto& [extra, expected] : cases) {
    EXPECT_EQ(ParseError(base + extra), expected) << extra;
  }
}

TEST(ParseJobSpec, ResourcesErrors) {
  const std::pair<std::string, std::string> cases[] = {
      {"run: x\n", "job.yaml:1: resources: missing; expected resources: {accelerators: H100:8}"},
      {"resources: {cloud: primary}\n",
       "job.yaml:1: resources.accelerators: missing; expected accelerators per node, e.g. H100:8"},
      {"resources: {accelerators: H100:0.5}\n",
       "job.yaml:1: resources.accelerators: '0.5' is not a whole count; expected a whole number "
       "of accelerators per node in [1, 1024] (fractional accelerators are not supported)"},
      {"resources: {accelerators: H100:2000}\n",
       "job.yaml:1: resources.accelerators: 2000 accelerators per node is out of range; expected "
       "a count in [1, 1024]"},
      {"resources: {accelerators: {H100: 8, A100: 4}}\n",
       "job.yaml:1: resources.accelerators: H100:8 and A100:4 have different counts per node; "
       "expected the same count for every type (a gang has one shape)"},
      {"resources: {accelerators: 'H 100'}\n",
       "job.yaml:1: resources.accelerators: 'H 100' is not an accelerator name; expected NAME or "
       "NAME:COUNT, e.g. H100:8"},
      {"resources: {accelerators: [H100:8, H100:8]}\n",
       "job.yaml:1: resources.accelerators[1]: 'H100' listed twice"},
      {"resources: {accelerators: H100, infra: a/b/c}\n",
       "job.yaml:1: resources.infra: 'a/b/c' is not PROVIDER or PROVIDER/REGION; expected a "
       "provider of the fleet and optionally one of its regions (zones are not supported)"},
      {"resources: {accelerators: H100, infra: a, cloud: b}\n",
       "job.yaml:1: resources.infra: given with cloud or region; expected either infra: "
       "PROVIDER[/REGION] or cloud and region"},
      {"resources: {accelerators: H100, use_spot: maybe}\n",
       "job.yaml:1: resources.use_spot: 'maybe' is not a boolean; expected true or false"},
      {"resources: {accelerators: H100, any_of: []}\n",
       "job.yaml:1: resources.any_of: missing, empty or not a list; expected a list of candidate "
       "resources"},
      {"resources: {accelerators: H100, any_of: [{cloud: a}], ordered: [{cloud: b}]}\n",
       "job.yaml:1: resources.ordered: given with any_of; expected either any_of or ordered"},
      {"resources:\n  any_of:\n    - cloud: a\n",
       "job.yaml:3: resources.any_of[0].accelerators: missing; expected accelerators per node "
       "here or in resources, e.g. H100:8"},
      {"resources:\n  accelerators: H100:8\n  any_of:\n    - cloud: a\n    - accelerators: "
       "A100:4\n",
       "job.yaml:5: resources.any_of[1]: 4 accelerators per node, where resources.any_of[0] has "
       "8; expected the same count per node in every candidate (a gang has one shape)"},
      {"resources:\n  accelerators: [H100, A100]\n  any_of: [{cloud: a}]\n",
       "job.yaml:2: resources.accelerators: a list of accelerators (tried in order) with any_of "
       "or ordered; expected a set, e.g. {H100:8, A100:8}, or accelerators in each candidate"},
  };
  for (const auto& [text, expected] : cases) EXPECT_EQ(ParseError(text), expected) << text;
}

TEST(ParseJobSpec, BadDocuments) {
  EXPECT_EQ(ParseError(""), "job.yaml: empty; expected a job spec (docs/jobs.md)");
  EXPECT_EQ(ParseError("- a\n- b\n"),
            "job.yaml:1: not a mapping; expected a job spec (docs/jobs.md)");
  EXPECT_THAT(ParseError("resources: {accelerators: H100\n"),
              HasSubstr("job.yaml:2: not valid YAML"));
  // Text that is not UTF-8 is refused where it is, in YAML and in JSON, before anything is read.
  EXPECT_EQ(ParseError("name: x\nrun: echo \xFF\n"),
            "job.yaml:2: byte 0xFF at column 11 is not UTF-8; expected UTF-8 text");
  EXPECT_EQ(ParseError("{\"name\": \"x\",\n \"run\": \"\xC0\xAF\"}"),
            "job.yaml:2: byte 0xC0 at column 10 is not UTF-8; expected UTF-8 text");
  // A JSON number beyond a double is a located error, not an exception.
  EXPECT_EQ(ParseError("{\"name\": \"x\",\n \"priority\": 1E999}"),
            "job.yaml:2: not valid JSON: [json.exception.out_of_range.406] number overflow "
            "parsing '1E999'");
  absl::StatusOr<JobSpec> relative =
      ParseJobSpec("body", "resources: {accelerators: H100}\nworkdir: rel/dir\n", {});
  EXPECT_EQ(Message(relative.status()),
            "body:2: workdir: 'rel/dir' is a relative path; expected an absolute path (arbiter "
            "submit resolves a relative one against the job file's directory)");
  EXPECT_EQ(Parse("resources: {accelerators: H100}\nworkdir: ../up/./x/\n").workdir, "/up/x");
}

TEST(LoadJobSpec, RelativeWorkdirIsTheFilesDirectory) {
  testing::ScratchDir dir;
  const std::string path =
      dir.Write("hello.job.yaml", "resources: {accelerators: H100}\nworkdir: .\nrun: ls\n");
  absl::StatusOr<JobSpec> spec = LoadJobSpec(path);
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->workdir, dir.path().string());
  absl::StatusOr<JobSpec> missing = LoadJobSpec(dir.File("nope.yaml"));
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
}

// --- ToJob --------------------------------------------------------------------------------------

absl::StatusOr<Job> Convert(std::string_view text, const Fleet& fleet, JobClock clock = {100, 0}) {
  absl::StatusOr<JobSpec> spec = ParseJobSpec("job.yaml", text, {"/base"});
  if (!spec.ok()) return spec.status();
  return ToJob(*spec, fleet, clock);
}

TEST(ToJob, AJobWithoutANameIsUnnamedAndPassesTheLoadersCheck) {
  const Fleet fleet = TestFleet();
  absl::StatusOr<Job> job = Convert("tenant: lab\nresources: {accelerators: H100:1}\n", fleet);
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(job->name, "unnamed");
  EXPECT_TRUE(CheckJob(*job, {"job", 0, {}}).ok());
}

TEST(ToJob, GangWorkAndRatesFromTheExpectedDuration) {
  const Fleet fleet = TestFleet();
  absl::StatusOr<Job> job = Convert(R"(name: train
tenant: startup
num_nodes: 2
resources: {accelerators: H100:8}
duration: 2h
priority: 4
deadline: 6h
checkpoint: {interval: 10m, bytes: 99}
max_restarts: 2
)",
                                    fleet);
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(job->name, "train");
  EXPECT_EQ(job->tenant, TenantId(1));
  EXPECT_EQ(job->submit, 100);
  EXPECT_EQ(job->accelerators, 16);
  EXPECT_EQ(job->nodes, 2);
  EXPECT_EQ(job->AcceleratorsPerNode(), 8);
  // S = max(10^6, 7200) = 10^6; work = 7200 x 10^6, rate = 10^6 on H100: 7200 s.
  EXPECT_EQ(job->work, 7'200'000'000);
  ASSERT_EQ(job->throughputs.size(), 1u);
  EXPECT_EQ(job->throughputs[0].type, AcceleratorTypeId(0));
  EXPECT_EQ(job->throughputs[0].rate, 1'000'000);
  EXPECT_EQ(RuntimeFor(job->work, job->throughputs[0].rate), 7200);
  EXPECT_EQ(job->priority, 4);
  EXPECT_EQ(job->deadline, 100 + 6 * 3600);
  EXPECT_EQ(job->checkpoint_interval, 600);
  EXPECT_EQ(job->checkpoint_bytes, 99);
  EXPECT_EQ(job->max_restarts, 2);
  EXPECT_EQ(job->placement, nullptr);  // any pool of H100
}

TEST(ToJob, RuntimesPerTypeAreExact) {
  const Fleet fleet = TestFleet();
  // 7 s and 3 s: work = 10^6 x 7, rates ceil(7x10^6/7) and ceil(7x10^6/3) = 2333334.
  absl::StatusOr<Job> small = Convert(
      "tenant: lab\nresources: {accelerators: {H100: 1, A100: 1}}\nduration: {H100: 3, A100: 7}\n",
      fleet);
  ASSERT_TRUE(small.ok()) << small.status();
  EXPECT_EQ(small->work, 7'000'000);
  EXPECT_EQ(small->RateOn(AcceleratorTypeId(0)), 2'333'334);
  EXPECT_EQ(small->RateOn(AcceleratorTypeId(1)), 1'000'000);
  EXPECT_EQ(RuntimeFor(small->work, *small->RateOn(AcceleratorTypeId(0))), 3);
  // Beyond 10^6 s (here 400 d and 399 d + 1 s) the scale grows with the longest runtime.
  absl::StatusOr<Job> large = Convert(
      "tenant: lab\nresources: {accelerators: {H100: 1, A100: 1}}\n"
      "duration: {H100: 34473601, A100: 400d}\n",
      fleet);
  ASSERT_TRUE(large.ok()) << large.status();
  EXPECT_EQ(large->work, int64_t{34'560'000} * 34'560'000);
  EXPECT_EQ(RuntimeFor(large->work, *large->RateOn(AcceleratorTypeId(0))), 34'473'601);
  EXPECT_EQ(RuntimeFor(large->work, *large->RateOn(AcceleratorTypeId(1))), 34'560'000);
  // An absolute deadline is measured on the core's clock from its epoch.
  absl::StatusOr<Job> due =
      Convert("tenant: lab\nresources: {accelerators: H100}\ndeadline: 2025-06-01T12:00:00Z\n",
              fleet, {100, 1'748'779'200 - 1000});
  ASSERT_TRUE(due.ok()) << due.status();
  EXPECT_EQ(due->deadline, 1000);
}

TEST(ToJob, PlacementRulesFromCloudRegionSpotAndOrder) {
  const Fleet fleet = TestFleet();
  const AcceleratorTypeId h100(0), a100(1);
  const ProviderId primary(0), rival(1);
  const RegionId east(0), west(1), rival_east(2);
  absl::StatusOr<Job> job = Convert(R"(tenant: lab
resources:
  accelerators: H100:8
  ordered:
    - {cloud: primary, region: west, use_spot: true}
    - {region: east, accelerators: {A100:8, H100:8}}
    - {infra: rival}
)",
                                    fleet);
  ASSERT_TRUE(job.ok()) << job.status();
  ASSERT_NE(job->placement, nullptr);
  using R = PlacementRule;
  EXPECT_THAT(job->placement->rules, ElementsAre(R{h100, primary, west, SpotChoice::kOnly, 0},
                                                 R{a100, primary, east, SpotChoice::kAny, 1},
                                                 R{a100, rival, rival_east, SpotChoice::kAny, 1},
                                                 R{h100, primary, east, SpotChoice::kAny, 1},
                                                 R{h100, rival, rival_east, SpotChoice::kAny, 1},
                                                 R{h100, rival, RegionId(), SpotChoice::kAny, 2}));
  ASSERT_EQ(job->throughputs.size(), 2u);
  EXPECT_EQ(job->throughputs[0].type, h100);
  EXPECT_EQ(job->throughputs[1].type, a100);

  // Types only: no placement.
  absl::StatusOr<Job> free = Convert(
      "tenant: lab\nresources: {accelerators: H100, any_of: [{}, {accelerators: A100}]}\n", fleet);
  ASSERT_TRUE(free.ok()) << free.status();
  EXPECT_EQ(free->placement, nullptr);
  // use_spot: false constrains.
  absl::StatusOr<Job> on_demand =
      Convert("tenant: lab\nresources: {accelerators: H100, use_spot: false}\n", fleet);
  ASSERT_TRUE(on_demand.ok()) << on_demand.status();
  ASSERT_NE(on_demand->placement, nullptr);
  EXPECT_THAT(on_demand->placement->rules,
              ElementsAre(R{h100, ProviderId(), RegionId(), SpotChoice::kNever, 0}));
}

TEST(ToJob, ErrorsNameTheKeyPath) {
  const Fleet fleet = TestFleet();
  const std::pair<std::string, std::string> cases[] = {
      {"resources: {accelerators: H100}\n",
       "job: tenant: missing; expected a tenant's name (a tenant's token implies it)"},
      {"tenant: nobody\nresources: {accelerators: H100}\n",
       "job: tenant: unknown tenant 'nobody'; expected one of lab, startup"},
      {"tenant: lab\nresources: {accelerators: B200:8}\n",
       "job:2: resources.accelerators: unknown accelerator type 'B200'; expected one of H100, "
       "A100"},
      {"tenant: lab\nresources:\n  accelerators: H100\n  any_of:\n    - {cloud: gcp}\n",
       "job:5: resources.any_of[0].cloud: unknown provider 'gcp'; expected one of primary, rival"},
      {"tenant: lab\nresources: {accelerators: H100, infra: rival/west}\n",
       "job:2: resources.region: provider rival has no region 'west'; expected a region of the "
       "fleet"},
      {"tenant: lab\nresources: {accelerators: H100, region: north}\n",
       "job:2: resources.region: no provider has a region 'north'; expected a region of the fleet"},
  };
  for (const auto& [text, expected] : cases) {
    absl::StatusOr<Job> job = Convert(text, fleet);
    EXPECT_FALSE(job.ok()) << text;
    EXPECT_EQ(Message(job.status()), expected) << text;
  }
  absl::StatusOr<Job> late =
      Convert("tenant: lab\nresources: {accelerators: H100}\ndeadline: 2025-06-01T12:00:00Z\n",
              fleet, {100, 1'748'779'200});
  EXPECT_EQ(Message(late.status()),
            "job: deadline: 2025-06-01T12:00:00Z has passed; expected a time after the submission");
}

}  // namespace
}  // namespace arbiter
