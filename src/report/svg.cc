#include "report/svg.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "model/strings.h"

namespace arbiter::svg {

std::string Escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string PaletteColour(size_t i) {
  static constexpr const char* kPalette[] = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#b07aa1",
                                             "#76b7b2", "#edc948", "#ff9da7", "#9c755f", "#bab0ac"};
  return kPalette[i % (sizeof(kPalette) / sizeof(kPalette[0]))];
}

double TickStep(double min, double max, int target) {
  const double span = max - min;
  if (!(span > 0) || target < 1) return 1;
  const double magnitude = std::pow(10.0, std::floor(std::log10(span / target)));
  for (double factor : {1.0, 2.0, 5.0}) {
    if (span / (factor * magnitude) <= target + 1 + 1e-9) return factor * magnitude;
  }
  return 10 * magnitude;
}

namespace {

constexpr double kCharWidth = 7.0;  // average width of a 12 px sans-serif character
constexpr double kEpsilon = 1e-9;
constexpr const char* kInk = "#333333";
constexpr const char* kGrid = "#e3e3e3";

std::string Num(double v) {
  std::string s = Format("%.2f", v);
  if (s == "-0.00") s = "0.00";
  return s;
}

double TextWidth(std::string_view text) { return kCharWidth * static_cast<double>(text.size()); }

// An axis with its final range and ticks, mapped onto pixels [from, to].
struct Scale {
  double min = 0;
  double max = 1;
  bool log = false;
  double from = 0;
  double to = 1;
  std::vector<double> ticks;
  std::vector<std::string> labels;

  double Map(double v) const {
    double a = min;
    double b = max;
    if (log) {
      a = std::log10(min);
      b = std::log10(max);
      v = std::log10(std::max(v, min));
    }
    return from + (v - a) / (b - a) * (to - from);
  }
  std::string Range() const { return StrCat(Format("%.10g", min), " ", Format("%.10g", max)); }
};

// Resolves `axis` against the data range [data_min, data_max] into a range and ticks.
Scale Resolve(const Axis& axis, double data_min, double data_max, int target) {
  Scale s;
  s.log = axis.log;
  double min = axis.min < axis.max ? axis.min : data_min;
  double max = axis.min < axis.max ? axis.max : data_max;
  if (!std::isfinite(min) || !std::isfinite(max)) {
    min = 0;
    max = 1;
  }
  if (axis.log) {
    min = std::max(min, 1e-9);
    max = std::max(max, min);
    std::vector<double> candidates = axis.log_ticks;
    if (candidates.empty()) {
      const int lo = static_cast<int>(std::floor(std::log10(min) + kEpsilon));
      const int hi = static_cast<int>(std::ceil(std::log10(max) - kEpsilon));
      for (int e = lo; e <= std::max(hi, lo + 1); ++e) candidates.push_back(std::pow(10.0, e));
    }
    std::sort(candidates.begin(), candidates.end());
    for (double c : candidates) {
      if (c <= min * (1 + kEpsilon)) s.min = c;
    }
    if (s.min <= 0 || s.min > min) s.min = min;
    s.max = max;
    for (double c : candidates) {
      if (c >= max * (1 - kEpsilon)) {
        s.max = c;
        break;
      }
    }
    if (s.max <= s.min) s.max = s.min * 10;
    for (double c : candidates) {
      if (c >= s.min * (1 - kEpsilon) && c <= s.max * (1 + kEpsilon)) s.ticks.push_back(c);
    }
    for (double t : s.ticks) {
      s.labels.push_back(axis.tick_label ? axis.tick_label(t) : Format("%g", t));
    }
    return s;
  }
  if (max <= min) max = min + 1;
  if (!axis.ticks.empty()) {
    s.min = min;
    s.max = max;
    for (double t : axis.ticks) {
      if (t < min - kEpsilon * (max - min) || t > max + kEpsilon * (max - min)) continue;
      s.ticks.push_back(t);
      s.labels.push_back(axis.tick_label ? axis.tick_label(t) : Format("%g", t));
    }
    return s;
  }
  const double step = TickStep(min, max, target);
  if (axis.round_min) min = std::floor(min / step + kEpsilon) * step;
  if (axis.round_max) max = std::ceil(max / step - kEpsilon) * step;
  s.min = min;
  s.max = max;
  const int decimals = step >= 1 ? 0 : static_cast<int>(std::ceil(-std::log10(step) - kEpsilon));
  const auto first = static_cast<int64_t>(std::ceil(min / step - kEpsilon));
  const auto last = static_cast<int64_t>(std::floor(max / step + kEpsilon));
  for (int64_t k = first; k <= last; ++k) {
    double t = static_cast<double>(k) * step;
    if (std::fabs(t) < step * kEpsilon) t = 0;
    s.ticks.push_back(t);
    s.labels.push_back(axis.tick_label ? axis.tick_label(t) : Format("%.*f", decimals, t));
  }
  return s;
}

struct LegendEntry {
  std::string name;
  std::string colour;
  bool line = false;  // a line sample, else a filled swatch
  bool dashed = false;
  std::string fill;  // the swatch's fill (a colour or a pattern)
};

// The frame shared by all charts: plot area, axes, grid and legend.
class Frame {
 public:
  Frame(std::string_view id, Size size, std::vector<LegendEntry> legend, const Axis& y_axis,
        double y_min, double y_max, bool y_percent = false)
      : id_(id), size_(size), legend_(std::move(legend)) {
    y_ = Resolve(y_axis, y_min, y_max, 5);
    if (y_percent) {
      for (size_t i = 0; i < y_.ticks.size(); ++i) {
        y_.labels[i] = Format("%.0f%%", 100 * y_.ticks[i]);
      }
    }
    double tick_chars = TextWidth("0000");  // at least: charts of a page line up
    for (const std::string& label : y_.labels) tick_chars = std::max(tick_chars, TextWidth(label));
    for (const LegendEntry& e : legend_) legend_width_ = std::max(legend_width_, TextWidth(e.name));
    if (!legend_.empty()) {
      legend_width_ = std::max(legend_width_ + 40, static_cast<double>(size_.legend_width));
    }
    left_ = 22 + tick_chars + 8;
    top_ = 14;
    width_ = size_.width - left_ - (legend_.empty() ? 16 : legend_width_ + 8);
    height_ = size_.height - top_ - 46;
    y_.from = top_ + height_;
    y_.to = top_;
  }

