#include "formats/gavel.h"

#include <cmath>
#include <string>
#include <vector>

#include "formats/parse.h"
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

constexpr char kMsrTrace[] = "data/gavel/traces/msr/seed=0/6214e9.trace";
constexpr char kPhysicalTrace[] = "data/gavel/traces/physical_cluster/max_min_fairness.trace";
constexpr char kThroughputs[] = "data/gavel/simulation_throughputs.json";

// Line 1 of data/gavel/traces/msr/seed=0/6214e9.trace (7 fields).
constexpr char kReal7[] =
    "Transformer (batch size 128)\tcd %s/gpusched/workloads/pytorch/translation && python3 "
    "train.py -data %s/data/translation/multi30k.atok.low.pt -batch_size 128 "
    "-proj_share_weight\t-step\t1\t20851471\t0.000000\t1";
// Line 1 of data/gavel/traces/physical_cluster/max_min_fairness.trace (10 fields).
constexpr char kReal10[] =
    "ResNet-18 (batch size 128)\tpython3 main.py --data_dir=%s/cifar10 --batch_size "
    "128\timage_classification/cifar10\t--num_steps\t1\t925982\t4\t1\t-1.000000\t0";

const AcceleratorTypeId kH100(0);
const AcceleratorTypeId kA100(1);
const AcceleratorTypeId kK80(2);
const TenantId kLab(0);

std::string Message(const absl::Status& status) { return std::string(status.message()); }

// `line` with its tab-separated field `index` replaced by `value`.
std::string WithField(std::string_view line, size_t index, std::string_view value) {
  std::vector<std::string_view> fields = Split(line, '\t');
  fields.at(index) = value;
  return StrJoin(fields, "\t");
}

const GavelThroughputs& RealThroughputs() {
  static const GavelThroughputs* const throughputs = [] {
    absl::StatusOr<GavelThroughputs> t = GavelThroughputs::Load(kThroughputs);
    EXPECT_TRUE(t.ok()) << t.status();
    return new GavelThroughputs(t.ok() ? *std::move(t) : GavelThroughputs());
  }();
  return *throughputs;
}

// The scenario's usual mapping: Gavel's V100 measurements run as H100, its P100 ones as A100.
WorkloadOptions LabOptions() {
  WorkloadOptions options;
  options.source = "lab";
  options.tenant = kLab;
  options.types = {{"v100", kH100}, {"p100", kA100}};
  return options;
}

std::vector<Throughput> Rates(const Job& job) {
  return {job.throughputs.begin(), job.throughputs.end()};
}

MATCHER_P2(IsRate, type, rate, "") { return arg.type == type && arg.rate == rate; }

// --- Traces -------------------------------------------------------------------------------------

TEST(ParseGavelTrace, TheRealLineConstantsAreTheFilesFirstLines) {
  EXPECT_EQ(testing::FirstLines(testing::Slurp(kMsrTrace), 1), StrCat(kReal7, "\n"));
  EXPECT_EQ(testing::FirstLines(testing::Slurp(kPhysicalTrace), 1), StrCat(kReal10, "\n"));
}

TEST(ReadGavelTrace, SevenFieldMsrTrace) {
  absl::StatusOr<std::vector<GavelRow>> rows = ReadGavelTrace(kMsrTrace);
  ASSERT_TRUE(rows.ok()) << rows.status();
  // `wc -l` and `grep -c .` both give 2000 lines, all of them 7 tab-separated fields.
  ASSERT_EQ(rows->size(), 2000u);
  const GavelRow& r1 = (*rows)[0];
  EXPECT_EQ(r1.line, 1);
  EXPECT_EQ(r1.job_type, "Transformer (batch size 128)");
  EXPECT_EQ(r1.total_steps, 20851471);
  EXPECT_EQ(r1.arrival, 0);
  EXPECT_EQ(r1.scale_factor, 1);
  EXPECT_EQ(r1.priority_weight, 1.0);
  EXPECT_EQ(r1.slo, -1.0);
  // Line 2: "Recommendation (batch size 8192) ... -n 1 2337035 266564.000000 1".
  const GavelRow& r2 = (*rows)[1];
  EXPECT_EQ(r2.line, 2);
  EXPECT_EQ(r2.job_type, "Recommendation (batch size 8192)");
  EXPECT_EQ(r2.total_steps, 2337035);
  EXPECT_EQ(r2.arrival, 266564);
  EXPECT_EQ(r2.scale_factor, 1);
  // Line 33: "Recommendation (batch size 1024) ... -n 1 2489323 2532635.000000 4".
  const GavelRow& r33 = (*rows)[32];
  EXPECT_EQ(r33.line, 33);
  EXPECT_EQ(r33.job_type, "Recommendation (batch size 1024)");
  EXPECT_EQ(r33.total_steps, 2489323);
  EXPECT_EQ(r33.arrival, 2532635);
  EXPECT_EQ(r33.scale_factor, 4);
  // The last line: "ResNet-50 (batch size 16) ... 1 62738 4184082.000000 1".
  const GavelRow& last = rows->back();
  EXPECT_EQ(last.line, 2000);
  EXPECT_EQ(last.job_type, "ResNet-50 (batch size 16)");
  EXPECT_EQ(last.total_steps, 62738);
  EXPECT_EQ(last.arrival, 4184082);
}

