// The daemon's durable event log: every input of the broker core, in order, in SQLite (WAL).
//
// The daemon appends each event here before the core sees it, and acknowledges a request only
// after the transaction that holds its event has committed. Events are appended in batches (one
// transaction per batch: the group commit), so that many concurrent requests share one fsync.
// On start, the daemon replays the log through a fresh core to rebuild its state.
//
// A record is (seq, batch, time, kind, body): `seq` is dense from 1 in append order, `batch` the
// number of the transaction that committed it (from 1), `time` the core's time of the event
// (seconds since the state's epoch), `kind` and `body` the event's encoding (serve/codec.h). A
// small key-value table holds the state's metadata (its epoch, the fleet it was made with).
//
// Thread-safety: one thread appends and reads (the daemon's driver); commit_latency() may be read
// from any thread.
#ifndef ARBITER_SERVE_EVENT_LOG_H_
#define ARBITER_SERVE_EVENT_LOG_H_

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "model/units.h"
#include "serve/metrics.h"

struct sqlite3;
struct sqlite3_stmt;

namespace arbiter::serve {

struct LogRecord {
  Time time = 0;
  uint8_t kind = 0;
  std::string body;
};

// A record as read back; `body` points into the reader's buffer and is valid during the callback.
struct LogRecordView {
  int64_t seq = 0;
  int64_t batch = 0;  // the transaction it was committed in (1, 2, ...): records applied together
  Time time = 0;
  uint8_t kind = 0;
  std::string_view body;
};

struct EventLogOptions {
  // fsync the log at every commit (SQLite synchronous=FULL): a committed event survives a power
  // loss. false (synchronous=NORMAL): it survives the daemon's crash but maybe not the machine's.
  bool sync = true;
  // Refuse to grow the database beyond this many pages (0: no limit). A commit that would need
  // more fails as on a full disk; tests use it to check that nothing half-committed remains.
  int64_t max_pages = 0;
  // Copy the WAL back into the database on a thread of its own (a second connection, passive
  // checkpoints that never block a commit) once it holds this many pages; 0: SQLite's automatic
  // checkpoint, inside the commit that crosses 1000 pages.
  int64_t background_checkpoint_pages = 2048;
};

class EventLog {
 public:
  // Opens (or creates) the log in the SQLite file `path`.
  static absl::StatusOr<std::unique_ptr<EventLog>> Open(const std::string& path,
                                                        EventLogOptions options = {});
  ~EventLog();
  EventLog(const EventLog&) = delete;
  EventLog& operator=(const EventLog&) = delete;

  // Appends `records` in one transaction, in order, with seqs last_seq()+1, ...; either all of
  // them are committed (and durable, with options.sync) or none is and the error says why.
  absl::Status Append(std::span<const LogRecord> records);

  // Calls `fn` on every record with seq > `after`, in order; stops at the first error `fn`
  // returns and returns it.
  absl::Status Scan(int64_t after, const std::function<absl::Status(const LogRecordView&)>& fn);

  // The last committed seq (0: empty).
  int64_t last_seq() const { return last_seq_; }
  int64_t last_batch() const { return last_batch_; }

  // Metadata: a value by key (nullopt: unset), and setting one (committed at once).
  absl::StatusOr<std::optional<std::string>> GetMeta(std::string_view key);
  absl::Status PutMeta(std::string_view key, std::string_view value);

  // Seconds each commit took (the transaction including its fsync), for /metrics.
  const Histogram& commit_latency() const { return commit_latency_; }

 private:
  EventLog() = default;
  absl::Status Exec(const char* sql);
  absl::Status Error(std::string_view what) const;
  void Checkpoints();

  sqlite3* db_ = nullptr;
  // The background checkpointer: its connection, thread, and the WAL size it was told of.
  sqlite3* checkpoint_db_ = nullptr;
  std::thread checkpointer_;
  std::mutex checkpoint_mu_;
  std::condition_variable checkpoint_cv_;
  int64_t wal_pages_ = 0;
  int64_t checkpoint_pages_ = 0;
  bool stopping_ = false;
  sqlite3_stmt* insert_ = nullptr;
  std::string path_;
  int64_t last_seq_ = 0;
  int64_t last_batch_ = 0;
  Histogram commit_latency_{Histogram::LatencyBuckets()};
};

}  // namespace arbiter::serve

#endif  // ARBITER_SERVE_EVENT_LOG_H_
