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

}  // namespace xship::dynlib
