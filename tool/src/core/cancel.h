// SIGINT/SIGTERM set one flag; long operations poll it and clean up (abort multipart
// uploads) before main exits with 130.
#pragma once
#include <atomic>

#include "core/result.h"

namespace xship {
std::atomic<bool>& cancel_flag();
// Runtime error when the kernel refuses a handler.
Status install_signal_handlers();
}  // namespace xship
