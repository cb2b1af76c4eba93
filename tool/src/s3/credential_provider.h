// The credentials every request is signed with, renewed before they expire: temporary
// credentials are fetched again 5 minutes before their Expiration (half-way through a
// session shorter than 10 minutes), so an upload that outlasts a session carries on.
// Thread-safe: one thread renews while the others wait for it.
#pragma once
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "s3/credentials.h"

namespace xship {

// When credentials fetched at `fetched_at` and expiring at `expiration` are renewed.
TimePoint renewal_time(TimePoint fetched_at, TimePoint expiration);

class CredentialProvider {
 public:
  using Fetch = std::function<Result<Credentials>()>;
  using Log = std::function<void(const std::string&)>;

  // `warn` hears about an early renewal that failed while the old credentials still
  // last; `debug` about every renewal. Neither ever gets a secret.
  CredentialProvider(Fetch fetch, std::function<TimePoint()> now, Log warn = {}, Log debug = {});
  // Credentials that never change (flags, variables, keys in a file).
  static std::shared_ptr<CredentialProvider> fixed(Credentials c);

  // The current credentials; the first call fetches, later ones renew when due. An error
  // when a fetch fails and there is nothing still valid to fall back on.
  Result<Credentials> get();
  // The server said the credentials expired (a clock off, a session revoked): the next
  // get() fetches anew, and fails rather than hand the old ones back.
  void expire();
  bool renewable() const { return static_cast<bool>(fetch_); }
  int fetches() const;

 private:
  Fetch fetch_;
  std::function<TimePoint()> now_;
  Log warn_, debug_;
  mutable std::mutex mu_;
  std::optional<Credentials> current_;
  TimePoint renew_at_{};
  TimePoint retry_after_{};  // after an early renewal failed
  bool forced_ = false;
  int fetches_ = 0;
};

}  // namespace xship