  Scale& y() { return y_; }
  // Puts every other x label on a second row when neighbours would overlap (labels centred at
  // `centres`, in pixels); the plot area gives up the row's height.
  void StaggerIfCrowded(const std::vector<double>& centres,
                        const std::vector<std::string>& labels) {
    for (size_t i = 1; i < centres.size() && i < labels.size(); ++i) {
      const double room = centres[i] - centres[i - 1];
      if ((TextWidth(labels[i - 1]) + TextWidth(labels[i])) / 2 + 6 > room) {
        stagger_ = true;
        height_ -= kStaggerRow;
        y_.from = top_ + height_;
        return;
      }
    }
  }
  // The baseline of the i-th x label.
  double LabelY(size_t i) const {
    return bottom() + 16 + (stagger_ && i % 2 == 1 ? kStaggerRow : 0);
  }
  double left() const { return left_; }
  double top() const { return top_; }
  double width() const { return width_; }
  double height() const { return height_; }
  double bottom() const { return top_ + height_; }
  double right() const { return left_ + width_; }
  std::string ClipUrl() const { return StrCat("url(#", id_, "-clip)"); }
  // Defines a striped fill of `colour` under the name `key`; returns the fill to use.
  std::string Hatch(size_t key, const std::string& colour) {
    const std::string pattern = StrCat(id_, "-hatch-", key);
    StrAppend(&defs_, "<pattern id=\"", pattern,
              "\" patternUnits=\"userSpaceOnUse\" width=\"6\" height=\"6\" "
              "patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"",
              colour, "\" fill-opacity=\"0.25\"/><rect width=\"3\" height=\"6\" fill=\"", colour,
              "\"/></pattern>");
    return StrCat("url(#", pattern, ")");
  }