TEST(ReadGavelTrace, TenFieldPhysicalClusterTrace) {
  absl::StatusOr<std::vector<GavelRow>> rows = ReadGavelTrace(kPhysicalTrace);
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 96u);  // grep -c . max_min_fairness.trace
  const GavelRow& r1 = (*rows)[0];
  EXPECT_EQ(r1.job_type, "ResNet-18 (batch size 128)");
  EXPECT_EQ(r1.total_steps, 925982);
  EXPECT_EQ(r1.scale_factor, 4);
  EXPECT_EQ(r1.priority_weight, 1.0);
  EXPECT_EQ(r1.slo, -1.0);
  EXPECT_EQ(r1.arrival, 0);
  // Line 37: "ResNet-50 (batch size 64) ... --num_minibatches 1 28657 1 1 -1.000000 536".
  const GavelRow& r37 = (*rows)[36];
  EXPECT_EQ(r37.line, 37);
  EXPECT_EQ(r37.job_type, "ResNet-50 (batch size 64)");
  EXPECT_EQ(r37.total_steps, 28657);
  EXPECT_EQ(r37.scale_factor, 1);
  EXPECT_EQ(r37.arrival, 536);
}

TEST(ParseGavelTrace, ArrivalIsRoundedToTheNearestSecond) {
  auto rows = ParseGavelTrace(
      "t.trace", StrCat(WithField(kReal7, 5, "10.4"), "\n", WithField(kReal7, 5, "10.5"), "\n"));
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ((*rows)[0].arrival, 10);
  EXPECT_EQ((*rows)[1].arrival, 11);
}

TEST(ParseGavelTrace, CrlfAndBlankLines) {
  auto rows = ParseGavelTrace("t.trace", StrCat(kReal7, "\r\n\r\n", kReal7, "\r\n"));
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[1].line, 3);
  EXPECT_EQ((*rows)[1].scale_factor, 1);  // not "1\r"
}

TEST(ParseGavelTrace, TenFieldsWithWeightAndSlo) {
  std::string line = WithField(kReal10, 7, "3");  // priority_weight
  line = WithField(line, 8, "2.5");               // SLO
  auto rows = ParseGavelTrace("t.trace", line);
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ((*rows)[0].priority_weight, 3.0);
  EXPECT_EQ((*rows)[0].slo, 2.5);
}

TEST(ParseGavelTrace, WrongFieldCount) {
  auto rows = ParseGavelTrace("t.trace", "Transformer (batch size 128)\tcmd\t-step\t1\t100\t0.0\n");
  ASSERT_FALSE(rows.ok());
  EXPECT_THAT(Message(rows.status()),
              StartsWith("t.trace:1: 6 tab-separated fields; expected 7 (job_type, command, "
                         "num_steps_arg, needs_data_dir, total_steps, arrival_time, scale_factor) "
                         "or 10 (job_type, command, working_dir,"));
}

TEST(ParseGavelTrace, MixedSevenAndTenFieldLines) {
  auto rows = ParseGavelTrace("t.trace", StrCat(kReal7, "\n", kReal10, "\n"));
  ASSERT_FALSE(rows.ok());
  EXPECT_EQ(Message(rows.status()),
            "t.trace:2: 10 tab-separated fields; expected 7 like the first line");
  rows = ParseGavelTrace("t.trace", StrCat(kReal10, "\n", kReal10, "\n", kReal7, "\n"));
  ASSERT_FALSE(rows.ok());
  EXPECT_EQ(Message(rows.status()),
            "t.trace:3: 7 tab-separated fields; expected 10 like the first line");
}

TEST(ParseGavelTrace, NonIntegerTotalSteps) {
  auto rows = ParseGavelTrace("t.trace", StrCat(kReal7, "\n", WithField(kReal7, 4, "2085.5")));
  ASSERT_FALSE(rows.ok());
  EXPECT_EQ(Message(rows.status()),
            "t.trace:2: total_steps: '2085.5' is not an integer; expected an integer in [1, "
            "4611686018427]");
  // In the 10-field form total_steps is the sixth field.
  rows = ParseGavelTrace("t.trace", WithField(kReal10, 5, "many"));
  ASSERT_FALSE(rows.ok());
  EXPECT_EQ(Message(rows.status()),
            "t.trace:1: total_steps: 'many' is not an integer; expected an integer in [1, "
            "4611686018427]");
}

TEST(ParseGavelTrace, ZeroTotalSteps) {
  auto rows = ParseGavelTrace("t.trace", WithField(kReal7, 4, "0"));
  ASSERT_FALSE(rows.ok());
  EXPECT_EQ(Message(rows.status()),
            "t.trace:1: total_steps: 0 is out of range; expected an integer in [1, 4611686018427]");
}

TEST(ParseGavelTrace, NegativeArrival) {
  auto rows = ParseGavelTrace("t.trace", WithField(kReal7, 5, "-1.5"));
  ASSERT_FALSE(rows.ok());
  EXPECT_EQ(Message(rows.status()),
            "t.trace:1: arrival_time: -1.5 is out of range; expected a number in [0, 2^40]");
  rows = ParseGavelTrace("t.trace", WithField(kReal10, 9, "-3"));
  ASSERT_FALSE(rows.ok());
  EXPECT_EQ(Message(rows.status()),
            "t.trace:1: arrival_time: -3 is out of range; expected a number in [0, 2^40]");
}

