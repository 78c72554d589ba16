#include "serve/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "model/strings.h"

namespace arbiter::serve {

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(new std::atomic<int64_t>[bounds_.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) counts_[i].store(0, std::memory_order_relaxed);
}

std::vector<double> Histogram::LatencyBuckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
          0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
}

void Histogram::Observe(double seconds) {
  const size_t bucket = std::lower_bound(bounds_.begin(), bounds_.end(), seconds) - bounds_.begin();
  counts_[bucket].fetch_add(1, std::memory_order_relaxed);
  sum_nanos_.fetch_add(static_cast<int64_t>(std::llround(seconds * 1e9)),
                       std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::Take() const {
  Snapshot s;
  s.bounds = bounds_;
  int64_t running = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    running += counts_[i].load(std::memory_order_relaxed);
    s.cumulative.push_back(running);
  }
  s.count = running;
  s.sum = static_cast<double>(sum_nanos_.load(std::memory_order_relaxed)) / 1e9;
  return s;
}

namespace {

// Label values escape backslash, double quote and newline.
void AppendEscaped(std::string& out, std::string_view value) {
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

std::string FormatDouble(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, end);
}

}  // namespace

void PrometheusWriter::Family(std::string_view name, std::string_view type, std::string_view help) {
  StrAppend(&out_, "# HELP ", name, " ", help, "\n# TYPE ", name, " ", type, "\n");
}

void PrometheusWriter::Name(std::string_view name, const Labels& labels) {
  out_ += name;
  if (labels.empty()) return;
  out_ += '{';
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out_ += ',';
    StrAppend(&out_, labels[i].first, "=\"");
    AppendEscaped(out_, labels[i].second);
    out_ += '"';
  }
  out_ += '}';
}

void PrometheusWriter::Sample(std::string_view name, const Labels& labels, double value) {
  Name(name, labels);
  StrAppend(&out_, " ", FormatDouble(value), "\n");
}

void PrometheusWriter::Sample(std::string_view name, const Labels& labels, int64_t value) {
  Name(name, labels);
  StrAppend(&out_, " ", value, "\n");
}

void PrometheusWriter::WriteHistogram(std::string_view name, std::string_view help,
                                      const Histogram::Snapshot& h) {
  Family(name, "histogram", help);
  const std::string bucket = StrCat(name, "_bucket");
  for (size_t i = 0; i < h.bounds.size(); ++i) {
    Sample(bucket, {{"le", FormatDouble(h.bounds[i])}}, h.cumulative[i]);
  }
  Sample(bucket, {{"le", "+Inf"}}, h.count);
  Sample(StrCat(name, "_sum"), {}, h.sum);
  Sample(StrCat(name, "_count"), {}, h.count);
}

}  // namespace arbiter::serve
