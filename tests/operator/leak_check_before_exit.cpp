// LeakSanitizer's check runs at the end of the tests, while the process is still whole, instead of at exit.
//
// cpprest completes a failed or cancelled request on its thread pool after the caller has its answer (closing the
// response stream, settling pplx continuations). When a test process ends right then, the pool's static destructor
// stops with that work still queued and drops it, and the pplx task cycles it leaves are reported as leaks: an
// artefact of exiting, not of the code (it never appears with --gtest_repeat, where the work gets to finish). Checked
// here, that work is still referenced from the pool's queue and threads, so only memory that nothing can reach any
// more, a real leak, is reported; and the process still fails when there is one. __lsan_do_leak_check() also turns
// the exit-time check off.

#include <gtest/gtest.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>

namespace warden::op {
namespace {

class LeakCheckBeforeExit : public ::testing::Environment {
 public:
  void TearDown() override { __lsan_do_leak_check(); }
};

// gtest owns the environment; registering it is this file's only job.
[[maybe_unused]] ::testing::Environment* const kLeakCheck =
    ::testing::AddGlobalTestEnvironment(new LeakCheckBeforeExit);

}  // namespace
}  // namespace warden::op
#endif
