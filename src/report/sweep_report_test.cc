#include "report/sweep_report.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "model/strings.h"
#include "report/testing.h"

namespace arbiter {
namespace {

using ::arbiter::testing::Axes;
using ::arbiter::testing::AxesOf;
using ::arbiter::testing::CountOf;
using ::arbiter::testing::ExpectPoints;
using ::arbiter::testing::ExpectRange;
using ::arbiter::testing::PlotSvg;
using ::arbiter::testing::SeriesNames;
using ::arbiter::testing::SeriesPoints;
using ::arbiter::testing::TagBalanceError;

constexpr int64_t kDollar = 1'000'000;

SweepRow Row(std::vector<std::string> values, int64_t finished, double mean_jct, int64_t p99_jct,
             int64_t cost) {
  SweepRow row;
  row.values = std::move(values);
  row.jobs = 2;
  row.finished = finished;
  row.mean_jct_s = mean_jct;
  row.p99_jct_s = p99_jct;
  row.mean_wait_s = 900;
  row.makespan_s = 10800;
  row.total_cost_micros = cost;
  row.tenant_cost_micros = {cost};
  row.tenant_mean_jct_s = {mean_jct};
  row.provider_utilisation = {0.25};
  row.provider_items_won = {3};
  row.provider_items_won_by_right = {1};
  return row;
}

// Two axes, a discount (numeric, drawn to scale) and a pool's nodes, with the last varying
// fastest. At discount 1 on one node no job finished.
//
//   discount  nodes  mean JCT  p99 JCT  cost
//   0         1      1.5 h     3 h      $64
//   0         2      0.5 h     1 h      $64
//   0.5       1      1.5 h     3 h      $32
//   0.5       2      0.5 h     1 h      $32
//   1         1      -         -        $0
//   1         2      0.5 h     1 h      $0
SweepResult TwoAxes() {
  SweepResult r;
  r.scenario = "tiny";
  r.keys = {"contracts[0].discount", "providers[0].regions[0].pools[0].nodes"};
  r.tenants = {"lab"};
  r.providers = {"p"};
  r.rows = {Row({"0", "1"}, 2, 5400, 10800, 64 * kDollar),
            Row({"0", "2"}, 2, 1800, 3600, 64 * kDollar),
            Row({"0.5", "1"}, 2, 5400, 10800, 32 * kDollar),
            Row({"0.5", "2"}, 2, 1800, 3600, 32 * kDollar),
            Row({"1", "1"}, 0, 0, 0, 0),
            Row({"1", "2"}, 2, 1800, 3600, 0)};
  return r;
}

TEST(SweepReport, IsWellFormedAndSelfContained) {
  const std::string html = SweepHtmlReport(TwoAxes());
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_EQ(TagBalanceError(html), "");
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_NE(html.find("<title>Arbiter sweep: tiny</title>"), std::string::npos);
  EXPECT_NE(html.find("<meta name=\"arbiter-page-height\" content=\""), std::string::npos);
  EXPECT_EQ(CountOf(html, "<svg"), 3u);
  for (const char* id : {"sweep-mean-jct", "sweep-p99-jct", "sweep-cost"}) {
    EXPECT_EQ(CountOf(html, StrCat("data-plot=\"", id, "\"")), 1u) << id;
    EXPECT_EQ(TagBalanceError(PlotSvg(html, id)), "") << id;
  }
}

TEST(SweepReport, HeadlineNamesTheAxesAndTheBestPoints) {
  const std::string html = SweepHtmlReport(TwoAxes());
  EXPECT_NE(html.find("6 points over 2 axes"), std::string::npos);
  EXPECT_NE(html.find("<code>contracts[0].discount</code>: 0, 0.5, 1"), std::string::npos);
  EXPECT_NE(html.find("<code>providers[0].regions[0].pools[0].nodes</code>: 1, 2"),
            std::string::npos);
  EXPECT_NE(
      html.find("30m00s at contracts[0].discount=0, providers[0].regions[0].pools[0].nodes=2"),
      std::string::npos);
  EXPECT_NE(html.find("$0 at contracts[0].discount=1, providers[0].regions[0].pools[0].nodes=1"),
            std::string::npos);
}

TEST(SweepReport, TwoAxesDrawOneLinePerValueOfTheSecond) {
  const std::string html = SweepHtmlReport(TwoAxes());
  // x: the discount to scale, padded by 4% of its range on each side. y: hours (p99 up to 3 h).
  const std::string mean = PlotSvg(html, "sweep-mean-jct");
  EXPECT_EQ(SeriesNames(mean), (std::vector<std::string>{"nodes=1", "nodes=2"}));
  const Axes m = AxesOf(mean);
  ExpectRange(m.x, -0.04, 1.04);
  ExpectRange(m.y, 0, 1.5);
  EXPECT_NE(mean.find(">contracts[0].discount<"), std::string::npos);
  EXPECT_NE(mean.find(">mean completion time (hours)<"), std::string::npos);
  // No job finished at (1, 1): that point is left out.
  ExpectPoints(SeriesPoints(mean, "nodes=1"), {m.At('M', 0, 1.5), m.At('L', 0.5, 1.5)});
  ExpectPoints(SeriesPoints(mean, "nodes=2"),
               {m.At('M', 0, 0.5), m.At('L', 0.5, 0.5), m.At('L', 1, 0.5)});

  const std::string p99 = PlotSvg(html, "sweep-p99-jct");
  const Axes p = AxesOf(p99);
  ExpectRange(p.y, 0, 3);
  ExpectPoints(SeriesPoints(p99, "nodes=1"), {p.At('M', 0, 3), p.At('L', 0.5, 3)});
  ExpectPoints(SeriesPoints(p99, "nodes=2"), {p.At('M', 0, 1), p.At('L', 0.5, 1), p.At('L', 1, 1)});

  const std::string cost = PlotSvg(html, "sweep-cost");
  const Axes c = AxesOf(cost);
  ExpectRange(c.y, 0, 80);  // $64 rounded up to a step of $20
  EXPECT_NE(cost.find(">$80<"), std::string::npos);
  ExpectPoints(SeriesPoints(cost, "nodes=1"),
               {c.At('M', 0, 64), c.At('L', 0.5, 32), c.At('L', 1, 0)});
  ExpectPoints(SeriesPoints(cost, "nodes=2"),
               {c.At('M', 0, 64), c.At('L', 0.5, 32), c.At('L', 1, 0)});
}

TEST(SweepReport, OneAxisOfNamesIsEvenlySpacedWithMeanAndP99Together) {
  SweepResult r;
  r.scenario = "tiny";
  r.keys = {"providers[0].agent.policy"};
  r.rows = {Row({"deliverable"}, 2, 3600, 7200, 100 * kDollar),
            Row({"reserve"}, 2, 7200, 14400, 90 * kDollar),
            Row({"optimistic"}, 2, 3600, 3600, 95 * kDollar)};
  const std::string html = SweepHtmlReport(r);
  EXPECT_EQ(TagBalanceError(html), "");
  EXPECT_NE(html.find("3 points over one axis"), std::string::npos);
  const std::string jct = PlotSvg(html, "sweep-jct");
  EXPECT_EQ(SeriesNames(jct), (std::vector<std::string>{"p99", "mean"}));
  const Axes j = AxesOf(jct);
  ExpectRange(j.x, -0.5, 2.5);
  ExpectRange(j.y, 0, 4);  // hours: the largest p99 is 4 h
  for (const char* label : {">deliverable<", ">reserve<", ">optimistic<"}) {
    EXPECT_NE(jct.find(label), std::string::npos) << label;
  }
  ExpectPoints(SeriesPoints(jct, "mean"), {j.At('M', 0, 1), j.At('L', 1, 2), j.At('L', 2, 1)});
  ExpectPoints(SeriesPoints(jct, "p99"), {j.At('M', 0, 2), j.At('L', 1, 4), j.At('L', 2, 1)});
  // Costs from $90 to $100: the axis is fitted to them, and says so.
  const std::string cost = PlotSvg(html, "sweep-cost");
  EXPECT_EQ(SeriesNames(cost), (std::vector<std::string>{"total cost"}));
  const Axes c = AxesOf(cost);
  ExpectRange(c.y, 90, 100);
  ExpectPoints(SeriesPoints(cost, "total cost"),
               {c.At('M', 0, 100), c.At('L', 1, 90), c.At('L', 2, 95)});
  EXPECT_NE(html.find("The y axis does not start at zero."), std::string::npos);
  EXPECT_EQ(PlotSvg(html, "sweep-mean-jct"), "");
}

TEST(SweepReport, AtMostTenLinesAndTheTableHasEveryPoint) {
  // 2 x 4 x 3 = 24 points; 12 combinations of the second and third axes: 10 drawn.
  SweepResult r;
  r.scenario = "big";
  r.keys = {"a", "b", "c"};
  r.tenants = {"lab"};
  r.providers = {"p"};
  for (const char* a : {"1", "2"}) {
    for (const char* b : {"w", "x", "y", "z"}) {
      for (const char* c : {"7", "8", "9"}) r.rows.push_back(Row({a, b, c}, 2, 60, 60, kDollar));
    }
  }
  const std::string html = SweepHtmlReport(r);
  const std::vector<std::string> names = SeriesNames(PlotSvg(html, "sweep-mean-jct"));
  ASSERT_EQ(names.size(), 10u);
  EXPECT_EQ(names[0], "b=w, c=7");
  EXPECT_EQ(names[9], "b=z, c=7");
  EXPECT_NE(html.find("the first 10 of 12 are drawn"), std::string::npos);
  // Three tables (headline figures; per tenant; per provider), each a row per point.
  const size_t table = html.find("<section id=\"sweep-table\">");
  ASSERT_NE(table, std::string::npos);
  EXPECT_EQ(CountOf(html.substr(table), "<tr><td>2</td><td>z</td><td>9</td>"), 3u);
}

TEST(SweepReport, TableMirrorsTheCsvColumns) {
  const std::string html = SweepHtmlReport(TwoAxes());
  const std::string table = html.substr(html.find("<section id=\"sweep-table\">"));
  // Long keys may wrap at their dots.
  EXPECT_NE(table.find("<th class=\"key\">providers[0]<wbr>.regions[0]<wbr>.pools[0]<wbr>.nodes"),
            std::string::npos);
  EXPECT_NE(table.find("<tr><td>0</td><td>1</td><td class=\"n\">2</td><td class=\"n\">2</td>"
                       "<td class=\"n\">1h30m00s</td><td class=\"n\">3h00m00s</td>"
                       "<td class=\"n\">15m00s</td><td class=\"n\">3h00m00s</td>"
                       "<td class=\"n\">$64.00</td></tr>"),
            std::string::npos);
  // Where no job finished, no completion time.
  EXPECT_NE(table.find("<tr><td>1</td><td>1</td><td class=\"n\">2</td><td class=\"n\">0</td>"
                       "<td class=\"n\">-</td><td class=\"n\">-</td>"),
            std::string::npos);
  for (const char* head : {">cost<br>lab<", ">mean JCT<br>lab<", ">utilisation<br>p<",
                           ">items won<br>p<", ">won by right<br>p<"}) {
    EXPECT_NE(table.find(head), std::string::npos) << head;
  }
  EXPECT_NE(table.find("<td class=\"n\">25.0%</td><td class=\"n\">3</td><td class=\"n\">1</td>"),
            std::string::npos);
}

TEST(SweepReport, IsDeterministic) {
  EXPECT_EQ(SweepHtmlReport(TwoAxes()), SweepHtmlReport(TwoAxes()));
}

}  // namespace
}  // namespace arbiter
