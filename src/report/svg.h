// A small chart toolkit: each chart is one function from plain data to a self-contained SVG
// string (no scripts, no external references), to be inlined in an HTML page.
//
// Every chart draws its axes with round tick values, labels them, and adds a legend. For tests
// and tools, the output is machine-readable:
// - the <svg> element carries `data-plot` (the chart's id), `data-area` (the plot area in pixels:
//   "left top width height") and `data-x`/`data-y` (the axis ranges "min max" after rounding to
//   ticks; `data-x-scale` is "log" for a logarithmic x axis);
// - every series is drawn by elements carrying `data-series` (its name): a <path> for lines,
//   areas and CDFs, a <g> of <rect>s (each with `data-category`) for bars;
// - a data value v maps to the pixel left + (v - min) / (max - min) x width on the x axis (on
//   log10 values for a log axis) and top + height - (v - min) / (max - min) x height on the y
//   axis; coordinates are printed with two decimals.
// Pure functions of their arguments; deterministic output.
#ifndef ARBITER_REPORT_SVG_H_
#define ARBITER_REPORT_SVG_H_

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace arbiter::svg {

// Escapes &, <, >, " and ' for HTML text and attribute values.
std::string Escape(std::string_view text);

// The i-th colour of a categorical palette (Tableau 10: distinct, legible on white).
std::string PaletteColour(size_t i);

// A numeric axis. The chart widens a linear axis's upper end (and its lower end when
// `round_min`) to a multiple of the tick step, so ticks fall on round values (1, 2 or 5 x 10^k).
struct Axis {
  std::string label;  // says the unit, e.g. "time (days)"
  // The data range to show; when min >= max the chart takes it from the data (from 0 for y).
  double min = 0;
  double max = 0;
  bool round_min = false;  // also widen `min` down to a tick
  bool round_max = true;   // widen `max` up to a tick
  // Base-10 logarithmic scale (min > 0). Ticks: `log_ticks` within the range, else powers of 10;
  // the range is widened to the nearest such tick on either side.
  bool log = false;
  std::vector<double> log_ticks;
  // Ticks at exactly these values on a linear axis (e.g. categories at 0, 1, 2, ...); the range
  // is then not widened to a tick. Empty: round ticks.
  std::vector<double> ticks;
  // Tick label text; default: the value with as many decimals as the tick step needs.
  std::function<std::string(double)> tick_label;
};

// Pixel size of a chart, including axes and legend.
struct Size {
  int width = 560;
  int height = 280;
  int legend_width = 0;  // at least this many pixels for the legend, so that charts line up
};

// One line of a line chart (or a line drawn over an area chart).
struct Line {
  std::string name;  // legend text and `data-series`; unique within the chart
  std::vector<double> x;
  std::vector<double> y;  // same length as x; NaN leaves a gap
  std::string colour;     // empty: the palette colour of the series' index
  // Piecewise constant: each y holds until the next x, drawn (x0,y0) (x1,y0) (x1,y1) (x2,y1)...
  bool step = false;
  bool dashed = false;
  bool markers = false;  // a dot at each point
};

struct LineChart {
  std::string id;  // unique on the page; also prefixes the SVG's internal ids
  Axis x;
  Axis y;
  std::vector<Line> lines;
  Size size;
};
std::string DrawLineChart(const LineChart& chart);

// One band of a stacked area chart.
struct Layer {
  std::string name;
  std::vector<double> y;  // one value (>= 0) per x
  std::string colour;
  bool hatched = false;  // diagonal stripes of `colour`, to set a band apart from its neighbour
};

// Bands stacked bottom to top over shared x values, as steps (each value holds from its x to the
// next x), with lines drawn over them (e.g. capacity). For n values, a layer's path runs along its
// top edge left to right, (x0,t0) (x1,t0) (x1,t1) ... (xn-1,tn-2) (xn-1,tn-1), then back along
// its bottom edge the same way in reverse: 2 x (2n - 1) points.
struct StackedAreaChart {
  std::string id;
  Axis x;
  Axis y;
  std::vector<double> x_values;
  std::vector<Layer> layers;  // bottom first
  std::vector<Line> lines;
  Size size;
};
std::string DrawStackedAreaChart(const StackedAreaChart& chart);

// One segment kind of a stacked bar chart: its value in each category.
struct BarStack {
  std::string name;
  std::vector<double> values;  // per category, >= 0
  std::string colour;
  bool hatched = false;
};

// One bar per category, its stacks piled bottom to top in order. Category i's bar spans
// [left + (i + 0.2) x band, left + (i + 0.8) x band] with band = width / categories.
struct StackedBarChart {
  std::string id;
  std::string x_label;
  std::vector<std::string> categories;
  Axis y;
  std::vector<BarStack> stacks;
  // Text over each bar (its total); empty: none.
  std::function<std::string(double)> total_label;
  Size size;
};
std::string DrawStackedBarChart(const StackedBarChart& chart);

// Empirical distribution functions. For n values sorted v1 <= ... <= vn, F(v) = (number of values
// <= v) / n, drawn as a staircase: from (v1, 0) up to (v1, F(v1)), across to the next value, and
// so on; after the last value the line continues at 1 to the axis end. When a series has more
// distinct values than `max_points`, it is drawn through the values at ranks ceil(k n / max_points)
// for k = 1..max_points instead.
struct CdfSeries {
  std::string name;
  std::vector<double> values;
  std::string colour;
};
struct CdfChart {
  std::string id;
  Axis x;  // y is the fraction of values, 0 to 1, labelled in percent
  std::string y_label;
  std::vector<CdfSeries> series;
  size_t max_points = 500;
  Size size;
};
std::string DrawCdfChart(const CdfChart& chart);

// The tick step for [min, max]: the smallest of 1, 2 or 5 x 10^k, with 10^k <= (max - min) /
// target < 10^(k+1), that gives at most target + 1 intervals. Charts aim at 5 intervals on a y
// axis and one per 70 pixels on an x axis. Exposed for tests.
double TickStep(double min, double max, int target);

}  // namespace arbiter::svg

#endif  // ARBITER_REPORT_SVG_H_
