#include "report/svg.h"

#include <cmath>
#include <limits>

#include "gtest/gtest.h"
#include "report/testing.h"

namespace arbiter::svg {
namespace {

using ::arbiter::testing::Area;
using ::arbiter::testing::Attribute;
using ::arbiter::testing::AxisRange;
using ::arbiter::testing::BarRect;
using ::arbiter::testing::ExpectPoints;
using ::arbiter::testing::kPixel;
using ::arbiter::testing::PlotArea;
using ::arbiter::testing::Point;
using ::arbiter::testing::Range;
using ::arbiter::testing::SeriesNames;
using ::arbiter::testing::SeriesPoints;
using ::arbiter::testing::TagBalanceError;

// Pixel positions of data values on a chart's axes.
double PixelX(const Area& a, const Range& r, double v) {
  return a.left + (v - r.min) / (r.max - r.min) * a.width;
}
double PixelY(const Area& a, const Range& r, double v) {
  return a.top + a.height - (v - r.min) / (r.max - r.min) * a.height;
}

TEST(TickStep, PicksTheSmallestRoundStepWithAtMostTargetPlusOneIntervals) {
  EXPECT_DOUBLE_EQ(TickStep(0, 16, 5), 5);    // 16 / 5 = 3.2: steps 1 and 2 give 16 and 8
  EXPECT_DOUBLE_EQ(TickStep(0, 8, 5), 2);     // 4 intervals
  EXPECT_DOUBLE_EQ(TickStep(0, 60, 5), 10);   // 6 intervals
  EXPECT_DOUBLE_EQ(TickStep(0, 1, 5), 0.2);   // 5 intervals
  EXPECT_DOUBLE_EQ(TickStep(0, 149, 7), 20);  // 7.45 intervals
  EXPECT_DOUBLE_EQ(TickStep(0, 2, 5), 0.5);
  EXPECT_DOUBLE_EQ(TickStep(0, 2.4e6, 5), 5e5);
}

TEST(Escape, EscapesMarkupCharacters) {
  EXPECT_EQ(Escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;");
}

TEST(LineChart, MapsPointsOntoRoundedAxesAndBreaksAtGaps) {
  LineChart chart;
  chart.id = "t";
  chart.x.label = "time (hours)";
  chart.x.round_max = false;
  chart.y.label = "jobs";
  const double nan = std::numeric_limits<double>::quiet_NaN();
  chart.lines.push_back({"a", {0, 1, 2, 3}, {1, 7, nan, 3}, "", false, false, true});
  chart.lines.push_back({"b <&>", {0, 3}, {2, 2}, "#000000", true, true, false});
  const std::string svg = DrawLineChart(chart);
  EXPECT_EQ(TagBalanceError(svg), "");
  EXPECT_EQ(SeriesNames(svg), (std::vector<std::string>{"a", "b &lt;&amp;&gt;"}));
  const Range x = AxisRange(svg, "x");
  const Range y = AxisRange(svg, "y");
  EXPECT_EQ(x.min, 0);
  EXPECT_EQ(x.max, 3);  // not rounded
  EXPECT_EQ(y.min, 0);
  EXPECT_EQ(y.max, 8);  // 7 rounded up to a step of 2
  const Area a = PlotArea(svg);
  ExpectPoints(SeriesPoints(svg, "a"), {{'M', PixelX(a, x, 0), PixelY(a, y, 1)},
                                        {'L', PixelX(a, x, 1), PixelY(a, y, 7)},
                                        {'M', PixelX(a, x, 3), PixelY(a, y, 3)}});
  // A step line holds each value until the next x.
  ExpectPoints(SeriesPoints(svg, "b &lt;&amp;&gt;"), {{'M', PixelX(a, x, 0), PixelY(a, y, 2)},
                                                      {'L', PixelX(a, x, 3), PixelY(a, y, 2)},
                                                      {'L', PixelX(a, x, 3), PixelY(a, y, 2)}});
  EXPECT_NE(svg.find("stroke-dasharray"), std::string::npos);
  EXPECT_EQ(::arbiter::testing::CountOf(svg, "<circle"), 3u);  // markers of "a"
  EXPECT_NE(svg.find(">time (hours)</text>"), std::string::npos);
  EXPECT_NE(svg.find(">jobs</text>"), std::string::npos);
  // Legend entries, one per line.
  EXPECT_NE(svg.find(">a</text>"), std::string::npos);
  EXPECT_NE(svg.find(">b &lt;&amp;&gt;</text>"), std::string::npos);
}

TEST(LineChart, RoundTicksAreLabelled) {
  LineChart chart;
  chart.id = "t";
  chart.y.tick_label = [](double v) { return "$" + std::to_string(static_cast<int>(v)); };
  chart.lines.push_back({"a", {0, 10}, {0, 60}, "", false, false, false});
  const std::string svg = DrawLineChart(chart);
  for (const char* label : {">$0<", ">$10<", ">$20<", ">$30<", ">$40<", ">$50<", ">$60<"}) {
    EXPECT_NE(svg.find(label), std::string::npos) << label;
  }
}

TEST(LineChart, ExplicitTicksLabelCategoriesWithoutWideningTheRange) {
  LineChart chart;
  chart.id = "t";
  chart.x.min = -0.5;
  chart.x.max = 2.5;
  chart.x.ticks = {0, 1, 2, 7};  // 7 is outside the range: not drawn
  const std::vector<std::string> names = {"fifo", "sjf", "cost"};
  chart.x.tick_label = [&names](double v) { return names[static_cast<size_t>(v)]; };
  chart.lines.push_back({"a", {0, 1, 2}, {1, 2, 3}, "", false, false, true});
  const std::string svg = DrawLineChart(chart);
  const Range x = AxisRange(svg, "x");
  EXPECT_EQ(x.min, -0.5);
  EXPECT_EQ(x.max, 2.5);
  for (const char* label : {">fifo<", ">sjf<", ">cost<"}) {
    EXPECT_NE(svg.find(label), std::string::npos) << label;
  }
  const Area a = PlotArea(svg);
  ExpectPoints(SeriesPoints(svg, "a"), {{'M', PixelX(a, x, 0), PixelY(a, AxisRange(svg, "y"), 1)},
                                        {'L', PixelX(a, x, 1), PixelY(a, AxisRange(svg, "y"), 2)},
                                        {'L', PixelX(a, x, 2), PixelY(a, AxisRange(svg, "y"), 3)}});
}
TEST(StackedAreaChart, StacksLayersAsStepsWithHatchedBands) {
  StackedAreaChart chart;
  chart.id = "s";
  chart.x.round_max = false;
  chart.x_values = {0, 1, 2};
  chart.layers.push_back({"low", {1, 2, 3}, "#111111", true});
  chart.layers.push_back({"high", {4, 0, 1}, "#222222", false});
  chart.lines.push_back({"cap", {0, 1, 2}, {6, 6, 9}, "#333333", true, true, false});
  const std::string svg = DrawStackedAreaChart(chart);
  EXPECT_EQ(TagBalanceError(svg), "");
  EXPECT_EQ(SeriesNames(svg), (std::vector<std::string>{"low", "high", "cap"}));
  const Range x = AxisRange(svg, "x");
  const Range y = AxisRange(svg, "y");
  EXPECT_EQ(x.max, 2);
  EXPECT_EQ(y.max, 10);  // 9 rounded up to a step of 2
  const Area a = PlotArea(svg);
  const auto p = [&](char c, double vx, double vy) {
    return Point{c, PixelX(a, x, vx), PixelY(a, y, vy)};
  };
  // "high" sits on "low": tops 5, 2, 4 over bottoms 1, 2, 3.
  ExpectPoints(SeriesPoints(svg, "high"),
               {p('M', 0, 5), p('L', 1, 5), p('L', 1, 2), p('L', 2, 2), p('L', 2, 4), p('L', 2, 3),
                p('L', 2, 2), p('L', 1, 2), p('L', 1, 1), p('L', 0, 1)});
  ExpectPoints(SeriesPoints(svg, "low"),
               {p('M', 0, 1), p('L', 1, 1), p('L', 1, 2), p('L', 2, 2), p('L', 2, 3), p('L', 2, 0),
                p('L', 2, 0), p('L', 1, 0), p('L', 1, 0), p('L', 0, 0)});
  ExpectPoints(SeriesPoints(svg, "cap"),
               {p('M', 0, 6), p('L', 1, 6), p('L', 1, 6), p('L', 2, 6), p('L', 2, 9)});
  EXPECT_NE(svg.find("<pattern id=\"s-hatch-0\""), std::string::npos);
  EXPECT_NE(svg.find("fill=\"url(#s-hatch-0)\""), std::string::npos);
}

TEST(StackedBarChart, PilesStacksInEachCategory) {
  StackedBarChart chart;
  chart.id = "b";
  chart.categories = {"x", "y"};
  chart.stacks.push_back({"one", {3, 0}, "", false});
  chart.stacks.push_back({"two", {1, 6}, "", false});
  chart.total_label = [](double v) { return "total " + std::to_string(static_cast<int>(v)); };
  const std::string svg = DrawStackedBarChart(chart);
  EXPECT_EQ(TagBalanceError(svg), "");
  EXPECT_EQ(Attribute(svg, "data-x"), "");  // categorical
  const Range y = AxisRange(svg, "y");
  EXPECT_EQ(y.max, 6);
  const Area a = PlotArea(svg);
  const double band = a.width / 2;
  const auto expect_bar = [&](const char* series, const char* category, int index, double from,
                              double to) {
    const ::arbiter::testing::Rect r = BarRect(svg, series, category);
    ASSERT_TRUE(r.found) << series << " " << category;
    EXPECT_NEAR(r.x, a.left + (index + 0.2) * band, kPixel);
    EXPECT_NEAR(r.width, 0.6 * band, kPixel);
    EXPECT_NEAR(r.y, PixelY(a, y, to), kPixel);
    EXPECT_NEAR(r.height, PixelY(a, y, from) - PixelY(a, y, to), kPixel);
  };
  expect_bar("one", "x", 0, 0, 3);
  expect_bar("two", "x", 0, 3, 4);
  expect_bar("two", "y", 1, 0, 6);
  EXPECT_FALSE(BarRect(svg, "one", "y").found);  // zero: no bar
  EXPECT_NE(svg.find(">total 4<"), std::string::npos);
  EXPECT_NE(svg.find(">total 6<"), std::string::npos);
}

TEST(CdfChart, DrawsAStaircaseOnALogAxis) {
  CdfChart chart;
  chart.id = "c";
  chart.x.log = true;
  chart.x.log_ticks = {1, 60, 3600, 86400};
  chart.series.push_back({"a", {120, 7200, 120, 600}, ""});
  const std::string svg = DrawCdfChart(chart);
  EXPECT_EQ(TagBalanceError(svg), "");
  EXPECT_EQ(Attribute(svg, "data-x-scale"), "log");
  const Range x = AxisRange(svg, "x");
  EXPECT_EQ(x.min, 60);     // the tick below 120
  EXPECT_EQ(x.max, 86400);  // the tick above 7200
  const Range y = AxisRange(svg, "y");
  EXPECT_EQ(y.min, 0);
  EXPECT_EQ(y.max, 1);
  const Area a = PlotArea(svg);
  const auto p = [&](char c, double vx, double f) {
    const double px =
        a.left + (std::log10(vx) - std::log10(60)) / (std::log10(86400) - std::log10(60)) * a.width;
    return Point{c, px, PixelY(a, y, f)};
  };
  ExpectPoints(SeriesPoints(svg, "a"),
               {p('M', 120, 0), p('L', 120, 0.5), p('L', 600, 0.5), p('L', 600, 0.75),
                p('L', 7200, 0.75), p('L', 7200, 1), p('L', 86400, 1)});
  EXPECT_NE(svg.find(">100%<"), std::string::npos);
}

TEST(CdfChart, ThinsLongSeriesToRanks) {
  CdfChart chart;
  chart.id = "c";
  chart.max_points = 4;
  std::vector<double> values;
  for (int i = 1; i <= 10; ++i) values.push_back(i);
  chart.series.push_back({"a", values, ""});
  const std::string svg = DrawCdfChart(chart);
  const Range x = AxisRange(svg, "x");
  const Range y = AxisRange(svg, "y");
  const Area a = PlotArea(svg);
  // Ranks ceil(k x 10 / 4) for k = 1..4: 3, 5, 8, 10.
  const auto p = [&](char c, double vx, double f) {
    return Point{c, PixelX(a, x, vx), PixelY(a, y, f)};
  };
  ExpectPoints(SeriesPoints(svg, "a"),
               {p('M', 3, 0), p('L', 3, 0.3), p('L', 5, 0.3), p('L', 5, 0.5), p('L', 8, 0.5),
                p('L', 8, 0.8), p('L', 10, 0.8), p('L', 10, 1), p('L', x.max, 1)});
}

}  // namespace
}  // namespace arbiter::svg
