#include "fetch/in_order_digest.h"

namespace xship::fetch {

InOrderDigest::InOrderDigest(bool want_md5, bool want_sha256) {
  if (want_md5) md5_.emplace();
  if (want_sha256) sha256_.emplace();
}

bool InOrderDigest::has_turn(std::uint64_t index) const {
  std::lock_guard lock(mu_);
  return !cancelled_ && next_ == index;
}

bool InOrderDigest::wait_turn(std::uint64_t index) {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return cancelled_ || next_ == index; });
  return !cancelled_;
}

// Only the one caller whose turn it is gets here, and its turn cannot pass before its own
// pass_turn(), so the hashers need no lock.
void InOrderDigest::update(const char* data, std::size_t n) {
  if (md5_) md5_->update(data, n);
  if (sha256_) sha256_->update(data, n);
}

void InOrderDigest::pass_turn() {
  {
    std::lock_guard lock(mu_);
    ++next_;
  }
  cv_.notify_all();
}

bool InOrderDigest::feed(std::uint64_t index, const char* data, std::size_t n) {
  if (!wait_turn(index)) return false;
  update(data, n);
  pass_turn();
  return true;
}

bool InOrderDigest::try_update(std::uint64_t index, const char* data, std::size_t n) {
  if (!has_turn(index)) return false;
  update(data, n);
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