TEST(ParseGavelTrace, NonNumericArrival) {
  auto rows = ParseGavelTrace("t.trace", WithField(kReal7, 5, "noon"));
  ASSERT_FALSE(rows.ok());
  EXPECT_EQ(Message(rows.status()),
            "t.trace:1: arrival_time: 'noon' is not a number; expected a number in [0, 2^40]");
}

TEST(ParseGavelTrace, BadScaleFactor) {
  auto rows = ParseGavelTrace("t.trace", WithField(kReal7, 6, "0"));
  ASSERT_FALSE(rows.ok());
  EXPECT_EQ(Message(rows.status()),
            "t.trace:1: scale_factor: 0 is out of range; expected an integer in [1, 2^24]");
  rows = ParseGavelTrace("t.trace", WithField(kReal10, 6, "two"));
  ASSERT_FALSE(rows.ok());
  EXPECT_EQ(Message(rows.status()),
            "t.trace:1: scale_factor: 'two' is not an integer; expected an integer in [1, 2^24]");
}

TEST(ParseGavelTrace, EmptyJobType) {
  auto rows = ParseGavelTrace("t.trace", WithField(kReal7, 0, ""));
  ASSERT_FALSE(rows.ok());
  EXPECT_EQ(Message(rows.status()), "t.trace:1: job_type: empty; expected a model name");
}

TEST(ParseGavelTrace, BadPriorityWeight) {
  auto rows = ParseGavelTrace("t.trace", WithField(kReal10, 7, "-2"));
  ASSERT_FALSE(rows.ok());
  EXPECT_EQ(Message(rows.status()),
            "t.trace:1: priority_weight: -2 is out of range; expected a number in [0, 1e+06]");
}

TEST(ParseGavelTrace, BadSlo) {
  auto rows = ParseGavelTrace("t.trace", WithField(kReal10, 8, "0"));
  ASSERT_FALSE(rows.ok());
  EXPECT_EQ(Message(rows.status()),
            "t.trace:1: SLO: 0 is not a factor; expected -1 (none) or a factor > 0");
  rows = ParseGavelTrace("t.trace", WithField(kReal10, 8, "-2"));
  ASSERT_FALSE(rows.ok());
  EXPECT_EQ(Message(rows.status()),
            "t.trace:1: SLO: -2 is out of range; expected a number in [-1, 1e+06]");
}

TEST(ReadGavelTrace, MissingFile) {
  auto rows = ReadGavelTrace("data/gavel/traces/msr/seed=0/nope.trace");
  ASSERT_FALSE(rows.ok());
  EXPECT_EQ(rows.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Message(rows.status()), "data/gavel/traces/msr/seed=0/nope.trace: no such file");
}

// --- Throughputs --------------------------------------------------------------------------------

TEST(GavelThroughputs, RealMeasurements) {
  const GavelThroughputs& t = RealThroughputs();
  for (const char* gpu : {"k80", "p100", "v100", "v100_unconsolidated"})
    EXPECT_TRUE(t.HasGpu(gpu)) << gpu;
  EXPECT_FALSE(t.HasGpu("h100"));
  // simulation_throughputs.json: v100 -> "('Transformer (batch size 128)', 1)" -> "null".
  EXPECT_EQ(t.Measured("v100", "Transformer (batch size 128)", 1), 5.44610521981264);
  EXPECT_EQ(t.Measured("p100", "Transformer (batch size 128)", 1), 3.0735350560514787);
  EXPECT_EQ(t.Measured("v100", "ResNet-50 (batch size 16)", 8), 27.799094635512898);
  EXPECT_EQ(t.Measured("k80", "A3C", 1), 3.4387678290723933);
  // Not measured: no such scale factor, model or GPU type.
  EXPECT_EQ(t.Measured("v100", "ResNet-50 (batch size 16)", 16), std::nullopt);
  EXPECT_EQ(t.Measured("v100", "A3C", 2), std::nullopt);
  EXPECT_EQ(t.Measured("v100", "GPT-5", 1), std::nullopt);
  EXPECT_EQ(t.Measured("h100", "A3C", 1), std::nullopt);
}

TEST(GavelThroughputs, MeasuredZeroIsAMeasurement) {
  // k80 measured ResNet-50 (batch size 128) at 0.0 steps/s on 2, 4 and 8 GPUs: it does not run
  // there. That is a measurement, not a gap to extrapolate over from the 1-GPU figure.
  const GavelThroughputs& t = RealThroughputs();
  EXPECT_EQ(t.Measured("k80", "ResNet-50 (batch size 128)", 1), 0.3472236920519382);
  EXPECT_EQ(t.Measured("k80", "ResNet-50 (batch size 128)", 2), 0.0);
  bool extrapolated = true;
  EXPECT_EQ(t.Estimate("k80", "ResNet-50 (batch size 128)", 2, &extrapolated), 0.0);
  EXPECT_FALSE(extrapolated);
  // 16 GPUs: extrapolated from the largest measured count, 8, which is 0.
  EXPECT_EQ(t.Estimate("k80", "ResNet-50 (batch size 128)", 16, &extrapolated), 0.0);
  EXPECT_TRUE(extrapolated);
}

