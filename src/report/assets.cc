#include "report/assets.h"

// The files are included by the assembler (.incbin) at build time; CMake passes their paths and
// makes this file depend on them. Each blob is followed by one NUL byte that is not part of it.
#define TAD_EMBED(symbol, file)                                                                          \
  __asm__(".section .rodata\n.balign 16\n.global " #symbol "_begin\n" #symbol "_begin:\n.incbin \"" file \
          "\"\n.global " #symbol "_end\n" #symbol "_end:\n.byte 0\n.previous\n");                        \
  extern "C" const char symbol##_begin[];                                                                \
  extern "C" const char symbol##_end[];

TAD_EMBED(tad_report_echarts_js, TAD_ECHARTS_JS)
TAD_EMBED(tad_report_report_js, TAD_REPORT_JS)
TAD_EMBED(tad_report_report_css, TAD_REPORT_CSS)

namespace tad::report {

std::string_view EchartsScript() {
  return {tad_report_echarts_js_begin, static_cast<size_t>(tad_report_echarts_js_end - tad_report_echarts_js_begin)};
}
std::string_view ReportScript() {
  return {tad_report_report_js_begin, static_cast<size_t>(tad_report_report_js_end - tad_report_report_js_begin)};
}
std::string_view ReportStyle() {
  return {tad_report_report_css_begin, static_cast<size_t>(tad_report_report_css_end - tad_report_report_css_begin)};
}

}  // namespace tad::report
