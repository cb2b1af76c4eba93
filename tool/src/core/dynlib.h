// A shared library opened on first use (dlopen) instead of linked. Linking libcurl and
// libarchive made every start pay for loading them and theirs (Kerberos, LDAP, libxml2,
// ICU...): 4.7 ms and 1.8 ms of each run, paid by build and compress, which send nothing
// and write no archive. The handle is kept for the life of the process.
#pragma once
#include <string>

namespace xship::dynlib {

class Library {
 public:
  // `package`: the Debian package that provides `soname`, named in the error.
  Library(const char* soname, const char* package);

  // Points `fn` at `symbol`; a missing one is remembered in error() (the first only).
  // Fn comes from the library's own header, so the call types are checked.
  template <class Fn>
  void bind(Fn*& fn, const char* symbol) {
    fn = reinterpret_cast<Fn*>(address(symbol));
  }

  bool ok() const { return error_.empty(); }
  // One line: what is missing and what to install.
  const std::string& error() const { return error_; }

 private:
  void* address(const char* symbol);
  void* handle_ = nullptr;
  std::string soname_, package_, error_;
};

// A library's API as a struct of function pointers, from an X-macro list of the functions
// xship calls (LIST(X) expands X(name) for each), so the list is written once:
//   struct Api { XSHIP_DYNLIB_POINTERS(LIST) };   // decltype(&::name) name = nullptr; each
//   XSHIP_DYNLIB_BIND(LIST, lib, api);            // lib.bind(api.name, "name"); each
#define XSHIP_DYNLIB_POINTER_(name) decltype(&::name) name = nullptr;
#define XSHIP_DYNLIB_POINTERS(LIST) LIST(XSHIP_DYNLIB_POINTER_)
#define XSHIP_DYNLIB_BIND(LIST, lib, api) \
  do { \
    auto& xship_bind_lib_ = (lib); \
    auto& xship_bind_api_ = (api); \
    LIST(XSHIP_DYNLIB_BIND_ONE_) \
  } while (0)
#define XSHIP_DYNLIB_BIND_ONE_(name) xship_bind_lib_.bind(xship_bind_api_.name, #name);

// What loading gives: the bound API, or the one-line error that says what to install.
template <class Api>
struct Loaded {
  Api api{};
  std::string error;  // empty: loaded
};

}  // namespace xship::dynlib
