#include "formats/alibaba.h"

#include <string>
#include <vector>

#include "formats/testing.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "model/strings.h"

namespace arbiter {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr char kPods[] = "data/alibaba-gpu-v2023/openb_pod_list_default.csv";
constexpr char kGpuNodes[] = "data/alibaba-gpu-v2023/openb_node_list_gpu_node.csv";
constexpr char kAllNodes[] = "data/alibaba-gpu-v2023/openb_node_list_all_node.csv";
constexpr char kHeader[] =
    "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,"
    "deletion_time,scheduled_time\n";
// Real rows of openb_pod_list_default.csv: lines 2 (a whole GPU), 3 (460 milli-GPU) and 19 (8
// GPUs).
constexpr char kPod0000[] = "openb-pod-0000,12000,16384,1,1000,,LS,Running,0,12537496,0\n";
constexpr char kPod0001[] = "openb-pod-0001,6000,12288,1,460,,LS,Running,427061,12902960,427061\n";
constexpr char kPod0017[] =
    "openb-pod-0017,88000,327680,8,1000,,Burstable,Succeeded,9437497,10769854,9437497\n";

const AcceleratorTypeId kH100(0);
const AcceleratorTypeId kA100(1);
const TenantId kRival(3);

std::string Message(const absl::Status& status) { return std::string(status.message()); }

MATCHER_P2(IsRate, type, rate, "") { return arg.type == type && arg.rate == rate; }

std::vector<Throughput> Rates(const Job& job) {
  return {job.throughputs.begin(), job.throughputs.end()};
}

// The mapping of examples/frontier-lab.yaml: G2 nodes run as H100, V100M32 nodes as A100.
WorkloadOptions RivalOptions() {
  WorkloadOptions options;
  options.source = "rival";
  options.tenant = kRival;
  options.types = {{"G2", kH100}, {"V100M32", kA100}};
  return options;
}

struct Loaded {
  absl::Status status;
  std::vector<Job> jobs;
  WorkloadReport report;
};

Loaded Load(std::string_view text, const WorkloadOptions& options = RivalOptions(),
            std::string_view file = "p.csv") {
  Loaded l;
  l.status = AlibabaPodJobs(file, text, options, l.jobs, l.report);
  return l;
}

TEST(AlibabaPodJobs, TheRealRowConstantsAreInTheFile) {
  const std::string text = testing::Slurp(kPods);
  EXPECT_EQ(testing::FirstLines(text, 3), StrCat(kHeader, kPod0000, kPod0001));
  EXPECT_NE(text.find(StrCat("\n", kPod0017)), std::string::npos);
}

TEST(AlibabaPodJobs, FirstRealRows) {
  // Lines 1-20 of the pod list: 19 pods, of which openb-pod-0005 (line 7) and openb-pod-0016
  // (line 18) have no GPU, and 0001, 0003, 0011 and 0018 hold 460 milli-GPUs.
  const std::string text = testing::FirstLines(testing::Slurp(kPods), 20);
  Loaded l = Load(text, RivalOptions(), kPods);
  ASSERT_TRUE(l.status.ok()) << l.status;
  EXPECT_EQ(l.report.source, "rival");
  EXPECT_EQ(l.report.rows, 19);
  EXPECT_EQ(l.report.jobs, 17);
  EXPECT_EQ(l.report.skipped, 2);
  EXPECT_THAT(
      l.report.notes,
      ElementsAre("rival: 2 pods skipped: no GPU",
                  "rival: 4 pods hold a fraction of a GPU; each takes a whole accelerator"));
  ASSERT_EQ(l.jobs.size(), 17u);

  // openb-pod-0000: created 0, scheduled 0, deleted 12537496: 12537496 s at reference speed.
  const Job& j0 = l.jobs[0];
  EXPECT_EQ(j0.name, "openb-pod-0000");
  EXPECT_EQ(j0.tenant, kRival);
  EXPECT_EQ(j0.submit, 0);
  EXPECT_EQ(j0.accelerators, 1);
  EXPECT_EQ(j0.nodes, 1);
  EXPECT_EQ(j0.work, int64_t{12537496} * kWorkPerReferenceSecond);
  EXPECT_THAT(Rates(j0), ElementsAre(IsRate(kH100, 1'000'000), IsRate(kA100, 1'000'000)));
  EXPECT_EQ(j0.priority, 0);
  EXPECT_EQ(j0.deadline, kNever);

  // openb-pod-0001: 460 milli-GPU, takes one accelerator; 12902960 - 427061 = 12475899 s.
  EXPECT_EQ(l.jobs[1].name, "openb-pod-0001");
  EXPECT_EQ(l.jobs[1].submit, 427061);
  EXPECT_EQ(l.jobs[1].accelerators, 1);
  EXPECT_EQ(l.jobs[1].work, int64_t{12475899} * kWorkPerReferenceSecond);

  // jobs[5] is openb-pod-0006 (0005 has no GPU): created 3019330, scheduled 3019331, deleted
  // 11815163: 8795832 s.
  EXPECT_EQ(l.jobs[5].name, "openb-pod-0006");
  EXPECT_EQ(l.jobs[5].submit, 3019330);
  EXPECT_EQ(l.jobs[5].work, int64_t{8795832} * kWorkPerReferenceSecond);

  // openb-pod-0012 waited: created 6588193, scheduled 6595531, deleted 10959245. Submitted at
  // creation; runs for deletion - scheduling = 4363714 s.
  EXPECT_EQ(l.jobs[11].name, "openb-pod-0012");
  EXPECT_EQ(l.jobs[11].submit, 6588193);
  EXPECT_EQ(l.jobs[11].work, int64_t{4363714} * kWorkPerReferenceSecond);

  // openb-pod-0017: 8 GPUs on one 8-GPU node; 10769854 - 9437497 = 1332357 s.
  const Job& j17 = l.jobs[15];
  EXPECT_EQ(j17.name, "openb-pod-0017");
  EXPECT_EQ(j17.accelerators, 8);
  EXPECT_EQ(j17.nodes, 1);
  EXPECT_EQ(j17.submit, 9437497);
  EXPECT_EQ(j17.work, int64_t{1332357} * kWorkPerReferenceSecond);
}

TEST(AlibabaPodJobs, WholeDefaultPodList) {
  // Counted with python3's csv module over openb_pod_list_default.csv: 8152 pods; 1088 with
  // num_gpu 0; of the rest, 861 with an empty scheduled_time; none with deletion_time <=
  // scheduled_time; so 6203 jobs, 2573 of them with num_gpu 1 and gpu_milli < 1000. No pod sets
  // gpu_spec. `arbiter validate examples/frontier-lab.yaml` reports the same for rival-teams.
  Loaded l = Load(testing::Slurp(kPods), RivalOptions(), kPods);
  ASSERT_TRUE(l.status.ok()) << l.status;
  EXPECT_EQ(l.report.rows, 8152);
  EXPECT_EQ(l.report.jobs, 6203);
  EXPECT_EQ(l.report.skipped, 1088 + 861);
  EXPECT_EQ(l.jobs.size(), 6203u);
  EXPECT_THAT(l.report.notes,
              ElementsAre("rival: 1088 pods skipped: no GPU",
                          "rival: 861 pods skipped: never scheduled in the original cluster",
                          "rival: 2573 pods hold a fraction of a GPU; each takes a whole "
                          "accelerator"));
  // Pods are listed by creation time, so the jobs are too.
  for (size_t i = 1; i < l.jobs.size(); ++i) {
    ASSERT_LE(l.jobs[i - 1].submit, l.jobs[i].submit) << l.jobs[i].name;
  }
}

TEST(AlibabaPodJobs, TimeScaleOffsetSpeedAndNodes) {
  WorkloadOptions options = RivalOptions();
  options.time_scale = 0.1;
  options.offset = 50;
  options.types = {{"G2", kH100, 2.0}, {"V100M32", kA100, 0.75}};
  options.accelerators_per_node = 4;
  options.priority = -2;
  options.checkpoint_interval = 600;
  options.checkpoint_bytes = 1000;
  Loaded l = Load(StrCat(kHeader, kPod0000, kPod0001, kPod0017), options);
  ASSERT_TRUE(l.status.ok()) << l.status;
  ASSERT_EQ(l.jobs.size(), 3u);
  EXPECT_EQ(l.jobs[0].submit, 50);
  EXPECT_EQ(l.jobs[1].submit, 42706 + 50);   // round(427061 x 0.1) = round(42706.1)
  EXPECT_EQ(l.jobs[2].submit, 943750 + 50);  // round(9437497 x 0.1) = round(943749.7)
  // The runtime is not scaled: time_scale compresses arrivals only.
  EXPECT_EQ(l.jobs[2].work, int64_t{1332357} * kWorkPerReferenceSecond);
  EXPECT_THAT(Rates(l.jobs[2]), ElementsAre(IsRate(kH100, 2'000'000), IsRate(kA100, 750'000)));
  EXPECT_EQ(l.jobs[2].nodes, 2);  // 8 GPUs, 4 per node
  EXPECT_EQ(l.jobs[2].priority, -2);
  EXPECT_EQ(l.jobs[2].checkpoint_interval, 600);
  EXPECT_EQ(l.jobs[2].checkpoint_bytes, 1000);
}

TEST(AlibabaPodJobs, UntilAndLimit) {
  WorkloadOptions options = RivalOptions();
  options.until = 427061;  // openb-pod-0001 is created exactly then: dropped
  Loaded l = Load(StrCat(kHeader, kPod0000, kPod0001, kPod0017), options);
  ASSERT_TRUE(l.status.ok()) << l.status;
  EXPECT_EQ(l.jobs.size(), 1u);
  EXPECT_EQ(l.report.skipped, 2);
  EXPECT_THAT(l.report.notes, ElementsAre("rival: 2 pods skipped: submitted after 'until'"));

  options = RivalOptions();
  options.limit = 2;
  l = Load(StrCat(kHeader, kPod0000, kPod0001, kPod0017), options);
  ASSERT_TRUE(l.status.ok()) << l.status;
  ASSERT_EQ(l.jobs.size(), 2u);
  EXPECT_EQ(l.report.rows, 2);
  EXPECT_EQ(l.jobs[1].name, "openb-pod-0001");
}

TEST(AlibabaPodJobs, GpuSpecRestrictsTheTypes) {
  // Real rows with gpu_spec filled in (the default pod list leaves it empty).
  const std::string text =
      StrCat(kHeader, "a,6000,12288,1,1000,V100M16|V100M32,LS,Running,10,100,10\n",
             "b,6000,12288,1,1000,G2,LS,Running,20,100,20\n",
             "c,6000,12288,1,460,T4,LS,Running,30,100,30\n");  // no mapped type: skipped
  Loaded l = Load(text);
  ASSERT_TRUE(l.status.ok()) << l.status;
  ASSERT_EQ(l.jobs.size(), 2u);
  EXPECT_THAT(Rates(l.jobs[0]), ElementsAre(IsRate(kA100, 1'000'000)));
  EXPECT_THAT(Rates(l.jobs[1]), ElementsAre(IsRate(kH100, 1'000'000)));
  EXPECT_EQ(l.report.skipped, 1);
  // The fractional pod c produced no job, so it is not counted among those that hold a fraction.
  // Both jobs were restricted by their gpu_spec to one of the two mapped types.
  EXPECT_THAT(
      l.report.notes,
      ElementsAre("rival: 1 pods skipped: their gpu_spec names no mapped type",
                  "rival: 2 jobs restricted by their gpu_spec to some of the mapped types"));
}

TEST(AlibabaPodJobs, TwoTraceModelsOnOneTypeGiveOneThroughput) {
  WorkloadOptions options = RivalOptions();
  options.types = {{"V100M16", kA100, 0.5}, {"V100M32", kA100, 1.0}};
  Loaded l = Load(StrCat(kHeader, kPod0000), options);
  ASSERT_TRUE(l.status.ok()) << l.status;
  ASSERT_EQ(l.jobs.size(), 1u);
  EXPECT_THAT(Rates(l.jobs[0]), ElementsAre(IsRate(kA100, 500'000)));  // the first mapping's
}

TEST(AlibabaPodJobs, NeverScheduledAndNoRuntime) {
  const std::string text =
      StrCat(kHeader,
             // Line 63 of the pod list: pending, never scheduled.
             "openb-pod-0061,11908,47104,1,1000,,BE,Pending,10001278,10001403,\n",
             "x,1000,1024,2,1000,,BE,Failed,10,50,50\n");  // deleted when scheduled
  Loaded l = Load(text);
  ASSERT_TRUE(l.status.ok()) << l.status;
  EXPECT_THAT(l.jobs, IsEmpty());
  EXPECT_EQ(l.report.rows, 2);
  EXPECT_EQ(l.report.skipped, 2);
  EXPECT_THAT(l.report.notes,
              ElementsAre("rival: 1 pods skipped: never scheduled in the original cluster",
                          "rival: 1 pods skipped: no runtime (deleted when scheduled)"));
}

TEST(AlibabaPodJobs, EmptyNameIsNamedAfterTheLine) {
  Loaded l = Load(StrCat(kHeader, ",12000,16384,1,1000,,LS,Running,0,100,0\n"));
  ASSERT_TRUE(l.status.ok()) << l.status;
  ASSERT_EQ(l.jobs.size(), 1u);
  EXPECT_EQ(l.jobs[0].name, "rival:2");
}

TEST(AlibabaPodJobs, WrongFieldCount) {
  Loaded l = Load(StrCat(kHeader, kPod0000,
                         "openb-pod-0001,6000,12288,1,460,LS,Running,427061,"
                         "12902960,427061\n"));
  ASSERT_FALSE(l.status.ok());
  EXPECT_EQ(Message(l.status), "p.csv:3: 10 fields; expected 11 like the header");
}

TEST(AlibabaPodJobs, NonIntegerNumGpu) {
  Loaded l =
      Load(StrCat(kHeader, "openb-pod-0000,12000,16384,one,1000,,LS,Running,0,12537496,0\n"));
  ASSERT_FALSE(l.status.ok());
  EXPECT_EQ(Message(l.status),
            "p.csv:2: num_gpu: 'one' is not an integer; expected an integer in [0, 2^24]");
}

TEST(AlibabaPodJobs, GpuMilliOutOfRange) {
  Loaded l = Load(StrCat(kHeader, "openb-pod-0000,12000,16384,1,1001,,LS,Running,0,12537496,0\n"));
  ASSERT_FALSE(l.status.ok());
  EXPECT_EQ(Message(l.status),
            "p.csv:2: gpu_milli: 1001 is out of range; expected an integer in [0, 1000]");
}

TEST(AlibabaPodJobs, BadTimes) {
  Loaded l = Load(StrCat(kHeader, "openb-pod-0000,12000,16384,1,1000,,LS,Running,-5,12537496,0\n"));
  ASSERT_FALSE(l.status.ok());
  EXPECT_EQ(Message(l.status),
            "p.csv:2: creation_time: -5 is out of range; expected an integer in [0, 2^40]");
  l = Load(StrCat(kHeader, "openb-pod-0000,12000,16384,1,1000,,LS,Running,0,1.5e7,0\n"));
  ASSERT_FALSE(l.status.ok());
  EXPECT_EQ(Message(l.status),
            "p.csv:2: deletion_time: '1.5e7' is not an integer; expected an integer in [0, 2^40]");
  l = Load(StrCat(kHeader, "openb-pod-0000,12000,16384,1,1000,,LS,Running,0,12537496,soon\n"));
  ASSERT_FALSE(l.status.ok());
  EXPECT_EQ(Message(l.status),
            "p.csv:2: scheduled_time: 'soon' is not an integer; expected an integer in [0, 2^40]");
}

TEST(AlibabaPodJobs, ScheduledBeforeCreated) {
  Loaded l = Load(StrCat(kHeader, kPod0000, "p,12000,16384,1,1000,,LS,Running,10,100,5\n"));
  ASSERT_FALSE(l.status.ok());
  EXPECT_EQ(Message(l.status),
            "p.csv:3: scheduled_time: 5 is before creation_time 10; expected scheduled_time >= "
            "creation_time");
}

TEST(AlibabaPodJobs, MissingHeaderColumn) {
  Loaded l = Load("name,num_gpu,gpu_milli,gpu_spec,creation_time,deletion_time\nx,1,1000,,0,5\n");
  ASSERT_FALSE(l.status.ok());
  EXPECT_EQ(Message(l.status),
            "p.csv:1: the header has no column 'scheduled_time'; expected columns name,num_gpu,"
            "gpu_milli,gpu_spec,creation_time,deletion_time,scheduled_time");
}

TEST(AlibabaPodJobs, EmptyFile) {
  Loaded l = Load("\n\n");
  ASSERT_FALSE(l.status.ok());
  EXPECT_EQ(Message(l.status), "p.csv: the file is empty; expected a header line");
}

TEST(AlibabaPodJobs, UnterminatedQuote) {
  Loaded l = Load(StrCat(kHeader, kPod0000, "\"openb-pod-0001,6000,12288,1,460,,LS\n"));
  ASSERT_FALSE(l.status.ok());
  EXPECT_EQ(Message(l.status), "p.csv:3: a quoted field is not closed; expected a closing '\"'");
}

// --- Node lists ---------------------------------------------------------------------------------

MATCHER_P3(IsGroup, model, gpus_per_node, nodes, "") {
  return arg.model == model && arg.gpus_per_node == gpus_per_node && arg.nodes == nodes;
}

TEST(AlibabaNodeGroups, RealGpuNodeList) {
  // Grouped with python3's csv module in order of first appearance: 1213 nodes, 6212 GPUs.
  auto groups = AlibabaNodeGroups(kGpuNodes, testing::Slurp(kGpuNodes));
  ASSERT_TRUE(groups.ok()) << groups.status();
  EXPECT_THAT(
      *groups,
      ElementsAre(IsGroup("P100", 2, 131), IsGroup("G3", 8, 39), IsGroup("V100M32", 8, 21),
                  IsGroup("V100M16", 4, 28), IsGroup("G2", 8, 549), IsGroup("T4", 4, 17),
                  IsGroup("T4", 2, 387), IsGroup("V100M16", 1, 19), IsGroup("V100M16", 8, 8),
                  IsGroup("V100M32", 4, 9), IsGroup("P100", 1, 3), IsGroup("A10", 1, 2)));
  int64_t nodes = 0;
  int64_t gpus = 0;
  for (const AlibabaNodeGroup& g : *groups) {
    nodes += g.nodes;
    gpus += int64_t{g.nodes} * g.gpus_per_node;
  }
  EXPECT_EQ(nodes, 1213);
  EXPECT_EQ(gpus, 6212);
}

TEST(AlibabaNodeGroups, NodesWithoutGpusAreLeftOut) {
  // The full node list has 1523 nodes; the 310 without GPUs (model empty) form no group.
  auto all = AlibabaNodeGroups(kAllNodes, testing::Slurp(kAllNodes));
  ASSERT_TRUE(all.ok()) << all.status();
  auto gpu = AlibabaNodeGroups(kGpuNodes, testing::Slurp(kGpuNodes));
  ASSERT_TRUE(gpu.ok()) << gpu.status();
  ASSERT_EQ(all->size(), gpu->size());
  for (size_t i = 0; i < all->size(); ++i) {
    EXPECT_EQ((*all)[i].model, (*gpu)[i].model);
    EXPECT_EQ((*all)[i].gpus_per_node, (*gpu)[i].gpus_per_node);
    EXPECT_EQ((*all)[i].nodes, (*gpu)[i].nodes);
  }
}

TEST(AlibabaNodeGroups, EmptyModelForAGpuNode) {
  auto groups =
      AlibabaNodeGroups("n.csv",
                        "sn,cpu_milli,memory_mib,gpu,model\nopenb-node-0000,64000,262144,2,P100\n"
                        "openb-node-0001,64000,262144,2,\n");
  ASSERT_FALSE(groups.ok());
  EXPECT_EQ(Message(groups.status()),
            "n.csv:3: model: empty for a node with GPUs; expected a GPU model name");
}

TEST(AlibabaNodeGroups, BadGpuCount) {
  auto groups = AlibabaNodeGroups("n.csv", "sn,cpu_milli,memory_mib,gpu,model\nn0,1,1,two,P100\n");
  ASSERT_FALSE(groups.ok());
  EXPECT_EQ(Message(groups.status()),
            "n.csv:2: gpu: 'two' is not an integer; expected an integer in [0, 1024]");
  groups = AlibabaNodeGroups("n.csv", "sn,cpu_milli,memory_mib,gpu,model\nn0,1,1,2048,P100\n");
  ASSERT_FALSE(groups.ok());
  EXPECT_EQ(Message(groups.status()),
            "n.csv:2: gpu: 2048 is out of range; expected an integer in [0, 1024]");
}

TEST(AlibabaNodeGroups, WrongFieldCountMissingColumnEmptyFile) {
  auto groups = AlibabaNodeGroups("n.csv", "sn,cpu_milli,memory_mib,gpu,model\nn0,1,1,2\n");
  ASSERT_FALSE(groups.ok());
  EXPECT_EQ(Message(groups.status()), "n.csv:2: 4 fields; expected 5 like the header");
  groups = AlibabaNodeGroups("n.csv", "sn,cpu_milli,memory_mib,gpus,model\n");
  ASSERT_FALSE(groups.ok());
  EXPECT_EQ(Message(groups.status()),
            "n.csv:1: the header has no column 'gpu'; expected columns sn,gpu,model");
  groups = AlibabaNodeGroups("n.csv", "");
  ASSERT_FALSE(groups.ok());
  EXPECT_EQ(Message(groups.status()), "n.csv: the file is empty; expected a header line");
}

TEST(AlibabaNodeGroups, HeaderAfterBlankLinesIsNamedByItsLine) {
  auto groups = AlibabaNodeGroups("n.csv", "\n\nsn,gpu\nn0,2\n");
  ASSERT_FALSE(groups.ok());
  EXPECT_EQ(Message(groups.status()),
            "n.csv:3: the header has no column 'model'; expected columns sn,gpu,model");
}

}  // namespace
}  // namespace arbiter
