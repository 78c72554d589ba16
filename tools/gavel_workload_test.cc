// Gavel's job streams (tools/gavel_workload.h): deterministic, read back by the Gavel loader, and
// drawn from the documented distributions (checked on large fixed-seed samples).
#include "tools/gavel_workload.h"

#include <cmath>
#include <map>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arbiter::tools {
namespace {

using ::testing::HasSubstr;

const GavelThroughputs& Throughputs() {
  static const GavelThroughputs* const throughputs = [] {
    absl::StatusOr<GavelThroughputs> t =
        GavelThroughputs::Load("data/gavel/simulation_throughputs.json");
    EXPECT_TRUE(t.ok()) << t.status();
    return new GavelThroughputs(t.ok() ? *std::move(t) : GavelThroughputs());
  }();
  return *throughputs;
}

std::vector<GavelRow> Stream(const GavelStreamOptions& options) {
  absl::StatusOr<std::vector<GavelRow>> rows = GenerateGavelStream(Throughputs(), options);
  EXPECT_TRUE(rows.ok()) << rows.status();
  return rows.ok() ? *std::move(rows) : std::vector<GavelRow>();
}

// Minutes the row's job runs on one V100.
double Minutes(const GavelRow& row) {
  return static_cast<double>(row.total_steps) /
         *Throughputs().Measured("v100", row.job_type, row.scale_factor) / 60;
}

TEST(GavelStream, SameSeedSameRowsAndTheLoaderReadsThemBack) {
  const std::vector<GavelRow> a = Stream({.jobs = 200, .jobs_per_hour = 2, .seed = 7});
  const std::vector<GavelRow> b = Stream({.jobs = 200, .jobs_per_hour = 2, .seed = 7});
  const std::vector<GavelRow> c = Stream({.jobs = 200, .jobs_per_hour = 2, .seed = 8});
  ASSERT_EQ(a.size(), 200u);
  int differ = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].job_type, b[i].job_type);
    EXPECT_EQ(a[i].total_steps, b[i].total_steps);
    EXPECT_EQ(a[i].arrival, b[i].arrival);
    differ += a[i].total_steps != c[i].total_steps;
  }
  EXPECT_GT(differ, 190);
  // The first job arrives at 0, the others in order.
  EXPECT_EQ(a[0].arrival, 0);
  for (size_t i = 1; i < a.size(); ++i) EXPECT_GE(a[i].arrival, a[i - 1].arrival);
  // Written as a 7-field Gavel trace, read back unchanged.
  absl::StatusOr<std::vector<GavelRow>> back = ParseGavelTrace("g.trace", FormatGavelTrace(a));
  ASSERT_TRUE(back.ok()) << back.status();
  ASSERT_EQ(back->size(), a.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ((*back)[i].line, static_cast<int64_t>(i + 1));
    EXPECT_EQ((*back)[i].job_type, a[i].job_type);
    EXPECT_EQ((*back)[i].total_steps, a[i].total_steps);
    EXPECT_EQ((*back)[i].arrival, a[i].arrival);
    EXPECT_EQ((*back)[i].scale_factor, 1);
  }
}

TEST(GavelStream, SingleGpuJobsFollowTheDocumentedDistributions) {
  const int64_t n = 40'000;
  const std::vector<GavelRow> rows = Stream({.jobs = n, .jobs_per_hour = 3, .seed = 1});
  ASSERT_EQ(rows.size(), static_cast<size_t>(n));
  // Poisson arrivals at 3 an hour: mean gap 1,200 s.
  const double mean_gap = static_cast<double>(rows.back().arrival) / static_cast<double>(n - 1);
  EXPECT_NEAR(mean_gap, 1200, 1200 * 0.02);
  int64_t long_jobs = 0;
  int64_t below_100_minutes = 0;
  std::map<std::string, int64_t> per_model;
  for (const GavelRow& row : rows) {
    EXPECT_EQ(row.scale_factor, 1);
    const double minutes = Minutes(row);
    // 10^1.5 to 10^4 minutes (steps are rounded to whole ones).
    EXPECT_GE(minutes, std::pow(10, 1.5) * 0.999);
    EXPECT_LE(minutes, 1e4 * 1.001);
    long_jobs += minutes > 1000;
    // Short jobs: x uniform in [1.5, 3], so P(10^x < 100) = (2 - 1.5) / 1.5 = 1/3 of 80%.
    below_100_minutes += minutes < 100;
    ++per_model[row.job_type];
  }
  EXPECT_NEAR(static_cast<double>(long_jobs) / n, 0.2, 0.01);
  EXPECT_NEAR(static_cast<double>(below_100_minutes) / n, 0.8 / 3, 0.01);
  // Every one of the 26 models, uniformly.
  ASSERT_EQ(per_model.size(), 26u);
  for (const auto& [model, count] : per_model) {
    EXPECT_NEAR(static_cast<double>(count) / n, 1.0 / 26, 0.006) << model;
  }
}

TEST(GavelStream, MultiGpuJobsOfDistributedModels) {
  const int64_t n = 40'000;
  const std::vector<GavelRow> rows =
      Stream({.jobs = n, .all_at_once = true, .multi_gpu = true, .seed = 3});
  std::map<int32_t, int64_t> per_gpus;
  for (const GavelRow& row : rows) {
    EXPECT_EQ(row.arrival, 0);
    ++per_gpus[row.scale_factor];
    // Measured at that GPU count: the duration is exact on it.
    ASSERT_TRUE(Throughputs().Measured("v100", row.job_type, row.scale_factor).has_value())
        << row.job_type << " x" << row.scale_factor;
    if (row.scale_factor > 1) {
      EXPECT_THAT(row.job_type,
                  ::testing::AnyOf(HasSubstr("ResNet"), HasSubstr("Transformer"), HasSubstr("LM")));
    }
  }
  ASSERT_EQ(per_gpus.size(), 4u);
  EXPECT_NEAR(static_cast<double>(per_gpus[1]) / n, 0.70, 0.01);
  EXPECT_NEAR(static_cast<double>(per_gpus[2]) / n, 0.10, 0.01);
  EXPECT_NEAR(static_cast<double>(per_gpus[4]) / n, 0.15, 0.01);
  EXPECT_NEAR(static_cast<double>(per_gpus[8]) / n, 0.05, 0.01);
}

TEST(GavelStream, BadOptions) {
  absl::StatusOr<std::vector<GavelRow>> rows =
      GenerateGavelStream(Throughputs(), {.jobs = 10, .jobs_per_hour = 0});
  ASSERT_FALSE(rows.ok());
  EXPECT_EQ(rows.status().message(), "jobs_per_hour: 0 is not a positive rate");
  rows =
      GenerateGavelStream(Throughputs(), {.jobs = 10, .jobs_per_hour = 1, .reference_gpu = "h100"});
  ASSERT_FALSE(rows.ok());
  EXPECT_EQ(rows.status().message(),
            "the throughput file measures no model alone on 1 h100 GPU(s)");
}

}  // namespace
}  // namespace arbiter::tools