  // The opening tag, definitions, grid and y axis. `x` null: a categorical x axis (the caller
  // draws its labels).
  std::string Open(const Scale* x, std::string_view x_label, std::string_view y_label) const {
    std::string out = StrCat(
        "<svg id=\"plot-", id_, "\" data-plot=\"", id_, "\" class=\"plot\" viewBox=\"0 0 ",
        size_.width, " ", size_.height, "\" width=\"", size_.width, "\" height=\"", size_.height,
        "\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"12\" "
        "data-area=\"",
        Num(left_), " ", Num(top_), " ", Num(width_), " ", Num(height_), "\"");
    if (x != nullptr) {
      StrAppend(&out, " data-x=\"", x->Range(), "\" data-x-scale=\"", x->log ? "log" : "linear",
                "\"");
    }
    StrAppend(&out, " data-y=\"", y_.Range(), "\">");
    StrAppend(&out, "<defs><clipPath id=\"", id_, "-clip\"><rect x=\"", Num(left_), "\" y=\"",
              Num(top_ - 2), "\" width=\"", Num(width_ + 2), "\" height=\"", Num(height_ + 4),
              "\"/></clipPath>", defs_, "</defs>");
    // Grid and y ticks.
    out += "<g class=\"grid\" stroke=\"" + std::string(kGrid) + "\" stroke-width=\"1\">";
    for (double t : y_.ticks) {
      const std::string py = Num(y_.Map(t));
      StrAppend(&out, "<line x1=\"", Num(left_), "\" y1=\"", py, "\" x2=\"", Num(right()),
                "\" y2=\"", py, "\"/>");
    }
    if (x != nullptr) {
      for (double t : x->ticks) {
        const std::string px = Num(x->Map(t));
        StrAppend(&out, "<line x1=\"", px, "\" y1=\"", Num(top_), "\" x2=\"", px, "\" y2=\"",
                  Num(bottom()), "\"/>");
      }
    }
    out += "</g>";
    StrAppend(&out, "<g class=\"axes\" fill=\"", kInk, "\">");
    for (size_t i = 0; i < y_.ticks.size(); ++i) {
      StrAppend(&out, "<text x=\"", Num(left_ - 6), "\" y=\"", Num(y_.Map(y_.ticks[i]) + 4),
                "\" text-anchor=\"end\">", Escape(y_.labels[i]), "</text>");
    }
    if (x != nullptr) {
      for (size_t i = 0; i < x->ticks.size(); ++i) {
        StrAppend(&out, "<text x=\"", Num(x->Map(x->ticks[i])), "\" y=\"", Num(LabelY(i)),
                  "\" text-anchor=\"middle\">", Escape(x->labels[i]), "</text>");
      }
    }
    StrAppend(&out, "<text x=\"", Num(left_ + width_ / 2), "\" y=\"",
              Num(bottom() + 36 + (stagger_ ? kStaggerRow : 0)),
              "\" text-anchor=\"middle\" font-weight=\"bold\">", Escape(x_label), "</text>");
    StrAppend(&out, "<text transform=\"translate(14,", Num(top_ + height_ / 2),
              ") rotate(-90)\" text-anchor=\"middle\" font-weight=\"bold\">", Escape(y_label),
              "</text>");
    StrAppend(&out, "<path d=\"M", Num(left_), " ", Num(top_), " L", Num(left_), " ", Num(bottom()),
              " L", Num(right()), " ", Num(bottom()), "\" fill=\"none\" stroke=\"", kInk, "\"/>");
    out += "</g>";
    return out;
  }

