// A one-line progress bar on a terminal. Does nothing when the stream is not a terminal, so
// logs and CI output stay clean.
#ifndef ARBITER_REPORT_PROGRESS_H_
#define ARBITER_REPORT_PROGRESS_H_

#include <cstdint>
#include <cstdio>
#include <string>

namespace arbiter {

class ProgressBar {
 public:
  // Draws on `stream` if it is a terminal (or if `force`).
  explicit ProgressBar(std::FILE* stream, bool force = false);
  ~ProgressBar();
  bool active() const { return active_; }
  // Redraws: `done` of `total`, and a free-form status after the bar.
  void Update(int64_t done, int64_t total, const std::string& status);
  // Clears the line.
  void Finish();

 private:
  std::FILE* stream_;
  bool active_;
  bool drawn_ = false;
};

}  // namespace arbiter

#endif  // ARBITER_REPORT_PROGRESS_H_