TEST(GavelThroughputs, EstimateOfAMeasuredEntryIsTheMeasurement) {
  bool extrapolated = true;
  EXPECT_EQ(RealThroughputs().Estimate("v100", "ResNet-50 (batch size 16)", 8, &extrapolated),
            27.799094635512898);
  EXPECT_FALSE(extrapolated);
}

TEST(GavelThroughputs, ExtrapolatesWithTheMeasuredDoublingEfficiency) {
  // v100 ResNet-50 (batch size 16): 8 GPUs 27.799094635512898, 4 GPUs 23.195585654383645, so the
  // last doubling's efficiency is e = 27.799... / (2 x 23.195...) = 0.599 (< 1, not capped).
  const double r8 = 27.799094635512898;
  const double e = r8 / (2 * 23.195585654383645);
  bool extrapolated = false;
  // 16 GPUs: r8 x 2 x e^1.
  const std::optional<double> r16 =
      RealThroughputs().Estimate("v100", "ResNet-50 (batch size 16)", 16, &extrapolated);
  ASSERT_TRUE(r16.has_value());
  EXPECT_TRUE(extrapolated);
  EXPECT_DOUBLE_EQ(*r16, r8 * 2 * e);
  EXPECT_EQ(std::llround(*r16 * 1e6), 33316238);  // python3: same rule on the JSON
  // 32 GPUs: r8 x 4 x e^2.
  const std::optional<double> r32 =
      RealThroughputs().Estimate("v100", "ResNet-50 (batch size 16)", 32, &extrapolated);
  ASSERT_TRUE(r32.has_value());
  EXPECT_DOUBLE_EQ(*r32, r8 * 4 * e * e);
  EXPECT_EQ(std::llround(*r32 * 1e6), 39928342);
}

TEST(GavelThroughputs, ExtrapolatesFromTheLargestMeasuredCountBelow) {
  // p100 ResNet-50 (batch size 16), 12 GPUs: from 8 (44.762451467168084) with the efficiency of
  // 4 -> 8 (4 GPUs: 30.798442100370274): r8 x 1.5 x e^log2(1.5).
  const double r8 = 44.762451467168084;
  const double e = r8 / (2 * 30.798442100370274);
  bool extrapolated = false;
  const std::optional<double> r12 =
      RealThroughputs().Estimate("p100", "ResNet-50 (batch size 16)", 12, &extrapolated);
  ASSERT_TRUE(r12.has_value());
  EXPECT_TRUE(extrapolated);
  EXPECT_DOUBLE_EQ(*r12, r8 * 1.5 * std::pow(e, std::log2(1.5)));
  EXPECT_EQ(std::llround(*r12 * 1e6), 55706140);
  // 7 GPUs (ee9e8c.trace asks for 7): from 4 (30.798...) with the efficiency of 2 -> 4.
  const double r4 = 30.798442100370274;
  const double e4 = r4 / (2 * 16.191429630480485);
  const std::optional<double> r7 =
      RealThroughputs().Estimate("p100", "ResNet-50 (batch size 16)", 7, &extrapolated);
  ASSERT_TRUE(r7.has_value());
  EXPECT_DOUBLE_EQ(*r7, r4 * 1.75 * std::pow(e4, std::log2(1.75)));
  EXPECT_EQ(std::llround(*r7 * 1e6), 51757990);
}

TEST(GavelThroughputs, EfficiencyIsCappedAtOne) {
  // v100 ResNet-18 (batch size 16): 4 GPUs 123.85..., 8 GPUs 382.597... (better than linear), so
  // 16 GPUs is linear from 8.
  bool extrapolated = false;
  const std::optional<double> r16 =
      RealThroughputs().Estimate("v100", "ResNet-18 (batch size 16)", 16, &extrapolated);
  ASSERT_TRUE(r16.has_value());
  EXPECT_TRUE(extrapolated);
  EXPECT_DOUBLE_EQ(*r16, 2 * 382.5974422686407);
}

TEST(GavelThroughputs, LinearWhereOnlyOneGpuWasMeasured) {
  // Recommendation (batch size 8192) is measured on 1 GPU only (2.841510364354536 on v100).
  bool extrapolated = false;
  const std::optional<double> r4 =
      RealThroughputs().Estimate("v100", "Recommendation (batch size 8192)", 4, &extrapolated);
  ASSERT_TRUE(r4.has_value());
  EXPECT_TRUE(extrapolated);
  EXPECT_DOUBLE_EQ(*r4, 4 * 2.841510364354536);
  EXPECT_EQ(std::llround(*r4 * 1e6), 11366041);
}

