#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "sidecar/receipts/receipt.h"

namespace warden::sidecar {

// When a receipt counts as recorded.
enum class ReceiptSync {
  // On disk: written and fdatasync'ed (group commit on the writer thread) before its callback runs. The default;
  // no acknowledged receipt is lost to a process kill or to a node/kernel crash.
  Decision,
  // Written (in the kernel's page cache) on the calling thread before append returns; fdatasync runs every
  // syncInterval in the background. A process kill loses nothing acknowledged; a node/kernel crash can lose the
  // receipts of at most the last interval.
  Interval,
};

// The flag's spelling of a mode, and back (nullopt for an unknown name).
const char* toString(ReceiptSync sync);
std::optional<ReceiptSync> parseReceiptSync(const std::string& name);

struct ReceiptLogOptions {
  std::string path;            // the log file; its directory must exist
  bool mirrorToStdout = true;  // also write every recorded line to `mirror`
  std::FILE* mirror = stdout;  // tests pass their own stream
  std::size_t maxBatch = 512;  // Decision: receipts per write + fdatasync, at least 1
  ReceiptSync sync = ReceiptSync::Decision;
  std::chrono::milliseconds syncInterval{100};  // Interval: time between background fdatasyncs, (0, 10s]
  // Runs after every fdatasync that made receipts durable (counted by syncCount()), on the thread that ran it; for
  // metrics: it must be quick. What it throws is ignored.
  std::function<void()> onSync;
};

// The largest syncInterval accepted: beyond it a node crash could lose too much.
inline constexpr std::chrono::milliseconds kMaxReceiptSyncInterval{10'000};

struct AppendResult {
  bool ok = false;
  std::uint64_t seq = 0;  // when ok: the receipt's seq and hash
  std::string hash;
  std::string error;  // when not ok: why; the caller fails closed
};

// The durable, hash-chained receipt log (design D6). One writer thread group-commits: it takes everything queued
// (up to maxBatch), chains it in queue order, writes it with one write() and one fdatasync(), and only then runs
// each receipt's callback and mirrors the lines. A batch forms while the previous fdatasync runs, so there is no
// artificial delay. Once a write or fdatasync fails, the on-disk state of the chain is unknown (and after a failed
// fsync Linux may drop the dirty pages, so a retry could falsely succeed): every later append fails until the log
// is reopened, which re-reads the tail and records a torn line if there is one.
//
// The file is opened O_APPEND and locked with flock(), so a second writer (another process or another ReceiptLog)
// is refused instead of interleaving chains.
//
// With ReceiptSync::Interval there is no writer thread and no hand-off: append() and appendInline() chain, format
// and write() under the log's mutex on the calling thread (so seq order is file order with any number of callers),
// and a syncer thread fdatasyncs every syncInterval when something was written. A failed write or fdatasync stops
// the log exactly as above.
//
// Thread safety: append(), appendInline(), lastSeq(), lastHash() and syncCount() may be called from any thread.
// Decision: callbacks run on the writer thread, one at a time, in seq order; they must be quick (they delay the next
// batch). Interval: callbacks run on the calling thread before append() returns. Destroying the log while another
// thread is still calling append() is the caller's bug.
class ReceiptLog {
 public:
  using Callback = std::function<void(const AppendResult&)>;

  // Opens (creating with mode 0640) and resumes the chain from the file's last receipt, reading only its tail.
  // A torn last line is completed with "\n" and recorded by a recovery receipt. nullptr with *error when the
  // directory is missing, the file is not a regular file, another writer holds it, or the last receipt does not
  // verify (the log is damaged and must be checked with `wardenctl receipts verify`; it is never continued).
  static std::unique_ptr<ReceiptLog> open(ReceiptLogOptions options, std::string* error);

  // Queues a receipt; `done` runs on the writer thread once it and every receipt before it are on disk (written and
  // fdatasync'ed), or with ok=false if they could not be (disk full, I/O error, receipt too large). Never throws: if
  // the log is shutting down or memory runs out, `done` runs at once on the calling thread with ok=false.
  // Interval: `done` runs on the calling thread once the receipt is written (before append returns).
  void append(ReceiptInput input, Callback done);

  // Interval only: chains and writes `inputs` with one write() on the calling thread; the results are in input
  // order and each ok one is in the file when this returns. In Decision mode every result is an error (use append).
  std::vector<AppendResult> appendInline(std::vector<ReceiptInput> inputs);
  bool appendsInline() const { return options_.sync == ReceiptSync::Interval; }

  // The last recorded receipt (0 and kGenesisHash for an empty log): durable in Decision mode, written in Interval
  // mode (durable once the log is destroyed). Log this head: `wardenctl receipts verify
  // --expect-head` can then detect receipts cut off the end of the file.
  std::uint64_t lastSeq() const;
  std::string lastHash() const;
  // fdatasync() calls that made receipts durable (not counting open): with group commit, fewer than receipts; in
  // Interval mode, at most one per interval in which something was written (plus one at destruction).
  std::uint64_t syncCount() const { return syncs_.load(std::memory_order_relaxed); }

  // For tests that make the disk fail: the log's file descriptor (dup2 another file over it).
  int fileDescriptorForTesting() const { return fd_; }

  // Writes what is queued (running its callbacks), then stops the writer (Interval: syncs what was written and stops
  // the syncer) and closes the file.
  ~ReceiptLog();
  ReceiptLog(const ReceiptLog&) = delete;
  ReceiptLog& operator=(const ReceiptLog&) = delete;

 private:
  struct Pending {
    ReceiptInput input;
    Callback done;
  };

  ReceiptLog(ReceiptLogOptions options, int fd, std::uint64_t lastSeq, std::string lastHash);
  void run();
  void runSyncer();
  void commit(std::vector<Pending>& batch);
  void mirror(const std::string& lines);
  std::string name() const;
  void synced() noexcept;  // counts an fdatasync and runs onSync

  const ReceiptLogOptions options_;
  const int fd_;

  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::deque<Pending> queue_;  // guarded by mu_
  bool stopping_ = false;      // guarded by mu_
  std::uint64_t lastSeq_;      // recorded head, guarded by mu_
  std::string lastHash_;       // guarded by mu_
  bool unsynced_ = false;      // Interval: written since the syncer's last fdatasync, guarded by mu_

  // Why the log stopped accepting receipts. Decision: writer thread only; Interval: guarded by mu_.
  std::string failure_;
  std::atomic<std::uint64_t> syncs_{0};
  std::thread writer_;  // Decision: the group-commit writer; Interval: the syncer
};

}  // namespace warden::sidecar
