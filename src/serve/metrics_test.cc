#include "serve/metrics.h"

#include "gtest/gtest.h"

namespace arbiter::serve {
namespace {

TEST(HistogramTest, CountsEachObservationInItsBucketAndAbove) {
  Histogram h({0.001, 0.01, 0.1});
  h.Observe(0.0005);
  h.Observe(0.001);  // le: on the bound counts in it
  h.Observe(0.05);
  h.Observe(3);
  const Histogram::Snapshot s = h.Take();
  EXPECT_EQ(s.cumulative, (std::vector<int64_t>{2, 2, 3, 4}));
  EXPECT_EQ(s.count, 4);
  EXPECT_DOUBLE_EQ(s.sum, 3.0515);
}

TEST(PrometheusWriterTest, WritesFamiliesSamplesAndHistograms) {
  PrometheusWriter w;
  w.Family("arbiter_queue_jobs", "gauge", "Jobs waiting.");
  w.Sample("arbiter_queue_jobs", {}, int64_t{3});
  w.Family("arbiter_pool_running_jobs", "gauge", "Jobs running per pool.");
  w.Sample("arbiter_pool_running_jobs", {{"pool", "a\"b"}, {"provider", "p\\q"}}, int64_t{2});
  Histogram h({0.5});
  h.Observe(0.25);
  w.WriteHistogram("arbiter_commit_seconds", "Commit time.", h.Take());
  EXPECT_EQ(w.text(),
            "# HELP arbiter_queue_jobs Jobs waiting.\n"
            "# TYPE arbiter_queue_jobs gauge\n"
            "arbiter_queue_jobs 3\n"
            "# HELP arbiter_pool_running_jobs Jobs running per pool.\n"
            "# TYPE arbiter_pool_running_jobs gauge\n"
            "arbiter_pool_running_jobs{pool=\"a\\\"b\",provider=\"p\\\\q\"} 2\n"
            "# HELP arbiter_commit_seconds Commit time.\n"
            "# TYPE arbiter_commit_seconds histogram\n"
            "arbiter_commit_seconds_bucket{le=\"0.5\"} 1\n"
            "arbiter_commit_seconds_bucket{le=\"+Inf\"} 1\n"
            "arbiter_commit_seconds_sum 0.25\n"
            "arbiter_commit_seconds_count 1\n");
}

}  // namespace
}  // namespace arbiter::serve