TEST(GavelThroughputs, SyntheticRules) {
  auto t = GavelThroughputs::Parse("t.json", R"j({"v100": {
      "('M', 2)": {"null": 10.0}, "('M', 8)": {"null": 30.0},
      "('E', 1)": {"null": 10.0}, "('E', 2)": {"null": 16.0},
      "('C', 1)": {"null": 10.0}, "('C', 2)": {"null": 30.0}}})j");
  ASSERT_TRUE(t.ok()) << t.status();
  bool x = false;
  // M: 8 is measured, 4 is not, so 16 is linear from 8; 4 is linear from 2 (1 not measured).
  EXPECT_EQ(t->Estimate("v100", "M", 8, &x), 30.0);
  EXPECT_FALSE(x);
  EXPECT_EQ(t->Estimate("v100", "M", 16, &x), 60.0);
  EXPECT_TRUE(x);
  EXPECT_EQ(t->Estimate("v100", "M", 4, &x), 20.0);
  EXPECT_TRUE(x);
  // Below every measurement: scaled down linearly from the smallest.
  EXPECT_EQ(t->Estimate("v100", "M", 1, &x), 5.0);
  EXPECT_TRUE(x);
  // E: e = 16 / (2 x 10) = 0.8.
  EXPECT_DOUBLE_EQ(*t->Estimate("v100", "E", 4, &x), 16 * 2 * 0.8);
  EXPECT_DOUBLE_EQ(*t->Estimate("v100", "E", 8, &x), 16 * 4 * 0.8 * 0.8);
  EXPECT_DOUBLE_EQ(*t->Estimate("v100", "E", 3, &x), 16 * 1.5 * std::pow(0.8, std::log2(1.5)));
  // C: 30 / (2 x 10) = 1.5 is capped at 1.
  EXPECT_EQ(t->Estimate("v100", "C", 4, &x), 60.0);
  // Unknown model or GPU type.
  EXPECT_EQ(t->Estimate("v100", "Z", 1, &x), std::nullopt);
  EXPECT_FALSE(x);
  EXPECT_EQ(t->Estimate("p100", "M", 1, &x), std::nullopt);
}

TEST(GavelThroughputs, JobTypesMeasuredAtAScaleFactor) {
  auto t = GavelThroughputs::Parse("t.json", R"j({"v100": {
      "('ResNet', 1)": {"null": 2.0}, "('A3C', 1)": {"null": 7.0},
      "('LM', 1)": {"null": 0.0}, "('LM', 2)": {"null": 3.0}}})j");
  ASSERT_TRUE(t.ok()) << t.status();
  // In name order; a measured 0 (the job does not run there) is not a job type of that scale.
  EXPECT_THAT(t->JobTypes("v100", 1), ElementsAre("A3C", "ResNet"));
  EXPECT_THAT(t->JobTypes("v100", 2), ElementsAre("LM"));
  EXPECT_THAT(t->JobTypes("v100", 4), IsEmpty());
  EXPECT_THAT(t->JobTypes("k80", 1), IsEmpty());
  // The bundled file: Gavel's job table of 26 models, each measured alone on one V100.
  const std::vector<std::string> models = RealThroughputs().JobTypes("v100", 1);
  ASSERT_EQ(models.size(), 26u);
  EXPECT_EQ(models.front(), "A3C");
  EXPECT_EQ(models.back(), "Transformer (batch size 64)");
}

TEST(GavelThroughputs, NotJson) {
  auto t = GavelThroughputs::Parse("t.json", "{\"v100\": ");
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(Message(t.status()), StartsWith("t.json: not valid JSON ("));
  EXPECT_THAT(Message(t.status()), HasSubstr("; expected a JSON object of GPU types"));
}

TEST(GavelThroughputs, NotAnObject) {
  auto t = GavelThroughputs::Parse("t.json", "[1, 2]");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(Message(t.status()), "t.json: not a JSON object; expected {gpu: {...}}");
  t = GavelThroughputs::Parse("t.json", R"j({"v100": 3})j");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(Message(t.status()),
            "t.json: v100: not an object; expected {\"('<job_type>', <sf>)\": {...}}");
}

TEST(GavelThroughputs, BadKey) {
  for (const char* key : {"ResNet-18", "('A3C', 0)", "('A3C', x)", "('A3C' 1)", "(A3C, 1)"}) {
    auto t =
        GavelThroughputs::Parse("t.json", StrCat(R"j({"v100": {")j", key, R"j(": {"null": 1}}})j"));
    ASSERT_FALSE(t.ok()) << key;
    EXPECT_EQ(
        Message(t.status()),
        StrCat("t.json: v100.", key, ": malformed key; expected ('<job_type>', <scale_factor>)"));
  }
}

TEST(GavelThroughputs, NoMeasurementAlone) {
  auto t =
      GavelThroughputs::Parse("t.json", R"j({"v100": {"('A3C', 1)": {"('LM', 1)": [1, 2]}}})j");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(Message(t.status()),
            "t.json: v100.('A3C', 1): no measurement of the job alone; expected an object with a "
            "\"null\" entry");
}

TEST(GavelThroughputs, BadThroughputValue) {
  for (const char* value : {"-1", "\"fast\"", "null", "[1]"}) {
    auto t = GavelThroughputs::Parse(
        "t.json", StrCat(R"j({"v100": {"('A3C', 1)": {"null": )j", value, "}}}"));
    ASSERT_FALSE(t.ok()) << value;
    EXPECT_EQ(
        Message(t.status()),
        "t.json: v100.('A3C', 1).null: not a throughput; expected a number in [0, 10^9] (steps per "
        "second)");
  }
}

