#include "backends/local/ports.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <utility>

namespace arbiter {

namespace {

// A TCP port free on 127.0.0.1 now (the OS's choice), or 0.
int FreeLoopbackPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

}  // namespace

PortBook& PortBook::Process() {
  static PortBook* book = new PortBook(FreeLoopbackPort);
  return *book;
}

PortBook::Hold& PortBook::Hold::operator=(Hold&& other) noexcept {
  if (this != &other) {
    Reset();
    book_ = other.book_;
    port_ = std::exchange(other.port_, 0);
  }
  return *this;
}

void PortBook::Hold::Reset() {
  if (port_ != 0) book_->Release(port_);
  port_ = 0;
}

PortBook::Hold PortBook::Take() {
  for (int i = 0; i < kTries; ++i) {
    const int port = probe_();
    if (port == 0) break;
    std::lock_guard lock(mu_);
    if (held_.count(port) == 0) {
      held_.insert(port);
      return Hold(this, port);
    }
  }
  return Hold();
}

PortBook::Hold PortBook::Adopt(int port) {
  if (port == 0) return Hold();
  std::lock_guard lock(mu_);
  held_.insert(port);
  return Hold(this, port);
}

bool PortBook::held(int port) const {
  std::lock_guard lock(mu_);
  return held_.count(port) > 0;
}

void PortBook::Release(int port) {
  std::lock_guard lock(mu_);
  if (auto it = held_.find(port); it != held_.end()) held_.erase(it);
}

}  // namespace arbiter
