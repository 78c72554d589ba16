#include "report/sweep_report.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <string_view>
#include <utility>

#include "model/strings.h"
#include "model/units.h"
#include "report/numbers.h"
#include "report/svg.h"
#include "report/table.h"

namespace arbiter {
namespace {

using report::Count;
using report::Dollars;
using report::DollarTick;
using report::DurationUnitFor;
using report::Percent;
using report::Plural;
using report::ToDollars;
using report::Unit;
using svg::Escape;

constexpr int kHalfWidth = 570;
constexpr size_t kMaxLines = 10;  // more would repeat the palette's colours
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The value as a number, if the whole of it is one.
bool ParseNumber(const std::string& text, double* value) {
  if (text.empty()) return false;
  char* end = nullptr;
  *value = std::strtod(text.c_str(), &end);
  return end == text.c_str() + text.size() && std::isfinite(*value);
}

// The last part of a key path: "providers[1].regions[0].pools[0].nodes" -> "nodes".
std::string ShortKey(const std::string& key) {
  const size_t dot = key.rfind('.');
  return dot == std::string::npos ? key : key.substr(dot + 1);
}

// The grid as plotted: the first axis on x, one line per combination of the other axes.
struct Grid {
  std::vector<std::string> x_values;  // distinct values of the first axis, in grid order
  bool numeric = false;               // all of them numbers: drawn to scale
  std::vector<double> x_of_value;     // the x coordinate of each of x_values
  struct Group {
    std::string name;          // the other axes' values, e.g. "nodes=16"
    std::vector<size_t> rows;  // in x order
  };
  std::vector<Group> groups;  // in grid order
};

Grid GridOf(const SweepResult& r) {
  Grid g;
  for (const SweepRow& row : r.rows) {
    if (row.values.empty()) continue;
    if (std::find(g.x_values.begin(), g.x_values.end(), row.values[0]) == g.x_values.end()) {
      g.x_values.push_back(row.values[0]);
    }
  }
  g.numeric = !g.x_values.empty();
  for (const std::string& v : g.x_values) {
    double x = 0;
    g.numeric = g.numeric && ParseNumber(v, &x);
    g.x_of_value.push_back(x);
  }
  if (!g.numeric) {
    for (size_t i = 0; i < g.x_values.size(); ++i) g.x_of_value[i] = static_cast<double>(i);
  }
  for (size_t i = 0; i < r.rows.size(); ++i) {
    const SweepRow& row = r.rows[i];
    if (row.values.empty()) continue;
    std::vector<std::string> parts;
    for (size_t a = 1; a < row.values.size() && a < r.keys.size(); ++a) {
      parts.push_back(StrCat(ShortKey(r.keys[a]), "=", row.values[a]));
    }
    const std::string name = StrJoin(parts, ", ");
    auto it = std::find_if(g.groups.begin(), g.groups.end(),
                           [&name](const Grid::Group& group) { return group.name == name; });
    if (it == g.groups.end()) {
      g.groups.push_back({name, {}});
      it = g.groups.end() - 1;
    }
    it->rows.push_back(i);
  }
  const auto x_of = [&](size_t row) {
    const auto at = std::find(g.x_values.begin(), g.x_values.end(), r.rows[row].values[0]);
    return g.x_of_value[static_cast<size_t>(at - g.x_values.begin())];
  };
  for (Grid::Group& group : g.groups) {
    std::stable_sort(group.rows.begin(), group.rows.end(),
                     [&](size_t a, size_t b) { return x_of(a) < x_of(b); });
  }
  return g;
}

double XOf(const SweepResult& r, const Grid& g, size_t row) {
  const auto at = std::find(g.x_values.begin(), g.x_values.end(), r.rows[row].values[0]);
  return g.x_of_value[static_cast<size_t>(at - g.x_values.begin())];
}

// The x axis: the first key, to scale (padded so that end points are not on the frame) or as
// evenly spaced categories.
svg::Axis XAxis(const SweepResult& r, const Grid& g) {
  svg::Axis x;
  x.label = r.keys.empty() ? "" : r.keys[0];
  x.round_max = false;
  if (g.numeric) {
    const auto [lo, hi] = std::minmax_element(g.x_of_value.begin(), g.x_of_value.end());
    const double pad = *hi > *lo ? 0.04 * (*hi - *lo) : 0.5;
    x.min = *lo - pad;
    x.max = *hi + pad;
    return x;
  }
  x.min = -0.5;
  x.max = static_cast<double>(g.x_values.size()) - 0.5;
  for (size_t i = 0; i < g.x_values.size(); ++i) x.ticks.push_back(static_cast<double>(i));
  const std::vector<std::string> names = g.x_values;
  x.tick_label = [names](double v) {
    const auto i = static_cast<size_t>(std::llround(v));
    return i < names.size() ? names[i] : std::string();
  };
  return x;
}

// Fits a line chart's y axis to its lines: from zero, unless the values all lie in the upper half
// of their range, when the axis starts at a round value below the lowest (differences between
// points of a sweep are often a few percent). The caption says when it does not start at zero.
bool FitY(svg::LineChart& chart) {
  double lo = std::numeric_limits<double>::infinity();
  double hi = -lo;
  for (const svg::Line& line : chart.lines) {
    for (double v : line.y) {
      if (!std::isfinite(v)) continue;
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  }
  if (!(hi > 0) || lo < 0.5 * hi || lo == hi) return false;
  chart.y.min = lo;
  chart.y.max = hi;
  chart.y.round_min = true;
  chart.y.round_max = true;
  return true;
}

// Mean and p99 completion time of a row, in seconds (NaN when no job finished).
double MeanJct(const SweepRow& row) { return row.finished > 0 ? row.mean_jct_s : kNaN; }
double P99Jct(const SweepRow& row) {
  return row.finished > 0 ? static_cast<double>(row.p99_jct_s) : kNaN;
}
double Cost(const SweepRow& row) { return ToDollars(row.total_cost_micros); }

svg::Line LineOf(const SweepResult& r, const Grid& g, const Grid::Group& group, std::string name,
                 double (*value)(const SweepRow&), double scale, std::string colour) {
  svg::Line line;
  line.name = std::move(name);
  line.colour = std::move(colour);
  line.markers = true;
  for (size_t row : group.rows) {
    line.x.push_back(XOf(r, g, row));
    line.y.push_back(value(r.rows[row]) / scale);
  }
  return line;
}

// "key=v, key=v" for a row.
std::string PointName(const SweepResult& r, const SweepRow& row) {
  std::vector<std::string> parts;
  for (size_t a = 0; a < row.values.size() && a < r.keys.size(); ++a) {
    parts.push_back(StrCat(r.keys[a], "=", row.values[a]));
  }
  return StrJoin(parts, ", ");
}

Section PlotSection(const SweepResult& r) {
  Section section;
  section.id = "sweep-plots";
  section.title = "Completion time and cost across the grid";
  const Grid g = GridOf(r);
  if (g.groups.empty()) {
    section.intro = "<p>The sweep has no points.</p>";
    return section;
  }
  double max_jct = 0;
  for (const SweepRow& row : r.rows) {
    if (row.finished > 0) max_jct = std::max(max_jct, static_cast<double>(row.p99_jct_s));
  }
  const Unit unit = DurationUnitFor(max_jct);
  const size_t lines = std::min(g.groups.size(), kMaxLines);
  std::string what = StrCat("<p>Each point is one simulation of ", Escape(r.scenario), "; x is ",
                            Escape(r.keys.empty() ? "" : r.keys[0]),
                            g.numeric ? " (to scale)" : " (its values in the order given)");
  if (r.keys.size() > 1) {
    std::vector<std::string> others;
    for (size_t a = 1; a < r.keys.size(); ++a) others.push_back(Escape(r.keys[a]));
    StrAppend(&what, ", with one line per ", r.keys.size() == 2 ? "value of " : "combination of ",
              StrJoin(others, " and "));
    if (lines < g.groups.size()) {
      StrAppend(&what, " (the first ", lines, " of ", g.groups.size(),
                " are drawn; the table has them all)");
    }
  }
  StrAppend(&what,
            ". Completion time is end &minus; submit of finished jobs; a point where no "
            "job finished is left out.</p>");
  section.intro = what;

  const auto chart = [&](const char* id, std::string y_label) {
    svg::LineChart c;
    c.id = id;
    c.x = XAxis(r, g);
    c.y.label = std::move(y_label);
    c.size = {kHalfWidth, 300, 150};
    return c;
  };
  const auto add = [&section](const char* title, svg::LineChart& c, std::string caption) {
    if (FitY(c)) caption += " The y axis does not start at zero.";
    section.figures.push_back(
        {title, svg::DrawLineChart(c), std::move(caption), false, c.size.height});
  };
  const std::string jct_label = StrCat("completion time (", unit.name, ")");
  svg::LineChart cost = chart("sweep-cost", "total cost (US$)");
  cost.y.tick_label = DollarTick;
  if (r.keys.size() <= 1) {
    svg::LineChart jct = chart("sweep-jct", jct_label);
    jct.lines.push_back(
        LineOf(r, g, g.groups[0], "p99", P99Jct, unit.seconds, svg::PaletteColour(3)));
    jct.lines.push_back(
        LineOf(r, g, g.groups[0], "mean", MeanJct, unit.seconds, svg::PaletteColour(0)));
    cost.lines.push_back(LineOf(r, g, g.groups[0], "total cost", Cost, 1, svg::PaletteColour(0)));
    add("Completion time", jct, "Mean and 99th percentile (nearest rank) at each point.");
    add("Total cost", cost, "Everything charged to the ledger, in US dollars.");
    return section;
  }
  svg::LineChart mean = chart("sweep-mean-jct", StrCat("mean ", jct_label));
  svg::LineChart p99 = chart("sweep-p99-jct", StrCat("p99 ", jct_label));
  for (size_t i = 0; i < lines; ++i) {
    const Grid::Group& group = g.groups[i];
    const std::string colour = svg::PaletteColour(i);
    mean.lines.push_back(LineOf(r, g, group, group.name, MeanJct, unit.seconds, colour));
    p99.lines.push_back(LineOf(r, g, group, group.name, P99Jct, unit.seconds, colour));
    cost.lines.push_back(LineOf(r, g, group, group.name, Cost, 1, colour));
  }
  add("Mean completion time", mean, "Over finished jobs.");
  add("99th percentile of completion time", p99, "Nearest rank.");
  add("Total cost", cost, "Everything charged to the ledger, in US dollars.");
  return section;
}

Section TableSection(const SweepResult& r) {
  Section section;
  section.id = "sweep-table";
  section.title = "Every point";
  section.intro =
      "<p>The columns of sweep.csv, in readable units (sweep.csv has them exactly, in seconds "
      "and dollars).</p>";
  std::string keys_head;
  for (const std::string& key : r.keys) {
    // A long key may wrap before each of its dots.
    std::vector<std::string> parts;
    for (std::string_view part : Split(key, '.')) parts.push_back(Escape(part));
    StrAppend(&keys_head, "<th class=\"key\">", StrJoin(parts, "<wbr>."), "</th>");
  }
  const auto keys_cells = [](const SweepRow& row) {
    std::string out;
    for (const std::string& v : row.values) StrAppend(&out, "<td>", Escape(v), "</td>");
    return out;
  };
  const auto cell = [](const std::string& text) {
    return StrCat("<td class=\"n\">", text, "</td>");
  };
  const auto jct = [](double seconds, int64_t finished) {
    return finished > 0 ? HumanDuration(seconds) : std::string("-");
  };
  std::string& t = section.after;
  t = StrCat(
      "<table class=\"numbers\"><tr>", keys_head,
      "<th class=\"n\">jobs</th><th class=\"n\">finished</th><th class=\"n\">mean JCT</th>"
      "<th class=\"n\">p99 JCT</th><th class=\"n\">mean wait</th><th class=\"n\">makespan</th>"
      "<th class=\"n\">total cost</th></tr>");
  for (const SweepRow& row : r.rows) {
    StrAppend(&t, "<tr>", keys_cells(row), cell(Count(row.jobs)), cell(Count(row.finished)),
              cell(jct(row.mean_jct_s, row.finished)),
              cell(jct(static_cast<double>(row.p99_jct_s), row.finished)),
              cell(HumanDuration(row.mean_wait_s)),
              cell(HumanDuration(static_cast<double>(row.makespan_s))),
              cell(Dollars(ToDollars(row.total_cost_micros))), "</tr>");
  }
  t += "</table>";
  if (!r.tenants.empty()) {
    StrAppend(&t, "<table class=\"numbers\"><tr>", keys_head);
    for (const std::string& name : r.tenants) {
      StrAppend(&t, "<th class=\"n\">cost<br>", Escape(name), "</th>");
    }
    for (const std::string& name : r.tenants) {
      StrAppend(&t, "<th class=\"n\">mean JCT<br>", Escape(name), "</th>");
    }
    t += "</tr>";
    for (const SweepRow& row : r.rows) {
      StrAppend(&t, "<tr>", keys_cells(row));
      for (int64_t c : row.tenant_cost_micros) t += cell(Dollars(ToDollars(c)));
      for (double j : row.tenant_mean_jct_s) t += cell(HumanDuration(j));
      t += "</tr>";
    }
    t += "</table>";
  }
  if (!r.providers.empty()) {
    StrAppend(&t, "<table class=\"numbers\"><tr>", keys_head);
    for (const std::string& name : r.providers) {
      StrAppend(&t, "<th class=\"n\">utilisation<br>", Escape(name), "</th>");
    }
    for (const std::string& name : r.providers) {
      StrAppend(&t, "<th class=\"n\">items won<br>", Escape(name), "</th>");
    }
    for (const std::string& name : r.providers) {
      StrAppend(&t, "<th class=\"n\">won by right<br>", Escape(name), "</th>");
    }
    t += "</tr>";
    for (const SweepRow& row : r.rows) {
      StrAppend(&t, "<tr>", keys_cells(row));
      for (double u : row.provider_utilisation) t += cell(Percent(u));
      for (int64_t w : row.provider_items_won) t += cell(Count(w));
      for (int64_t w : row.provider_items_won_by_right) t += cell(Count(w));
      t += "</tr>";
    }
    t += "</table>";
  }
  // Each table: its rows, a header that may take a few lines (long keys wrap), and its margin.
  section.after_rows = 3 * (static_cast<int>(r.rows.size()) + 4);
  return section;
}

}  // namespace

std::vector<Section> SweepSections(const SweepResult& result) {
  return {PlotSection(result), TableSection(result)};
}

std::string SweepHtmlReport(const SweepResult& r) {
  const std::string title = StrCat("Arbiter sweep: ", r.scenario);
  std::string header = StrCat("<header><h1>", Escape(title), "</h1><p class=\"sub\">",
                              Plural(static_cast<int64_t>(r.rows.size()), "point"), " over ",
                              r.keys.size() == 1 ? "one axis" : StrCat(r.keys.size(), " axes"),
                              "</p></header><table class=\"headline\">");
  const auto row = [&header](const char* name, const std::string& value) {
    StrAppend(&header, "<tr><th>", name, "</th><td>", value, "</td></tr>");
  };
  for (size_t a = 0; a < r.keys.size(); ++a) {
    std::vector<std::string> values;
    for (const SweepRow& point : r.rows) {
      if (a < point.values.size() &&
          std::find(values.begin(), values.end(), point.values[a]) == values.end()) {
        values.push_back(point.values[a]);
      }
    }
    for (std::string& v : values) v = Escape(v);
    row(a == 0 ? "axes" : "",
        StrCat("<code>", Escape(r.keys[a]), "</code>: ", StrJoin(values, ", ")));
  }
  const SweepRow* fastest = nullptr;
  const SweepRow* cheapest = nullptr;
  for (const SweepRow& point : r.rows) {
    if (point.finished > 0 && (fastest == nullptr || point.mean_jct_s < fastest->mean_jct_s)) {
      fastest = &point;
    }
    if (cheapest == nullptr || point.total_cost_micros < cheapest->total_cost_micros) {
      cheapest = &point;
    }
  }
  if (fastest != nullptr) {
    row("lowest mean JCT",
        StrCat(HumanDuration(fastest->mean_jct_s), " at ", Escape(PointName(r, *fastest))));
  }
  if (cheapest != nullptr) {
    row("lowest total cost", StrCat(Dollars(ToDollars(cheapest->total_cost_micros)), " at ",
                                    Escape(PointName(r, *cheapest))));
  }
  header += "</table>";
  const int rows = static_cast<int>(r.keys.size()) + 2;
  return HtmlPage(title, header, rows, SweepSections(r));
}

}  // namespace arbiter