  // The legend and the closing tag.
  std::string Close() const {
    std::string out;
    if (!legend_.empty()) {
      out += "<g class=\"legend\">";
      const double x = right() + 16;
      for (size_t i = 0; i < legend_.size(); ++i) {
        const LegendEntry& e = legend_[i];
        const double y = top_ + 6 + 18 * static_cast<double>(i);
        if (e.line) {
          StrAppend(&out, "<line x1=\"", Num(x), "\" y1=\"", Num(y + 6), "\" x2=\"", Num(x + 18),
                    "\" y2=\"", Num(y + 6), "\" stroke=\"", e.colour, "\" stroke-width=\"2.5\"",
                    e.dashed ? " stroke-dasharray=\"6 3\"" : "", "/>");
        } else {
          StrAppend(&out, "<rect x=\"", Num(x), "\" y=\"", Num(y),
                    "\" width=\"18\" height=\"12\" "
                    "fill=\"",
                    e.fill, "\" stroke=\"", e.colour, "\"/>");
        }
        StrAppend(&out, "<text x=\"", Num(x + 24), "\" y=\"", Num(y + 10), "\" fill=\"", kInk,
                  "\">", Escape(e.name), "</text>");
      }
      out += "</g>";
    }
    out += "</svg>";
    return out;
  }

 private:
  std::string id_;
  Size size_;
  std::vector<LegendEntry> legend_;
  static constexpr double kStaggerRow = 14;
  Scale y_;
  double legend_width_ = 0;
  bool stagger_ = false;
  double left_ = 0;
  double top_ = 0;
  double width_ = 0;
  double height_ = 0;
  std::string defs_;
};

std::string ColourOf(const std::string& colour, size_t index) {
  return colour.empty() ? PaletteColour(index) : colour;
}

void Extend(double v, double& lo, double& hi) {
  if (!std::isfinite(v)) return;
  lo = std::min(lo, v);
  hi = std::max(hi, v);
}

// The path of a line (a gap at each NaN y), and its markers.
void AppendLine(const Line& line, const std::string& colour, const Scale& x, const Scale& y,
                std::string& out) {
  std::string d;
  std::string dots;
  bool in_run = false;
  double previous_y = 0;
  for (size_t i = 0; i < line.x.size() && i < line.y.size(); ++i) {
    if (!std::isfinite(line.y[i]) || !std::isfinite(line.x[i])) {
      in_run = false;
      continue;
    }
    const std::string px = Num(x.Map(line.x[i]));
    const std::string py = Num(y.Map(line.y[i]));
    if (!in_run) {
      StrAppend(&d, d.empty() ? "" : " ", "M", px, " ", py);
    } else {
      if (line.step) StrAppend(&d, " L", px, " ", Num(y.Map(previous_y)));
      StrAppend(&d, " L", px, " ", py);
    }
    if (line.markers) StrAppend(&dots, "<circle cx=\"", px, "\" cy=\"", py, "\" r=\"2.5\"/>");
    in_run = true;
    previous_y = line.y[i];
  }
  StrAppend(&out, "<path data-series=\"", Escape(line.name), "\" d=\"", d,
            "\" fill=\"none\" stroke=\"", colour, "\" stroke-width=\"2\" stroke-linejoin=\"round\"",
            line.dashed ? " stroke-dasharray=\"6 3\"" : "", "/>");
  if (!dots.empty()) StrAppend(&out, "<g class=\"markers\" fill=\"", colour, "\">", dots, "</g>");
}

// About one x tick per 70 pixels.
int XTicks(const Frame& frame) { return std::max(2, static_cast<int>(frame.width() / 70)); }

LegendEntry LineEntry(const Line& line, const std::string& colour) {
  return {line.name, colour, true, line.dashed, ""};
}

// The fill of band `key`: its colour, or stripes of it (defined in the frame) when hatched.
std::string FillOf(Frame& frame, size_t key, const std::string& colour, bool hatched) {
  return hatched ? frame.Hatch(key, colour) : colour;
}

std::string HatchUrl(std::string_view id, size_t key) {
  return StrCat("url(#", id, "-hatch-", key, ")");
}

}  // namespace

