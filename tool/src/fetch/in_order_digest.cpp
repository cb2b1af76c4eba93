#include "fetch/in_order_digest.h"

namespace xship::fetch {

InOrderDigest::InOrderDigest(bool want_md5, bool want_sha256) {
  if (want_md5) md5_.emplace();
  if (want_sha256) sha256_.emplace();
}

bool InOrderDigest::feed(std::uint64_t index, const char* data, std::size_t n) {
  {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return cancelled_ || next_ == index; });
    if (cancelled_) return false;
  }
  // Only the one caller whose turn it is gets here, so the hashers need no lock.
  if (md5_) md5_->update(data, n);
  if (sha256_) sha256_->update(data, n);
  {
    std::lock_guard lock(mu_);
    ++next_;
  }
  cv_.notify_all();
  return true;
}

bool InOrderDigest::try_update(std::uint64_t index, const char* data, std::size_t n) {
  {
    std::lock_guard lock(mu_);
    if (cancelled_ || next_ != index) return false;
  }
  // Its turn cannot pass before its own feed(): the hashers are this caller's alone.
  if (md5_) md5_->update(data, n);
  if (sha256_) sha256_->update(data, n);
  return true;
}

void InOrderDigest::cancel() {
  {
    std::lock_guard lock(mu_);
    cancelled_ = true;
  }
  cv_.notify_all();
}

std::uint64_t InOrderDigest::ranges_fed() const {
  std::lock_guard lock(mu_);
  return next_;
}

std::string InOrderDigest::md5_hex() { return md5_ ? digest::hex(md5_->finish()) : std::string(); }

std::string InOrderDigest::sha256_hex() { return sha256_ ? digest::hex(sha256_->finish()) : std::string(); }

}  // namespace xship::fetch