TEST(GavelThroughputs, ANumberTooLargeForADoubleIsAnErrorNotACrash) {
  // Found by fuzz_gavel_throughputs: nlohmann's parser throws out_of_range (not parse_error) for
  // such a number, which escaped and aborted the process.
  auto t =
      GavelThroughputs::Parse("t.json", R"j({"v100": {"('A3C', 1)": {"null": 7.05E695425}}})j");
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(Message(t.status()), ::testing::StartsWith("t.json: not valid JSON ("));
  EXPECT_THAT(Message(t.status()), ::testing::HasSubstr("number overflow"));
}

TEST(GavelThroughputs, LoadMissingFile) {
  auto t = GavelThroughputs::Load("data/gavel/nope.json");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), absl::StatusCode::kNotFound);
}

// --- Jobs ---------------------------------------------------------------------------------------

TEST(GavelJobs, FirstRealRows) {
  auto rows = ParseGavelTrace(kMsrTrace, testing::FirstLines(testing::Slurp(kMsrTrace), 3));
  ASSERT_TRUE(rows.ok()) << rows.status();
  WorkloadOptions options = LabOptions();
  options.checkpoint_interval = 3600;
  options.checkpoint_bytes = 20'000'000'000;
  std::vector<Job> jobs;
  WorkloadReport report;
  ASSERT_TRUE(GavelJobs(*rows, RealThroughputs(), options, jobs, report).ok());
  ASSERT_EQ(jobs.size(), 3u);
  EXPECT_EQ(report.source, "lab");
  EXPECT_EQ(report.rows, 3);
  EXPECT_EQ(report.jobs, 3);
  EXPECT_EQ(report.skipped, 0);
  EXPECT_THAT(report.notes, IsEmpty());

  const Job& j1 = jobs[0];
  EXPECT_EQ(j1.name, "lab:1");
  EXPECT_EQ(j1.tenant, kLab);
  EXPECT_EQ(j1.submit, 0);
  EXPECT_EQ(j1.accelerators, 1);
  EXPECT_EQ(j1.nodes, 1);
  EXPECT_EQ(j1.work, int64_t{20851471} * 1'000'000);  // total_steps in micro-steps
  // llround(steps/s x 1e6): v100 5.44610521981264 -> 5446105, p100 3.0735350560514787 -> 3073535.
  EXPECT_THAT(Rates(j1), ElementsAre(IsRate(kH100, 5446105), IsRate(kA100, 3073535)));
  EXPECT_EQ(j1.priority, 0);
  EXPECT_EQ(j1.deadline, kNever);
  EXPECT_EQ(j1.checkpoint_interval, 3600);
  EXPECT_EQ(j1.checkpoint_bytes, 20'000'000'000);

  EXPECT_EQ(jobs[1].name, "lab:2");
  EXPECT_EQ(jobs[1].submit, 266564);
  EXPECT_EQ(jobs[1].work, int64_t{2337035} * 1'000'000);
  // Recommendation (batch size 8192): v100 2.841510364354536, p100 5.548440840558535.
  EXPECT_THAT(Rates(jobs[1]), ElementsAre(IsRate(kH100, 2841510), IsRate(kA100, 5548441)));
  EXPECT_EQ(jobs[2].submit, 266566);
  EXPECT_EQ(jobs[2].work, int64_t{6619155} * 1'000'000);
  // Transformer (batch size 256): v100 1.5951407072133263, p100 1.6776964927127545.
  EXPECT_THAT(Rates(jobs[2]), ElementsAre(IsRate(kH100, 1595141), IsRate(kA100, 1677696)));
}

TEST(GavelJobs, RealRowsThatNeedExtrapolation) {
  auto msr = ReadGavelTrace(kMsrTrace);
  ASSERT_TRUE(msr.ok()) << msr.status();
  // 6214e9.trace line 33: Recommendation (batch size 1024) on 4 GPUs, measured on 1 GPU only:
  // 4 x 13.2825697082565 (v100) and 4 x 30.74443726150114 (p100).
  std::vector<Job> jobs;
  WorkloadReport report;
  WorkloadOptions options = LabOptions();
  ASSERT_TRUE(GavelJobs({(*msr)[32]}, RealThroughputs(), options, jobs, report).ok());
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].name, "lab:33");
  EXPECT_EQ(jobs[0].submit, 2532635);
  EXPECT_EQ(jobs[0].accelerators, 4);
  EXPECT_EQ(jobs[0].nodes, 1);
  EXPECT_EQ(jobs[0].work, int64_t{2489323} * 1'000'000);
  EXPECT_EQ(std::llround(4 * 13.2825697082565 * 1e6), 53130279);
  EXPECT_EQ(std::llround(4 * 30.74443726150114 * 1e6), 122977749);
  EXPECT_THAT(Rates(jobs[0]), ElementsAre(IsRate(kH100, 53130279), IsRate(kA100, 122977749)));
  EXPECT_THAT(report.notes,
              ElementsAre("lab: 1 jobs ask for a (model, GPU count) the throughput file does not "
                          "measure; their throughputs were extrapolated from the largest measured "
                          "GPU count"));

  // ee9e8c.trace line 24: LM (batch size 20) on 16 GPUs. v100: 8 GPUs 497.2952582330656 after 4
  // GPUs 110.99685986392635 (efficiency capped at 1): 2 x 497.29... p100: 8 GPUs
  // 116.64882298424683, 4 GPUs 93.81478290324394: 2 x 116.65 x e, e = 116.65 / (2 x 93.81).
  auto ee = ReadGavelTrace("data/gavel/traces/msr/seed=0/ee9e8c.trace");
  ASSERT_TRUE(ee.ok()) << ee.status();
  const GavelRow& row = (*ee)[23];
  ASSERT_EQ(row.line, 24);
  EXPECT_EQ(row.job_type, "LM (batch size 20)");
  EXPECT_EQ(row.scale_factor, 16);
  jobs.clear();
  ASSERT_TRUE(GavelJobs({row}, RealThroughputs(), options, jobs, report).ok());
  ASSERT_EQ(jobs.size(), 1u);
  const double p8 = 116.64882298424683;
  EXPECT_EQ(std::llround(2 * 497.2952582330656 * 1e6), 994590516);
  EXPECT_EQ(std::llround(2 * p8 * (p8 / (2 * 93.81478290324394)) * 1e6), 145040552);
  EXPECT_THAT(Rates(jobs[0]), ElementsAre(IsRate(kH100, 994590516), IsRate(kA100, 145040552)));
  EXPECT_EQ(jobs[0].nodes, 2);  // 16 GPUs, 8 per node
  EXPECT_EQ(jobs[0].submit, 926406);
}