std::string DrawLineChart(const LineChart& chart) {
  double x_lo = std::numeric_limits<double>::infinity();
  double x_hi = -x_lo;
  double y_hi = 0;
  double y_lo = 0;
  std::vector<LegendEntry> legend;
  for (size_t i = 0; i < chart.lines.size(); ++i) {
    const Line& line = chart.lines[i];
    for (double v : line.x) Extend(v, x_lo, x_hi);
    for (double v : line.y) Extend(v, y_lo, y_hi);
    legend.push_back(LineEntry(line, ColourOf(line.colour, i)));
  }
  if (chart.lines.size() == 1) legend.clear();  // the axis label says what the line is
  Frame frame(chart.id, chart.size, std::move(legend), chart.y, y_lo, y_hi);
  Scale x = Resolve(chart.x, x_lo, x_hi, XTicks(frame));
  x.from = frame.left();
  x.to = frame.right();
  std::vector<double> centres;
  for (double t : x.ticks) centres.push_back(x.Map(t));
  frame.StaggerIfCrowded(centres, x.labels);
  std::string out = frame.Open(&x, chart.x.label, chart.y.label);
  StrAppend(&out, "<g class=\"series\" clip-path=\"", frame.ClipUrl(), "\">");
  for (size_t i = 0; i < chart.lines.size(); ++i) {
    AppendLine(chart.lines[i], ColourOf(chart.lines[i].colour, i), x, frame.y(), out);
  }
  out += "</g>";
  out += frame.Close();
  return out;
}

std::string DrawStackedAreaChart(const StackedAreaChart& chart) {
  const size_t n = chart.x_values.size();
  double x_lo = std::numeric_limits<double>::infinity();
  double x_hi = -x_lo;
  for (double v : chart.x_values) Extend(v, x_lo, x_hi);
  // Cumulative tops, layer by layer.
  std::vector<std::vector<double>> tops(chart.layers.size(), std::vector<double>(n, 0));
  double y_lo = 0;
  double y_hi = 0;
  for (size_t k = 0; k < chart.layers.size(); ++k) {
    for (size_t i = 0; i < n; ++i) {
      const double below = k == 0 ? 0 : tops[k - 1][i];
      const double v = i < chart.layers[k].y.size() ? chart.layers[k].y[i] : 0;
      tops[k][i] = below + (std::isfinite(v) ? v : 0);
      Extend(tops[k][i], y_lo, y_hi);
    }
  }
  for (const Line& line : chart.lines) {
    for (double v : line.x) Extend(v, x_lo, x_hi);
    for (double v : line.y) Extend(v, y_lo, y_hi);
  }
  // Legend: the lines, then the layers top to bottom, as they appear in the chart.
  std::vector<LegendEntry> legend;
  for (size_t i = 0; i < chart.lines.size(); ++i) {
    legend.push_back(LineEntry(chart.lines[i], ColourOf(chart.lines[i].colour, i)));
  }
  for (size_t k = chart.layers.size(); k-- > 0;) {
    const Layer& layer = chart.layers[k];
    const std::string colour = ColourOf(layer.colour, k);
    legend.push_back(
        {layer.name, colour, false, false, layer.hatched ? HatchUrl(chart.id, k) : colour});
  }
  Frame frame(chart.id, chart.size, std::move(legend), chart.y, y_lo, y_hi);
  std::vector<std::string> fills;
  for (size_t k = 0; k < chart.layers.size(); ++k) {
    fills.push_back(FillOf(frame, k, ColourOf(chart.layers[k].colour, k), chart.layers[k].hatched));
  }
  Scale x = Resolve(chart.x, x_lo, x_hi, XTicks(frame));
  x.from = frame.left();
  x.to = frame.right();
  const Scale& y = frame.y();
  std::string out = frame.Open(&x, chart.x.label, chart.y.label);
  StrAppend(&out, "<g class=\"series\" clip-path=\"", frame.ClipUrl(), "\">");
  for (size_t k = 0; k < chart.layers.size(); ++k) {
    std::string d;
    const auto edge = [&](const std::vector<double>* values, bool forward) {
      for (size_t j = 0; j < n; ++j) {
        const size_t i = forward ? j : n - 1 - j;
        const double v = values == nullptr ? 0 : (*values)[i];
        const std::string px = Num(x.Map(chart.x_values[i]));
        if (forward && i > 0) {
          StrAppend(&d, " L", px, " ", Num(y.Map(values == nullptr ? 0 : (*values)[i - 1])));
        }
        StrAppend(&d, d.empty() ? "M" : " L", px, " ", Num(y.Map(v)));
        if (!forward && i > 0) {
          StrAppend(&d, " L", px, " ", Num(y.Map(values == nullptr ? 0 : (*values)[i - 1])));
        }
      }
    };
    edge(&tops[k], true);
    edge(k == 0 ? nullptr : &tops[k - 1], false);
    if (n > 0) d += " Z";
    StrAppend(&out, "<path data-series=\"", Escape(chart.layers[k].name), "\" d=\"", d,
              "\" fill=\"", fills[k], "\" stroke=\"none\"/>");
  }
  for (size_t i = 0; i < chart.lines.size(); ++i) {
    AppendLine(chart.lines[i], ColourOf(chart.lines[i].colour, i), x, y, out);
  }
  out += "</g>";
  out += frame.Close();
  return out;
}

