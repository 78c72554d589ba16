#include "serve/event_log.h"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <utility>

#include "model/strings.h"

namespace arbiter::serve {

namespace {

// The schema's version, in meta; a log made by another version is refused rather than misread.
// 2: the core decides once per committed batch (Broker::Apply, Decide), so a log written by a
// daemon that decided after every record would not replay to the same state.
constexpr std::string_view kSchemaVersion = "2";

class Statement {
 public:
  Statement(sqlite3* db, const char* sql) {
    rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr);
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  bool ok() const { return rc_ == SQLITE_OK; }
  sqlite3_stmt* get() const { return stmt_; }

 private:
  sqlite3_stmt* stmt_ = nullptr;
  int rc_ = SQLITE_OK;
};

}  // namespace

absl::Status EventLog::Error(std::string_view what) const {
  const int code = sqlite3_extended_errcode(db_);
  std::string message = StrCat("event log ", path_, ": ", what, ": ", sqlite3_errmsg(db_));
  if ((code & 0xFF) == SQLITE_FULL) {
    return absl::ResourceExhaustedError(StrCat(message, " (the disk or the log is full)"));
  }
  return absl::InternalError(message);
}

absl::Status EventLog::Exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string message = err ? err : "unknown error";
    sqlite3_free(err);
    return Error(StrCat("running \"", sql, "\" (", message, ")"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<EventLog>> EventLog::Open(const std::string& path,
                                                         EventLogOptions options) {
  auto log = std::unique_ptr<EventLog>(new EventLog());
  log->path_ = path;
  if (sqlite3_open_v2(path.c_str(), &log->db_,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    if (log->db_ == nullptr) return absl::InternalError(StrCat("cannot open ", path));
    return log->Error("opening");
  }
  sqlite3_extended_result_codes(log->db_, 1);
  sqlite3_busy_timeout(log->db_, 5000);
  // WAL: a commit appends to the write-ahead log and (with synchronous=FULL) syncs it once.
  // The automatic checkpoint copies the WAL back into the database every 4096 pages (16 MiB),
  // fewer and larger pauses than the default 1000.
  for (const char* pragma : {"PRAGMA journal_mode=WAL", "PRAGMA temp_store=MEMORY"}) {
    if (absl::Status s = log->Exec(pragma); !s.ok()) return s;
  }

  if (absl::Status s =
          log->Exec(options.sync ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
      !s.ok()) {
    return s;
  }
  if (absl::Status s = log->Exec(
          "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);"
          "CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, batch INTEGER NOT NULL, "
          "time INTEGER NOT NULL, kind INTEGER NOT NULL, body BLOB NOT NULL);");
      !s.ok()) {
    return s;
  }
  if (options.max_pages > 0) {
    if (absl::Status s = log->Exec(StrCat("PRAGMA max_page_count=", options.max_pages).c_str());
        !s.ok()) {
      return s;
    }
  }
  absl::StatusOr<std::optional<std::string>> version = log->GetMeta("schema");
  if (!version.ok()) return version.status();
  if (!*version) {
    if (absl::Status s = log->PutMeta("schema", kSchemaVersion); !s.ok()) return s;
  } else if (**version != kSchemaVersion) {
    return absl::FailedPreconditionError(StrCat("event log ", path, ": schema version ", **version,
                                                ", this daemon reads version ", kSchemaVersion));
  }
  {
    Statement last(log->db_, "SELECT COALESCE(MAX(seq), 0), COALESCE(MAX(batch), 0) FROM events");
    if (!last.ok() || sqlite3_step(last.get()) != SQLITE_ROW) return log->Error("reading");
    log->last_seq_ = sqlite3_column_int64(last.get(), 0);
    log->last_batch_ = sqlite3_column_int64(last.get(), 1);
  }
  if (sqlite3_prepare_v2(log->db_,
                         "INSERT INTO events (seq, batch, time, kind, body) VALUES (?,?,?,?,?)", -1,
                         &log->insert_, nullptr) != SQLITE_OK) {
    return log->Error("preparing");
  }
  if (options.background_checkpoint_pages > 0) {
    if (sqlite3_open_v2(path.c_str(), &log->checkpoint_db_,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
      return absl::InternalError(StrCat("event log ", path, ": cannot open the checkpointer"));
    }
    sqlite3_busy_timeout(log->checkpoint_db_, 1000);
    log->checkpoint_pages_ = options.background_checkpoint_pages;
    EventLog* raw = log.get();
    // Replaces SQLite's automatic checkpoint (itself a WAL hook): after each commit, the WAL's
    // size goes to the checkpointer, and commits never checkpoint themselves.
    sqlite3_wal_hook(
        log->db_,
        [](void* self, sqlite3*, const char*, int pages) {
          auto* log = static_cast<EventLog*>(self);
          bool wake = false;
          {
            std::lock_guard lock(log->checkpoint_mu_);
            log->wal_pages_ = pages;
            wake = pages >= log->checkpoint_pages_;
          }
          if (wake) log->checkpoint_cv_.notify_one();
          return SQLITE_OK;
        },
        raw);
    log->checkpointer_ = std::thread([raw] { raw->Checkpoints(); });
  }
  return log;
}

EventLog::~EventLog() {
  if (checkpointer_.joinable()) {
    {
      std::lock_guard lock(checkpoint_mu_);
      stopping_ = true;
    }
    checkpoint_cv_.notify_all();
    checkpointer_.join();
  }
  sqlite3_close(checkpoint_db_);
  sqlite3_finalize(insert_);
  sqlite3_close(db_);
}

// A passive checkpoint copies committed WAL frames into the database without blocking the
// writer; once every frame is copied, the writer starts the WAL from its beginning again, so it
// stays small.
void EventLog::Checkpoints() {
  std::unique_lock lock(checkpoint_mu_);
  while (true) {
    checkpoint_cv_.wait(lock, [&] { return stopping_ || wal_pages_ >= checkpoint_pages_; });
    if (stopping_) return;
    lock.unlock();
    int frames = 0;
    int copied = 0;
    sqlite3_wal_checkpoint_v2(checkpoint_db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, &frames, &copied);
    lock.lock();
    // The next commit reports the WAL's size again (small once the writer has restarted it).
    wal_pages_ = 0;
  }
}

absl::Status EventLog::Append(std::span<const LogRecord> records) {
  if (records.empty()) return absl::OkStatus();
  const auto started = std::chrono::steady_clock::now();
  if (absl::Status s = Exec("BEGIN IMMEDIATE"); !s.ok()) return s;
  int64_t seq = last_seq_;
  absl::Status status;
  for (const LogRecord& r : records) {
    sqlite3_reset(insert_);
    sqlite3_bind_int64(insert_, 1, ++seq);
    sqlite3_bind_int64(insert_, 2, last_batch_ + 1);
    sqlite3_bind_int64(insert_, 3, r.time);
    sqlite3_bind_int(insert_, 4, r.kind);
    sqlite3_bind_blob(insert_, 5, r.body.data(), static_cast<int>(r.body.size()), SQLITE_STATIC);
    if (sqlite3_step(insert_) != SQLITE_DONE) {
      status = Error("appending");
      break;
    }
  }
  sqlite3_reset(insert_);
  if (status.ok()) {
    if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
      status = Error("committing");
    }
  }
  if (!status.ok()) {
    // Nothing of the batch stays. (If COMMIT failed, SQLite may have rolled back already.)
    if (!sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return status;
  }
  last_seq_ = seq;
  ++last_batch_;
  commit_latency_.Observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  return absl::OkStatus();
}

absl::Status EventLog::Scan(int64_t after,
                            const std::function<absl::Status(const LogRecordView&)>& fn) {
  Statement scan(db_, "SELECT seq, batch, time, kind, body FROM events WHERE seq > ? ORDER BY seq");
  if (!scan.ok()) return Error("reading");
  sqlite3_bind_int64(scan.get(), 1, after);
  while (true) {
    const int rc = sqlite3_step(scan.get());
    if (rc == SQLITE_DONE) return absl::OkStatus();
    if (rc != SQLITE_ROW) return Error("reading");
    LogRecordView r;
    r.seq = sqlite3_column_int64(scan.get(), 0);
    r.batch = sqlite3_column_int64(scan.get(), 1);
    r.time = sqlite3_column_int64(scan.get(), 2);
    r.kind = static_cast<uint8_t>(sqlite3_column_int(scan.get(), 3));
    const void* body = sqlite3_column_blob(scan.get(), 4);
    const int size = sqlite3_column_bytes(scan.get(), 4);
    r.body = std::string_view(static_cast<const char*>(body), static_cast<size_t>(size));
    if (absl::Status s = fn(r); !s.ok()) return s;
  }
}

absl::StatusOr<std::optional<std::string>> EventLog::GetMeta(std::string_view key) {
  Statement get(db_, "SELECT value FROM meta WHERE key = ?");
  if (!get.ok()) return Error("reading metadata");
  sqlite3_bind_text(get.get(), 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
  const int rc = sqlite3_step(get.get());
  if (rc == SQLITE_DONE) return std::optional<std::string>();
  if (rc != SQLITE_ROW) return Error("reading metadata");
  const void* value = sqlite3_column_blob(get.get(), 0);
  const int size = sqlite3_column_bytes(get.get(), 0);
  return std::optional<std::string>(
      std::string(static_cast<const char*>(value), static_cast<size_t>(size)));
}

absl::Status EventLog::PutMeta(std::string_view key, std::string_view value) {
  Statement put(db_, "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)");
  if (!put.ok()) return Error("writing metadata");
  sqlite3_bind_text(put.get(), 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
  sqlite3_bind_blob(put.get(), 2, value.data(), static_cast<int>(value.size()), SQLITE_STATIC);
  if (sqlite3_step(put.get()) != SQLITE_DONE) return Error("writing metadata");
  return absl::OkStatus();
}

}  // namespace arbiter::serve