TEST(GavelJobs, WholeMsrTraceAndItsExtrapolationNote) {
  auto rows = ReadGavelTrace(kMsrTrace);
  ASSERT_TRUE(rows.ok()) << rows.status();
  std::vector<Job> jobs;
  WorkloadReport report;
  ASSERT_TRUE(GavelJobs(*rows, RealThroughputs(), LabOptions(), jobs, report).ok());
  // Every model of the trace is measured on v100 and p100, so all 2000 rows become jobs. 15 of
  // them ask for a GPU count the file lacks on v100 or p100 (27 + 32 + 13 rows ask for 2, 4 and
  // 8 GPUs; the Recommendation, A3C and CycleGAN ones among them are measured on 1 GPU only).
  // Counted with a python3 re-implementation of the rule over the trace and JSON; `arbiter
  // validate examples/frontier-lab.yaml` prints the same note for lab-6214e9.
  EXPECT_EQ(report.rows, 2000);
  EXPECT_EQ(report.jobs, 2000);
  EXPECT_EQ(report.skipped, 0);
  ASSERT_EQ(jobs.size(), 2000u);
  EXPECT_THAT(report.notes,
              ElementsAre("lab: 15 jobs ask for a (model, GPU count) the throughput file does not "
                          "measure; their throughputs were extrapolated from the largest measured "
                          "GPU count"));
  EXPECT_EQ(jobs.back().name, "lab:2000");
  EXPECT_EQ(jobs.back().submit, 4184082);
  // ResNet-50 (batch size 16) on 1 GPU: v100 11.396129065315943, p100 9.052989674171888.
  EXPECT_THAT(Rates(jobs.back()), ElementsAre(IsRate(kH100, 11396129), IsRate(kA100, 9052990)));
}

TEST(GavelJobs, MeasuredZeroDropsTheTypeInsteadOfExtrapolating) {
  // max_min_fairness.trace, all 96 rows, with k80 mapped too. Line 91 asks for ResNet-50 (batch
  // size 128) on 2 GPUs, measured at 0.0 on k80: the job may run on H100 and A100 only, and no
  // row of the file needs extrapolation (every (model, GPU count) in it is in the JSON).
  auto rows = ReadGavelTrace(kPhysicalTrace);
  ASSERT_TRUE(rows.ok()) << rows.status();
  WorkloadOptions options = LabOptions();
  options.types.push_back({"k80", kK80});
  std::vector<Job> jobs;
  WorkloadReport report;
  ASSERT_TRUE(GavelJobs(*rows, RealThroughputs(), options, jobs, report).ok());
  EXPECT_EQ(report.jobs, 96);
  EXPECT_THAT(report.notes, IsEmpty());
  ASSERT_EQ(jobs.size(), 96u);
  const Job& j91 = jobs[90];
  EXPECT_EQ(j91.name, "lab:91");
  EXPECT_EQ(j91.submit, 41249);
  EXPECT_EQ(j91.accelerators, 2);
  // v100 4.2230145549692715 and p100 2.8808978271495276 steps/s, measured on 2 GPUs.
  EXPECT_THAT(Rates(j91), ElementsAre(IsRate(kH100, 4223015), IsRate(kA100, 2880898)));
  // Line 37: ResNet-50 (batch size 64) on 1 GPU runs on all three (k80: 0.6190282202246573).
  EXPECT_THAT(Rates(jobs[36]),
              ElementsAre(IsRate(kH100, 4394775), IsRate(kA100, 2619469), IsRate(kK80, 619028)));
}

