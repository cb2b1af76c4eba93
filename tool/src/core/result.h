// Errors are values: every fallible function returns Result<T>; only main() maps
// an Error's category to an exit code. (g++ 12 has no std::expected.)
#pragma once
#include <string>
#include <utility>
#include <variant>

namespace xship {

// The exit-code contract, documented in the README and `xship help`.
enum class ErrorCategory {
  Runtime = 1,  // network, server, filesystem at run time
  Usage = 2,  // bad flags or input
  Integrity = 3,  // a checksum or ETag did not match
  Credentials = 4,  // missing credentials, access denied, wrong secret
  Interrupted = 130,
};

struct Error {
  ErrorCategory category = ErrorCategory::Runtime;
  std::string message;  // one line: the problem and the fix
};

inline Error runtime_error(std::string m) { return {ErrorCategory::Runtime, std::move(m)}; }
inline Error usage_error(std::string m) { return {ErrorCategory::Usage, std::move(m)}; }
inline Error integrity_error(std::string m) { return {ErrorCategory::Integrity, std::move(m)}; }
inline Error credentials_error(std::string m) { return {ErrorCategory::Credentials, std::move(m)}; }

inline int exit_code(ErrorCategory c) { return static_cast<int>(c); }

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error error) : v_(std::move(error)) {}
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

struct Ok {};
using Status = Result<Ok>;
inline Status ok_status() { return Ok{}; }

}  // namespace xship

// Propagate an error from an expression returning Result<T>/Status.
#define XSHIP_TRY(expr) \
  do { \
    auto&& xship_try_r_ = (expr); \
    if (!xship_try_r_) return xship_try_r_.error(); \
  } while (0)
