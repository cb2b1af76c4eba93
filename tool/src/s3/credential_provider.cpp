#include "s3/credential_provider.h"

#include <algorithm>

#include "s3/credential_json.h"

namespace xship {

namespace {
constexpr auto kRenewAhead = std::chrono::minutes(5);
constexpr auto kRetryFailedRenewal = std::chrono::seconds(30);
}  // namespace

TimePoint renewal_time(TimePoint fetched_at, TimePoint expiration) {
  auto lifetime = std::max(expiration - fetched_at, TimePoint::duration::zero());
  return expiration - std::min<TimePoint::duration>(kRenewAhead, lifetime / 2);
}

CredentialProvider::CredentialProvider(Fetch fetch, std::function<TimePoint()> now, Log warn, Log debug)
    : fetch_(std::move(fetch)), now_(std::move(now)), warn_(std::move(warn)), debug_(std::move(debug)) {}

std::shared_ptr<CredentialProvider> CredentialProvider::fixed(Credentials c) {
  auto p = std::make_shared<CredentialProvider>(Fetch{}, [] { return std::chrono::system_clock::now(); });
  p->current_ = std::move(c);
  return p;
}

int CredentialProvider::fetches() const {
  std::lock_guard lock(mu_);
  return fetches_;
}

void CredentialProvider::expire() {
  std::lock_guard lock(mu_);
  if (fetch_) forced_ = true;
}

Result<Credentials> CredentialProvider::get() {
  std::lock_guard lock(mu_);
  if (!fetch_) return *current_;
  const TimePoint now = now_();
  const bool due = !current_ || forced_ || (current_->expiration && now >= renew_at_ && now >= retry_after_);
  if (!due) return *current_;
  auto fresh = fetch_();
  ++fetches_;
  if (fresh) {
    current_ = std::move(*fresh);
    forced_ = false;
    if (current_->expiration) renew_at_ = renewal_time(now, *current_->expiration);
    if (debug_)
      debug_("credentials: from " + current_->source +
             (current_->expiration ? ", expiring " + format_iso8601(*current_->expiration) + ", renewed from " +
                                         format_iso8601(renew_at_)
                                   : ", not expiring"));
    return *current_;
  }
  // An early renewal that failed: the old credentials still last, so carry on with them
  // and try again a little later.
  if (current_ && !forced_ && current_->expiration && now < *current_->expiration) {
    retry_after_ = now + std::min<TimePoint::duration>(kRetryFailedRenewal, (*current_->expiration - now) / 4);
    if (warn_)
      warn_("renewing the credentials failed (" + fresh.error().message + "); the current ones last until " +
            format_iso8601(*current_->expiration));
    return *current_;
  }
  return fresh.error();
}

}  // namespace xship
