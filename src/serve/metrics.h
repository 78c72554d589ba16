// Metrics of the daemon in Prometheus' text exposition format (version 0.0.4): a histogram that
// any thread may update and read, and a writer for counters, gauges and histograms with labels.
#ifndef ARBITER_SERVE_METRICS_H_
#define ARBITER_SERVE_METRICS_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace arbiter::serve {

// A cumulative histogram of seconds with fixed upper bounds. Observe and Snapshot are lock-free
// and may be called from any thread; a snapshot taken during an Observe may count the new
// observation in its bucket but not yet in the sum (Prometheus tolerates this).
class Histogram {
 public:
  // Bounds in seconds, ascending; an implicit +Inf bucket follows.
  explicit Histogram(std::vector<double> bounds);
  // 100 us .. 10 s, for request and commit latencies.
  static std::vector<double> LatencyBuckets();

  void Observe(double seconds);

  struct Snapshot {
    std::vector<double> bounds;
    std::vector<int64_t> cumulative;  // per bound, then +Inf (= count)
    double sum = 0;
    int64_t count = 0;
  };
  Snapshot Take() const;

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<int64_t>[]> counts_;  // per bound, then +Inf (not cumulative)
  std::atomic<int64_t> sum_nanos_{0};
};

using Labels = std::vector<std::pair<std::string, std::string>>;

// Writes one metric family at a time: Family(name, type, help) then its samples.
class PrometheusWriter {
 public:
  void Family(std::string_view name, std::string_view type, std::string_view help);
  void Sample(std::string_view name, const Labels& labels, double value);
  void Sample(std::string_view name, const Labels& labels, int64_t value);
  void WriteHistogram(std::string_view name, std::string_view help, const Histogram::Snapshot& h);
  const std::string& text() const { return out_; }

 private:
  void Name(std::string_view name, const Labels& labels);
  std::string out_;
};

}  // namespace arbiter::serve

#endif  // ARBITER_SERVE_METRICS_H_
