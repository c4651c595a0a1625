// Small helpers shared by the stress suite's tests: scratch folders, the
// scale knob, reporting problems.
#ifndef TENDER_STRESS_UTIL_H
#define TENDER_STRESS_UTIL_H

#include <string>
#include <vector>

namespace stress {

// TENDER_STRESS_SCALE (default 1): multiplies rounds and operations for a
// long run, e.g. TENDER_STRESS_SCALE=20 meson test -C build --suite stress.
int scale();
// A seed from TENDER_STRESS_SEED, else from the clock; printed by the tests
// so a failing run can be repeated.
unsigned seed();
// A new scratch folder under the temp dir, removed by remove_tree().
std::string make_temp_dir(const char *stem);
void remove_tree(const std::string &dir);
// Write text to path (the test fails on error).
void write_file(const std::string &path, const std::string &text);
// At most `limit` problems joined by new lines, and how many more.
std::string summarize(const std::vector<std::string> &problems, size_t limit = 10);

// A method's settings (JSON object text) pointing at a tender-sandbox
// started for this process on first use and stopped at exit: the bundled
// plugins are clients of their providers. "{}" when the sandbox has none.
std::string sandbox_settings(const char *method);
std::string card_sandbox_settings();
// One string setting of a method's ("" when absent).
std::string sandbox_setting(const char *method, const char *key);

}  // namespace stress

#endif
