#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "sidecar/receipts/receipt.h"

namespace warden::sidecar {

struct ReceiptLogOptions {
  std::string path;            // the log file; its directory must exist
  bool mirrorToStdout = true;  // also write every durable line to `mirror`
  std::FILE* mirror = stdout;  // tests pass their own stream
  std::size_t maxBatch = 512;  // receipts per write + fdatasync, at least 1
};

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
// Thread safety: append(), lastSeq(), lastHash() and syncCount() may be called from any thread. Callbacks run on
// the writer thread, one at a time, in seq order; they must be quick (they delay the next batch). Destroying the
// log while another thread is still calling append() is the caller's bug.
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
  void append(ReceiptInput input, Callback done);

  // The last durable receipt (0 and kGenesisHash for an empty log). Log this head: `wardenctl receipts verify
  // --expect-head` can then detect receipts cut off the end of the file.
  std::uint64_t lastSeq() const;
  std::string lastHash() const;
  // fdatasync() calls that made batches durable (not counting open): with group commit, fewer than receipts.
  std::uint64_t syncCount() const { return syncs_.load(std::memory_order_relaxed); }

  // For tests that make the disk fail: the log's file descriptor (dup2 another file over it).
  int fileDescriptorForTesting() const { return fd_; }

  ~ReceiptLog();  // writes what is queued (running its callbacks), then stops the writer and closes the file
  ReceiptLog(const ReceiptLog&) = delete;
  ReceiptLog& operator=(const ReceiptLog&) = delete;

 private:
  struct Pending {
    ReceiptInput input;
    Callback done;
  };

  ReceiptLog(ReceiptLogOptions options, int fd, std::uint64_t lastSeq, std::string lastHash);
  void run();
  void commit(std::vector<Pending>& batch);
  void mirror(const std::string& lines);

  const ReceiptLogOptions options_;
  const int fd_;

  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::deque<Pending> queue_;  // guarded by mu_
  bool stopping_ = false;      // guarded by mu_
  std::uint64_t lastSeq_;      // durable head, guarded by mu_
  std::string lastHash_;       // guarded by mu_

  std::string failure_;  // writer thread only: why the log stopped accepting receipts
  std::atomic<std::uint64_t> syncs_{0};
  std::thread writer_;
};

}  // namespace warden::sidecar
