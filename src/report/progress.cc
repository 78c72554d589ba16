#include "report/progress.h"

#include <unistd.h>

namespace arbiter {

ProgressBar::ProgressBar(std::FILE* stream, bool force)
    : stream_(stream), active_(force || ::isatty(::fileno(stream)) == 1) {}

ProgressBar::~ProgressBar() { Finish(); }

void ProgressBar::Update(int64_t done, int64_t total, const std::string& status) {
  if (!active_) return;
  constexpr int kWidth = 30;
  const double fraction = total > 0 ? static_cast<double>(done) / static_cast<double>(total) : 0;
  const int filled = static_cast<int>(fraction * kWidth);
  std::string bar(static_cast<size_t>(filled), '#');
  bar.append(static_cast<size_t>(kWidth - filled), '.');
  std::fprintf(stream_, "\r[%s] %5.1f%% %s\033[K", bar.c_str(), 100.0 * fraction, status.c_str());
  std::fflush(stream_);
  drawn_ = true;
}

void ProgressBar::Finish() {
  if (active_ && drawn_) {
    std::fprintf(stream_, "\r\033[K");
    std::fflush(stream_);
    drawn_ = false;
  }
}

}  // namespace arbiter