std::string DrawStackedBarChart(const StackedBarChart& chart) {
  const size_t n = chart.categories.size();
  std::vector<double> totals(n, 0);
  for (const BarStack& stack : chart.stacks) {
    for (size_t i = 0; i < n && i < stack.values.size(); ++i) {
      if (std::isfinite(stack.values[i])) totals[i] += stack.values[i];
    }
  }
  double y_lo = 0;
  double y_hi = 0;
  for (double t : totals) Extend(t, y_lo, y_hi);
  std::vector<LegendEntry> legend;
  for (size_t k = chart.stacks.size(); k-- > 0;) {
    const BarStack& stack = chart.stacks[k];
    const std::string colour = ColourOf(stack.colour, k);
    legend.push_back(
        {stack.name, colour, false, false, stack.hatched ? HatchUrl(chart.id, k) : colour});
  }
  if (chart.stacks.size() == 1) legend.clear();  // the axis label says what the bars are
  Frame frame(chart.id, chart.size, std::move(legend), chart.y, y_lo, y_hi);
  std::vector<std::string> fills;
  for (size_t k = 0; k < chart.stacks.size(); ++k) {
    fills.push_back(FillOf(frame, k, ColourOf(chart.stacks[k].colour, k), chart.stacks[k].hatched));
  }
  const double band = n == 0 ? frame.width() : frame.width() / static_cast<double>(n);
  std::vector<double> centres;
  for (size_t i = 0; i < n; ++i) {
    centres.push_back(frame.left() + (static_cast<double>(i) + 0.5) * band);
  }
  frame.StaggerIfCrowded(centres, chart.categories);
  const Scale& y = frame.y();
  std::string out = frame.Open(nullptr, chart.x_label, chart.y.label);
  StrAppend(&out, "<g class=\"categories\" fill=\"", kInk, "\">");
  for (size_t i = 0; i < n; ++i) {
    StrAppend(&out, "<text x=\"", Num(centres[i]), "\" y=\"", Num(frame.LabelY(i)),
              "\" text-anchor=\"middle\">", Escape(chart.categories[i]), "</text>");
  }
  out += "</g>";
  std::vector<double> base(n, 0);
  for (size_t k = 0; k < chart.stacks.size(); ++k) {
    const BarStack& stack = chart.stacks[k];
    StrAppend(&out, "<g data-series=\"", Escape(stack.name), "\" fill=\"", fills[k],
              "\" stroke=\"#ffffff\" stroke-width=\"0.5\">");
    for (size_t i = 0; i < n && i < stack.values.size(); ++i) {
      const double v = stack.values[i];
      if (!std::isfinite(v) || v <= 0) continue;
      const double y0 = y.Map(base[i]);
      const double y1 = y.Map(base[i] + v);
      base[i] += v;
      StrAppend(&out, "<rect data-category=\"", Escape(chart.categories[i]), "\" x=\"",
                Num(frame.left() + (static_cast<double>(i) + 0.2) * band), "\" y=\"", Num(y1),
                "\" width=\"", Num(0.6 * band), "\" height=\"", Num(y0 - y1), "\"/>");
    }
    out += "</g>";
  }
  if (chart.total_label) {
    StrAppend(&out, "<g class=\"totals\" fill=\"", kInk, "\" text-anchor=\"middle\">");
    for (size_t i = 0; i < n; ++i) {
      StrAppend(&out, "<text x=\"", Num(frame.left() + (static_cast<double>(i) + 0.5) * band),
                "\" y=\"", Num(y.Map(totals[i]) - 5), "\">", Escape(chart.total_label(totals[i])),
                "</text>");
    }
    out += "</g>";
  }
  out += frame.Close();
  return out;
}