TEST(GavelJobs, TimeScaleOffsetUntilAndLimit) {
  auto rows = ParseGavelTrace(kMsrTrace, testing::FirstLines(testing::Slurp(kMsrTrace), 3));
  ASSERT_TRUE(rows.ok()) << rows.status();
  WorkloadOptions options = LabOptions();
  options.time_scale = 0.1;
  options.offset = 1000;
  std::vector<Job> jobs;
  WorkloadReport report;
  ASSERT_TRUE(GavelJobs(*rows, RealThroughputs(), options, jobs, report).ok());
  ASSERT_EQ(jobs.size(), 3u);
  // round(0 x 0.1) + 1000, round(26656.4) + 1000, round(26656.6) + 1000.
  EXPECT_EQ(jobs[0].submit, 1000);
  EXPECT_EQ(jobs[1].submit, 27656);
  EXPECT_EQ(jobs[2].submit, 27657);

  // until drops jobs submitted at or after it (after the offset); they are counted and noted.
  options = LabOptions();
  options.until = 266566;
  jobs.clear();
  report = {};
  ASSERT_TRUE(GavelJobs(*rows, RealThroughputs(), options, jobs, report).ok());
  EXPECT_EQ(jobs.size(), 2u);
  EXPECT_EQ(report.rows, 3);
  EXPECT_EQ(report.jobs, 2);
  EXPECT_EQ(report.skipped, 1);
  EXPECT_THAT(report.notes, ElementsAre("lab: 1 jobs skipped: submitted after 'until'"));

  options = LabOptions();
  options.limit = 2;
  jobs.clear();
  report = {};
  ASSERT_TRUE(GavelJobs(*rows, RealThroughputs(), options, jobs, report).ok());
  EXPECT_EQ(jobs.size(), 2u);
  EXPECT_EQ(report.rows, 2);
  EXPECT_EQ(jobs[1].name, "lab:2");
}

TEST(GavelJobs, NodesAndPriority) {
  auto rows = ReadGavelTrace(kMsrTrace);
  ASSERT_TRUE(rows.ok()) << rows.status();
  WorkloadOptions options = LabOptions();
  options.accelerators_per_node = 3;
  options.priority = 7;
  std::vector<Job> jobs;
  WorkloadReport report;
  ASSERT_TRUE(GavelJobs({(*rows)[32]}, RealThroughputs(), options, jobs, report).ok());
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].accelerators, 4);
  EXPECT_EQ(jobs[0].nodes, 2);  // ceil(4 / 3)
  EXPECT_EQ(jobs[0].priority, 7);
}

TEST(GavelJobs, WeightAndSloOfTenFieldRows) {
  // kReal10 (ResNet-18 (batch size 128), 925982 steps, 4 GPUs) with weight 3, SLO 2.5, arrival 100.
  std::string line = WithField(kReal10, 7, "3");
  line = WithField(line, 8, "2.5");
  line = WithField(line, 9, "100");
  auto rows = ParseGavelTrace("t.trace", line);
  ASSERT_TRUE(rows.ok()) << rows.status();
  std::vector<Job> jobs;
  WorkloadReport report;
  ASSERT_TRUE(GavelJobs(*rows, RealThroughputs(), LabOptions(), jobs, report).ok());
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].priority, 2);  // 0 + weight 3 - 1
  // Measured on 4 GPUs: v100 69.95051765177759 -> 69950518, p100 45.35074002546124 -> 45350740.
  EXPECT_THAT(Rates(jobs[0]), ElementsAre(IsRate(kH100, 69950518), IsRate(kA100, 45350740)));
  // Fastest runtime: ceil(925982e6 / 69950518) = 13238 s; deadline = 100 + ceil(2.5 x 13238).
  EXPECT_EQ(jobs[0].deadline, 100 + 33095);
}

TEST(GavelJobs, UnknownGpuTypeInTheMapping) {
  auto rows = ParseGavelTrace("t.trace", kReal7);
  ASSERT_TRUE(rows.ok());
  WorkloadOptions options = LabOptions();
  options.types.push_back({"h100", kH100});
  std::vector<Job> jobs;
  WorkloadReport report;
  const absl::Status s = GavelJobs(*rows, RealThroughputs(), options, jobs, report);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(Message(s),
            "lab: the throughput file has no GPU type 'h100'; it has k80, p100, v100 (and "
            "*_unconsolidated variants)");
}

TEST(GavelJobs, RowsOfUnmeasuredModelsAreSkippedAndCounted) {
  auto t = GavelThroughputs::Parse("t.json", R"j({"v100": {"('A3C', 1)": {"null": 7.0}},
                                                 "p100": {"('A3C', 1)": {"null": 5.0}}})j");
  ASSERT_TRUE(t.ok()) << t.status();
  auto rows = ParseGavelTrace(kMsrTrace, testing::FirstLines(testing::Slurp(kMsrTrace), 3));
  ASSERT_TRUE(rows.ok()) << rows.status();
  std::vector<Job> jobs;
  WorkloadReport report;
  ASSERT_TRUE(GavelJobs(*rows, *t, LabOptions(), jobs, report).ok());
  EXPECT_THAT(jobs, IsEmpty());
  EXPECT_EQ(report.rows, 3);
  EXPECT_EQ(report.jobs, 0);
  EXPECT_EQ(report.skipped, 3);
  EXPECT_THAT(report.notes, ElementsAre("lab: 3 jobs skipped: their model is measured on none of "
                                        "the mapped GPU types"));
}

}  // namespace
}  // namespace arbiter
