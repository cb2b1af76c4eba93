// fmt's out-of-line code, compiled once into a static xship (XSHIP_STATIC_LIBS). Why by
// hand: Debian's libfmt-dev ships only libfmt.so, which would bring the shared libstdc++
// back, and FMT_HEADER_ONLY compiles all of fmt into every file (+55 s per build of
// xship, measured). Without FMT_HEADER_ONLY, format-inl.h defines fmt's non-template
// functions here; the instantiations are the templates format.h and core.h declare but
// leave to the library (its `extern template` lines, locale_ref and dragonbox).
#include <fmt/format-inl.h>

FMT_BEGIN_NAMESPACE
namespace detail {

template FMT_API auto dragonbox::to_decimal(float x) noexcept -> dragonbox::decimal_fp<float>;
template FMT_API auto dragonbox::to_decimal(double x) noexcept -> dragonbox::decimal_fp<double>;

template FMT_API locale_ref::locale_ref(const std::locale& loc);
template FMT_API auto locale_ref::get<std::locale>() const -> std::locale;

template FMT_API auto thousands_sep_impl(locale_ref) -> thousands_sep_result<char>;
template FMT_API auto decimal_point_impl(locale_ref) -> char;
template FMT_API auto thousands_sep_impl(locale_ref) -> thousands_sep_result<wchar_t>;
template FMT_API auto decimal_point_impl(locale_ref) -> wchar_t;

}  // namespace detail
FMT_END_NAMESPACE