std::string DrawCdfChart(const CdfChart& chart) {
  struct Points {
    std::vector<double> x;
    std::vector<double> f;
  };
  std::vector<Points> points(chart.series.size());
  double x_lo = std::numeric_limits<double>::infinity();
  double x_hi = -x_lo;
  std::vector<LegendEntry> legend;
  for (size_t s = 0; s < chart.series.size(); ++s) {
    std::vector<double> v;
    for (double value : chart.series[s].values) {
      if (std::isfinite(value)) v.push_back(value);
    }
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    Points& p = points[s];
    const auto add = [&](size_t rank) {  // 1-based
      const double value = v[rank - 1];
      const double f = static_cast<double>(rank) / static_cast<double>(n);
      if (!p.x.empty() && p.x.back() == value) {
        p.f.back() = f;
      } else {
        p.x.push_back(value);
        p.f.push_back(f);
      }
    };
    size_t distinct = 0;
    for (size_t i = 0; i < n; ++i) distinct += (i + 1 == n || v[i] != v[i + 1]) ? 1 : 0;
    if (distinct <= chart.max_points || chart.max_points == 0) {
      for (size_t i = 0; i < n; ++i) {
        if (i + 1 == n || v[i] != v[i + 1]) add(i + 1);
      }
    } else {
      const size_t m = chart.max_points;
      for (size_t k = 1; k <= m; ++k) add((k * n + m - 1) / m);
    }
    for (double value : p.x) Extend(value, x_lo, x_hi);
    const std::string colour = ColourOf(chart.series[s].colour, s);
    legend.push_back({chart.series[s].name, colour, true, false, ""});
  }
  Axis y_axis;
  y_axis.label = chart.y_label;
  y_axis.min = 0;
  y_axis.max = 1;
  Frame frame(chart.id, chart.size, std::move(legend), y_axis, 0, 1, /*y_percent=*/true);
  Scale x = Resolve(chart.x, x_lo, x_hi, XTicks(frame));
  x.from = frame.left();
  x.to = frame.right();
  const Scale& y = frame.y();
  std::string out = frame.Open(&x, chart.x.label, chart.y_label);
  StrAppend(&out, "<g class=\"series\" clip-path=\"", frame.ClipUrl(), "\">");
  for (size_t s = 0; s < chart.series.size(); ++s) {
    const Points& p = points[s];
    std::string d;
    for (size_t i = 0; i < p.x.size(); ++i) {
      const std::string px = Num(x.Map(p.x[i]));
      StrAppend(&d, i == 0 ? "M" : " L", px, " ", Num(y.Map(i == 0 ? 0 : p.f[i - 1])));
      StrAppend(&d, " L", px, " ", Num(y.Map(p.f[i])));
    }
    if (!p.x.empty()) StrAppend(&d, " L", Num(x.Map(x.max)), " ", Num(y.Map(1)));
    StrAppend(&out, "<path data-series=\"", Escape(chart.series[s].name), "\" d=\"", d,
              "\" fill=\"none\" stroke=\"", ColourOf(chart.series[s].colour, s),
              "\" stroke-width=\"2\" stroke-linejoin=\"round\"/>");
  }
  out += "</g>";
  out += frame.Close();
  return out;
}

}  // namespace arbiter::svg
