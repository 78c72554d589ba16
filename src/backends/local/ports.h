// The master ports of the local backend's runs (ARBITER_MASTER_PORT). A run's port is probed free
// on 127.0.0.1 when the run is launched, and its rank 0 listens on it only later; in between, the
// OS may offer the same port to the next probe. The book remembers every port held by a run of
// this process that has not ended (every local backend of a daemon shares it), so that no two live
// runs are given the same port.
#ifndef ARBITER_BACKENDS_LOCAL_PORTS_H_
#define ARBITER_BACKENDS_LOCAL_PORTS_H_

#include <functional>
#include <mutex>
#include <set>

namespace arbiter {

class PortBook {
 public:
  using Probe = std::function<int()>;  // a port free now, or 0 when none could be found
  static constexpr int kTries = 64;    // probes before Take gives up

  explicit PortBook(Probe probe) : probe_(std::move(probe)) {}
  PortBook(const PortBook&) = delete;
  PortBook& operator=(const PortBook&) = delete;

  // The process's book, whose probe asks the OS for a free port on 127.0.0.1.
  static PortBook& Process();

  // A port held for one run until the hold is destroyed; port 0 holds nothing.
  class Hold {
   public:
    Hold() = default;
    Hold(Hold&& other) noexcept : book_(other.book_), port_(other.port_) { other.port_ = 0; }
    Hold& operator=(Hold&& other) noexcept;
    Hold(const Hold&) = delete;
    Hold& operator=(const Hold&) = delete;
    ~Hold() { Reset(); }
    int port() const { return port_; }

   private:
    friend class PortBook;
    Hold(PortBook* book, int port) : book_(book), port_(port) {}
    void Reset();
    PortBook* book_ = nullptr;
    int port_ = 0;
  };

  // A probed port that no live run holds, held; an empty hold (port 0) when the probe fails or
  // kTries probes offered only held ports.
  Hold Take();
  // Holds `port` for a run found again after a restart, whether or not another run holds it (two
  // runs recovered with one port keep it until both end).
  Hold Adopt(int port);
  bool held(int port) const;

 private:
  void Release(int port);

  Probe probe_;
  mutable std::mutex mu_;
  std::multiset<int> held_;
};

}  // namespace arbiter

#endif  // ARBITER_BACKENDS_LOCAL_PORTS_H_
