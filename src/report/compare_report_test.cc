#include "report/compare_report.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "model/strings.h"
#include "report/testing.h"

namespace arbiter {
namespace {

using ::arbiter::testing::Axes;
using ::arbiter::testing::AxesOf;
using ::arbiter::testing::BarRect;
using ::arbiter::testing::CountOf;
using ::arbiter::testing::ExpectPoints;
using ::arbiter::testing::ExpectRange;
using ::arbiter::testing::kPixel;
using ::arbiter::testing::PlotSvg;
using ::arbiter::testing::Rect;
using ::arbiter::testing::SeriesNames;
using ::arbiter::testing::SeriesPoints;
using ::arbiter::testing::TagBalanceError;

constexpr int64_t kDollar = 1'000'000;

CompareRow Row(std::string policy, std::vector<Duration> jct, Duration makespan, int64_t cost,
               std::optional<double> makespan_ratio, std::optional<double> mean_ratio,
               std::optional<double> cost_ratio) {
  CompareRow row;
  row.policy = std::move(policy);
  row.jobs = 2;
  row.finished = static_cast<int64_t>(jct.size());
  double sum = 0;
  for (Duration d : jct) sum += static_cast<double>(d);
  row.mean_jct_s = jct.empty() ? 0 : sum / static_cast<double>(jct.size());
  row.p99_jct_s = jct.empty() ? 0 : jct.back();
  row.makespan_s = makespan;
  row.total_cost = cost;
  row.utilisation = 0.5;
  row.makespan_ratio = makespan_ratio;
  row.mean_jct_ratio = mean_ratio;
  row.cost_ratio = cost_ratio;
  row.jct = std::move(jct);
  return row;
}

// Three policies on a scenario whose bounds are: mean JCT 30 min, makespan 1 h, cost $32.
//
//   policy  JCTs         mean    makespan  cost  ratios (makespan, mean JCT, cost)
//   fifo    1 h, 2 h     90 min  2 h       $64   2, 3, 2
//   sjf     30 min, 1 h  45 min  1 h       $32   1, 1.5, 1
//   gavel   -            -       -         $0    - (no job finished)
CompareResult ThreePolicies() {
  CompareResult r;
  r.scenario = "tiny";
  r.seed = 7;
  r.bounds.jobs = 2;
  r.bounds.mean_jct = 1800;
  r.bounds.makespan = 3600;
  r.bounds.cost = 32 * kDollar;
  r.rows = {Row("fifo", {3600, 7200}, 7200, 64 * kDollar, 2.0, 3.0, 2.0),
            Row("sjf", {1800, 3600}, 3600, 32 * kDollar, 1.0, 1.5, 1.0),
            Row("gavel", {}, 0, 0, std::nullopt, std::nullopt, std::nullopt)};
  return r;
}

TEST(CompareReport, IsWellFormedAndSelfContained) {
  const std::string html = CompareHtmlReport(ThreePolicies());
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_EQ(TagBalanceError(html), "");
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_NE(html.find("<title>Arbiter compare: tiny</title>"), std::string::npos);
  EXPECT_NE(html.find("3 policies, seed 7"), std::string::npos);
  EXPECT_NE(html.find("45m00s with sjf (lower bound 30m00s)"), std::string::npos);
  EXPECT_NE(html.find("$0 with gavel (lower bound $32.00)"), std::string::npos);
  EXPECT_EQ(CountOf(html, "<svg"), 5u);
  for (const char* id : {"compare-jct-cdf", "compare-mean-jct", "compare-makespan", "compare-cost",
                         "compare-ratios"}) {
    EXPECT_EQ(CountOf(html, StrCat("data-plot=\"", id, "\"")), 1u) << id;
    EXPECT_EQ(TagBalanceError(PlotSvg(html, id)), "") << id;
  }
}

TEST(CompareReport, CdfHasOneLinePerPolicyThatFinishedJobs) {
  const std::string svg = PlotSvg(CompareHtmlReport(ThreePolicies()), "compare-jct-cdf");
  EXPECT_EQ(SeriesNames(svg), (std::vector<std::string>{"fifo", "sjf"}));
  const Axes a = AxesOf(svg);
  EXPECT_TRUE(a.log_x);
  // 30 min to 2 h, widened to the duration ticks around them: 10 min and 6 h.
  ExpectRange(a.x, 600, 21600);
  ExpectRange(a.y, 0, 1);
  // Half the jobs by the first value, all by the second, then on at 1 to the axis end.
  ExpectPoints(SeriesPoints(svg, "fifo"),
               {a.At('M', 3600, 0), a.At('L', 3600, 0.5), a.At('L', 7200, 0.5), a.At('L', 7200, 1),
                a.At('L', 21600, 1)});
  ExpectPoints(SeriesPoints(svg, "sjf"),
               {a.At('M', 1800, 0), a.At('L', 1800, 0.5), a.At('L', 3600, 0.5), a.At('L', 3600, 1),
                a.At('L', 21600, 1)});
}

TEST(CompareReport, BarsStandNextToTheirBound) {
  const std::string html = CompareHtmlReport(ThreePolicies());
  // Mean JCT in minutes (the largest is 90 min): 90, 45, 0 (none finished), bound 30.
  const std::string mean = PlotSvg(html, "compare-mean-jct");
  EXPECT_EQ(SeriesNames(mean), (std::vector<std::string>{"policy", "lower bound"}));
  EXPECT_NE(mean.find(">mean completion time (minutes)<"), std::string::npos);
  const Axes m = AxesOf(mean);
  ExpectRange(m.y, 0, 100);  // 90 rounded up to a step of 20
  const auto expect_bar = [](const std::string& svg, const Axes& axes, const char* series,
                             const char* category, size_t index, double value) {
    const Rect bar = BarRect(svg, series, category);
    ASSERT_TRUE(bar.found) << series << " " << category;
    const double band = axes.area.width / 4;  // three policies and the bound
    EXPECT_NEAR(bar.x, axes.area.left + (static_cast<double>(index) + 0.2) * band, kPixel);
    EXPECT_NEAR(bar.width, 0.6 * band, kPixel);
    EXPECT_NEAR(bar.y, axes.Y(value), kPixel) << series << " " << category;
    EXPECT_NEAR(bar.y + bar.height, axes.Y(0), kPixel) << series << " " << category;
  };
  expect_bar(mean, m, "policy", "fifo", 0, 90);
  expect_bar(mean, m, "policy", "sjf", 1, 45);
  expect_bar(mean, m, "lower bound", "lower bound", 3, 30);

  // Makespan in minutes (2 h is not more than two hours): 120, 60, bound 60.
  const std::string makespan = PlotSvg(html, "compare-makespan");
  const Axes k = AxesOf(makespan);
  ExpectRange(k.y, 0, 120);
  expect_bar(makespan, k, "policy", "fifo", 0, 120);
  expect_bar(makespan, k, "policy", "sjf", 1, 60);
  expect_bar(makespan, k, "lower bound", "lower bound", 3, 60);

  const std::string cost = PlotSvg(html, "compare-cost");
  const Axes c = AxesOf(cost);
  ExpectRange(c.y, 0, 80);  // $64 rounded up to a step of $20
  EXPECT_NE(cost.find(">$80<"), std::string::npos);
  expect_bar(cost, c, "policy", "fifo", 0, 64);
  expect_bar(cost, c, "policy", "sjf", 1, 32);
  expect_bar(cost, c, "lower bound", "lower bound", 3, 32);
}

TEST(CompareReport, RatiosPerPolicyWithALineAtOne) {
  const std::string svg = PlotSvg(CompareHtmlReport(ThreePolicies()), "compare-ratios");
  EXPECT_EQ(SeriesNames(svg),
            (std::vector<std::string>{"mean JCT", "makespan", "cost", "bound (1)"}));
  const Axes a = AxesOf(svg);
  ExpectRange(a.x, -0.5, 2.5);  // policies at 0, 1, 2
  ExpectRange(a.y, 0, 3);
  for (const char* label : {">fifo<", ">sjf<", ">gavel<"}) {
    EXPECT_NE(svg.find(label), std::string::npos) << label;
  }
  // gavel has no ratios: each line stops at sjf.
  ExpectPoints(SeriesPoints(svg, "mean JCT"), {a.At('M', 0, 3), a.At('L', 1, 1.5)});
  ExpectPoints(SeriesPoints(svg, "makespan"), {a.At('M', 0, 2), a.At('L', 1, 1)});
  ExpectPoints(SeriesPoints(svg, "cost"), {a.At('M', 0, 2), a.At('L', 1, 1)});
  ExpectPoints(SeriesPoints(svg, "bound (1)"), {a.At('M', -0.5, 1), a.At('L', 2.5, 1)});
}

TEST(CompareReport, TablesHaveEveryPolicyAndTheBounds) {
  const std::string html = CompareHtmlReport(ThreePolicies());
  EXPECT_NE(html.find("<tr><td>fifo</td><td class=\"n\">2</td><td class=\"n\">2</td>"
                      "<td class=\"n\">1h30m00s</td><td class=\"n\">2h00m00s</td>"
                      "<td class=\"n\">2h00m00s</td><td class=\"n\">$64.00</td>"
                      "<td class=\"n\">50.0%</td></tr>"),
            std::string::npos);
  EXPECT_NE(html.find("<tr><td>gavel</td><td class=\"n\">2</td><td class=\"n\">0</td>"
                      "<td class=\"n\">-</td><td class=\"n\">-</td><td class=\"n\">-</td>"
                      "<td class=\"n\">$0</td>"),
            std::string::npos);
  EXPECT_NE(html.find("<tr><td>lower bound</td><td class=\"n\">2</td><td class=\"n\"></td>"
                      "<td class=\"n\">30m00s</td><td class=\"n\"></td>"
                      "<td class=\"n\">1h00m00s</td><td class=\"n\">$32.00</td>"),
            std::string::npos);
  // The second table: no deadlines; fifo's ratios (mean JCT, makespan, cost); none for gavel.
  EXPECT_NE(html.find("<tr><td>fifo</td><td class=\"n\">-</td><td class=\"n\">0.00</td>"
                      "<td class=\"n\">3.00</td><td class=\"n\">2.00</td>"
                      "<td class=\"n\">2.00</td></tr>"),
            std::string::npos);
  EXPECT_NE(html.find("<tr><td>gavel</td><td class=\"n\">-</td><td class=\"n\">-</td>"
                      "<td class=\"n\">-</td><td class=\"n\">-</td><td class=\"n\">-</td></tr>"),
            std::string::npos);
}

TEST(CompareReport, ManyPoliciesTakeThePageWidthWithLabelsOnTwoRows) {
  CompareResult r = ThreePolicies();
  for (const char* name :
       {"backfill-conservative", "backfill-easy", "cost-greedy", "fair", "fair-no-preempt",
        "gavel-cost", "gavel-makespan", "gavel-maxmin", "spot-greedy"}) {
    r.rows.push_back(Row(name, {3600, 7200}, 7200, 64 * kDollar, 2.0, 3.0, 2.0));
  }
  const std::string svg = PlotSvg(CompareHtmlReport(r), "compare-cost");
  EXPECT_NE(svg.find("width=\"1160\""), std::string::npos);
  // Thirteen bars on about 950 pixels, 73 each: "backfill-conservative" (21 characters, about 147
  // pixels) does not fit beside its neighbours, so every other label goes on a second row, 14
  // pixels lower.
  const Axes a = AxesOf(svg);
  const double row1 = a.area.top + a.area.height + 16;
  EXPECT_NE(svg.find(StrCat("y=\"", Format("%.2f", row1), "\" text-anchor=\"middle\">fifo<")),
            std::string::npos)
      << svg;
  EXPECT_NE(svg.find(StrCat("y=\"", Format("%.2f", row1 + 14), "\" text-anchor=\"middle\">sjf<")),
            std::string::npos);
}

}  // namespace
}  // namespace arbiter
