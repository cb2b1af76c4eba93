// SIGINT/SIGTERM set one flag; long operations poll it and clean up (abort multipart
// uploads) before main exits with 130.
#pragma once
#include <atomic>

namespace xship {
std::atomic<bool>& cancel_flag();
void install_signal_handlers();
}  // namespace xship
