#include "core/cancel.h"

#include <cerrno>
#include <csignal>
#include <cstring>

namespace xship {

std::atomic<bool>& cancel_flag() {
  static std::atomic<bool> flag{false};
  return flag;
}

namespace {
void on_signal(int) { cancel_flag().store(true); }  // lock-free atomic: async-signal-safe
}  // namespace

Status install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  if (sigaction(SIGINT, &sa, nullptr) != 0 || sigaction(SIGTERM, &sa, nullptr) != 0 ||
      sigaction(SIGPIPE, &ignore, nullptr) != 0)
    return runtime_error(std::string("cannot install the signal handlers: ") + std::strerror(errno));
  return ok_status();
}

}  // namespace xship
